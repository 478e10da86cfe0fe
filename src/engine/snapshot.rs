//! The table's rows as the registry has them, and stored states read back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::update::SessionRow;
use crate::domain::{FailureReason, SessionState};
use crate::store::{Registry, StoreError};

pub fn unix_to_system(t: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t.max(0) as u64)
}

/// The state a stored row stands for now; live timers (codes, QRs) do not
/// survive a restart, so a row caught linking reads as not linked.
/// `restoring`: the engine is about to reconnect linked sessions, so they
/// read as connecting rather than as what they last were.
pub fn state_from_row(key: &str, detail: Option<&str>, now: i64, restoring: bool) -> SessionState {
    let until = detail.and_then(|d| d.parse::<i64>().ok());
    match key {
        "connected" | "connecting" | "finishing_sync" | "disconnected" if restoring => {
            SessionState::Connecting
        }
        "connected" => SessionState::Connected,
        "connecting" => SessionState::Connecting,
        "finishing_sync" => SessionState::FinishingSync,
        "disconnected" => SessionState::Disconnected { retry_at: None },
        "logged_out" => SessionState::LoggedOut,
        "replaced" => SessionState::Replaced,
        "banned" => match until {
            Some(t) if t > now => SessionState::Banned { until: t },
            _ => SessionState::NotLinked,
        },
        "cooldown" => match until {
            Some(t) if t > now => SessionState::Cooldown { until: t },
            _ => SessionState::NotLinked,
        },
        "passkey_required" => SessionState::PasskeyRequired,
        "moved" => SessionState::Moved,
        "elsewhere" => SessionState::Elsewhere,
        "failed" => SessionState::Failed {
            reason: FailureReason::Internal,
        },
        _ => SessionState::NotLinked,
    }
}

/// What to store for a state: its key and, for timed states, the time.
pub fn state_detail(state: &SessionState) -> Option<String> {
    match state {
        SessionState::Banned { until } | SessionState::Cooldown { until } => {
            Some(until.to_string())
        }
        _ => None,
    }
}

pub fn rows(
    store: &dyn Registry,
    now: i64,
    restoring: bool,
) -> Result<Vec<SessionRow>, StoreError> {
    let rows = store.overview()?.into_iter().map(|o| {
        let c = o.company;
        let (state, since, phone, jid, push_name) = match o.session {
            Some(s) => (
                state_from_row(&s.state, s.state_detail.as_deref(), now, restoring),
                s.since,
                s.phone,
                s.jid,
                s.push_name,
            ),
            None => (SessionState::NotLinked, c.created_at, None, None, None),
        };
        SessionRow {
            company: c.id,
            slug: c.slug.to_string(),
            name: c.name.to_string(),
            phone,
            jid,
            push_name,
            state,
            since: unix_to_system(since),
            last_event: o.last_event,
            // Read at start, when no attempt runs; claims come as updates.
            linking: None,
            host: o.host,
        }
    });
    Ok(rows.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_states_read_back() {
        let now = 1000;
        assert_eq!(
            state_from_row("connected", None, now, false),
            SessionState::Connected
        );
        assert_eq!(
            state_from_row("disconnected", None, now, false),
            SessionState::Disconnected { retry_at: None }
        );
        assert_eq!(
            state_from_row("connected", None, now, true),
            SessionState::Connecting
        );
        assert_eq!(
            state_from_row("cooldown", Some("2000"), now, false),
            SessionState::Cooldown { until: 2000 }
        );
        assert_eq!(
            state_from_row("cooldown", Some("900"), now, false),
            SessionState::NotLinked
        );
        assert_eq!(
            state_from_row("banned", Some("5000"), now, false),
            SessionState::Banned { until: 5000 }
        );
        assert_eq!(
            state_from_row("linking_code", None, now, false),
            SessionState::NotLinked
        );
        assert_eq!(
            state_from_row("logged_out", None, now, false),
            SessionState::LoggedOut
        );
    }
}
