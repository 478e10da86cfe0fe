//! The invitation page, `/link/{token}`: a company links its own phone.
//! Thin adapters like the rest of the API: the link is the engine's
//! `Command::Link`, the live view is the server's events, and the page can
//! reach nothing but its own invitation's attempts.

mod act;
mod lang;
mod live;
mod page;
mod text;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::routing::{get, post};

pub use crate::domain::Lang;

use super::Api;
use crate::domain::AttemptId;
use crate::engine::{Command, Update};
use crate::store::{Invitation, now_unix};

/// The page may load only what it ships itself, from this server.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Link attempts started from invitation pages: attempt → invitation.
#[derive(Debug, Default)]
pub struct Attempts(Mutex<HashMap<AttemptId, i64>>);

impl Attempts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AttemptId, i64>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn add(&self, attempt: AttemptId, invitation: i64) {
        self.lock().insert(attempt, invitation);
    }

    pub fn of(&self, attempt: AttemptId) -> Option<i64> {
        self.lock().get(&attempt).copied()
    }
}

/// One task for the whole server: an invitation whose attempt links is
/// used up. Ended attempts stay known (a few a day): a page's stream may
/// read the `Linked` after this task has.
pub fn follow(api: &Api) {
    let mut events = api.view.follow("the invitation follower");
    let attempts = api.invites.clone();
    let engine = api.engine.clone();
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if let Update::Linked { attempt, .. } = &event.update
                && let Some(id) = attempts.of(*attempt)
            {
                let _ = engine.send(Command::UseInvitation { id }).await;
            }
        }
    });
}

impl Api {
    /// The invitation behind `token`, whatever its status.
    pub fn any_invitation(&self, token: &str) -> Option<Invitation> {
        let hash = crate::auth::hash(token.trim());
        let store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        store.invitation_by_hash(&hash).unwrap_or_else(|e| {
            tracing::error!("cannot read the invitations: {e}");
            None
        })
    }

    /// The live invitation behind `token`; `None` for unknown, expired,
    /// revoked and used alike.
    pub fn invitation(&self, token: &str) -> Option<Invitation> {
        self.any_invitation(token)
            .filter(|found| found.status(now_unix()) == crate::domain::InviteStatus::Live)
    }

    /// Who is asking, for the company's log: the peer, or behind a proxy
    /// the address it saw last.
    fn client_ip(&self, headers: &HeaderMap, ext: &axum::http::Extensions) -> String {
        if self.behind_proxy
            && let Some(ip) = headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
        {
            return ip.trim().to_owned();
        }
        ext.get::<axum::extract::ConnectInfo<super::Peer>>()
            .map_or_else(|| "an unknown address".into(), |c| c.0.0.ip().to_string())
    }
}

/// The browser's offset from UTC (minutes east), so times in sentences
/// are the company's own; UTC when it sent none.
pub fn offset(tz: Option<i32>) -> chrono::FixedOffset {
    tz.and_then(|m| chrono::FixedOffset::east_opt(m.clamp(-14 * 60, 14 * 60) * 60))
        .unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc))
}

/// Every answer under /link: never cached, never framed, no referrer (the
/// token is in the URL), and the strict policy.
async fn headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// The page's routes (outside the OpenAPI document: they are a page, not
/// the API). `/link/_/…` holds its script and style.
pub fn routes() -> Router<Api> {
    Router::new()
        .route("/link/_/page.js", get(page::script))
        .route("/link/_/page.css", get(page::style))
        .route("/link/{token}", get(page::page))
        .route("/link/{token}/start", post(act::start))
        .route("/link/{token}/events", get(live::events))
        .layer(axum::middleware::from_fn(headers))
}
