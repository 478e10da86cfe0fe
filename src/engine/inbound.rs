//! Inbound messages: whatsapp-rust's durability hook keeps each decrypted
//! message in the registry before the client tells WhatsApp it arrived, so
//! a crash replays it instead of losing it. The inbound half of
//! `translate.rs`: the only other file that names the library's message
//! types.

use std::sync::Arc;

use whatsapp_rust::Client;
use whatsapp_rust::Jid;
use whatsapp_rust::prelude::MessageExt;
use whatsapp_rust::types::durability_hook::{InboundDurabilityHook, InboundMessage};
use whatsapp_rust::types::message::MessageInfo;
use whatsapp_rust::waproto::whatsapp as wa;

use super::ctx::Ctx;
use super::update::Update;
use crate::domain::{Direction, Message, MessageKind, MessageStatus};
use crate::store::now_unix;

/// Keeps a session's inbound messages, then tells every client of the new
/// ones (a replayed delivery finds its row and tells nobody again).
pub struct Keeper {
    pub ctx: Ctx,
}

#[async_trait::async_trait]
impl InboundDurabilityHook for Keeper {
    async fn on_messages(
        &self,
        _client: Arc<Client>,
        batch: &[InboundMessage],
    ) -> whatsapp_rust::anyhow::Result<()> {
        let messages: Vec<Message> = batch.iter().filter_map(message_of).collect();
        keep(&self.ctx, messages)
            .await
            // Not kept: no ack, so WhatsApp delivers it again.
            .map_err(|e| whatsapp_rust::anyhow::anyhow!("cannot keep inbound messages: {e}"))
    }
}

/// Keep `messages` and tell every client of the ones not kept before (or
/// kept only as undecryptable until now).
pub async fn keep(ctx: &Ctx, messages: Vec<Message>) -> Result<(), crate::store::StoreError> {
    if messages.is_empty() {
        return Ok(());
    }
    let company = ctx.company;
    let fresh = ctx
        .db
        .run(move |s| s.keep_inbound(company, &messages, now_unix()))
        .await?;
    for message in fresh {
        ctx.send(Update::MessageReceived {
            company,
            message: Box::new(message),
        })
        .await;
    }
    Ok(())
}

/// E.164 digits of a phone-number JID.
fn phone_of(jid: &Jid) -> Option<String> {
    (!jid.is_lid() && !jid.user.is_empty() && jid.user.bytes().all(|b| b.is_ascii_digit()))
        .then(|| jid.user.to_string())
}

/// One decrypted message in walink's words; `None` for the account's own
/// devices talking among themselves (the phone's key shares, history
/// notices).
pub fn message_of(m: &InboundMessage) -> Option<Message> {
    let (kind, quoted) = kind_of(&m.message);
    let text = m
        .message
        .text_content()
        .or_else(|| m.message.get_caption())
        .map(str::to_owned);
    Some(Message {
        kind,
        text,
        quoted,
        ..received(&m.info)?
    })
}

/// What the envelope says of a message (who, where, when), whatever its
/// content; `None` for the account's own devices' traffic. What the
/// number's phone (or another linked device) sent to someone comes here
/// too, as the server copies it to every device of the account: an
/// outbound message, already sent, that walink did not write.
pub fn received(info: &MessageInfo) -> Option<Message> {
    let source = &info.source;
    if source.is_from_me && !source.is_self_fanout() {
        return None;
    }
    let (direction, status) = if source.is_from_me {
        (Direction::Out, MessageStatus::Sent)
    } else {
        (Direction::In, MessageStatus::Received)
    };
    let sender = source.sender.to_non_ad();
    let alt = source.sender_alt.as_ref().map(Jid::to_non_ad);
    let sender_phone = phone_of(&sender).or_else(|| alt.as_ref().and_then(phone_of));
    Some(Message {
        id: info.id.to_string(),
        direction,
        chat: source.chat.to_non_ad().to_string(),
        sender: Some(sender.to_string()),
        sender_alt: alt.map(|j| j.to_string()),
        sender_phone,
        push_name: Some(info.push_name.clone()).filter(|n| !n.is_empty()),
        at: info.timestamp.timestamp(),
        kind: MessageKind::Other,
        text: None,
        quoted: None,
        status,
        reason: None,
    })
}

/// What the message is, and the id it answers, reacts to, edits or
/// revokes.
fn kind_of(message: &wa::Message) -> (MessageKind, Option<String>) {
    let base = message.get_base_message();
    if let Some(p) = base.protocol_message.as_option() {
        let target = p.key.as_option().and_then(|k| k.id.clone());
        let kind = if p.edited_message.is_set() {
            MessageKind::Edit
        } else if p.r#type == Some(wa::message::protocol_message::Type::REVOKE) {
            MessageKind::Revoke
        } else {
            MessageKind::Other
        };
        return (kind, target);
    }
    if let Some(r) = base.reaction_message.as_option() {
        return (
            MessageKind::Reaction,
            r.key.as_option().and_then(|k| k.id.clone()),
        );
    }
    let quoted = base
        .extended_text_message
        .as_option()
        .and_then(|e| e.context_info.as_option())
        .and_then(|c| c.stanza_id.clone());
    let kind = if message.text_content().is_some() {
        MessageKind::Text
    } else if base.image_message.is_set() {
        MessageKind::Image
    } else if base.video_message.is_set() {
        MessageKind::Video
    } else if base.audio_message.is_set() {
        MessageKind::Audio
    } else if base.document_message.is_set() {
        MessageKind::Document
    } else if base.sticker_message.is_set() {
        MessageKind::Sticker
    } else if base.location_message.is_set() || base.live_location_message.is_set() {
        MessageKind::Location
    } else if base.contact_message.is_set() || base.contacts_array_message.is_set() {
        MessageKind::Contact
    } else {
        MessageKind::Other
    };
    (kind, quoted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wa::message::protocol_message::Type;
    use wa::message::{ImageMessage, ProtocolMessage, ReactionMessage};

    fn key(id: &str) -> wa::MessageKey {
        wa::MessageKey {
            id: Some(id.into()),
            ..Default::default()
        }
    }

    #[test]
    fn each_kind_is_named_with_the_message_it_is_about() {
        let text = wa::Message {
            conversation: Some("Hello".into()),
            ..Default::default()
        };
        let image = wa::Message {
            image_message: ImageMessage {
                caption: Some("our menu".into()),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        };
        let reaction = wa::Message {
            reaction_message: ReactionMessage {
                key: key("A1").into(),
                text: Some("+1".into()),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        };
        let revoke = wa::Message {
            protocol_message: ProtocolMessage {
                key: key("A2").into(),
                r#type: Some(Type::REVOKE),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        };
        let nothing = wa::Message::default();
        for (message, kind, about) in [
            (text, MessageKind::Text, None),
            (image, MessageKind::Image, None),
            (reaction, MessageKind::Reaction, Some("A1")),
            (revoke, MessageKind::Revoke, Some("A2")),
            (nothing, MessageKind::Other, None),
        ] {
            assert_eq!(kind_of(&message), (kind, about.map(str::to_owned)));
        }
    }
}
