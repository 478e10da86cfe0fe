//! Every state a company's session can be in, each with what its row shows.

use std::time::Instant;

use serde::Serialize;

use super::{FailureReason, UnixTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    NotLinked,
    Connecting,
    /// A pairing code is live until `expires_at` (monotonic).
    LinkingCode {
        expires_at: Instant,
    },
    /// A QR ref is live until `expires_at`.
    LinkingQr {
        expires_at: Instant,
    },
    /// Paired; the client is finishing its first sync (about 10 s).
    FinishingSync,
    Connected,
    /// The client retries on its own; `retry_at` when known.
    Disconnected {
        retry_at: Option<Instant>,
    },
    LoggedOut,
    Replaced,
    Banned {
        until: UnixTime,
    },
    Cooldown {
        until: UnixTime,
    },
    PasskeyRequired,
    Failed {
        reason: FailureReason,
    },
    /// Exported to another data directory or host (`company export`): its
    /// keys left with it, so it never connects here again.
    Moved,
    /// Another host holds the company's lease and runs its session (hosts
    /// sharing one database); this one starts it when it holds the lease.
    Elsewhere,
}

impl SessionState {
    /// Stable name for the registry and `--json` output.
    pub fn key(&self) -> &'static str {
        match self {
            Self::NotLinked => "not_linked",
            Self::Connecting => "connecting",
            Self::LinkingCode { .. } => "linking_code",
            Self::LinkingQr { .. } => "linking_qr",
            Self::FinishingSync => "finishing_sync",
            Self::Connected => "connected",
            Self::Disconnected { .. } => "disconnected",
            Self::LoggedOut => "logged_out",
            Self::Replaced => "replaced",
            Self::Banned { .. } => "banned",
            Self::Cooldown { .. } => "cooldown",
            Self::PasskeyRequired => "passkey_required",
            Self::Failed { .. } => "failed",
            Self::Moved => "moved",
            Self::Elsewhere => "elsewhere",
        }
    }

    /// States whose keys are stored and that a restart should reconnect.
    pub fn is_linked(&self) -> bool {
        matches!(
            self,
            Self::Connecting | Self::FinishingSync | Self::Connected | Self::Disconnected { .. }
        )
    }
}

/// One link attempt, so late updates of an old one can be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AttemptId(pub u64);

/// How to link: a pairing code for a number, or a QR to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkMethod {
    Code { phone: super::Phone },
    Qr,
}

impl LinkMethod {
    /// The number a code is for; none for a QR.
    pub fn phone(&self) -> Option<&super::Phone> {
        match self {
            Self::Code { phone } => Some(phone),
            Self::Qr => None,
        }
    }

    /// A code for `phone`, or a QR without one.
    pub fn for_phone(phone: Option<super::Phone>) -> Self {
        match phone {
            Some(phone) => Self::Code { phone },
            None => Self::Qr,
        }
    }
}

/// The 8-character pairing code, shown `ABCD-EFGH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairCode(String);

impl PairCode {
    pub fn new(raw: &str) -> Self {
        Self(
            raw.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_uppercase(),
        )
    }

    /// Without the dash, as the phone takes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PairCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.0.get(..4), self.0.get(4..)) {
            (Some(a), Some(b)) if self.0.len() == 8 => write!(f, "{a}-{b}"),
            _ => f.write_str(&self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_code_shows_with_a_dash() {
        assert_eq!(PairCode::new("abcdefgh").to_string(), "ABCD-EFGH");
        assert_eq!(PairCode::new("ABCD-EFGH").as_str(), "ABCDEFGH");
        assert_eq!(PairCode::new("ABC").to_string(), "ABC");
    }
}
