//! The page's two languages: from `?lang=`, else `Accept-Language`.

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
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

    /// `?lang=ru` wins; then the first of ru/en the browser prefers.
    pub fn pick(query: Option<&str>, headers: &HeaderMap) -> Self {
        if let Some(l) = query.and_then(Self::parse) {
            return l;
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        Self::from_accept(accept)
    }

    fn parse(raw: &str) -> Option<Self> {
        let primary = raw.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ru" => Some(Self::Ru),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    fn from_accept(accept: &str) -> Self {
        let mut best: Option<(f32, usize, Self)> = None;
        for (i, part) in accept.split(',').enumerate() {
            let mut bits = part.split(';');
            let Some(lang) = bits.next().and_then(Self::parse) else {
                continue;
            };
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            // Highest q first; among equals, the one listed first.
            if best.is_none_or(|(bq, _, _)| q > bq) {
                best = Some((q, i, lang));
            }
        }
        best.map_or(Self::En, |(_, _, l)| l)
    }
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

    #[test]
    fn the_query_wins() {
        let mut h = HeaderMap::new();
        h.insert("accept-language", "ru".parse().expect("header"));
        assert_eq!(Lang::pick(Some("en"), &h), Lang::En);
        assert_eq!(Lang::pick(Some("xx"), &h), Lang::Ru);
        assert_eq!(Lang::pick(None, &h), Lang::Ru);
    }
}
