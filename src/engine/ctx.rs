//! The reporting side of a session task: its event log rows, state
//! writes, failures, and the writes that must not be lost to a full disk.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use super::snapshot::state_detail;
use super::task::{LinkInfo, Shared};
use super::update::{LogEntry, Update};
use crate::domain::{AttemptId, FailureReason, SessionState};
use crate::store::Db;
use crate::store::{AttemptOutcome, now_unix};

/// The reporting side of a session task.
#[derive(Clone)]
pub struct Ctx {
    pub company: i64,
    pub slug: String,
    pub db: Db,
    pub shared: Arc<Shared>,
    pub updates: mpsc::Sender<Update>,
}

impl Ctx {
    pub async fn send(&self, update: Update) {
        // The receiver is gone only while walink shuts down.
        let _ = self.updates.send(update).await;
    }

    /// Event log row plus the pane's live line. Never pass keys, codes or
    /// whole numbers here.
    pub async fn event(&self, kind: &'static str, detail: String) {
        self.db.log(self.company, kind, detail.clone()).await;
        self.said(kind, detail).await;
    }

    /// Tell the clients of a line just written to the event log.
    async fn said(&self, kind: &'static str, detail: String) {
        let entry = LogEntry {
            at: SystemTime::now(),
            kind: kind.into(),
            detail,
            reason: None,
            raw: None,
        };
        self.send(Update::Logged {
            company: self.company,
            entry,
        })
        .await;
    }

    pub async fn set_state(&self, state: SessionState) {
        let (company, key, detail) = (self.company, state.key(), state_detail(&state));
        let said = key.replace('_', " ");
        let line = said.clone();
        // The state and its line in the event log in one trip to the
        // registry: a restore of 10,000 makes tens of thousands of them.
        let stored = self
            .db
            .run(move |s| {
                s.set_session_state(company, key, detail.as_deref())?;
                s.log_event(Some(company), "state", &line)
            })
            .await;
        if let Err(e) = stored {
            tracing::error!(company, "cannot store the session state: {e}");
            if e.is_disk_full() {
                self.disk_full().await;
            }
        }
        self.said("state", said).await;
        self.send(Update::StateChanged {
            company,
            state,
            since: SystemTime::now(),
        })
        .await;
    }

    /// A registry write that must not be lost (the link): tried now; on a
    /// full disk the admin is told, and it is retried until it lands.
    pub async fn keep<F>(&self, what: &'static str, write: F)
    where
        F: Fn(&mut dyn crate::store::Registry) -> Result<(), crate::store::StoreError>
            + Clone
            + Send
            + 'static,
    {
        let Err(e) = self.db.run(write.clone()).await else {
            return;
        };
        tracing::error!(company = self.company, "cannot store {what}: {e}");
        if !e.is_disk_full() {
            return;
        }
        self.disk_full().await;
        let ctx = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(KEEP_RETRY).await;
                match ctx.db.run(write.clone()).await {
                    Ok(()) => {
                        ctx.event("disk", format!("{what} saved now that there is room"))
                            .await;
                        return;
                    }
                    Err(e) if e.is_disk_full() => {}
                    Err(e) => {
                        tracing::error!(company = ctx.company, "cannot store {what}: {e}");
                        return;
                    }
                }
            }
        });
    }

    /// Said on the row and in every client's header.
    async fn disk_full(&self) {
        let reason = FailureReason::DiskFull;
        let sentence = reason.sentence(0, chrono::FixedOffset::east_opt(0).expect("utc"));
        self.send(Update::Failed {
            company: self.company,
            attempt: None,
            reason,
        })
        .await;
        self.send(Update::Notice(sentence)).await;
    }

    pub async fn fail(&self, attempt: Option<AttemptId>, reason: FailureReason, raw: &str) {
        tracing::warn!(company = self.company, ?reason, raw, "session failure");
        // The sentence for people, the key for programs, the cause for
        // whoever digs.
        let sentence = reason.sentence(crate::store::now_unix(), *chrono::Local::now().offset());
        let (company, key, said, cause) =
            (self.company, reason.key(), sentence.clone(), raw.to_owned());
        let kept = self
            .db
            .run(move |s| s.log_failure(Some(company), "failure", &said, Some(&key), Some(&cause)))
            .await;
        if let Err(e) = kept {
            tracing::error!(company, "cannot write the event log: {e}");
        }
        let entry = LogEntry {
            at: SystemTime::now(),
            kind: "failure".into(),
            detail: sentence,
            reason: Some(reason.key()),
            raw: Some(raw.to_owned()),
        };
        self.send(Update::Logged { company, entry }).await;
        self.send(Update::Failed {
            company: self.company,
            attempt,
            reason,
        })
        .await;
    }

    pub async fn finish_attempt(
        &self,
        link: &LinkInfo,
        outcome: AttemptOutcome,
        cooldown_until: Option<i64>,
    ) {
        let row = link.row;
        if let Err(e) = self
            .db
            .run(move |s| s.finish_attempt(row, outcome, cooldown_until))
            .await
        {
            tracing::error!(
                company = self.company,
                "cannot store the attempt outcome: {e}"
            );
        }
    }
}

/// How often a write the disk had no room for is tried again.
const KEEP_RETRY: Duration = Duration::from_secs(2);

/// Use up (`used`) or revoke an invitation: logged, and every client hears
/// `InvitationEnded`. The supervisor revokes; a session whose attempt came
/// through an invitation uses it up when it links.
pub(crate) async fn end_invitation(db: &Db, updates: &mpsc::Sender<Update>, id: i64, used: bool) {
    match db
        .run(move |s| s.end_invitation_logged(id, used, now_unix()))
        .await
    {
        Ok(Some(company)) => {
            let _ = updates.send(Update::InvitationEnded { company, id }).await;
        }
        Ok(None) => {}
        Err(e) => tracing::error!(id, "cannot end an invitation: {e}"),
    }
}
