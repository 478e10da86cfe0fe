//! Why a typed number was refused, as a company reads it on its invitation
//! page: a whole sentence in the page's language.

use super::{Lang, PhoneError};

impl PhoneError {
    pub fn page_sentence(&self, lang: Lang) -> String {
        match lang {
            Lang::En => {
                let mut s = self.to_string();
                if let Some(first) = s.get(..1) {
                    s.replace_range(..1, &first.to_uppercase());
                }
                s + "."
            }
            Lang::Ru => self.russian(),
        }
    }

    fn russian(&self) -> String {
        match self {
            Self::Empty => "Введите номер телефона, например +7 900 123 45 67.".into(),
            Self::TooLong => "Это слишком длинно для номера телефона.".into(),
            Self::BadChar(c) => format!(
                "В номере телефона бывают только цифры, пробелы и + ( ) - . (здесь есть «{c}»)."
            ),
            Self::NeedsCountryCode(example) => {
                format!("Добавьте код страны, например {example}.")
            }
            Self::UnknownCountryCode(code) => format!("+{code} — это не код страны."),
            Self::TooShort => "Это слишком коротко для номера телефона.".into(),
            Self::NotValidFor(country) => {
                format!("Такого номера не бывает (страна: {country}).")
            }
            Self::Landline => "Это стационарный номер; для WhatsApp нужен мобильный.".into(),
            Self::ServiceNumber => "Это служебный номер (бесплатный, платный или с разделённой оплатой); для WhatsApp нужен мобильный.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::cyrillic;

    /// Every refusal the page can show, in both languages.
    #[test]
    fn every_refusal_reads_in_both_languages() {
        let every = [
            PhoneError::Empty,
            PhoneError::TooLong,
            PhoneError::BadChar('x'),
            PhoneError::NeedsCountryCode("+7 968 648 44 88".into()),
            PhoneError::UnknownCountryCode("999".into()),
            PhoneError::TooShort,
            PhoneError::NotValidFor("Russia".into()),
            PhoneError::Landline,
            PhoneError::ServiceNumber,
        ];
        for e in every {
            let en = e.page_sentence(Lang::En);
            let ru = e.page_sentence(Lang::Ru);
            assert!(!cyrillic(&en) && en.ends_with('.'), "{en}");
            assert!(!en.starts_with(|c: char| c.is_lowercase()), "{en}");
            assert!(cyrillic(&ru) && ru.ends_with('.'), "{ru}");
        }
        assert_eq!(
            PhoneError::Landline.page_sentence(Lang::En),
            "That is a landline; WhatsApp needs a mobile number."
        );
    }
}
