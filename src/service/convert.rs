//! Between the engine's updates and the wire's: deadlines become what is
//! left of them at the moment of sending, and back (commands are in
//! `convert_command`, rows in `convert_row`).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::wire::{WireRow, WireState, WireUpdate};
use crate::domain::{AttemptId, PairCode};
use crate::engine::{LogEntry, Update};

pub fn to_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

pub fn from_ms(ms: i64) -> SystemTime {
    let d = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        UNIX_EPOCH + d
    } else {
        UNIX_EPOCH - d
    }
}

pub(super) fn left(deadline: Instant, now: Instant) -> u64 {
    u64::try_from(deadline.saturating_duration_since(now).as_millis()).unwrap_or(u64::MAX)
}

pub(super) fn deadline(ms: u64, now: Instant) -> Instant {
    now + Duration::from_millis(ms)
}

impl WireUpdate {
    /// `None` for `Stopped`: the server's own shutdown reaches clients as
    /// the socket closing.
    pub fn from_update(u: &Update, now: Instant) -> Option<Self> {
        Some(match u {
            Update::Echo(inner) => return Self::from_update(inner, now),
            Update::Snapshot(rows) => Self::Snapshot {
                rows: rows.iter().map(|r| WireRow::from_row(r, now)).collect(),
            },
            Update::StateChanged {
                company,
                state,
                since,
            } => Self::StateChanged {
                company: *company,
                state: WireState::from_state(state, now),
                since_ms: to_ms(*since),
            },
            Update::CodeIssued {
                company,
                attempt,
                code,
                expires_at,
            } => Self::CodeIssued {
                company: *company,
                attempt: attempt.0,
                code: code.as_str().to_owned(),
                expires_in_ms: left(*expires_at, now),
            },
            Update::QrIssued {
                company,
                attempt,
                payload,
                expires_at,
            } => Self::QrIssued {
                company: *company,
                attempt: attempt.0,
                payload: payload.clone(),
                expires_in_ms: left(*expires_at, now),
            },
            Update::QrExhausted { company, attempt } => Self::QrExhausted {
                company: *company,
                attempt: attempt.0,
            },
            Update::Linked {
                company,
                attempt,
                jid,
                phone,
                push_name,
            } => Self::Linked {
                company: *company,
                attempt: attempt.0,
                jid: jid.clone(),
                phone: phone.clone(),
                push_name: push_name.clone(),
            },
            Update::Failed {
                company,
                attempt,
                reason,
            } => Self::Failed {
                company: *company,
                attempt: attempt.map(|a| a.0),
                reason: reason.clone(),
            },
            Update::Logged { company, entry } => Self::Logged {
                company: *company,
                at_ms: to_ms(entry.at),
                kind: entry.kind.clone(),
                detail: entry.detail.clone(),
                reason: entry.reason.clone(),
                raw: entry.raw.clone(),
            },
            Update::CompanyAdded(row) => Self::CompanyAdded {
                row: WireRow::from_row(row, now),
            },
            Update::CompanyChanged(row) => Self::CompanyChanged {
                row: WireRow::from_row(row, now),
            },
            Update::CompanyNotChanged { company, sentence } => Self::CompanyNotChanged {
                company: *company,
                sentence: sentence.clone(),
            },
            Update::CompanyNotAdded { slug, sentence } => Self::CompanyNotAdded {
                slug: slug.clone(),
                sentence: sentence.clone(),
            },
            Update::CompanyRemoved { company } => Self::CompanyRemoved { company: *company },
            Update::MoveDone { file, outcome } => Self::MoveDone {
                file: file.clone(),
                outcome: outcome.clone(),
            },
            Update::Notice(text) => Self::Notice { text: text.clone() },
            Update::Invited {
                company,
                id,
                hash,
                until,
            } => Self::Invited {
                company: *company,
                id: *id,
                hash: hash.clone(),
                until_ms: to_ms(*until),
            },
            Update::InvitationEnded { company, id } => Self::InvitationEnded {
                company: *company,
                id: *id,
            },
            Update::AttemptStarted { company, claim } => Self::AttemptStarted {
                company: *company,
                claim: claim.clone(),
            },
            Update::MessageReceived { company, message } => Self::MessageReceived {
                company: *company,
                message: message.clone(),
            },
            Update::MessageUpdated { company, message } => Self::MessageUpdated {
                company: *company,
                message: message.clone(),
            },
            Update::Stopped | Update::Server(_) => return None,
        })
    }

    pub fn into_update(self, now: Instant) -> Update {
        match self {
            Self::Snapshot { rows } => {
                Update::Snapshot(rows.into_iter().map(|r| r.into_row(now)).collect())
            }
            Self::StateChanged {
                company,
                state,
                since_ms,
            } => Update::StateChanged {
                company,
                state: state.into_state(now),
                since: from_ms(since_ms),
            },
            Self::CodeIssued {
                company,
                attempt,
                code,
                expires_in_ms,
            } => Update::CodeIssued {
                company,
                attempt: AttemptId(attempt),
                code: PairCode::new(&code),
                expires_at: deadline(expires_in_ms, now),
            },
            Self::QrIssued {
                company,
                attempt,
                payload,
                expires_in_ms,
            } => Update::QrIssued {
                company,
                attempt: AttemptId(attempt),
                payload,
                expires_at: deadline(expires_in_ms, now),
            },
            Self::QrExhausted { company, attempt } => Update::QrExhausted {
                company,
                attempt: AttemptId(attempt),
            },
            Self::Linked {
                company,
                attempt,
                jid,
                phone,
                push_name,
            } => Update::Linked {
                company,
                attempt: AttemptId(attempt),
                jid,
                phone,
                push_name,
            },
            Self::Failed {
                company,
                attempt,
                reason,
            } => Update::Failed {
                company,
                attempt: attempt.map(AttemptId),
                reason,
            },
            Self::Logged {
                company,
                at_ms,
                kind,
                detail,
                reason,
                raw,
            } => Update::Logged {
                company,
                entry: LogEntry {
                    at: from_ms(at_ms),
                    kind,
                    detail,
                    reason,
                    raw,
                },
            },
            Self::CompanyAdded { row } => Update::CompanyAdded(Box::new(row.into_row(now))),
            Self::CompanyChanged { row } => Update::CompanyChanged(Box::new(row.into_row(now))),
            Self::CompanyNotChanged { company, sentence } => {
                Update::CompanyNotChanged { company, sentence }
            }
            Self::CompanyNotAdded { slug, sentence } => Update::CompanyNotAdded { slug, sentence },
            Self::CompanyRemoved { company } => Update::CompanyRemoved { company },
            Self::MoveDone { file, outcome } => Update::MoveDone { file, outcome },
            Self::Notice { text } => Update::Notice(text),
            Self::Invited {
                company,
                id,
                hash,
                until_ms,
            } => Update::Invited {
                company,
                id,
                hash,
                until: from_ms(until_ms),
            },
            Self::InvitationEnded { company, id } => Update::InvitationEnded { company, id },
            Self::AttemptStarted { company, claim } => Update::AttemptStarted { company, claim },
            Self::MessageReceived { company, message } => {
                Update::MessageReceived { company, message }
            }
            Self::MessageUpdated { company, message } => {
                Update::MessageUpdated { company, message }
            }
        }
    }
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
