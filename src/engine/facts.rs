//! What a session does with each client fact: the registry rows, the
//! updates, and whether the session goes on.

use super::classify::{self, classify};
use std::time::Instant;

use super::ctx::Ctx;
use super::task::{Flow, LinkInfo};
use super::translate::ClientFact;
use super::update::Update;
use crate::domain::{FailureReason, LinkMethod, PairCode, SessionState, mask_digits};
use crate::store::{AttemptOutcome, now_unix};

/// Per-session bookkeeping between facts.
#[derive(Default)]
pub struct FactState {
    /// Held by restored sessions until they first connect (bounded restore).
    pub permit: Option<super::restore::Ticket>,
    /// The session started from stored keys (not for a link attempt).
    pub restored: bool,
}

pub async fn on_fact(
    ctx: &Ctx,
    link: &mut Option<LinkInfo>,
    state: &mut FactState,
    fact: ClientFact,
) -> Flow {
    match &fact {
        ClientFact::QrCode { payload, ttl } => {
            let Some(l) = link.as_ref() else {
                if !state.restored {
                    // The attempt already ended; the client came back to
                    // fresh refs nobody asked for.
                    return Flow::Stop;
                }
                // The server treats our stored keys as unknown.
                ctx.fail(
                    None,
                    FailureReason::LoggedOut,
                    "server offered a QR to a linked session",
                )
                .await;
                ctx.set_state(SessionState::LoggedOut).await;
                return Flow::StopAndRetire;
            };
            if l.method == LinkMethod::Qr {
                let expires_at = Instant::now() + *ttl;
                ctx.send(Update::QrIssued {
                    company: ctx.company,
                    attempt: l.attempt,
                    payload: payload.clone(),
                    expires_at,
                })
                .await;
                ctx.set_state(SessionState::LinkingQr { expires_at }).await;
            }
            Flow::Continue
        }
        ClientFact::PairCode { code, ttl } => {
            if let Some(l) = link.as_ref() {
                let expires_at = Instant::now() + *ttl;
                let number = match &l.method {
                    LinkMethod::Code { phone } => mask_digits(&phone.digits),
                    LinkMethod::Qr => String::new(),
                };
                ctx.event(
                    "link",
                    format!(
                        "pairing code issued for {number}, valid {} s",
                        ttl.as_secs()
                    ),
                )
                .await;
                ctx.send(Update::CodeIssued {
                    company: ctx.company,
                    attempt: l.attempt,
                    code: PairCode::new(code),
                    expires_at,
                })
                .await;
                ctx.set_state(SessionState::LinkingCode { expires_at })
                    .await;
            }
            Flow::Continue
        }
        ClientFact::PairSuccess { jid, push_name, .. } => {
            let Some(l) = link.take() else {
                return Flow::Continue;
            };
            ctx.finish_attempt(&l, AttemptOutcome::Linked, None).await;
            if let Some(id) = l.invitation {
                super::ctx::end_invitation(&ctx.db, &ctx.updates, id, true).await;
            }
            let phone = jid.split([':', '@']).next().unwrap_or_default().to_owned();
            let (company, j, p, digits) =
                (ctx.company, jid.clone(), push_name.clone(), phone.clone());
            ctx.keep("the link", move |s| {
                s.set_session_link(company, Some(&digits), Some(&j), p.as_deref())
            })
            .await;
            ctx.event(
                "link",
                format!(
                    "linked as device {}",
                    jid.split('@')
                        .next()
                        .unwrap_or_default()
                        .split(':')
                        .nth(1)
                        .unwrap_or("?")
                ),
            )
            .await;
            ctx.send(Update::Linked {
                company: ctx.company,
                attempt: l.attempt,
                jid: jid.clone(),
                phone,
                push_name: push_name.clone(),
            })
            .await;
            ctx.set_state(SessionState::FinishingSync).await;
            Flow::Continue
        }
        ClientFact::LoggedIn => {
            // The handshake is done: the next restore may start while this
            // one finishes its sync.
            if let Some(ticket) = state.permit.as_mut() {
                ticket.logged_in();
            }
            Flow::Continue
        }
        ClientFact::Connected => {
            // Stored before counted: whoever reads the registry after the
            // restore's summary sees this session connected.
            ctx.set_state(SessionState::Connected).await;
            if let Some(ticket) = state.permit.take() {
                ticket.connected();
            }
            Flow::Continue
        }
        ClientFact::SelfPushName { name } => {
            let (company, name) = (ctx.company, name.clone());
            if let Err(e) = ctx
                .db
                .run(move |s| s.set_session_push_name(company, &name))
                .await
            {
                tracing::error!(company, "cannot store the push name: {e}");
            }
            Flow::Continue
        }
        _ => on_trouble(ctx, link, state, fact).await,
    }
}

async fn on_trouble(
    ctx: &Ctx,
    link: &mut Option<LinkInfo>,
    state: &mut FactState,
    fact: ClientFact,
) -> Flow {
    let cx = classify::Context {
        now: now_unix(),
        code_attempt: matches!(
            link,
            Some(LinkInfo {
                method: LinkMethod::Code { .. },
                ..
            })
        ),
        cooldown: ctx.shared.limits.cooldown,
    };
    let raw = format!("{fact:?}");
    let Some(reason) = classify(&fact, cx) else {
        match &fact {
            // A QR attempt goes on: the client reconnects and gets new refs.
            ClientFact::Disconnected { raw } => {
                ctx.event("connection", format!("disconnected: {raw}"))
                    .await;
                ctx.set_state(SessionState::Disconnected { retry_at: None })
                    .await;
            }
            ClientFact::QrExhausted {
                disconnected: false,
            } => {
                ctx.event(
                    "link",
                    "QR refs ran out; the pairing code stays valid until it expires".into(),
                )
                .await;
            }
            _ => {}
        }
        return Flow::Continue;
    };
    // Transient with no attempt riding on it: the client keeps retrying.
    if link.is_none()
        && matches!(
            reason,
            FailureReason::ServiceUnavailable
                | FailureReason::NetworkUnreachable
                | FailureReason::ProxyFailed { .. }
        )
    {
        ctx.event("connection", raw).await;
        ctx.send(Update::Failed {
            company: ctx.company,
            attempt: None,
            reason,
        })
        .await;
        ctx.set_state(SessionState::Disconnected { retry_at: None })
            .await;
        state.permit = None;
        return Flow::Continue;
    }
    let attempt = link.as_ref().map(|l| l.attempt);
    if let (FailureReason::QrExhausted, Some(attempt)) = (&reason, attempt) {
        ctx.send(Update::QrExhausted {
            company: ctx.company,
            attempt,
        })
        .await;
    }
    let cooldown_until = match reason {
        FailureReason::RateLimited { until } => Some(until),
        _ => None,
    };
    let ended_attempt = link.is_some();
    // Taken here, so the claim ends with it before anyone hears of the end.
    if let Some(l) = link.take() {
        let outcome = match reason {
            FailureReason::RateLimited { .. } => AttemptOutcome::Throttled,
            FailureReason::QrExhausted | FailureReason::CodeExpired => AttemptOutcome::Expired,
            FailureReason::NetworkUnreachable | FailureReason::ProxyFailed { .. } => {
                AttemptOutcome::Unreached
            }
            _ => AttemptOutcome::Failed,
        };
        ctx.finish_attempt(&l, outcome, cooldown_until).await;
    }
    ctx.fail(attempt, reason.clone(), &raw).await;
    let (next, flow) = match reason {
        FailureReason::RateLimited { until } => (SessionState::Cooldown { until }, Flow::Stop),
        FailureReason::LoggedOut => (SessionState::LoggedOut, Flow::StopAndRetire),
        FailureReason::Replaced => (SessionState::Replaced, Flow::Stop),
        FailureReason::TemporaryBan { until } => (SessionState::Banned { until }, Flow::Stop),
        FailureReason::PasskeyRequired => (SessionState::PasskeyRequired, Flow::Stop),
        // An attempt that ended leaves the company as it was: not linked.
        _ if ended_attempt => (SessionState::NotLinked, Flow::Stop),
        other => (SessionState::Failed { reason: other }, Flow::Stop),
    };
    ctx.set_state(next).await;
    flow
}
