//! POST /api/v1/sessions/{slug}/messages: queue a text for the company's
//! number to send. The registry keeps it before the answer, the engine
//! sends it (now if connected, else at the next connect), and
//! `message.status` follows it. An `Idempotency-Key` sent again answers
//! with the message it queued first and sends nothing more.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::error::ErrorBody;
use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::domain::send_guard;
use crate::domain::{Direction, Message, MessageKind, MessageStatus};
use crate::engine::Command;
use crate::events::utc;
use crate::store::now_unix;

/// WhatsApp carries up to 65,536 characters of text.
const MAX_TEXT: usize = 65_536;

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
    let bad = |code, why: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, why);
    let chat = chat_of(&body.to).map_err(|why| bad("bad_recipient", why))?;
    if body.text.trim().is_empty() || body.text.chars().count() > MAX_TEXT {
        return Err(bad(
            "bad_text",
            format!("the text must have 1 to {MAX_TEXT} characters"),
        ));
    }
    let ttl = match body.ttl.as_deref() {
        None => None,
        Some(raw) => Some(ttl_secs(raw).map_err(|why| bad("bad_ttl", why))?),
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let now = now_unix();
    let message = Message {
        id: new_id(),
        direction: Direction::Out,
        chat,
        sender: None,
        sender_alt: None,
        sender_phone: None,
        push_name: None,
        at: now,
        kind: MessageKind::Text,
        text: Some(body.text),
        quoted: body.reply_to,
        status: MessageStatus::Queued,
        reason: None,
    };
    let (company, limits) = (row.company, api.send_limits);
    // One registry connection: the guard's count and the insert are one step.
    let queued = api
        .store
        .run(move |s| {
            if let Some(k) = key.as_deref()
                && let Some(earlier) = s.outbound_by_key(company, k)?
            {
                return Ok(Ok((earlier, false)));
            }
            let recent = s.recent_sends(company, &message.chat, now)?;
            if let Err(refusal) = send_guard::check(limits, recent, now) {
                return Ok(Err(refusal));
            }
            s.queue_outbound(company, key.as_deref(), &message, ttl.map(|t| now + t))
                .map(Ok)
        })
        .await
        .map_err(|e| {
            tracing::error!("cannot queue a message: {e}");
            ApiError::unavailable()
        })?;
    let (kept, fresh) = match queued {
        Ok(q) => q,
        Err(refusal) => {
            let sentence = refusal.sentence(utc());
            api.store.log(company, "message", sentence.clone()).await;
            let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, refusal.key(), sentence);
            e.retry_at = Some(refusal.retry_at());
            return Err(e);
        }
    };
    if fresh {
        // Queued is kept: an engine that cannot hear now sends it at the
        // session's next connect.
        let _ = api.engine.send(Command::SendQueued { company }).await;
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Queued {
            id: kept.id,
            status: kept.status.key(),
        }),
    ))
}

/// A chat JID as given, or a phone number's.
fn chat_of(to: &str) -> Result<String, String> {
    let to = to.trim();
    if let Some((user, server)) = to.split_once('@') {
        let known = matches!(server, "s.whatsapp.net" | "lid");
        if known && !user.is_empty() && user.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(to.to_owned());
        }
        return Err(format!(
            "{to:?} is not a chat JID (NUMBER@s.whatsapp.net or NUMBER@lid)"
        ));
    }
    crate::domain::Phone::parse(to, None)
        .map(|p| format!("{}@s.whatsapp.net", p.digits))
        .map_err(|e| e.to_string())
}

/// `30s`, `10m`, `2h`, `1d` in seconds.
fn ttl_secs(raw: &str) -> Result<i64, String> {
    let why = || format!("{raw:?} is not a ttl like 30s, 10m, 2h or 1d");
    let raw = raw.trim();
    let unit = raw.chars().last().ok_or_else(why)?;
    let n: i64 = raw[..raw.len() - unit.len_utf8()]
        .parse()
        .map_err(|_| why())?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(why()),
    };
    (n > 0).then(|| n.saturating_mul(scale)).ok_or_else(why)
}

/// An id in WhatsApp Web's form: `3EB0` and 18 hex digits.
fn new_id() -> String {
    let mut bytes = [0u8; 9];
    getrandom::getrandom(&mut bytes).expect("the system's random source");
    format!("3EB0{}", hex::encode_upper(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_and_ttls_are_read_or_refused_with_a_sentence() {
        assert_eq!(
            chat_of("+7 999 000-00-01").as_deref(),
            Ok("79990000001@s.whatsapp.net")
        );
        assert_eq!(
            chat_of("123456789012345@lid").as_deref(),
            Ok("123456789012345@lid")
        );
        assert!(chat_of("x@g.us").unwrap_err().contains("not a chat JID"));
        assert!(chat_of("hello").is_err());
        for (raw, want) in [
            ("30s", Ok(30)),
            ("10m", Ok(600)),
            ("2h", Ok(7200)),
            ("1d", Ok(86_400)),
            ("0m", Err(())),
            ("10", Err(())),
            ("m", Err(())),
            ("", Err(())),
            ("5y", Err(())),
        ] {
            assert_eq!(ttl_secs(raw).map_err(|_| ()), want, "{raw}");
        }
        let id = new_id();
        assert!(id.starts_with("3EB0") && id.len() == 22, "{id}");
        assert_ne!(new_id(), id);
    }
}
