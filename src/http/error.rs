//! Every error the API answers: a status and `{"error": {code, message,
//! retry_at}}` with a sentence, never a Rust error string.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// For 429: when to try again (Unix seconds).
    pub retry_at: Option<i64>,
    /// The engine's reason, when it refused: the invitation page writes
    /// its own sentence from it.
    pub reason: Option<crate::domain::FailureReason>,
}

/// Every error's body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable: guard_refused, not_found, bad_phone, …
    code: String,
    /// A sentence a person can act on.
    message: String,
    /// With 429: when to try again (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_at: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_at: None,
            reason: None,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid token is needed: Authorization: Bearer TOKEN (walink token create makes one)",
        )
    }

    pub fn forbidden(needed: crate::auth::Scope) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this token may not do that: it needs the {} scope",
                needed.as_str()
            ),
        )
    }

    /// The same answer for a company that does not exist and one this
    /// token may not see.
    pub fn no_company(slug: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("there is no company {slug:?}"),
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such endpoint; GET /api/v1/sessions lists the sessions",
        )
    }

    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is over 64 KiB",
        )
    }

    /// A command the engine took but did not answer in time (it goes on).
    pub fn no_answer(sentence: String) -> Self {
        Self::new(StatusCode::GATEWAY_TIMEOUT, "no_answer", sentence)
    }

    /// The registry could not be read (its database is unreachable).
    pub fn registry_unreachable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "registry_unreachable",
            "walink cannot read its registry right now (is its database reachable?); try again in a moment",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "walink is shutting down; try again in a moment",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_at = self.retry_at.and_then(|t| {
            chrono::DateTime::from_timestamp(t, 0)
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        });
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                retry_at,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(at) = self.retry_at {
            let secs = (at - crate::store::now_unix()).max(1);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// A JSON body that did not parse, or was too large.
impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection::MissingJsonContentType;
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::too_large();
        }
        if matches!(r, MissingJsonContentType(_)) {
            return Self::new(
                StatusCode::BAD_REQUEST,
                "bad_json",
                "the Content-Type: application/json header is missing; send the body with it",
            );
        }
        // The parser's text names the field and the type it expected.
        let detail = r.body_text();
        let detail = detail
            .strip_prefix("Failed to deserialize the JSON body into the target type: ")
            .unwrap_or(&detail);
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("the body is not JSON as documented: {detail}"),
        )
    }
}
