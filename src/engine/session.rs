//! One task per company session: runs the real client and turns what it
//! reports into registry rows and `Update`s.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio_util::sync::CancellationToken;

use super::client::{self, ClientOptions};
use super::db::Db;
use super::guard::Limits;
use super::snapshot::state_detail;
use super::update::{LogEntry, Update};
use crate::config::DataDir;
use crate::domain::{AttemptId, FailureReason, LinkMethod, SessionState};
use crate::store::AttemptOutcome;

/// What every session shares: where files live, how clients are built.
pub struct Shared {
    pub data: DataDir,
    pub client: ClientOptions,
    pub limits: Limits,
}

/// A link attempt riding on this session.
#[derive(Debug, Clone)]
pub struct LinkInfo {
    pub attempt: AttemptId,
    pub method: LinkMethod,
    /// The `link_attempts` row.
    pub row: i64,
}

pub enum Mode {
    /// Reconnect stored keys.
    Restore,
    Link(LinkInfo),
}

#[derive(Debug)]
pub enum SessionCmd {
    Logout,
}

/// The reporting side of a session task.
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
        let entry = LogEntry {
            at: SystemTime::now(),
            kind: kind.into(),
            detail,
        };
        self.send(Update::Logged {
            company: self.company,
            entry,
        })
        .await;
    }

    pub async fn set_state(&self, state: SessionState) {
        let (company, key, detail) = (self.company, state.key(), state_detail(&state));
        if let Err(e) = self
            .db
            .run(move |s| s.set_session_state(company, key, detail.as_deref()))
            .await
        {
            tracing::error!(company, "cannot store the session state: {e}");
        }
        self.event("state", key.replace('_', " ")).await;
        self.send(Update::StateChanged {
            company,
            state,
            since: SystemTime::now(),
        })
        .await;
    }

    pub async fn fail(&self, attempt: Option<AttemptId>, reason: FailureReason, raw: &str) {
        tracing::warn!(company = self.company, ?reason, raw, "session failure");
        self.event("failure", format!("{reason:?}: {raw}")).await;
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

/// What a fact means for the session's life.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
    /// Logged out: stop, then move the stale keys aside.
    StopAndRetire,
}

/// Run one session until it stops, is cancelled, or its client ends.
pub async fn run(
    ctx: Ctx,
    mode: Mode,
    mut cmds: mpsc::Receiver<SessionCmd>,
    cancel: CancellationToken,
    permit: Option<OwnedSemaphorePermit>,
) {
    let store_path = ctx.shared.data.session_file(&ctx.slug);
    let mut opts = ctx.shared.client.clone();
    let mut link = match mode {
        Mode::Link(info) => Some(info),
        Mode::Restore => None,
    };
    if let Some(LinkInfo {
        method: LinkMethod::Code { phone },
        ..
    }) = &link
    {
        opts.pair_code_phone = Some(phone.digits.clone());
    }
    let built = match client::build(&store_path, &opts).await {
        Ok(b) => b,
        Err(e) => {
            ctx.fail(
                link.as_ref().map(|l| l.attempt),
                FailureReason::Internal,
                &e.to_string(),
            )
            .await;
            ctx.set_state(SessionState::Failed {
                reason: FailureReason::Internal,
            })
            .await;
            return;
        }
    };
    let handle = built.bot.spawn();
    let client = handle.client();
    let _subscription = built.subscription;
    ctx.set_state(SessionState::Connecting).await;
    let mut state = super::facts::FactState { permit };
    let flow = loop {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                if let Some(l) = link.take() {
                    ctx.finish_attempt(&l, AttemptOutcome::Cancelled, None).await;
                    ctx.event("link", "attempt cancelled".into()).await;
                    ctx.set_state(SessionState::NotLinked).await;
                }
                break Flow::Stop;
            }
            Some(cmd) = cmds.recv() => match cmd {
                SessionCmd::Logout => {
                    ctx.event("logout", "unlinking this device".into()).await;
                    // A stored session may still be connecting.
                    let _ = client.wait_for_connected(Duration::from_secs(20)).await;
                    client.logout().await;
                }
            },
            fact = built.events.next_fact() => match fact {
                Some(fact) => {
                    let flow = super::facts::on_fact(&ctx, &mut link, &mut state, fact).await;
                    if flow != Flow::Continue {
                        break flow;
                    }
                }
                None => break Flow::Stop,
            },
        }
    };
    stop_client(handle).await;
    if flow == Flow::StopAndRetire {
        retire_keys(&ctx).await;
    }
}

/// Disconnect (which flushes keys) within a deadline, else abort.
async fn stop_client(handle: whatsapp_rust::bot::BotHandle) {
    let client = handle.client();
    if tokio::time::timeout(Duration::from_secs(5), handle.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("client did not stop within 5 s; dropping it");
        let _ = tokio::time::timeout(Duration::from_secs(2), client.disconnect()).await;
    }
}

/// After a logout the keys are dead: move them aside so a new link starts
/// clean, and keep them for the curious.
async fn retire_keys(ctx: &Ctx) {
    let path = ctx.shared.data.session_file(&ctx.slug);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    for suffix in ["", "-wal", "-shm"] {
        let from = format!("{}{suffix}", path.display());
        let to = format!("{}.logged-out-{stamp}{suffix}", path.display());
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::error!(company = ctx.company, "cannot move {from} aside: {e}"),
        }
    }
    ctx.event(
        "keys",
        "session keys moved aside; link again to reuse this company".into(),
    )
    .await;
}
