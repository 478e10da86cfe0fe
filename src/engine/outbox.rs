//! Outbound messages: what waits in the registry's queue goes out with the
//! id fixed when it was queued, so a send retried after a crash is the same
//! message (the recipient keeps it once); receipts move each one on.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use tokio::sync::mpsc;

use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::{Client, Jid, SendOptions};

use super::ctx::Ctx;
use super::update::Update;
use crate::domain::{Message, MessageStatus};
use crate::store::now_unix;

/// One session's sender: one flush at a time, so no row goes out twice at
/// once. The lock also holds the chats WhatsApp said are on it.
#[derive(Default)]
pub struct Outbox {
    flushing: Arc<tokio::sync::Mutex<HashSet<String>>>,
    /// Receipts, marked one after another in the order they came: a read
    /// receipt right behind a delivery one must not overtake it.
    receipts: OnceLock<mpsc::UnboundedSender<(Vec<String>, MessageStatus)>>,
}

impl Outbox {
    /// Send what is queued, off the session's loop.
    pub fn flush(&self, ctx: &Ctx, client: &Arc<Client>) {
        let (ctx, client, lock) = (ctx.clone(), client.clone(), self.flushing.clone());
        tokio::spawn(async move {
            let mut on_whatsapp = lock.lock().await;
            send_queued(&ctx, &client, &mut on_whatsapp).await;
        });
    }

    /// The customer's devices got or read `ids`: marked off the session's
    /// loop, by one task that ends with the session.
    pub fn receipt(&self, ctx: &Ctx, ids: Vec<String>, status: MessageStatus) {
        let marker = self.receipts.get_or_init(|| {
            let (tx, mut rx) = mpsc::unbounded_channel::<(Vec<String>, MessageStatus)>();
            let ctx = ctx.clone();
            tokio::spawn(async move {
                while let Some((ids, status)) = rx.recv().await {
                    for id in ids {
                        mark(&ctx, &id, status, None).await;
                    }
                }
            });
            tx
        });
        let _ = marker.send((ids, status));
    }
}

pub(super) const EXPIRED: &str =
    "Not sent: the number was not connected before the message's ttl ran out.";
const NOT_AN_ADDRESS: &str = "Not sent: the recipient is not a WhatsApp address.";
const NOT_ON_WHATSAPP: &str =
    "Not sent: WhatsApp says this number is not on WhatsApp; check the number and send again.";

async fn send_queued(ctx: &Ctx, client: &Arc<Client>, on_whatsapp: &mut HashSet<String>) {
    let company = ctx.company;
    let queued = match ctx.db.run(move |s| s.queued_outbound(company)).await {
        Ok(q) => q,
        Err(e) => {
            tracing::error!(company, "cannot read the queued messages: {e}");
            return;
        }
    };
    for (m, expires_at) in queued {
        if expires_at.is_some_and(|t| t <= now_unix()) {
            mark(ctx, &m.id, MessageStatus::Expired, Some(EXPIRED)).await;
            continue;
        }
        let Ok(to) = m.chat.parse::<Jid>() else {
            mark(ctx, &m.id, MessageStatus::Failed, Some(NOT_AN_ADDRESS)).await;
            continue;
        };
        if !client.is_connected() {
            // The next connect sends the rest.
            return;
        }
        // As WhatsApp Web does before a first message: a number nobody
        // uses would take the message and never deliver it.
        if to.is_pn() && !on_whatsapp.contains(&m.chat) {
            match client
                .contacts()
                .is_on_whatsapp(std::slice::from_ref(&to))
                .await
            {
                Ok(found) if found.iter().any(|r| r.is_registered) => {
                    on_whatsapp.insert(m.chat.clone());
                }
                Ok(_) => {
                    mark(ctx, &m.id, MessageStatus::Failed, Some(NOT_ON_WHATSAPP)).await;
                    continue;
                }
                Err(_) => {
                    // Asked again at the next flush.
                    let why = format!(
                        "message {} not sent yet, kept queued (WhatsApp did not say whether the number is on WhatsApp)",
                        m.id
                    );
                    ctx.db.log(company, "message", why).await;
                    return;
                }
            }
        }
        let options = SendOptions::default().with_message_id(m.id.clone());
        match client
            .send_message_with_options(to, wa_message(&m), options)
            .await
        {
            Ok(_) => mark(ctx, &m.id, MessageStatus::Sent, None).await,
            Err(e) => {
                // Still queued: it goes, with the same id, at the next flush.
                // The library's text names the recipient: log only its kind.
                tracing::warn!(company, id = %m.id, "a message was not sent yet");
                ctx.db
                    .log(
                        company,
                        "message",
                        format!(
                            "message {} not sent yet, kept queued ({})",
                            m.id,
                            kind_of(&e)
                        ),
                    )
                    .await;
                return;
            }
        }
    }
}

/// The error's variant name: what happened, without addresses.
fn kind_of(e: &whatsapp_rust::SendError) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The text as WhatsApp carries it: a reply quotes the message it answers.
fn wa_message(m: &Message) -> wa::Message {
    let text = m.text.clone().unwrap_or_default();
    match &m.quoted {
        None => wa::Message {
            conversation: Some(text),
            ..Default::default()
        },
        Some(quoted) => wa::Message {
            extended_text_message: wa::message::ExtendedTextMessage {
                text: Some(text),
                context_info: wa::ContextInfo {
                    stanza_id: Some(quoted.clone()),
                    participant: Some(m.chat.clone()),
                    ..Default::default()
                }
                .into(),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        },
    }
}

/// Move message `id` on, and tell every client when it moved.
async fn mark(ctx: &Ctx, id: &str, status: MessageStatus, reason: Option<&'static str>) {
    let (company, owned) = (ctx.company, id.to_owned());
    let moved = ctx
        .db
        .run(move |s| s.set_message_status(company, &owned, status, reason, now_unix()))
        .await;
    match moved {
        Ok(Some(message)) => {
            ctx.send(Update::MessageUpdated {
                company,
                message: Box::new(message),
            })
            .await;
        }
        Ok(None) => {}
        Err(e) => tracing::error!(company, "cannot store a message's status: {e}"),
    }
}
