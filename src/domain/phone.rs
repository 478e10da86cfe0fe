//! Phone numbers as people type them, checked with the `phonenumber` crate
//! and kept as E.164 digits (what WhatsApp's pairing request carries).

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id as CountryId;
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, PhoneNumber, Type};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longer input than this is a paste gone wrong, not a number.
const MAX_INPUT: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    /// E.164 without the plus: `79001234567`.
    pub digits: String,
    /// ISO 3166 alpha-2, e.g. `RU`; empty for non-geographic numbers.
    pub country_code: String,
    pub country: String,
    /// International format for display: `+7 900 123-45-67`.
    pub formatted: String,
    pub warning: Option<PhoneWarning>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum PhoneWarning {
    #[error("this may be a landline; WhatsApp needs a mobile number")]
    MaybeLandline,
    #[error("this looks like an internet (VoIP) number; WhatsApp may refuse it")]
    Voip,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhoneError {
    #[error("type a phone number, e.g. +7 900 123 45 67")]
    Empty,
    #[error("that is too long to be a phone number")]
    TooLong,
    #[error("a phone number has only digits, spaces and + ( ) - . (found {0:?})")]
    BadChar(char),
    #[error("add the country code, e.g. {0}")]
    NeedsCountryCode(String),
    #[error("+{0} is not a country code")]
    UnknownCountryCode(String),
    #[error("that is too short to be a phone number")]
    TooShort,
    #[error("this is not a valid number for {0}")]
    NotValidFor(String),
    #[error("that is a landline; WhatsApp needs a mobile number")]
    Landline,
    #[error(
        "that is a service number (toll-free, premium or shared-cost); WhatsApp needs a mobile number"
    )]
    ServiceNumber,
}

impl Phone {
    /// Parse what a person typed. `country` (alpha-2) is used only for
    /// numbers written without their country code.
    pub fn parse(raw: &str, country: Option<&str>) -> Result<Self, PhoneError> {
        let raw = raw.trim();
        if raw.chars().count() > MAX_INPUT {
            return Err(PhoneError::TooLong);
        }
        if let Some(bad) = raw
            .chars()
            .find(|c| !(c.is_ascii_digit() || " +()-./\u{a0}".contains(*c)))
        {
            return Err(PhoneError::BadChar(bad));
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        let region = country.and_then(|c| CountryId::from_str(&c.to_ascii_uppercase()).ok());
        let international = raw.starts_with('+') || raw.starts_with("00");
        let number = if international {
            parse_number(None, &format!("+{}", digits.trim_start_matches("00")))?
        } else if let Some(region) = region {
            parse_number(Some(region), raw)?
        } else {
            // "79001234567" is how the old system stored numbers: E.164
            // digits. Anything else without a `+` is a national number of a
            // country we do not know: say so, never make up a country code.
            let needs_code = || PhoneError::NeedsCountryCode(example(&digits));
            if digits.starts_with('0') {
                return Err(needs_code());
            }
            match parse_number(None, &format!("+{digits}")) {
                Ok(n) if n.is_valid() => n,
                _ => return Err(needs_code()),
            }
        };
        Self::from_parsed(&number)
    }

    fn from_parsed(number: &PhoneNumber) -> Result<Self, PhoneError> {
        let id = number.country().id();
        // Without a region (e.g. an unassigned area code) name the calling code.
        let country = id
            .map(country_name)
            .unwrap_or_else(|| format!("+{}", number.code().value()));
        if !number.is_valid() {
            return Err(PhoneError::NotValidFor(country));
        }
        let warning = match number.number_type(&DATABASE) {
            Type::Mobile => None,
            Type::FixedLineOrMobile => Some(PhoneWarning::MaybeLandline),
            Type::Voip | Type::PersonalNumber | Type::Unknown => Some(PhoneWarning::Voip),
            Type::FixedLine => return Err(PhoneError::Landline),
            _ => return Err(PhoneError::ServiceNumber),
        };
        let e164 = number.format().mode(Mode::E164).to_string();
        Ok(Self {
            digits: e164.trim_start_matches('+').to_owned(),
            country_code: id.map(|i| i.as_ref().to_owned()).unwrap_or_default(),
            country,
            formatted: number.format().mode(Mode::International).to_string(),
            warning,
        })
    }

    /// Digits with the middle hidden, for logs and default listings.
    pub fn masked(&self) -> String {
        mask_digits(&self.digits)
    }

    pub fn e164(&self) -> String {
        format!("+{}", self.digits)
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted)
    }
}

fn parse_number(region: Option<CountryId>, text: &str) -> Result<PhoneNumber, PhoneError> {
    use phonenumber::ParseError as P;
    phonenumber::parse(region, text).map_err(|e| match e {
        P::InvalidCountryCode => {
            let digits: String = text.chars().filter(char::is_ascii_digit).take(3).collect();
            PhoneError::UnknownCountryCode(digits)
        }
        P::TooLong => PhoneError::TooLong,
        _ => PhoneError::TooShort,
    })
}

/// What to show a person who left the country code out: their own number
/// with +7 where it was written the Russian way (8 and ten digits).
fn example(digits: &str) -> String {
    match digits.strip_prefix('8') {
        Some(rest) if rest.len() == 10 => format!(
            "+7 {} {} {} {}",
            &rest[..3],
            &rest[3..6],
            &rest[6..8],
            &rest[8..]
        ),
        _ => "+7 900 123 45 67".into(),
    }
}

/// `79001234567` → `+7900•••4567`: enough to tell numbers apart, not to call.
pub fn mask_digits(digits: &str) -> String {
    let d: Vec<char> = digits.chars().filter(char::is_ascii_digit).collect();
    if d.len() <= 8 {
        return format!("+{}•••", d.iter().take(2).collect::<String>());
    }
    let head: String = d[..4].iter().collect();
    let tail: String = d[d.len() - 4..].iter().collect();
    format!("+{head}•••{tail}")
}

/// A JID with its user part masked like a number:
/// `7916•••4321:1@s.whatsapp.net`.
pub fn mask_jid(jid: &str) -> String {
    let end = jid.find([':', '@']).unwrap_or(jid.len());
    let (user, rest) = jid.split_at(end);
    let masked = mask_digits(user);
    format!("{}{rest}", masked.trim_start_matches('+'))
}

/// Short English name: "Russia", not "The Russian Federation".
pub(super) fn country_name(id: CountryId) -> String {
    let alpha2 = id.as_ref();
    let short = match alpha2 {
        "RU" => Some("Russia"),
        "GB" => Some("the United Kingdom"),
        "US" => Some("the United States"),
        "KR" => Some("South Korea"),
        "IR" => Some("Iran"),
        "VN" => Some("Vietnam"),
        _ => None,
    };
    if let Some(s) = short {
        return s.to_owned();
    }
    celes::Country::from_alpha2(alpha2)
        .map(|c| c.long_name.trim_start_matches("The ").to_owned())
        .unwrap_or_else(|_| alpha2.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_numbers_from_many_countries() {
        // (typed, country chosen, E.164 digits, country, warning)
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            &'a str,
            &'a str,
            Option<PhoneWarning>,
        );
        let cases: &[Case] = &[
            ("+7 900 123-45-67", None, "79001234567", "Russia", None),
            ("79001234567", None, "79001234567", "Russia", None),
            (
                "8 (900) 123-45-67",
                Some("RU"),
                "79001234567",
                "Russia",
                None,
            ),
            (
                "+44 7400 123456",
                None,
                "447400123456",
                "the United Kingdom",
                None,
            ),
            (
                "(415) 555-2671",
                Some("us"),
                "14155552671",
                "the United States",
                Some(PhoneWarning::MaybeLandline),
            ),
            ("+49 151 23456789", None, "4915123456789", "Germany", None),
            ("+55 11 91234-5678", None, "5511912345678", "Brazil", None),
            ("+91 98765 43210", None, "919876543210", "India", None),
            ("+33 6 12 34 56 78", None, "33612345678", "France", None),
            ("+34 612 34 56 78", None, "34612345678", "Spain", None),
            ("+380 50 123 4567", None, "380501234567", "Ukraine", None),
            (
                "+62 812-3456-7890",
                None,
                "6281234567890",
                "Indonesia",
                None,
            ),
            ("0044 7911 123456", None, "447911123456", "Guernsey", None),
        ];
        for (typed, country, digits, name, warning) in cases {
            let p =
                Phone::parse(typed, *country).unwrap_or_else(|e| panic!("{typed:?} refused: {e}"));
            assert_eq!(p.digits, *digits, "{typed:?}");
            assert_eq!(p.country, *name, "{typed:?}");
            assert_eq!(p.warning, *warning, "{typed:?}");
        }
    }

    #[test]
    fn bad_numbers_get_their_sentence() {
        let paste = "7".repeat(10_000);
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("", None, "type a phone number, e.g. +7 900 123 45 67"),
            ("+-() ", None, "type a phone number, e.g. +7 900 123 45 67"),
            (
                "+7 900 CALL-ME",
                None,
                "a phone number has only digits, spaces and + ( ) - . (found 'C')",
            ),
            (
                "89001234567x",
                None,
                "a phone number has only digits, spaces and + ( ) - . (found 'x')",
            ),
            (
                "0791 1123456",
                None,
                "add the country code, e.g. +7 900 123 45 67",
            ),
            ("+7 900", None, "this is not a valid number for Russia"),
            (
                "+7 900 123 45 67 89 12",
                None,
                "this is not a valid number for Russia",
            ),
            (
                "(555) 123-4567",
                Some("US"),
                "this is not a valid number for +1",
            ),
            ("+12", None, "that is too short to be a phone number"),
            (&paste, None, "that is too long to be a phone number"),
            (
                "+7 495 123-45-67",
                None,
                "that is a landline; WhatsApp needs a mobile number",
            ),
            (
                "+44 20 7946 0958",
                None,
                "that is a landline; WhatsApp needs a mobile number",
            ),
            ("+999 123 456 789", None, "+999 is not a country code"),
            (
                "+44 800 123 4567",
                None,
                "that is a service number (toll-free, premium or shared-cost); WhatsApp needs a mobile number",
            ),
        ];
        for (typed, country, want) in cases {
            let got = Phone::parse(typed, *country);
            assert_eq!(
                got.as_ref().map_err(ToString::to_string).err().as_deref(),
                Some(*want),
                "{:?} gave {got:?}",
                &typed[..typed.len().min(30)]
            );
        }
    }

    #[test]
    fn masking_hides_the_middle() {
        assert_eq!(mask_digits("79001234567"), "+7900•••4567");
        assert_eq!(mask_digits("447911123456"), "+4479•••3456");
        assert_eq!(mask_digits("123"), "+12•••");
        assert_eq!(
            mask_jid("79001234567:1@s.whatsapp.net"),
            "7900•••4567:1@s.whatsapp.net"
        );
        assert_eq!(
            mask_jid("79001234567@s.whatsapp.net"),
            "7900•••4567@s.whatsapp.net"
        );
        assert_eq!(mask_jid("79001234567"), "7900•••4567");
    }
}
