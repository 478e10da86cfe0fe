//! An update as the API's stream, its journal and webhooks name and shape
//! it: one function, so every client reads the same event.

use serde_json::json;

use super::{rfc3339, utc, wall};
use std::time::{Duration, UNIX_EPOCH};

use crate::domain::Message;
use crate::engine::Update;
use crate::service::hub::Event;

/// The event's company, name and data as an admin sees them: the one
/// event model of the API's stream, its journal and webhooks. Readers with
/// less get it through [`super::redact`].
pub fn shape(event: &Event) -> Option<(i64, &'static str, serde_json::Value)> {
    let update = &event.update;
    let id = update.company()?;
    // Bots map events to companies by slug, as every other route names them.
    let company = event.slug.clone().unwrap_or_default();
    let (name, data) = match update {
        Update::StateChanged { state, since, .. } => (
            "session.status",
            json!({"company": company, "state": state.key(), "since": rfc3339(*since)}),
        ),
        Update::CodeIssued {
            code,
            expires_at,
            attempt,
            ..
        } => (
            "link.code",
            json!({"company": company, "attempt": attempt.0, "code": code.to_string(), "expires_at": wall(*expires_at)}),
        ),
        Update::QrIssued {
            payload,
            expires_at,
            attempt,
            ..
        } => (
            "link.qr",
            json!({"company": company, "attempt": attempt.0, "qr": payload, "expires_at": wall(*expires_at)}),
        ),
        Update::QrExhausted { attempt, .. } => (
            "link.qr_exhausted",
            json!({"company": company, "attempt": attempt.0}),
        ),
        Update::Linked {
            attempt,
            jid,
            phone,
            push_name,
            ..
        } => (
            "link.linked",
            json!({"company": company, "attempt": attempt.0, "jid": jid, "push_name": push_name,
                   "phone": format!("+{phone}")}),
        ),
        Update::Failed {
            attempt, reason, ..
        } => (
            "session.failure",
            json!({"company": company, "attempt": attempt.map(|a| a.0), "reason": reason.key(),
                   "message": reason.sentence(crate::store::now_unix(), utc())}),
        ),
        Update::Logged { entry, .. } => (
            "log",
            json!({"company": company, "at": rfc3339(entry.at), "kind": entry.kind, "detail": entry.detail,
                   "reason": entry.reason, "raw": entry.raw}),
        ),
        Update::CompanyAdded(row) => (
            "company.added",
            json!({"company": company, "slug": row.slug}),
        ),
        Update::CompanyChanged(row) => (
            "company.changed",
            json!({"company": company, "slug": row.slug, "name": row.name}),
        ),
        Update::CompanyRemoved { .. } => ("company.removed", json!({"company": company})),
        Update::MessageReceived { message, .. } | Update::MessageUpdated { message, .. } => {
            (message_name(message), message_data(&company, message))
        }
        _ => return None,
    };
    Some((id, name, data))
}

/// A message's event: `message.sent` for one the number's phone (or
/// another linked device) sent, which walink learns from WhatsApp, so it
/// has a sender; `message.status` for each step of a send, walink's own
/// from queued on, another's after it was sent; for an inbound one
/// `message.undecryptable` while this number could not read it (a copy
/// that decrypts comes as `message.received`).
pub fn message_name(m: &Message) -> &'static str {
    use crate::domain::{Direction, MessageStatus};
    match (m.direction, m.status) {
        (Direction::Out, MessageStatus::Sent) if m.sender.is_some() => "message.sent",
        (Direction::Out, _) => "message.status",
        (_, MessageStatus::Undecryptable) => "message.undecryptable",
        _ => "message.received",
    }
}

/// A message as every client reads it. The customer's addresses are the
/// company's own data (a bot replies to them), so no sight masks them.
pub fn message_data(company: &str, m: &Message) -> serde_json::Value {
    json!({"company": company, "id": m.id, "direction": m.direction, "chat": m.chat,
           "from": m.sender, "from_alt": m.sender_alt,
           "from_phone": m.sender_phone.as_ref().map(|p| format!("+{p}")),
           "push_name": m.push_name, "at": rfc3339(UNIX_EPOCH + Duration::from_secs(m.at.max(0) as u64)),
           "kind": m.kind, "text": m.text, "quoted": m.quoted, "status": m.status})
}
