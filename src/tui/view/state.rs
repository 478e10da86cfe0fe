//! How a session state reads on screen: symbol, words, tone, and the
//! family the header counts it in. One place for the table and header.

use crate::domain::SessionState;

use super::super::app::Now;
use super::text::{clock, countdown, left, secs_up};
use super::theme::Tone;

/// Header groups, in the order the header lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Connected,
    /// Restoring or reconnecting on its keys: not a link attempt.
    Connecting,
    Linking,
    Disconnected,
    Cooldown,
    Attention,
    /// Run by another host (several hosts over one database).
    Elsewhere,
    NotLinked,
}

impl Family {
    pub const ALL: [Family; 8] = [
        Self::Connected,
        Self::Connecting,
        Self::Linking,
        Self::Disconnected,
        Self::Cooldown,
        Self::Attention,
        Self::Elsewhere,
        Self::NotLinked,
    ];

    /// The label in a header too narrow for `label`'s.
    pub fn short(self) -> &'static str {
        match self {
            Self::Connected => "up",
            Self::Connecting => "wait",
            Self::Linking => "linking",
            Self::Disconnected => "down",
            Self::Cooldown => "cooling",
            Self::Attention => "attention",
            Self::Elsewhere => "other host",
            Self::NotLinked => "unlinked",
        }
    }

    pub fn label(self) -> (&'static str, &'static str, Tone) {
        match self {
            Self::Connected => ("●", "connected", Tone::Ok),
            Self::Connecting => ("◐", "connecting", Tone::Busy),
            Self::Linking => ("◐", "linking", Tone::Busy),
            Self::Disconnected => ("◌", "disconnected", Tone::Warn),
            Self::Cooldown => ("◷", "cooldown", Tone::Warn),
            Self::Attention => ("✗", "need attention", Tone::Bad),
            Self::Elsewhere => ("○", "on other hosts", Tone::Idle),
            Self::NotLinked => ("○", "not linked", Tone::Idle),
        }
    }
}

pub fn family(state: &SessionState) -> Family {
    use SessionState as S;
    match state {
        S::Connected => Family::Connected,
        S::Connecting => Family::Connecting,
        S::LinkingCode { .. } | S::LinkingQr { .. } | S::FinishingSync => Family::Linking,
        S::Disconnected { .. } => Family::Disconnected,
        S::Cooldown { .. } => Family::Cooldown,
        S::LoggedOut | S::Replaced | S::Banned { .. } | S::PasskeyRequired | S::Failed { .. } => {
            Family::Attention
        }
        S::Elsewhere => Family::Elsewhere,
        S::NotLinked | S::Moved => Family::NotLinked,
    }
}

/// "◐ Linking · code 2:41", "◌ Disconnected · retry in 8 s", …
pub fn describe(state: &SessionState, now: Now) -> (String, Tone) {
    use SessionState as S;
    let text = match state {
        S::NotLinked => "Not linked".into(),
        S::Connecting => "Connecting".into(),
        S::LinkingCode { expires_at } => {
            format!(
                "Linking · code {}",
                countdown(left(*expires_at, now.instant))
            )
        }
        S::LinkingQr { expires_at } => {
            format!("Linking · QR {}", countdown(left(*expires_at, now.instant)))
        }
        S::FinishingSync => "Linked · syncing".into(),
        S::Connected => "Connected".into(),
        S::Disconnected { retry_at: Some(at) } => {
            let secs = secs_up(left(*at, now.instant));
            format!("Disconnected · retry in {secs} s")
        }
        S::Disconnected { retry_at: None } => "Disconnected · retrying".into(),
        S::LoggedOut => "Logged out".into(),
        S::Replaced => "Replaced elsewhere".into(),
        S::Banned { until } => format!("Banned until {}", clock(*until, now.unix, now.tz)),
        S::Cooldown { until } => format!("Cooldown until {}", clock(*until, now.unix, now.tz)),
        S::PasskeyRequired => "Needs passkey (browser)".into(),
        S::Failed { .. } => "Failed".into(),
        S::Moved => "Moved (exported)".into(),
        S::Elsewhere => "Run by another host".into(),
    };
    let f = family(state);
    let (symbol, _, tone) = f.label();
    (format!("{symbol} {text}"), tone)
}
