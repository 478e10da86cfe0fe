//! The invitation page, `/link/{token}`: a company links its own phone.
//! Thin adapters like the rest of the API: the link is the engine's
//! `Command::Link`, the live view is the server's events, and the page can
//! reach nothing but its own invitation's attempts.

mod act;
mod lang;
mod live;
mod page;
mod text;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::routing::{get, post};

pub use crate::domain::Lang;

use super::Api;
use crate::store::{Invitation, now_unix};

/// The page may load only what it ships itself, from this server.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

impl Api {
    /// The invitation behind `token`, whatever its status.
    pub async fn any_invitation(&self, token: &str) -> Option<Invitation> {
        let hash = crate::auth::hash(token.trim());
        self.store
            .run(move |s| s.invitation_by_hash(&hash))
            .await
            .unwrap_or_else(|e| {
                tracing::error!("cannot read the invitations: {e}");
                None
            })
    }

    /// The live invitation behind `token`; `None` for unknown, expired,
    /// revoked and used alike.
    pub async fn invitation(&self, token: &str) -> Option<Invitation> {
        self.any_invitation(token)
            .await
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
