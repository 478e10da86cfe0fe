//! The languages a company reads walink in (the invitation page): English
//! and Russian. Plain data; the page picks one from the request.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Self; 2] = [Self::En, Self::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ru => "ru",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Ru,
            Self::Ru => Self::En,
        }
    }

    /// The country a reader of this language most likely dials from, for
    /// numbers typed without `+` when nobody set one: Russian means Russia.
    /// English is spoken everywhere, so it suggests none.
    pub fn country(self) -> Option<&'static str> {
        match self {
            Self::En => None,
            Self::Ru => Some("RU"),
        }
    }

    /// `ru`, `ru-RU`, `EN_gb` → a language; anything else → none.
    pub fn parse(raw: &str) -> Option<Self> {
        let primary = raw.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ru" => Some(Self::Ru),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The first of ru/en an `Accept-Language` value prefers; English when
    /// it names neither.
    pub fn from_accept(accept: &str) -> Self {
        let mut best: Option<(f32, Self)> = None;
        for part in accept.split(',') {
            let mut bits = part.split(';');
            let Some(lang) = bits.next().and_then(Self::parse) else {
                continue;
            };
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            // Highest q first; among equals, the one listed first.
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::En, |(_, l)| l)
    }
}

/// Whether a sentence is written in Russian (has Cyrillic letters): what
/// the tests of every page sentence check.
#[cfg(test)]
pub(crate) fn cyrillic(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        let table = [
            ("", Lang::En),
            ("ru-RU,ru;q=0.9,en-US;q=0.8", Lang::Ru),
            ("en-GB,en;q=0.9,ru;q=0.8", Lang::En),
            ("de-DE,de;q=0.9,ru;q=0.5", Lang::Ru),
            ("fr", Lang::En),
            ("en;q=0.2, ru;q=0.7", Lang::Ru),
        ];
        for (accept, want) in table {
            assert_eq!(Lang::from_accept(accept), want, "{accept}");
        }
    }
}
