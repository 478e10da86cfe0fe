//! A message a linked number received or sent, as walink keeps it and
//! every client reads it. Plain data: the engine fills it, the registry
//! keeps it, the event model shapes it.

use serde::{Deserialize, Serialize};

use super::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn key(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
        }
    }

    pub fn from_key(key: &str) -> Self {
        if key == "out" { Self::Out } else { Self::In }
    }
}

/// Where a message is. An inbound one is `Received` (or `Undecryptable`);
/// an outbound one climbs `Queued → Sent → Delivered → Read`, or ends
/// `Failed` or `Expired`. Never down: a late "delivered" after "read" is
/// ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Received,
    Undecryptable,
    Queued,
    Sent,
    Delivered,
    Read,
    Failed,
    Expired,
}

impl MessageStatus {
    pub const ALL: [Self; 8] = [
        Self::Received,
        Self::Undecryptable,
        Self::Queued,
        Self::Sent,
        Self::Delivered,
        Self::Read,
        Self::Failed,
        Self::Expired,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Undecryptable => "undecryptable",
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
            Self::Expired => "expired",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether an outbound message may move from `self` to `next`.
    pub fn may_become(self, next: Self) -> bool {
        match self {
            Self::Queued => next != Self::Queued,
            Self::Sent | Self::Delivered => {
                matches!(next, Self::Delivered | Self::Read) && next > self
            }
            _ => false,
        }
    }

    /// No further change can come.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Read | Self::Failed | Self::Expired | Self::Received | Self::Undecryptable
        )
    }
}

/// What a message is. Only text is read; the others are told by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    Text,
    Image,
    Video,
    Audio,
    Document,
    Sticker,
    Location,
    Contact,
    Reaction,
    Edit,
    Revoke,
    Other,
}

impl MessageKind {
    pub const ALL: [Self; 12] = [
        Self::Text,
        Self::Image,
        Self::Video,
        Self::Audio,
        Self::Document,
        Self::Sticker,
        Self::Location,
        Self::Contact,
        Self::Reaction,
        Self::Edit,
        Self::Revoke,
        Self::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Document => "document",
            Self::Sticker => "sticker",
            Self::Location => "location",
            Self::Contact => "contact",
            Self::Reaction => "reaction",
            Self::Edit => "edit",
            Self::Revoke => "revoke",
            Self::Other => "other",
        }
    }

    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.key() == key)
            .unwrap_or(Self::Other)
    }
}

/// One message, in or out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// WhatsApp's message id (fixed before an outbound one is sent, so a
    /// retry sends the same message).
    pub id: String,
    pub direction: Direction,
    /// The chat's JID: the customer in a 1:1 chat.
    pub chat: String,
    /// Who wrote it (inbound): a JID, PN or LID.
    pub sender: Option<String>,
    /// The sender's other address (LID for a PN, PN for a LID), when known.
    pub sender_alt: Option<String>,
    /// E.164 digits of the sender, from whichever address is a phone.
    pub sender_phone: Option<String>,
    pub push_name: Option<String>,
    /// Server time (inbound) or when it was queued (outbound).
    pub at: UnixTime,
    pub kind: MessageKind,
    /// Text or caption.
    pub text: Option<String>,
    /// The message this one answers (or reacts to, edits, revokes).
    pub quoted: Option<String>,
    pub status: MessageStatus,
    /// Why it failed or expired, as a sentence.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outbound_status_only_climbs() {
        use MessageStatus::*;
        for (from, to, ok) in [
            (Queued, Sent, true),
            (Queued, Expired, true),
            (Queued, Failed, true),
            (Queued, Delivered, true),
            (Sent, Delivered, true),
            (Sent, Read, true),
            (Delivered, Read, true),
            (Read, Delivered, false),
            (Delivered, Delivered, false),
            (Sent, Failed, false),
            (Expired, Sent, false),
            (Received, Read, false),
        ] {
            assert_eq!(from.may_become(to), ok, "{from:?} → {to:?}");
        }
    }

    #[test]
    fn keys_round_trip() {
        for s in MessageStatus::ALL {
            assert_eq!(MessageStatus::from_key(s.key()), Some(s));
        }
        for k in MessageKind::ALL {
            assert_eq!(MessageKind::from_key(k.key()), k);
        }
        assert_eq!(MessageKind::from_key("poll"), MessageKind::Other);
        assert_eq!(Direction::from_key(Direction::Out.key()), Direction::Out);
    }
}
