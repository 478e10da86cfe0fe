//! Linking over HTTP: start (waiting for the first code or QR), cancel,
//! reconnect, logout. Each is one engine command; the answer is read off
//! the server's events.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::ErrorBody;
use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::domain::{AttemptId, FailureReason, LinkMethod, Phone};
use crate::engine::{Command, Update};
use crate::events::{utc, wall};

/// How long a request waits for the engine's first code or QR.
pub const CODE_WAIT: Duration = Duration::from_secs(30);

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LinkBody {
    /// "code" or "qr"
    method: String,
    /// With "code": the number, e.g. +7 900 123 45 67
    phone: Option<String>,
    /// Link even though the number is linked to another company, and past
    /// walink's guard [default: false]
    #[serde(default)]
    force: bool,
}

/// What the first answer of an attempt was.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Issued {
    pub attempt: u64,
    pub method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
    pub expires_at: String,
    /// The same deadline, for adapters that count down.
    #[serde(skip)]
    pub deadline: std::time::Instant,
}

/// A phone as people and the old system write it, in the company's
/// country when it has one; 422 with the sentence.
pub async fn phone(api: &Api, company: i64, raw: &str) -> Result<Phone, ApiError> {
    let country = api.company_country(company).await;
    Phone::parse(raw, country.as_deref())
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_phone", e.to_string()))
}

/// The sentence of a refused or failed attempt, with its status.
pub fn refused(reason: &FailureReason) -> ApiError {
    let message = reason.sentence(crate::store::now_unix(), utc());
    let (status, code, retry_at) = match reason {
        FailureReason::GuardRefused { until, .. } => {
            (StatusCode::TOO_MANY_REQUESTS, "guard_refused", Some(*until))
        }
        FailureReason::RateLimited { until } => {
            (StatusCode::TOO_MANY_REQUESTS, "rate_limited", Some(*until))
        }
        FailureReason::AlreadyLinked | FailureReason::LinkInProgress { .. } => {
            (StatusCode::CONFLICT, "attempt_live", None)
        }
        FailureReason::NumberTaken => (StatusCode::CONFLICT, "number_taken", None),
        FailureReason::Elsewhere => (StatusCode::CONFLICT, "run_elsewhere", None),
        _ => (StatusCode::BAD_GATEWAY, "link_failed", None),
    };
    let mut e = ApiError::new(status, code, message);
    e.retry_at = retry_at;
    e.reason = Some(reason.clone());
    if code == "link_failed" {
        tracing::warn!(reason = %reason.key(), "an HTTP link attempt failed");
    }
    e
}

/// Send the link and wait for its first code or QR, or its refusal.
pub async fn start_link(
    api: &Api,
    by: String,
    company: i64,
    method: LinkMethod,
    force: bool,
) -> Result<Issued, ApiError> {
    start_attempt(api, by, company, method, force, None).await
}

/// `start_link` through an invitation (the engine uses it up on a link).
pub async fn start_attempt(
    api: &Api,
    by: String,
    company: i64,
    method: LinkMethod,
    force: bool,
    invitation: Option<i64>,
) -> Result<Issued, ApiError> {
    if api.stopping.is_cancelled() {
        return Err(ApiError::unavailable());
    }
    let attempt = AttemptId(api.attempts.fetch_add(1, Ordering::Relaxed));
    // Subscribed before sending, so the answer cannot slip past.
    let mut events = api.view.follow("a link request");
    let cmd = Command::Link {
        company,
        attempt,
        method,
        force,
        by,
        invitation,
    };
    api.engine
        .send(cmd)
        .await
        .map_err(|_| ApiError::unavailable())?;
    let answer = tokio::time::timeout(CODE_WAIT, async {
        loop {
            let Some(event) = events.next().await else {
                return Err(ApiError::unavailable());
            };
            // Matched by company too: another host's attempt may bear
            // the same number.
            match &event.update {
                Update::CodeIssued {
                    company: c,
                    attempt: a,
                    code,
                    expires_at,
                } if *c == company && *a == attempt => {
                    return Ok(Issued {
                        attempt: attempt.0,
                        method: "code",
                        code: Some(code.to_string()),
                        qr: None,
                        expires_at: wall(*expires_at),
                        deadline: *expires_at,
                    });
                }
                Update::QrIssued {
                    company: c,
                    attempt: a,
                    payload,
                    expires_at,
                } if *c == company && *a == attempt => {
                    return Ok(Issued {
                        attempt: attempt.0,
                        method: "qr",
                        code: None,
                        qr: Some(payload.clone()),
                        expires_at: wall(*expires_at),
                        deadline: *expires_at,
                    });
                }
                Update::Failed {
                    company: c,
                    attempt: Some(a),
                    reason,
                } if *c == company && *a == attempt => return Err(refused(reason)),
                _ => {}
            }
        }
    })
    .await;
    answer.unwrap_or_else(|_| {
        Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "no_answer",
            "WhatsApp gave no pairing code within 30 s; see the session's events",
        ))
    })
}

#[utoipa::path(post, path = "/api/v1/sessions/{slug}/link", tag = "link", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = LinkBody,
    responses((status = 200, description = "The first code or QR", body = Issued),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
              (status = 502, description = "WhatsApp refused or failed the attempt", body = ErrorBody),
              (status = 504, description = "No code or QR came within 30 s", body = ErrorBody)))]
pub async fn start(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
    body: Result<Json<LinkBody>, JsonRejection>,
) -> Result<Json<Issued>, ApiError> {
    super::need(&who, Scope::Link)?;
    let row = api.row(&who, &slug)?;
    let Json(body) = body?;
    let method = match (body.method.as_str(), body.phone.as_deref()) {
        ("code", Some(raw)) => LinkMethod::Code {
            phone: phone(&api, row.company, raw).await?,
        },
        ("qr", _) => LinkMethod::Qr,
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_method",
                "method is \"code\" (with a phone) or \"qr\"",
            ));
        }
    };
    // A live attempt is never replaced by a second POST, the asker's own
    // included: its code may be on a phone's screen. DELETE …/link first.
    if let Some(claim) = &row.linking {
        return Err(refused(&FailureReason::LinkInProgress {
            by: claim.by.clone(),
            since: claim.since,
        }));
    }
    let issued = start_link(&api, who.by(), row.company, method, body.force);
    Ok(Json(api.while_valid(&who, issued).await?))
}

async fn order(
    api: &Api,
    who: &Principal,
    slug: &str,
    needed: Scope,
    cmd: impl FnOnce(i64) -> Command,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    super::need(who, needed)?;
    let row = api.row(who, slug)?;
    api.engine
        .send(cmd(row.company))
        .await
        .map_err(|_| ApiError::unavailable())?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"accepted": true})),
    ))
}

#[utoipa::path(delete, path = "/api/v1/sessions/{slug}/link", tag = "link", security(("bearer" = [])),
    params(("slug" = String, Path)), responses((status = 202), (status = 404, body = ErrorBody)))]
pub async fn cancel(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    order(&api, &who, &slug, Scope::Link, |company| {
        Command::CancelLink { company }
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/sessions/{slug}/reconnect", tag = "link", security(("bearer" = [])),
    params(("slug" = String, Path)), responses((status = 202), (status = 404, body = ErrorBody)))]
pub async fn reconnect(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    order(&api, &who, &slug, Scope::Link, |company| {
        Command::Reconnect { company }
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/sessions/{slug}/logout", tag = "link", security(("bearer" = [])),
    params(("slug" = String, Path)), responses((status = 202), (status = 403, body = ErrorBody)))]
pub async fn logout(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    order(&api, &who, &slug, Scope::Admin, |company| Command::Logout {
        company,
    })
    .await
}
