//! Invitations: a one-time link the admin sends so a company links its own
//! phone. Plain data; the token itself lives only in the URL.

use serde::{Deserialize, Serialize};

/// How the company may link from the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteMethod {
    Code,
    Qr,
    Any,
}

impl InviteMethod {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "code" => Ok(Self::Code),
            "qr" => Ok(Self::Qr),
            "any" | "" => Ok(Self::Any),
            other => Err(format!("{other:?} is not a method: code, qr or any")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Qr => "qr",
            Self::Any => "any",
        }
    }

    /// Whether the page may offer `wanted` ("code" or "qr").
    pub fn allows(self, wanted: &str) -> bool {
        matches!(
            (self, wanted),
            (Self::Any, "code" | "qr") | (Self::Code, "code") | (Self::Qr, "qr")
        )
    }
}

/// Where an invitation stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteStatus {
    Live,
    Expired,
    Revoked,
    Used,
}

impl InviteStatus {
    pub fn of(expires_at: i64, used_at: Option<i64>, revoked_at: Option<i64>, now: i64) -> Self {
        if used_at.is_some() {
            Self::Used
        } else if revoked_at.is_some() {
            Self::Revoked
        } else if expires_at <= now {
            Self::Expired
        } else {
            Self::Live
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Used => "used",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse_and_allow() {
        let table = [
            ("code", InviteMethod::Code, true, false),
            ("QR", InviteMethod::Qr, false, true),
            ("any", InviteMethod::Any, true, true),
        ];
        for (raw, method, code, qr) in table {
            assert_eq!(InviteMethod::parse(raw), Ok(method), "{raw}");
            assert_eq!(method.allows("code"), code, "{raw}");
            assert_eq!(method.allows("qr"), qr, "{raw}");
            assert!(!method.allows("sms"));
        }
        assert!(
            InviteMethod::parse("sms")
                .unwrap_err()
                .contains("code, qr or any")
        );
    }

    #[test]
    fn status_order_used_then_revoked_then_expired() {
        use InviteStatus::*;
        let table = [
            (100, None, None, 50, Live),
            (100, None, None, 100, Expired),
            (100, None, Some(60), 50, Revoked),
            (100, Some(70), Some(60), 200, Used),
        ];
        for (exp, used, revoked, now, want) in table {
            assert_eq!(InviteStatus::of(exp, used, revoked, now), want);
        }
    }
}
