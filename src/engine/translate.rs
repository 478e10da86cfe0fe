//! whatsapp-rust events → walink's own `ClientFact`s. The only file that
//! names whatsapp-rust's event types: everything past it is walink's.

use std::sync::Arc;
use std::time::Duration;

use whatsapp_rust::prelude::Event;
use whatsapp_rust::types::presence::ReceiptType;

use crate::domain::MessageStatus;

/// What the client reported, in walink's words. Raw texts are for the event
/// log, never for a person to read as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFact {
    QrCode {
        payload: String,
        ttl: Duration,
    },
    PairCode {
        code: String,
        ttl: Duration,
    },
    PairCodeExpired,
    PairCodeRefused {
        status: Option<i32>,
        throttled: bool,
        backoff: Option<Duration>,
        raw: String,
    },
    /// The QR refs ran out. `disconnected: false` means a pairing code is
    /// still outstanding and the socket stays up for it.
    QrExhausted {
        disconnected: bool,
    },
    PairSuccess {
        jid: String,
        lid: String,
        push_name: Option<String>,
    },
    PairFailed {
        raw: String,
    },
    PasskeyRequired,
    /// WhatsApp accepted the login and delivered the offline queue; the
    /// client may still wait (up to 10 s for an app-state key) before
    /// `Connected`.
    LoggedIn,
    Connected,
    Disconnected {
        raw: String,
    },
    /// The account's own push name, as WhatsApp told it.
    SelfPushName {
        name: String,
    },
    LoggedOut {
        on_connect: bool,
        status: i32,
    },
    Replaced,
    TemporaryBan {
        code: i32,
        expire: Duration,
    },
    ConnectFailure {
        status: i32,
        /// whatsapp-rust's own verdict: false means it stopped reconnecting.
        reconnects: bool,
        raw: String,
    },
    ClientOutdated,
    StreamError {
        code: String,
    },
    /// A customer's message this client could not decrypt (it asks the
    /// sender again; a copy that decrypts replaces it).
    Undecryptable {
        message: Box<crate::domain::Message>,
    },
    /// The recipient's devices got (or read) messages this number sent.
    Receipt {
        ids: Vec<String>,
        status: crate::domain::MessageStatus,
    },
    /// walink's own watchdog: no socket came up (or the server's
    /// certificate did not verify).
    NoSocket {
        cause: super::reach::NoSocket,
    },
}

/// Map one event; `None` for the many events a session does not care about
/// (messages, presence, app state).
pub fn translate(event: &Event) -> Option<ClientFact> {
    Some(match event {
        Event::PairingQrCode(q) => ClientFact::QrCode {
            payload: q.code.clone(),
            ttl: q.timeout,
        },
        Event::PairingCode(c) => ClientFact::PairCode {
            code: c.code.clone(),
            ttl: c.timeout,
        },
        Event::PairingCodeRefresh(_) => ClientFact::PairCodeExpired,
        Event::PairingCodeError(e) => ClientFact::PairCodeRefused {
            status: e.rejection.map(|r| r.code()),
            throttled: e.rejection.is_some_and(|r| r.is_throttled()),
            backoff: e.backoff,
            raw: e.error.clone(),
        },
        Event::PairingQrCodesExhausted(e) => ClientFact::QrExhausted {
            disconnected: e.disconnected,
        },
        Event::PairSuccess(p) => ClientFact::PairSuccess {
            jid: p.id.to_string(),
            lid: p.lid.to_string(),
            push_name: Some(p.business_name.clone()).filter(|n| !n.is_empty()),
        },
        Event::PairError(e) => ClientFact::PairFailed {
            raw: e.error.clone(),
        },
        Event::PairPasskeyRequest(_) => ClientFact::PasskeyRequired,
        Event::Connected(_) => ClientFact::Connected,
        Event::OfflineSyncCompleted(_) => ClientFact::LoggedIn,
        Event::Disconnected(d) => ClientFact::Disconnected {
            raw: d.reason.to_string(),
        },
        Event::LoggedOut(l) => ClientFact::LoggedOut {
            on_connect: l.on_connect,
            status: l.reason.code(),
        },
        Event::SelfPushNameUpdated(p) => ClientFact::SelfPushName {
            name: p.new_name.clone(),
        },
        Event::StreamReplaced(_) => ClientFact::Replaced,
        Event::TemporaryBan(b) => ClientFact::TemporaryBan {
            code: b.code.code(),
            expire: b.expire.to_std().unwrap_or_default(),
        },
        Event::ConnectFailure(f) => ClientFact::ConnectFailure {
            status: f.reason.code(),
            reconnects: f.reason.should_reconnect(),
            raw: f.message.clone().unwrap_or_default(),
        },
        Event::ClientOutdated(_) => ClientFact::ClientOutdated,
        Event::StreamError(s) => ClientFact::StreamError {
            code: s.code.clone(),
        },
        // An own device's copy that failed is no customer's message.
        Event::UndecryptableMessage(u) if !u.info.source.is_from_me => ClientFact::Undecryptable {
            message: Box::new(crate::domain::Message {
                status: MessageStatus::Undecryptable,
                ..super::inbound::received(&u.info)?
            }),
        },
        // The account's own devices' receipts say nothing of the customer.
        Event::Receipt(r) if !r.source.is_from_me => ClientFact::Receipt {
            ids: r.message_ids.iter().map(ToString::to_string).collect(),
            status: match r.r#type {
                ReceiptType::Delivered | ReceiptType::Inactive => MessageStatus::Delivered,
                ReceiptType::Read | ReceiptType::Played => MessageStatus::Read,
                _ => return None,
            },
        },
        _ => return None,
    })
}

/// The feed of one client's events.
pub struct WaEvents {
    rx: async_channel::Receiver<Arc<Event>>,
}

impl WaEvents {
    pub(super) fn new(rx: async_channel::Receiver<Arc<Event>>) -> Self {
        Self { rx }
    }

    /// The next fact a session cares about; `None` once the client is gone.
    pub async fn next_fact(&self) -> Option<ClientFact> {
        loop {
            let event = self.rx.recv().await.ok()?;
            if let Some(fact) = translate(&event) {
                return Some(fact);
            }
        }
    }
}
