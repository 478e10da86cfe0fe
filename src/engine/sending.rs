//! Queueing a text for a company's number to send: the one operation
//! behind the API's POST …/messages and `walink send`. The registry keeps
//! the message before anyone is told it is queued; the engine sends it now
//! if the session is connected, else at its next connect. The send guard
//! refuses past its limits (read from the registry, where `walink serve`
//! writes them), and an idempotency key used again answers with the
//! message it queued first.

use super::{Command, EngineHandle};
use crate::domain::send_guard::{self, Refusal, SendLimits};
use crate::domain::{Direction, Message, MessageKind, MessageStatus};
use crate::store::{Db, Registry, StoreError, now_unix};

/// WhatsApp carries up to 65,536 characters of text.
pub const MAX_TEXT: usize = 65_536;
const PER_MINUTE: &str = "send.per_minute";
const NEW_CHATS: &str = "send.new_chats_per_day";

/// A text to send, as a client gives it.
#[derive(Debug, Clone, Default)]
pub struct SendText {
    /// A phone number (+7 900 123 45 67) or a chat JID.
    pub to: String,
    pub text: String,
    /// The id of the message this one answers.
    pub reply_to: Option<String>,
    /// How long it may wait for a connection: 30s, 10m, 2h, 1d.
    pub ttl: Option<String>,
    /// The same key again sends once.
    pub key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Bad input: a code and the sentence that says what to give instead.
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error("{}", .0.sentence(crate::events::utc()))]
    Refused(Refusal),
    #[error("cannot keep the message: {0}")]
    Store(#[from] StoreError),
}

/// The guard's limits `walink serve` was started with (else the defaults).
pub fn limits(s: &dyn Registry) -> Result<SendLimits, StoreError> {
    let d = SendLimits::default();
    let read = |key, default| -> Result<u32, StoreError> {
        Ok(s.setting(key)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(default))
    };
    Ok(SendLimits {
        per_minute: read(PER_MINUTE, d.per_minute)?,
        new_chats_per_day: read(NEW_CHATS, d.new_chats_per_day)?,
    })
}

pub fn set_limits(s: &dyn Registry, l: SendLimits) -> Result<(), StoreError> {
    s.set_setting(PER_MINUTE, &l.per_minute.to_string())?;
    s.set_setting(NEW_CHATS, &l.new_chats_per_day.to_string())
}

/// Queue `req` for `company`: the message kept (or the one its key queued
/// first), and whether it is new. A refusal is written to the company's
/// event log too.
pub async fn queue_text(
    db: &Db,
    engine: &EngineHandle,
    company: i64,
    req: SendText,
) -> Result<(Message, bool), SendError> {
    let country = db.run(move |s| s.company_settings(company)).await?.country;
    let chat = chat_of(&req.to, country.as_deref())
        .map_err(|why| SendError::Invalid("bad_recipient", why))?;
    if req.text.trim().is_empty() || req.text.chars().count() > MAX_TEXT {
        return Err(SendError::Invalid(
            "bad_text",
            format!("the text must have 1 to {MAX_TEXT} characters"),
        ));
    }
    let ttl = match req.ttl.as_deref() {
        None => None,
        Some(raw) => Some(duration_secs(raw).map_err(|why| SendError::Invalid("bad_ttl", why))?),
    };
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
        text: Some(req.text),
        quoted: req.reply_to,
        status: MessageStatus::Queued,
        reason: None,
    };
    let key = req.key;
    // One registry step: the guard's count and the insert.
    let queued = db
        .run(move |s| {
            if let Some(k) = key.as_deref()
                && let Some(earlier) = s.outbound_by_key(company, k)?
            {
                return Ok(Ok((earlier, false)));
            }
            let recent = s.recent_sends(company, &message.chat, now)?;
            let limits = s.company_settings(company)?.limits(limits(s)?);
            if let Err(refusal) = send_guard::check(limits, recent, now) {
                return Ok(Err(refusal));
            }
            s.queue_outbound(company, key.as_deref(), &message, ttl.map(|t| now + t))
                .map(Ok)
        })
        .await?;
    match queued {
        Ok((kept, true)) => {
            // Kept already: an engine that cannot hear now sends it at the
            // session's next connect.
            let _ = engine.send(Command::SendQueued { company }).await;
            Ok((kept, true))
        }
        Ok(earlier) => Ok(earlier),
        Err(refusal) => {
            let e = SendError::Refused(refusal);
            db.log(company, "message", e.to_string()).await;
            Err(e)
        }
    }
}

/// A chat JID as given, or a phone number's (in `country` when it is
/// written without +).
fn chat_of(to: &str, country: Option<&str>) -> Result<String, String> {
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
    crate::domain::Phone::parse(to, country)
        .map(|p| format!("{}@s.whatsapp.net", p.digits))
        .map_err(|e| e.to_string())
}

/// `30s`, `10m`, `2h`, `1d` in seconds.
pub fn duration_secs(raw: &str) -> Result<i64, String> {
    let why = || format!("{raw:?} is not a duration like 30s, 10m, 2h or 1d");
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
            chat_of("+7 999 000-00-01", None).as_deref(),
            Ok("79990000001@s.whatsapp.net")
        );
        assert_eq!(
            chat_of("123456789012345@lid", None).as_deref(),
            Ok("123456789012345@lid")
        );
        assert!(
            chat_of("x@g.us", None)
                .unwrap_err()
                .contains("not a chat JID")
        );
        assert!(chat_of("hello", None).is_err());
        // Written the national way: only in the company's country.
        assert!(chat_of("8 999 000-00-01", None).is_err());
        assert_eq!(
            chat_of("8 999 000-00-01", Some("RU")).as_deref(),
            Ok("79990000001@s.whatsapp.net")
        );
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
            assert_eq!(duration_secs(raw).map_err(|_| ()), want, "{raw}");
        }
        let id = new_id();
        assert!(id.starts_with("3EB0") && id.len() == 22, "{id}");
        assert_ne!(new_id(), id);
    }
}
