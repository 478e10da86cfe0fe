//! The messages a linked number received and sent, in PostgreSQL: the same rows as `Store`'s.

use tokio_postgres::Row;

use super::PgRegistry;
use crate::domain::send_guard::Recent;
use crate::domain::{Direction, Message, MessageKind, MessageStatus, Traffic};
use crate::store::StoreError;
use crate::store::messages::COLUMNS;

/// A row whose first columns are `COLUMNS`, as a message.
pub(in crate::store) fn message(r: &Row) -> Result<Message, StoreError> {
    let sender: String = r.try_get(3)?;
    Ok(Message {
        id: r.try_get(0)?,
        direction: Direction::from_key(r.try_get(1)?),
        chat: r.try_get(2)?,
        sender: Some(sender).filter(|s| !s.is_empty()),
        sender_alt: r.try_get(4)?,
        sender_phone: r.try_get(5)?,
        push_name: r.try_get(6)?,
        at: r.try_get(7)?,
        kind: MessageKind::from_key(r.try_get(8)?),
        text: r.try_get(9)?,
        quoted: r.try_get(10)?,
        status: MessageStatus::from_key(r.try_get(11)?).unwrap_or(MessageStatus::Received),
        reason: r.try_get(12)?,
    })
}

/// A count the send guard weighs.
fn count(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("a count of {n} messages")))
}

/// A copy that decrypted replaces the row kept when it could not be (and
/// is announced again, as received).
const UPGRADE: &str = "UPDATE messages SET kind = $5, body = $6, quoted = $7, status = 'received', \
     announced = false, updated_at = $8 WHERE company_id = $1 AND chat = $2 AND sender = $3 \
     AND wa_id = $4 AND direction = 'in' AND status = 'undecryptable'";

/// The statuses of a message that reached (or came from) WhatsApp.
const TOLD: &str = "status IN ('received', 'undecryptable', 'sent', 'delivered', 'read')";

impl PgRegistry {
    /// Keep `batch` for `company` in one transaction, all or nothing; the
    /// messages not kept before come back, in order (a replay yields none).
    pub(in crate::store) fn keep_inbound(
        &mut self,
        company: i64,
        batch: &[Message],
        now: i64,
    ) -> Result<Vec<Message>, StoreError> {
        self.in_tx(|s| {
            let mut fresh = Vec::new();
            for m in batch {
                let sender = m.sender.as_deref().unwrap_or_default();
                let added = s.exec(
                    "INSERT INTO messages (company_id, direction, wa_id, chat, sender, \
                     sender_alt, sender_phone, push_name, kind, body, quoted, status, at, \
                     updated_at, announced) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, false) \
                     ON CONFLICT DO NOTHING",
                    &[
                        &company,
                        &m.direction.key(),
                        &m.id,
                        &m.chat,
                        &sender,
                        &m.sender_alt,
                        &m.sender_phone,
                        &m.push_name,
                        &m.kind.key(),
                        &m.text,
                        &m.quoted,
                        &m.status.key(),
                        &m.at,
                        &now,
                    ],
                )?;
                // Only a copy that decrypted replaces an undecryptable row.
                let decrypted = m.status == MessageStatus::Received;
                if added == 1
                    || decrypted
                        && s.exec(
                            UPGRADE,
                            &[
                                &company,
                                &m.chat,
                                &sender,
                                &m.id,
                                &m.kind.key(),
                                &m.text,
                                &m.quoted,
                                &now,
                            ],
                        )? == 1
                {
                    fresh.push(m.clone());
                }
            }
            Ok(fresh)
        })
    }

    /// `company`'s messages, newest first: of one chat when `chat` is given,
    /// older than the row `before` names when given.
    pub(in crate::store) fn messages(
        &self,
        company: i64,
        chat: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let before_row: Option<i64> = match before {
            None => None,
            // An id in two chats: the one SQLite's index finds first.
            Some(id) => self
                .row(
                    "SELECT id FROM messages WHERE company_id = $1 AND wa_id = $2 \
                     ORDER BY chat COLLATE \"C\", sender COLLATE \"C\" LIMIT 1",
                    &[&company, &id],
                )?
                .map(|r| r.try_get::<_, i64>(0))
                .transpose()?,
        };
        if before.is_some() && before_row.is_none() {
            return Ok(Vec::new());
        }
        let rows = self.rows(
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE company_id = $1 \
                 AND ($2::TEXT IS NULL OR chat = $2) AND ($3::BIGINT IS NULL OR id < $3) \
                 ORDER BY id DESC LIMIT $4"
            ),
            &[&company, &chat, &before_row, &(limit as i64)],
        )?;
        rows.iter().map(message).collect()
    }

    /// What the send guard weighs: `company`'s sends in the last minute,
    /// the chats it started in the last day that never wrote back, and
    /// whether `chat` has any message yet.
    pub(in crate::store) fn recent_sends(
        &self,
        company: i64,
        chat: &str,
        now: i64,
    ) -> Result<Recent, StoreError> {
        let one = |sql: &str, since: i64| -> Result<(u32, Option<i64>), StoreError> {
            let r = self
                .row(sql, &[&company, &since])?
                .ok_or_else(|| StoreError::Corrupt("a count without a row".into()))?;
            Ok((count(r.try_get(0)?)?, r.try_get(1)?))
        };
        let (last_minute, oldest_in_minute) = one(
            "SELECT COUNT(*), MIN(at) FROM messages \
             WHERE company_id = $1 AND direction = 'out' AND at > $2",
            now - 60,
        )?;
        let (new_chats_today, oldest_new_chat) = one(
            "SELECT COUNT(*), MIN(first_at) FROM (SELECT MIN(at) AS first_at, \
             COUNT(*) FILTER (WHERE direction = 'in') AS answers \
             FROM messages WHERE company_id = $1 GROUP BY chat) AS chats \
             WHERE answers = 0 AND first_at > $2",
            now - 86_400,
        )?;
        let chat_is_new = !self
            .row(
                "SELECT EXISTS (SELECT 1 FROM messages WHERE company_id = $1 AND chat = $2)",
                &[&company, &chat],
            )?
            .map(|r| r.try_get::<_, bool>(0))
            .transpose()?
            .unwrap_or(false);
        Ok(Recent {
            last_minute,
            oldest_in_minute,
            new_chats_today,
            oldest_new_chat,
            chat_is_new,
        })
    }

    /// Forget messages older than `before` (Unix seconds).
    pub(in crate::store) fn prune_messages(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self.exec("DELETE FROM messages WHERE at < $1", &[&before])? as usize)
    }

    /// `company`'s traffic over the day before `now`: what it received, and
    /// what it sent that reached WhatsApp.
    pub(in crate::store) fn traffic(&self, company: i64, now: i64) -> Result<Traffic, StoreError> {
        let mut t = Traffic::new(now);
        let rows = self.rows(
            &format!(
                "SELECT direction, at FROM messages WHERE company_id = $1 AND at > $2 \
                 AND {TOLD}"
            ),
            &[&company, &(now - 86_400)],
        )?;
        for r in &rows {
            t.count(Direction::from_key(r.try_get(0)?), r.try_get(1)?, now);
        }
        let last = self.rows(
            &format!(
                "SELECT MAX(at) FILTER (WHERE direction = 'in'), \
                 MAX(at) FILTER (WHERE direction = 'out') \
                 FROM messages WHERE company_id = $1 AND {TOLD}"
            ),
            &[&company],
        )?;
        if let Some(r) = last.first() {
            t.last_in = r.try_get(0)?;
            t.last_out = r.try_get(1)?;
        }
        Ok(t)
    }
}
