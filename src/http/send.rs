//! POST /api/v1/sessions/{slug}/messages: queue a text for the company's
//! number to send (`engine::sending`, the one operation `walink send`
//! uses too), then `message.status` follows it. An `Idempotency-Key` sent
//! again answers with the message it queued first and sends nothing more.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::error::ErrorBody;
use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::engine::sending::{SendError, SendText, queue_text};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SendBody {
    /// A phone number (+7 900 123 45 67) or a chat JID
    to: String,
    text: String,
    /// The id of the message this one answers
    reply_to: Option<String>,
    /// How long it may wait for a connection: 30s, 10m, 2h, 1d
    /// [default: no limit]
    ttl: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Queued {
    /// WhatsApp's id of the message, fixed now
    id: String,
    /// queued, or where it is by now when the key was used before
    status: &'static str,
}

#[utoipa::path(post, path = "/api/v1/sessions/{slug}/messages", tag = "messages", security(("bearer" = [])),
    params(("slug" = String, Path),
           ("Idempotency-Key" = Option<String>, Header, description = "the same key again sends once")),
    request_body = SendBody,
    responses((status = 202, body = Queued), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody, description = "The send guard: too many messages a minute, or new chats a day; Retry-After says when")))]
pub async fn send(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Result<Json<SendBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Queued>), ApiError> {
    super::need(&who, Scope::Link)?;
    let row = api.row(&who, &slug)?;
    let Json(body) = body?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let req = SendText {
        to: body.to,
        text: body.text,
        reply_to: body.reply_to,
        ttl: body.ttl,
        key,
    };
    let (kept, _) = queue_text(&api.store, &api.engine, row.company, req)
        .await
        .map_err(|e| match e {
            SendError::Invalid(code, why) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, why)
            }
            SendError::Refused(refusal) => {
                let mut a =
                    ApiError::new(StatusCode::TOO_MANY_REQUESTS, refusal.key(), e.to_string());
                a.retry_at = Some(refusal.retry_at());
                a
            }
            SendError::Store(e) => {
                tracing::error!("cannot queue a message: {e}");
                ApiError::unavailable()
            }
        })?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Queued {
            id: kept.id,
            status: kept.status.key(),
        }),
    ))
}
