//! API tokens: made from 32 random bytes, shown once, stored as SHA-256.
//! A token has a scope and may be bound to one company.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Reads sessions and events.
    Read,
    /// Also links, cancels, reconnects.
    Link,
    /// Also adds and removes companies, logs out.
    Admin,
}

impl Scope {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "read" => Ok(Self::Read),
            "link" => Ok(Self::Link),
            "admin" => Ok(Self::Admin),
            other => Err(format!("the scope is read, link or admin, not {other:?}")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Link => "link",
            Self::Admin => "admin",
        }
    }
}

/// Who called: a token's scope and the one company it may see, if bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: i64,
    pub scope: Scope,
    pub company: Option<i64>,
}

impl Principal {
    /// How a link attempt names this caller to other askers.
    pub fn by(&self) -> String {
        format!("HTTP token #{}", self.token_id)
    }

    /// A company this token may not see is, to it, a company that does
    /// not exist.
    pub fn sees(&self, company: i64) -> bool {
        self.company.is_none_or(|c| c == company)
    }

    pub fn may(&self, needed: Scope) -> bool {
        self.scope >= needed
    }
}

/// A new token: `wlk_` and 64 hex digits.
pub fn new_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness for a token: {e}"))?;
    Ok(format!("wlk_{}", hex::encode(bytes)))
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// "30d", "12h", "90m" → seconds.
pub fn parse_duration(raw: &str) -> Result<i64, String> {
    let bad = || format!("a duration is a number and d, h or m, like 30d or 12h, not {raw:?}");
    let raw = raw.trim();
    let (digits, unit) = raw.split_at(raw.len().saturating_sub(1));
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let unit = match unit {
        "d" => 86_400,
        "h" => 3600,
        "m" => 60,
        _ => return Err(bad()),
    };
    if n <= 0 {
        return Err(bad());
    }
    n.checked_mul(unit).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (raw, want) in [
            ("30d", Ok(30 * 86_400)),
            ("12h", Ok(12 * 3600)),
            ("90m", Ok(5400)),
            ("0d", Err(())),
            ("d", Err(())),
            ("3w", Err(())),
            ("-1h", Err(())),
        ] {
            assert_eq!(parse_duration(raw).map_err(|_| ()), want, "{raw}");
        }
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_ne!(a, b);
        assert!(a.starts_with("wlk_") && a.len() == 68, "{a}");
        assert_eq!(hash(&a).len(), 64);
        assert!(!hash(&a).contains(&a[4..]));
    }

    #[test]
    fn scopes_nest_and_companies_are_fenced() {
        let p = Principal {
            token_id: 1,
            scope: Scope::Link,
            company: Some(7),
        };
        assert!(p.may(Scope::Read) && p.may(Scope::Link) && !p.may(Scope::Admin));
        assert!(p.sees(7) && !p.sees(8));
    }
}
