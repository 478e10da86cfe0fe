//! The door of every API route: the token is read before anything else of
//! the request (a malformed path or query from a stranger gets 401, not a
//! parser's message), every error leaves as the JSON error with a
//! sentence, and a reader's open stream or wait ends once its token may no
//! longer read.

use std::future::Future;
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Api, ApiError};
use crate::auth::{Principal, Scope};

/// How often an open stream or wait looks whether its token still holds:
/// a revoked token's stream ends within a second.
const RECHECK: Duration = Duration::from_millis(500);

/// Routes that need a token (the health check, the OpenAPI document and
/// invitation pages do not).
fn guarded(path: &str) -> bool {
    (path.starts_with("/api/") && path != "/api/openapi.json") || path == "/metrics"
}

/// The token out of `Authorization: Bearer T` (any case) or `X-Api-Key: T`.
pub fn presented(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    bearer.or(key).map(str::trim).filter(|t| !t.is_empty())
}

/// Authentication first, then the route; errors as JSON.
pub async fn door(State(api): State<Api>, req: Request, next: Next) -> Response {
    if !guarded(req.uri().path()) {
        return next.run(req).await;
    }
    // The old system's callers test `success` on every answer.
    let legacy = req.uri().path().starts_with("/api/whatsapp/");
    let mut req = req;
    let response = match api.principal(req.headers()).await {
        Err(e) => e.into_response(),
        Ok(who) => {
            // Handlers take it from here (`Principal` as an extractor):
            // the token is looked up once per request.
            req.extensions_mut().insert(who);
            as_json(next.run(req).await).await
        }
    };
    if legacy {
        return unsuccessful(response).await;
    }
    response
}

/// The caller, as the door found it.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }
}

/// `who` may do what needs `needed`, else 403.
pub fn need(who: &Principal, needed: Scope) -> Result<(), ApiError> {
    if who.may(needed) {
        Ok(())
    } else {
        Err(ApiError::forbidden(needed))
    }
}

/// An error answered by axum itself (a path or query that does not parse,
/// a method the route lacks) becomes the JSON error, its text kept as the
/// detail of a sentence.
async fn as_json(response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&body);
    let detail = detail.trim();
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this endpoint does not take that method; /api/openapi.json lists what it takes"
                .to_owned(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "bad_json",
            "the body must be JSON with Content-Type: application/json".to_owned(),
        ),
        _ if detail.is_empty() => ("bad_request", "the request is not as documented".to_owned()),
        _ => (
            "bad_request",
            format!("the request is not as documented ({detail}); /api/openapi.json describes it"),
        ),
    };
    ApiError::new(status, code, message).into_response()
}

/// An error of the old endpoint with `"success": false` beside its error.
async fn unsuccessful(response: Response) -> Response {
    if !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, super::MAX_BODY)
        .await
        .unwrap_or_default();
    let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(fields) = json.as_object_mut() {
        fields.insert("success".into(), false.into());
    }
    let mut response = Response::from_parts(parts, axum::body::Body::from(json.to_string()));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

impl Api {
    /// Whether `who` may still read: its token unrevoked and unexpired,
    /// and the company it is bound to still there. A registry that cannot
    /// be read keeps the reader (the next look decides).
    async fn still_valid(&self, who: &Principal) -> bool {
        let now = crate::store::now_unix();
        let token = who.token_id;
        let alive = self
            .store
            .run(move |s| s.token_alive(token, now))
            .await
            .unwrap_or(true);
        alive
            && who
                .company
                .is_none_or(|c| self.view.read(|m| m.rows().iter().any(|r| r.company == c)))
    }

    /// Resolves once `who` may no longer read.
    pub async fn revoked(&self, who: &Principal) {
        let mut tick = tokio::time::interval(RECHECK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !self.still_valid(who).await {
                return;
            }
        }
    }

    /// `work`, unless `who` loses its right to it first (then 401).
    pub async fn while_valid<T>(
        &self,
        who: &Principal,
        work: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        tokio::select! {
            r = work => r,
            () = self.revoked(who) => Err(ApiError::unauthorized()),
        }
    }
}
