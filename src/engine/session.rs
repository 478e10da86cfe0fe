//! One task per company session: runs the real client and turns what it
//! reports into registry rows and `Update`s.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::client::{self, ClientOptions};
use super::db::Db;
use super::guard::Limits;
use super::snapshot::state_detail;
use super::translate::ClientFact;
use super::update::{LogEntry, Update};
use super::watchdog::Watchdog;
use crate::config::DataDir;
use crate::domain::{AttemptId, FailureReason, LinkMethod, SessionState};
use crate::store::AttemptOutcome;

/// What every session shares: where files live, how clients are built.
pub struct Shared {
    pub data: DataDir,
    pub client: ClientOptions,
    pub limits: Limits,
    pub connect_timeout: Duration,
    pub logout_deadline: Duration,
}

/// A link attempt riding on this session.
#[derive(Debug, Clone)]
pub struct LinkInfo {
    pub attempt: AttemptId,
    pub method: LinkMethod,
    /// The `link_attempts` row.
    pub row: i64,
    /// Held while the attempt lives: the supervisor's claim on the company
    /// ends when this is dropped, however the attempt ends. Never read.
    #[allow(dead_code)]
    pub claim: Arc<()>,
}

pub enum Mode {
    /// Reconnect stored keys.
    Restore,
    Link(LinkInfo),
}

#[derive(Debug)]
pub enum SessionCmd {
    Logout,
    /// Connect now instead of waiting out the client's backoff.
    Reconnect,
}

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
        if let Err(e) = self
            .db
            .run(move |s| s.set_session_state(company, key, detail.as_deref()))
            .await
        {
            tracing::error!(company, "cannot store the session state: {e}");
            if e.is_disk_full() {
                self.disk_full().await;
            }
        }
        self.event("state", key.replace('_', " ")).await;
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
        F: Fn(&mut crate::store::Store) -> Result<(), crate::store::StoreError>
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

/// What a fact means for the session's life.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
    /// Logged out: stop, then move the stale keys aside.
    StopAndRetire,
}

/// A session the process has no descriptors for: it ends in the named
/// state at once, opening nothing (an attempt never reached WhatsApp, so
/// the guard does not count it). `r` brings it back once there is room.
pub async fn out_of_files(
    ctx: Ctx,
    mode: Mode,
    why: String,
    _settles: Option<super::restore::Ticket>,
) {
    let reason = FailureReason::OutOfFiles;
    let link = match mode {
        Mode::Link(info) => Some(info),
        Mode::Restore => None,
    };
    ctx.fail(link.as_ref().map(|l| l.attempt), reason.clone(), &why)
        .await;
    if let Some(l) = &link {
        ctx.finish_attempt(l, AttemptOutcome::Unreached, None).await;
    }
    ctx.set_state(SessionState::Failed { reason }).await;
}

/// Run one session until it stops, is cancelled, or its client ends.
pub async fn run(
    ctx: Ctx,
    mode: Mode,
    mut cmds: mpsc::Receiver<SessionCmd>,
    cancel: CancellationToken,
    permit: Option<super::restore::Ticket>,
) {
    let store_path = ctx.shared.data.session_file(&ctx.slug);
    let mut opts = ctx.shared.client.clone();
    let restored = matches!(mode, Mode::Restore);
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
            let mut raw = e.to_string();
            let reason = if matches!(e, client::ClientError::Damaged { .. }) {
                raw = format!("{raw}; {}", super::keys::put_aside(&store_path, "damaged"));
                FailureReason::KeysDamaged
            } else if crate::fdlimit::is_out_of_files(&raw) {
                FailureReason::OutOfFiles
            } else {
                FailureReason::Internal
            };
            ctx.fail(link.as_ref().map(|l| l.attempt), reason.clone(), &raw)
                .await;
            if let Some(l) = &link {
                ctx.finish_attempt(l, AttemptOutcome::Failed, None).await;
            }
            ctx.set_state(SessionState::Failed { reason }).await;
            return;
        }
    };
    let mut handle = built.bot.spawn();
    let client = handle.client();
    let _subscription = built.subscription;
    ctx.set_state(SessionState::Connecting).await;
    let mut state = super::facts::FactState { permit, restored };
    let started = Instant::now();
    let mut watchdog = Watchdog::new(ctx.shared.connect_timeout);
    // The library sends nothing when a pairing code simply expires.
    let mut code_expiry: Option<tokio::time::Instant> = None;
    let mut run_loop_ended = false;
    let mut liveness = super::liveness::Liveness::default();
    let flow = loop {
        let fact = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                if let Some(l) = link.take() {
                    ctx.finish_attempt(&l, AttemptOutcome::Cancelled, None).await;
                    // The claim ends before anyone hears the attempt did.
                    drop(l);
                    ctx.event("link", "attempt cancelled".into()).await;
                    ctx.set_state(SessionState::NotLinked).await;
                }
                break Flow::Stop;
            }
            Some(cmd) = cmds.recv() => {
                match cmd {
                    SessionCmd::Logout => logout(&ctx, &client).await,
                    SessionCmd::Reconnect => {
                        ctx.event("connection", "reconnecting now".into()).await;
                        watchdog.rearm();
                        client.reconnect_immediately().await;
                    }
                }
                continue;
            }
            () = sleep_until_some(code_expiry) => {
                code_expiry = None;
                ClientFact::PairCodeExpired
            }
            trouble = watchdog.fire(&client, opts.server.as_deref(), started) => trouble,
            lost = liveness.lost(&client) => lost,
            fact = built.events.next_fact() => match fact {
                Some(fact) => fact,
                None => break Flow::Stop,
            },
            // After the events: the fact that ended the loop is read first.
            () = &mut handle => {
                // whatsapp-rust gave up (a failure it does not retry) without
                // a fact walink acts on: say so instead of waiting forever.
                run_loop_ended = true;
                ctx.fail(
                    link.as_ref().map(|l| l.attempt),
                    FailureReason::ServerGaveUp { code: 0 },
                    "the client's run loop ended",
                )
                .await;
                if let Some(l) = link.take() {
                    ctx.finish_attempt(&l, AttemptOutcome::Failed, None).await;
                }
                ctx.set_state(SessionState::Failed {
                    reason: FailureReason::ServerGaveUp { code: 0 },
                })
                .await;
                break Flow::Stop;
            }
        };
        match &fact {
            ClientFact::PairCode { ttl, .. } => {
                code_expiry = Some(tokio::time::Instant::now() + *ttl);
            }
            ClientFact::PairSuccess { .. } => code_expiry = None,
            // No event tells walink if the client's reconnects keep failing.
            ClientFact::Disconnected { .. } => watchdog.rearm(),
            // A companion that stays "available" silences the phone's own
            // notifications; the library marks it available on every login.
            ClientFact::Connected | ClientFact::SelfPushName { .. } => go_unavailable(&client),
            _ => {}
        }
        match &fact {
            ClientFact::Connected if liveness.connected(&client) => {
                // The drop came and went between two looks: record it.
                let drop = super::liveness::silent_drop();
                super::facts::on_fact(&ctx, &mut link, &mut state, drop).await;
            }
            ClientFact::Connected | ClientFact::SelfPushName { .. } | ClientFact::LoggedIn => {}
            _ => liveness.down(),
        }
        let flow = super::facts::on_fact(&ctx, &mut link, &mut state, fact).await;
        if flow != Flow::Continue {
            break flow;
        }
    };
    // Commands sent from now on fail at once instead of waiting unread.
    cmds.close();
    if run_loop_ended {
        client.disconnect().await;
    } else {
        stop_client(handle).await;
    }
    if flow == Flow::StopAndRetire {
        retire_keys(&ctx).await;
    }
}

/// Logout needs a live connection: without one the phone is never told and
/// the device keeps its slot, so the keys stay and the admin is told.
async fn logout(ctx: &Ctx, client: &Arc<whatsapp_rust::Client>) {
    ctx.event("logout", "unlinking this device".into()).await;
    match client.wait_for_connected(ctx.shared.logout_deadline).await {
        Ok(()) => client.logout().await,
        Err(e) => {
            ctx.fail(None, FailureReason::LogoutUnreached, &e.to_string())
                .await;
        }
    }
}

fn go_unavailable(client: &Arc<whatsapp_rust::Client>) {
    let client = client.clone();
    tokio::spawn(async move {
        // An account whose name is not known yet cannot send presence; the
        // library has not sent "available" either then.
        if let Err(e) = client.presence().set_unavailable().await {
            tracing::debug!("presence unavailable not sent: {e:?}");
        }
    });
}

async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// whatsapp-rust's `disconnect()` flushes in three steps of up to 5 s each
/// before it saves the device state: give it all of them.
pub const STOP_DEADLINE: Duration = Duration::from_secs(16);

/// Disconnect (which flushes keys) within a deadline, else abort.
async fn stop_client(handle: whatsapp_rust::bot::BotHandle) {
    if tokio::time::timeout(STOP_DEADLINE, handle.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("client did not stop within {STOP_DEADLINE:?}; dropping it");
    }
}

/// After a logout the keys are dead: move them aside so a new link starts
/// clean, and keep them for the curious.
async fn retire_keys(ctx: &Ctx) {
    let path = ctx.shared.data.session_file(&ctx.slug);
    let said = super::keys::put_aside(&path, "logged-out");
    if !said.starts_with("moved aside") {
        tracing::error!(company = ctx.company, "{said}");
    }
    // The registry no longer names a device: logout again answers at once.
    let company = ctx.company;
    if let Err(e) = ctx
        .db
        .run(move |s| s.set_session_link(company, None, None, None))
        .await
    {
        tracing::error!(company, "cannot forget the device: {e}");
    }
    ctx.event(
        "keys",
        "session keys moved aside; link again to reuse this company".into(),
    )
    .await;
}
