//! A row and its state on the wire: deadlines as what is left of them.

use std::time::Instant;

use super::convert::{deadline, from_ms, left, to_ms};
use super::wire::{WireRow, WireState};
use crate::domain::SessionState;
use crate::engine::SessionRow;

impl WireState {
    pub fn from_state(s: &SessionState, now: Instant) -> Self {
        use SessionState as S;
        match s {
            S::NotLinked => Self::NotLinked,
            S::Connecting => Self::Connecting,
            S::LinkingCode { expires_at } => Self::LinkingCode {
                expires_in_ms: left(*expires_at, now),
            },
            S::LinkingQr { expires_at } => Self::LinkingQr {
                expires_in_ms: left(*expires_at, now),
            },
            S::FinishingSync => Self::FinishingSync,
            S::Connected => Self::Connected,
            S::Disconnected { retry_at } => Self::Disconnected {
                retry_in_ms: retry_at.map(|t| left(t, now)),
            },
            S::LoggedOut => Self::LoggedOut,
            S::Replaced => Self::Replaced,
            S::Banned { until } => Self::Banned { until: *until },
            S::Cooldown { until } => Self::Cooldown { until: *until },
            S::PasskeyRequired => Self::PasskeyRequired,
            S::Moved => Self::Moved,
            S::Elsewhere => Self::Elsewhere,
            S::Failed { reason } => Self::Failed {
                reason: reason.clone(),
            },
        }
    }

    pub fn into_state(self, now: Instant) -> SessionState {
        use SessionState as S;
        match self {
            Self::NotLinked => S::NotLinked,
            Self::Connecting => S::Connecting,
            Self::LinkingCode { expires_in_ms } => S::LinkingCode {
                expires_at: deadline(expires_in_ms, now),
            },
            Self::LinkingQr { expires_in_ms } => S::LinkingQr {
                expires_at: deadline(expires_in_ms, now),
            },
            Self::FinishingSync => S::FinishingSync,
            Self::Connected => S::Connected,
            Self::Disconnected { retry_in_ms } => S::Disconnected {
                retry_at: retry_in_ms.map(|ms| deadline(ms, now)),
            },
            Self::LoggedOut => S::LoggedOut,
            Self::Replaced => S::Replaced,
            Self::Banned { until } => S::Banned { until },
            Self::Cooldown { until } => S::Cooldown { until },
            Self::PasskeyRequired => S::PasskeyRequired,
            Self::Moved => S::Moved,
            Self::Elsewhere => S::Elsewhere,
            Self::Failed { reason } => S::Failed { reason },
        }
    }
}

impl WireRow {
    pub fn from_row(r: &SessionRow, now: Instant) -> Self {
        Self {
            company: r.company,
            slug: r.slug.clone(),
            name: r.name.clone(),
            phone: r.phone.clone(),
            jid: r.jid.clone(),
            push_name: r.push_name.clone(),
            state: WireState::from_state(&r.state, now),
            since_ms: to_ms(r.since),
            last_event: r.last_event.clone(),
            linking: r.linking.clone(),
            host: r.host.clone(),
        }
    }

    pub fn into_row(self, now: Instant) -> SessionRow {
        SessionRow {
            company: self.company,
            slug: self.slug,
            name: self.name,
            phone: self.phone,
            jid: self.jid,
            push_name: self.push_name,
            state: self.state.into_state(now),
            since: from_ms(self.since_ms),
            last_event: self.last_event,
            linking: self.linking,
            host: self.host,
        }
    }
}
