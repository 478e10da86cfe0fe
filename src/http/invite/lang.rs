//! The page's language: from `?lang=`, else `Accept-Language`.

use axum::http::HeaderMap;

use crate::domain::Lang;

/// `?lang=ru` wins; then the first of ru/en the browser prefers.
pub fn pick(query: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(l) = query.and_then(Lang::parse) {
        return l;
    }
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    Lang::from_accept(accept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins() {
        let mut h = HeaderMap::new();
        h.insert("accept-language", "ru".parse().expect("header"));
        assert_eq!(pick(Some("en"), &h), Lang::En);
        assert_eq!(pick(Some("xx"), &h), Lang::Ru);
        assert_eq!(pick(None, &h), Lang::Ru);
    }
}
