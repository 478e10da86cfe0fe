//! Invitations as every client makes them: a random token for the URL, its
//! hash for the registry, and the URL the company opens.

use crate::domain::{InviteMethod, Phone, UnixTime};
use crate::engine::Command;
use crate::engine::command::Invite;

/// The registry setting `walink serve --http` keeps its public URL in.
pub const PUBLIC_URL: &str = "public_url";
/// How long an invitation lasts unless told.
pub const DEFAULT_TTL: i64 = 30 * 60;
/// Longer than this is refused: a link in someone's inbox should not live
/// for months.
pub const MAX_TTL: i64 = 7 * 86_400;

/// 192 random bits, hex: long enough that guessing is hopeless, short
/// enough for a QR the admin can show.
pub fn new_token() -> Result<String, String> {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness for a token: {e}"))?;
    Ok(hex::encode(bytes))
}

/// `https://walink.example.com/base` + token → its page.
pub fn url(base: &str, token: &str) -> String {
    format!("{}/link/{token}", base.trim_end_matches('/'))
}

/// A base URL a browser elsewhere can open: http or https, a host.
pub fn check_public_url(raw: &str) -> Result<String, String> {
    let bad = || format!("{raw:?} is not a URL like https://walink.example.com");
    let url = url::Url::parse(raw.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// "30m" → seconds, within `MAX_TTL`.
pub fn ttl(raw: &str) -> Result<i64, String> {
    let secs = crate::auth::parse_duration(raw)?;
    if secs <= 0 || secs > MAX_TTL {
        return Err(format!("an invitation lasts between 1m and 7d, not {raw}"));
    }
    Ok(secs)
}

/// A new token and the command that records it.
pub fn make(
    company: i64,
    phone: Option<Phone>,
    method: InviteMethod,
    expires_at: UnixTime,
    by: &str,
) -> Result<(String, Command), String> {
    let token = new_token()?;
    let cmd = Command::Invite(Invite {
        company,
        hash: crate::auth::hash(&token),
        phone,
        method,
        expires_at,
        by: by.to_owned(),
    });
    Ok((token, cmd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed_for_the_registry() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_eq!(a.len(), 48);
        assert_ne!(a, b);
        let (token, cmd) = make(1, None, InviteMethod::Any, 100, "test").expect("made");
        let Command::Invite(made) = cmd else {
            panic!("not an invite: {cmd:?}")
        };
        assert_eq!(made.hash, crate::auth::hash(&token));
        assert!(!made.hash.contains(&token));
    }

    #[test]
    fn public_urls() {
        let table = [
            ("https://w.example.com/", Ok("https://w.example.com")),
            ("http://127.0.0.1:8080", Ok("http://127.0.0.1:8080")),
            (
                "https://example.com/walink/",
                Ok("https://example.com/walink"),
            ),
            ("ftp://example.com", Err(())),
            ("example.com", Err(())),
            ("https://example.com/?a=1", Err(())),
        ];
        for (raw, want) in table {
            let got = check_public_url(raw).map_err(|_| ());
            assert_eq!(got, want.map(str::to_owned), "{raw}");
        }
        assert_eq!(url("https://a.b/x/", "t0"), "https://a.b/x/link/t0");
    }

    #[test]
    fn lifetimes() {
        assert_eq!(ttl("30m"), Ok(1800));
        assert_eq!(ttl("7d"), Ok(7 * 86_400));
        assert!(ttl("8d").unwrap_err().contains("between 1m and 7d"));
        assert!(ttl("0m").is_err());
        assert!(ttl("soon").is_err());
    }
}
