//! What a newly attached client must be told first: every row, the live
//! pairing code or QR of each company, the recent log and the notices.
//! Kept by folding the engine's updates, in the order they came.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use crate::domain::AttemptId;
use crate::engine::update::fold_rows_at;
use crate::engine::{SessionRow, Update};

/// As many log lines as a dashboard keeps.
pub const LOG_KEPT: usize = crate::engine::update::LOG_CAP;

/// Events kept for a reader that resumes (SSE's Last-Event-ID).
pub const EVENTS_KEPT: usize = 4096;

#[derive(Debug, Default)]
pub struct Mirror {
    rows: Vec<SessionRow>,
    /// Each company's place in `rows`.
    at: HashMap<i64, usize>,
    recent: VecDeque<std::sync::Arc<super::event::Event>>,
    /// The last `CodeIssued`/`QrIssued` of each company while it is live.
    live: HashMap<i64, Update>,
    log: VecDeque<Update>,
    notices: Vec<String>,
    /// Live invitations: id → the `Invited` that made it.
    invited: HashMap<i64, Update>,
    /// Each company's last failure, until it is connected again.
    failures: HashMap<i64, crate::domain::FailureReason>,
    /// Updates applied: what a body made from this view is valid for.
    version: u64,
}

impl Mirror {
    pub fn apply(&mut self, update: &Update, event: &std::sync::Arc<super::event::Event>) {
        self.version += 1;
        self.recent.push_back(event.clone());
        if self.recent.len() > EVENTS_KEPT {
            self.recent.pop_front();
        }
        self.fold(update);
    }

    fn fold(&mut self, update: &Update) {
        fold_rows_at(&mut self.rows, &mut self.at, update);
        match update {
            Update::CodeIssued { company, .. } | Update::QrIssued { company, .. } => {
                self.live.insert(*company, update.clone());
            }
            Update::QrExhausted { company, attempt }
            | Update::Linked {
                company, attempt, ..
            } => {
                self.end_live(*company, Some(*attempt));
            }
            Update::Failed {
                company,
                attempt,
                reason,
            } => {
                self.failures.insert(*company, reason.clone());
                self.end_live(*company, *attempt);
            }
            Update::CompanyRemoved { company } => {
                self.live.remove(company);
                self.failures.remove(company);
                self.invited.retain(
                    |_, u| !matches!(u, Update::Invited { company: c, .. } if c == company),
                );
            }
            Update::Invited { id, .. } => {
                self.invited.insert(*id, update.clone());
            }
            Update::InvitationEnded { id, .. } => {
                self.invited.remove(id);
            }
            Update::StateChanged { company, state, .. } => {
                use crate::domain::SessionState as S;
                let linking = matches!(
                    state,
                    S::Connecting | S::LinkingCode { .. } | S::LinkingQr { .. }
                );
                if !linking {
                    self.live.remove(company);
                }
                if *state == S::Connected {
                    self.failures.remove(company);
                }
            }
            Update::Snapshot(_) => self.live.clear(),
            Update::Logged { .. } => {
                self.log.push_back(update.clone());
                if self.log.len() > LOG_KEPT {
                    self.log.pop_front();
                }
            }
            Update::Notice(text) => {
                self.notices.push(text.clone());
                // A newcomer needs the standing ones, not the history.
                if self.notices.len() > 8 {
                    self.notices.remove(0);
                }
            }
            _ => {}
        }
    }

    /// An attempt ended; a refusal of someone else's (a second admin
    /// told to wait) leaves the live one alone.
    fn end_live(&mut self, company: i64, attempt: Option<AttemptId>) {
        let live_attempt = match self.live.get(&company) {
            Some(Update::CodeIssued { attempt, .. } | Update::QrIssued { attempt, .. }) => *attempt,
            _ => return,
        };
        if attempt.is_none_or(|a| a == live_attempt) {
            self.live.remove(&company);
        }
    }

    /// The updates that bring a new client to where the others are.
    pub fn replay(&self, now: Instant) -> Vec<Update> {
        let mut out = Vec::with_capacity(1 + self.live.len() + self.log.len());
        out.push(Update::Snapshot(self.rows.clone()));
        out.extend(self.log.iter().cloned());
        let still_live = |u: &&Update| match u {
            Update::CodeIssued { expires_at, .. } | Update::QrIssued { expires_at, .. } => {
                *expires_at > now
            }
            _ => false,
        };
        out.extend(self.live.values().filter(still_live).cloned());
        out.extend(self.notices.iter().cloned().map(Update::Notice));
        let wall = std::time::SystemTime::now();
        out.extend(
            self.invited
                .values()
                .filter(|u| matches!(u, Update::Invited { until, .. } if *until > wall))
                .cloned(),
        );
        out
    }

    pub fn slug(&self, company: i64) -> Option<String> {
        self.row(company).map(|r| r.slug.clone())
    }

    /// The host that runs the company, with several.
    pub fn host(&self, company: i64) -> Option<&str> {
        self.row(company)?.host.as_deref()
    }

    fn row(&self, company: i64) -> Option<&SessionRow> {
        self.rows.get(*self.at.get(&company)?)
    }

    /// Moves on with every update applied.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn rows(&self) -> &[SessionRow] {
        &self.rows
    }

    /// The company's last failure, until it is connected again.
    pub fn last_failure(&self, company: i64) -> Option<&crate::domain::FailureReason> {
        self.failures.get(&company)
    }

    /// The live code or QR of a company, if any.
    pub fn live(&self, company: i64) -> Option<&Update> {
        self.live.get(&company)
    }

    /// The oldest event still kept in memory.
    pub fn oldest_event(&self) -> Option<u64> {
        self.recent.front().map(|e| e.id)
    }

    /// Events after `id`, when every one of them is still kept.
    pub fn events_after(&self, id: u64) -> Option<Vec<std::sync::Arc<super::event::Event>>> {
        let next = id.saturating_add(1);
        let oldest = self.recent.front().map_or(next, |e| e.id);
        if next < oldest {
            return None;
        }
        Some(self.recent.iter().filter(|e| e.id > id).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::domain::{FailureReason, PairCode, SessionState};

    fn row(company: i64, slug: &str) -> SessionRow {
        SessionRow::blank(company, slug)
    }

    fn code(company: i64, expires_at: Instant) -> Update {
        Update::CodeIssued {
            company,
            attempt: AttemptId(7),
            code: PairCode::new("ABCDEFGH"),
            expires_at,
        }
    }

    #[test]
    fn a_new_client_gets_rows_then_the_live_code() {
        let now = Instant::now();
        let mut m = Mirror::default();
        m.fold(&Update::Snapshot(vec![row(1, "b")]));
        m.fold(&Update::CompanyAdded(Box::new(row(2, "a"))));
        m.fold(&code(2, now + Duration::from_secs(60)));
        let replay = m.replay(now);
        let Update::Snapshot(rows) = &replay[0] else {
            panic!("the first update is the snapshot: {replay:?}");
        };
        let slugs: Vec<_> = rows.iter().map(|r| r.slug.as_str()).collect();
        assert_eq!(slugs, ["a", "b"]);
        assert_eq!(replay[1], code(2, now + Duration::from_secs(60)));
    }

    #[test]
    fn a_code_stops_being_replayed_when_it_ends_or_expires() {
        let now = Instant::now();
        let mut m = Mirror::default();
        m.fold(&Update::Snapshot(vec![row(1, "a"), row(2, "b")]));
        m.fold(&code(1, now + Duration::from_secs(60)));
        m.fold(&code(2, now - Duration::from_secs(1)));
        assert_eq!(m.replay(now).len(), 2, "only company 1's code is live");
        m.fold(&Update::Failed {
            company: 1,
            attempt: Some(AttemptId(8)),
            reason: FailureReason::AlreadyLinked,
        });
        assert_eq!(
            m.replay(now).len(),
            2,
            "another asker's refusal ends nothing"
        );
        m.fold(&Update::StateChanged {
            company: 1,
            state: SessionState::NotLinked,
            since: SystemTime::now(),
        });
        assert_eq!(
            m.replay(now).len(),
            1,
            "a cancelled attempt is not replayed"
        );
    }
}
