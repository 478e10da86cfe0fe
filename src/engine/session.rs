//! One task per company session: runs the real client and turns what it
//! reports into registry rows and `Update`s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::client;
use super::ctx::Ctx;
use super::task::{Flow, LinkInfo, Mode, SessionCmd};
use super::translate::ClientFact;
use super::watchdog::Watchdog;
use crate::domain::{FailureReason, LinkMethod, SessionState};
use crate::store::AttemptOutcome;

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
/// Run one session until it ends. True when a reconnect was asked while
/// it was ending: the supervisor starts it again (the order would be lost
/// in the closed queue otherwise).
pub async fn run(
    ctx: Ctx,
    mode: Mode,
    mut cmds: mpsc::Receiver<SessionCmd>,
    cancel: CancellationToken,
    permit: Option<super::restore::Ticket>,
) -> bool {
    live(ctx, mode, &mut cmds, cancel, permit).await;
    cmds.close();
    let mut again = false;
    while let Ok(cmd) = cmds.try_recv() {
        again |= matches!(cmd, SessionCmd::Reconnect);
    }
    again
}

async fn live(
    ctx: Ctx,
    mode: Mode,
    cmds: &mut mpsc::Receiver<SessionCmd>,
    cancel: CancellationToken,
    permit: Option<super::restore::Ticket>,
) {
    let keys = ctx.shared.key_source(ctx.company, &ctx.slug);
    let mut opts = ctx.shared.client.clone();
    let link_attempt = match &mode {
        Mode::Link(info) => Some(info.attempt),
        Mode::Restore => None,
    };
    // Never direct by mistake: a setting that cannot be read stops here.
    match proxy_of(&ctx).await {
        Ok(proxy) => opts.route = super::route::Route::new(proxy),
        Err(e) => {
            ctx.fail(link_attempt, FailureReason::Internal, &e).await;
            if let Mode::Link(l) = &mode {
                ctx.finish_attempt(l, AttemptOutcome::Failed, None).await;
            }
            ctx.set_state(SessionState::Failed {
                reason: FailureReason::Internal,
            })
            .await;
            return;
        }
    }
    let route = opts.route.clone();
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
    opts.pairing = link.is_some();
    if link.is_some()
        && let super::keys::KeySource::Shared { store, device } = &keys
    {
        // Which company a device is, for a registry rebuilt from the keys.
        let (store, device, slug) = (store.clone(), *device, ctx.slug.clone());
        let named = tokio::task::spawn_blocking(move || store.name_device(device, &slug)).await;
        if let Ok(Err(e)) = named {
            tracing::warn!(
                company = ctx.company,
                "cannot name the device in the key store: {e}"
            );
        }
    }
    let built = match client::build(
        &keys,
        &opts,
        Some(super::inbound::Keeper { ctx: ctx.clone() }),
    )
    .await
    {
        Ok(b) => b,
        Err(e) => {
            let mut raw = e.to_string();
            let reason = if matches!(e, client::ClientError::Damaged { .. }) {
                // A company's own file goes aside; keys.db holds everyone's.
                if let super::keys::KeySource::File(path) = &keys {
                    raw = format!("{raw}; {}", super::keys::put_aside(path, "damaged"));
                }
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
    let mut first_login = super::watchdog::FirstLogin::new(ctx.shared.first_login_wait);
    // The library sends nothing when a pairing code simply expires.
    let mut code_expiry: Option<tokio::time::Instant> = None;
    let mut run_loop_ended = false;
    let mut liveness = super::liveness::Liveness::default();
    let outbox = super::outbox::Outbox::default();
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
                    SessionCmd::Logout => {
                        logout(&ctx, &client).await;
                        // Its socket closes: a logout, not a drop.
                        liveness.down();
                    }
                    SessionCmd::Reconnect => {
                        ctx.event("connection", "reconnecting now".into()).await;
                        watchdog.rearm();
                        client.reconnect_immediately().await;
                    }
                    SessionCmd::SendQueued => outbox.flush(&ctx, &client),
                    SessionCmd::Reroute { reconnect } => {
                        match proxy_of(&ctx).await {
                            Ok(proxy) => route.set(proxy),
                            Err(e) => tracing::error!(company = ctx.company, "{e}"),
                        }
                        if reconnect {
                            watchdog.rearm();
                            client.reconnect_immediately().await;
                        }
                    }
                }
                continue;
            }
            () = first_login.late() => {
                ctx.event("link", first_login.sentence()).await;
                first_login.arm();
                client.reconnect_immediately().await;
                continue;
            }
            () = sleep_until_some(code_expiry) => {
                code_expiry = None;
                ClientFact::PairCodeExpired
            }
            trouble = watchdog.fire(&client, opts.server.as_deref(), &route, started) => trouble,
            fact = built.events.next_fact() => match fact {
                Some(fact) => fact,
                None => break Flow::Stop,
            },
            // After the events: a stream error's own fact (replaced, logged
            // out) is sent before its socket closes.
            lost = liveness.lost(&client, route.sockets()) => lost,
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
        // A message's progress, not the session's.
        if let ClientFact::Receipt { ids, status } = fact {
            outbox.receipt(&ctx, ids, status);
            continue;
        }
        if let ClientFact::Undecryptable { message } = fact {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                if let Err(e) = super::inbound::keep(&ctx, vec![*message]).await {
                    tracing::error!(
                        company = ctx.company,
                        "cannot keep an undecryptable message: {e}"
                    );
                }
            });
            continue;
        }
        match &fact {
            ClientFact::PairCode { ttl, .. } => {
                code_expiry = Some(tokio::time::Instant::now() + *ttl);
            }
            ClientFact::PairSuccess { .. } => {
                code_expiry = None;
                first_login.arm();
            }
            // No event tells walink if the client's reconnects keep failing.
            ClientFact::Disconnected { .. } => watchdog.rearm(),
            // A companion that stays "available" silences the phone's own
            // notifications; the library marks it available on every login.
            ClientFact::Connected => {
                first_login.disarm();
                go_unavailable(&client);
            }
            ClientFact::SelfPushName { .. } => go_unavailable(&client),
            _ => {}
        }
        // What waited for the connection goes now.
        if matches!(fact, ClientFact::Connected) {
            outbox.flush(&ctx, &client);
        }
        match &fact {
            ClientFact::Connected if liveness.connected(&client, route.sockets()) => {
                // The drop came and went between two looks: record it.
                let drop = super::liveness::missed_drop();
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

/// The proxy this company's session dials through: its own setting, else
/// serve's default.
async fn proxy_of(ctx: &Ctx) -> Result<Option<crate::domain::ProxyUrl>, String> {
    let company = ctx.company;
    let settings = ctx
        .db
        .run(move |s| s.company_settings(company))
        .await
        .map_err(|e| format!("cannot read the company's proxy setting: {e}"))?;
    Ok(settings.proxy.effective(ctx.shared.proxy.as_ref()))
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

/// After a logout the keys are dead: end them so a new link starts clean.
async fn retire_keys(ctx: &Ctx) {
    let keys = ctx.shared.key_source(ctx.company, &ctx.slug);
    let said = tokio::task::spawn_blocking(move || keys.retire("logged-out"))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let said = match said {
        Ok(said) => said,
        Err(why) => {
            tracing::error!(company = ctx.company, "{why}");
            why
        }
    };
    // The registry no longer names a device: logout again answers at once.
    let company = ctx.company;
    if let Err(e) = ctx
        .db
        .run(move |s| s.set_session_link(company, None, None, None))
        .await
    {
        tracing::error!(company, "cannot forget the device: {e}");
    }
    ctx.event("keys", format!("{said}; link again to reuse this company"))
        .await;
}
