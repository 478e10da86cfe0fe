//! Folding the engine's Updates into App state. Link updates of any
//! attempt but the open pane's current one are dropped.

use crate::domain::FailureReason;
use crate::engine::update::{Update, fold_rows_at};

use super::app::{App, Failure, LOG_CAP, Now, Overlay};
use super::pairing::{Method, QrShown, Stage};
use super::view::theme::Tone;

impl App {
    /// Returns whether anything visible changed.
    pub(crate) fn fold(&mut self, update: Update, now: Now) -> bool {
        if let Update::Echo(inner) = update {
            return self.fold(*inner, now);
        }
        let rows_changed = fold_rows_at(&mut self.rows, &mut self.rows_at, &update);
        if let Some(Overlay::Messages(pane)) = &mut self.overlay
            && pane.saw(&update, now.unix)
        {
            return true;
        }
        match update {
            Update::Snapshot(_)
            | Update::CompanyAdded(_)
            | Update::CompanyChanged(_)
            | Update::CompanyRemoved { .. } => {
                self.table.repair(&self.rows);
            }
            Update::CompanyNotAdded { sentence, .. }
            | Update::CompanyNotChanged { sentence, .. } => {
                self.toast(sentence, Tone::Bad, now);
            }
            // A move is a command's answer; its state change shows in the row.
            // Messages show in their overlay, read when it opens.
            Update::StateChanged { .. }
            | Update::AttemptStarted { .. }
            | Update::MoveDone { .. }
            | Update::MessageReceived { .. }
            | Update::MessageUpdated { .. } => return rows_changed,
            Update::CodeIssued {
                company,
                attempt,
                code,
                expires_at,
            } => {
                let Some(a) = self.attempt_shown(company, attempt, Method::Code) else {
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
                let Some(a) = self.attempt_shown(company, attempt, Method::Qr) else {
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
                // The masked number, as the table shows it, never the JID.
                let who = push_name
                    .clone()
                    .unwrap_or_else(|| crate::domain::mask_digits(&phone));
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
            } => return self.failed(company, attempt, reason, now),
            Update::Logged { company, entry } => {
                self.log.push_front((company, entry));
                self.log.truncate(LOG_CAP);
            }
            Update::Notice(text) => {
                self.toast(text.clone(), Tone::Warn, now);
                self.notice = Some(text);
            }
            Update::Invited {
                company,
                id,
                until,
                hash,
            } => {
                let live = super::app::LiveInvite {
                    company,
                    until,
                    hash,
                };
                self.invited.insert(id, live);
            }
            Update::InvitationEnded { id, .. } => {
                self.invited.remove(&id);
            }
            Update::Stopped => self.stopped = true,
            // Unwrapped above.
            Update::Echo(_) => {}
            Update::Server(link) => {
                // Back from an absence: the server's snapshot follows, and
                // its own notices with it.
                if matches!(link, crate::engine::ServerLink::Attached { .. }) {
                    self.notice = None;
                }
                // A live attempt ends with the server, or with this
                // client's connection to it (the server cancels a gone
                // client's attempts): its code no longer works.
                if matches!(link, crate::engine::ServerLink::Lost)
                    && let Some(a) = self.pairing_mut().and_then(|f| f.attempt.as_mut())
                    && a.stage.is_live()
                {
                    a.stage = Stage::Lost;
                }
                self.server = Some(link);
            }
        }
        true
    }

    /// The open pane's attempt a code or QR belongs to: its own, or
    /// another client's that it takes up.
    fn attempt_shown(
        &mut self,
        company: i64,
        attempt: crate::domain::AttemptId,
        method: Method,
    ) -> Option<&mut super::pairing::Attempt> {
        let own = self.is_own_attempt(attempt);
        let form = self.pairing_mut()?;
        if own {
            form.current(company, attempt)
        } else {
            form.adopt(company, attempt, method)
        }
    }

    fn failed(
        &mut self,
        company: i64,
        attempt: Option<crate::domain::AttemptId>,
        reason: FailureReason,
        now: Now,
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
        self.last_failure = Some(Failure {
            company,
            reason,
            until: now.instant + std::time::Duration::from_secs(super::app::FAILURE_SECS),
        });
        true
    }
}
