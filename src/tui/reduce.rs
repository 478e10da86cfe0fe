//! Folding the engine's Updates into App state. Link updates of any
//! attempt but the open pane's current one are dropped.

use crate::domain::FailureReason;
use crate::engine::update::Update;

use super::app::{App, Failure, LOG_CAP, Now};
use super::pairing::{QrShown, Stage};
use super::view::theme::Tone;

impl App {
    /// Returns whether anything visible changed.
    pub(crate) fn fold(&mut self, update: Update, now: Now) -> bool {
        match update {
            Update::Snapshot(rows) => {
                self.rows = rows;
                self.table.repair(&self.rows);
            }
            Update::CompanyAdded(row) => {
                self.rows.retain(|r| r.company != row.company);
                self.rows.push(row);
                self.rows.sort_by(|a, b| a.slug.cmp(&b.slug));
                self.table.repair(&self.rows);
            }
            Update::CompanyRemoved { company } => {
                self.rows.retain(|r| r.company != company);
                self.table.repair(&self.rows);
            }
            Update::CompanyNotAdded { sentence, .. } => {
                self.toast(sentence, Tone::Bad, now);
            }
            Update::StateChanged {
                company,
                state,
                since,
            } => {
                let Some(row) = self.rows.iter_mut().find(|r| r.company == company) else {
                    return false;
                };
                row.state = state;
                row.since = since;
            }
            Update::CodeIssued {
                company,
                attempt,
                code,
                expires_at,
            } => {
                let Some(a) = self.pairing_mut().and_then(|f| f.current(company, attempt)) else {
                    return false;
                };
                a.stage = Stage::Code {
                    code,
                    issued_at: now.instant,
                    expires_at,
                };
            }
            Update::QrIssued {
                company,
                attempt,
                payload,
                expires_at,
            } => {
                let Some(a) = self.pairing_mut().and_then(|f| f.current(company, attempt)) else {
                    return false;
                };
                let number = a.stage.qr_number() + 1;
                a.stage = Stage::Qr(QrShown::new(payload, number, now.instant, expires_at));
            }
            Update::QrExhausted { company, attempt } => {
                let Some(a) = self.pairing_mut().and_then(|f| f.current(company, attempt)) else {
                    return false;
                };
                a.stage = Stage::QrExhausted;
            }
            Update::Linked {
                company,
                attempt,
                jid,
                phone,
                push_name,
            } => {
                if let Some(row) = self.rows.iter_mut().find(|r| r.company == company) {
                    row.jid = Some(jid.clone());
                    row.phone = Some(phone);
                    row.push_name = push_name.clone();
                }
                let who = push_name.clone().unwrap_or_else(|| jid.clone());
                if let Some(a) = self.pairing_mut().and_then(|f| f.current(company, attempt)) {
                    a.stage = Stage::Linked { jid, push_name };
                }
                let slug = self
                    .row(company)
                    .map(|r| r.slug.clone())
                    .unwrap_or_default();
                self.toast(format!("Linked {slug} to {who}."), Tone::Ok, now);
            }
            Update::Failed {
                company,
                attempt,
                reason,
            } => return self.failed(company, attempt, reason),
            Update::Logged { company, entry } => {
                if let Some(row) = self.rows.iter_mut().find(|r| r.company == company) {
                    let text = if entry.detail.is_empty() {
                        &entry.kind
                    } else {
                        &entry.detail
                    };
                    row.last_event = Some(text.clone());
                }
                self.log.push_front((company, entry));
                self.log.truncate(LOG_CAP);
            }
            Update::Notice(text) => {
                self.toast(text.clone(), Tone::Warn, now);
                self.notice = Some(text);
            }
            Update::Stopped => self.stopped = true,
        }
        true
    }

    fn failed(
        &mut self,
        company: i64,
        attempt: Option<crate::domain::AttemptId>,
        reason: FailureReason,
    ) -> bool {
        if let Some(id) = attempt {
            let Some(a) = self.pairing_mut().and_then(|f| f.current(company, id)) else {
                return false;
            };
            a.stage = match reason {
                FailureReason::GuardRefused { .. } => Stage::Refused {
                    reason: reason.clone(),
                },
                FailureReason::QrExhausted => Stage::QrExhausted,
                _ => Stage::Failed {
                    reason: reason.clone(),
                },
            };
        }
        self.last_failure = Some(Failure { company, reason });
        true
    }
}
