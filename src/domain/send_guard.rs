//! The send guard: WhatsApp bans numbers that send too much too fast, most
//! of all to people who never wrote to them. Per number, a send is refused
//! (never dropped once queued) past a rate a minute or past a count of new
//! chats a day, with the time it may be tried again.

use chrono::FixedOffset;

use super::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// Messages a number sends in any 60 s.
    pub per_minute: u32,
    /// Chats a number starts in any 24 h that never wrote back.
    pub new_chats_per_day: u32,
}

impl Default for SendLimits {
    /// Conservative: a bot answering its customers stays far below both.
    fn default() -> Self {
        Self {
            per_minute: 20,
            new_chats_per_day: 30,
        }
    }
}

/// What the registry says of a number's recent sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recent {
    /// Sends in the last 60 s, and when the oldest of them was.
    pub last_minute: u32,
    pub oldest_in_minute: Option<UnixTime>,
    /// Chats started in the last 24 h that never wrote back, and when the
    /// oldest of them was started.
    pub new_chats_today: u32,
    pub oldest_new_chat: Option<UnixTime>,
    /// The chat of this send has no message yet.
    pub chat_is_new: bool,
}

/// Why a send was refused, and from when it may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooFast { limit: u32, retry_at: UnixTime },
    TooManyNewChats { limit: u32, retry_at: UnixTime },
}

impl Refusal {
    pub fn retry_at(self) -> UnixTime {
        match self {
            Self::TooFast { retry_at, .. } | Self::TooManyNewChats { retry_at, .. } => retry_at,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::TooFast { .. } => "send_rate",
            Self::TooManyNewChats { .. } => "new_chats",
        }
    }

    /// What a person reads: what happened, why it matters, when to retry.
    pub fn sentence(self, tz: FixedOffset) -> String {
        let at = chrono::DateTime::from_timestamp(self.retry_at(), 0)
            .map(|t| t.with_timezone(&tz).format("%H:%M:%S").to_string())
            .unwrap_or_default();
        match self {
            Self::TooFast { limit, .. } => format!(
                "Not sent: this number has sent {limit} messages in the last minute, the most \
                 walink allows (WhatsApp bans numbers that send faster). Try again after {at}."
            ),
            Self::TooManyNewChats { limit, .. } => format!(
                "Not sent: this number has started {limit} chats today with people who never \
                 wrote back, the most walink allows (WhatsApp bans numbers for that). Try again \
                 after {at}, or wait until the customer writes first."
            ),
        }
    }
}

/// Whether one more send may be queued now.
pub fn check(limits: SendLimits, recent: Recent, now: UnixTime) -> Result<(), Refusal> {
    if recent.last_minute >= limits.per_minute {
        return Err(Refusal::TooFast {
            limit: limits.per_minute,
            retry_at: recent.oldest_in_minute.unwrap_or(now) + 60,
        });
    }
    if recent.chat_is_new && recent.new_chats_today >= limits.new_chats_per_day {
        return Err(Refusal::TooManyNewChats {
            limit: limits.new_chats_per_day,
            retry_at: recent.oldest_new_chat.unwrap_or(now) + 86_400,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_past_either_limit_is_refused_until_the_oldest_ages_out() {
        let limits = SendLimits {
            per_minute: 3,
            new_chats_per_day: 2,
        };
        let now = 1_000_000;
        let recent = |last_minute, new_chats_today, chat_is_new| Recent {
            last_minute,
            oldest_in_minute: Some(now - 40),
            new_chats_today,
            oldest_new_chat: Some(now - 3600),
            chat_is_new,
        };
        for (r, want) in [
            (recent(0, 0, true), Ok(())),
            (recent(2, 1, true), Ok(())),
            (
                recent(3, 0, false),
                Err(Refusal::TooFast {
                    limit: 3,
                    retry_at: now + 20,
                }),
            ),
            // An old chat never counts as a new one.
            (recent(1, 2, false), Ok(())),
            (
                recent(1, 2, true),
                Err(Refusal::TooManyNewChats {
                    limit: 2,
                    retry_at: now - 3600 + 86_400,
                }),
            ),
        ] {
            assert_eq!(check(limits, r, now), want, "{r:?}");
        }
        let utc = chrono::FixedOffset::east_opt(0).expect("utc");
        let fast = Refusal::TooFast {
            limit: 3,
            retry_at: now + 20,
        };
        assert!(
            fast.sentence(utc).ends_with("Try again after 13:47:00."),
            "{}",
            fast.sentence(utc)
        );
    }
}
