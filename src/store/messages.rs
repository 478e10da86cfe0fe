//! The messages a linked number received and sent: kept for the retention,
//! one row per (company, chat, sender, id) so a replayed delivery finds its
//! row instead of making a second one.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::domain::send_guard::Recent;
use crate::domain::{Direction, Message, MessageKind, MessageStatus};

pub(super) const COLUMNS: &str = "wa_id, direction, chat, sender, sender_alt, sender_phone, push_name, \
     at, kind, body, quoted, status, reason";

pub(super) fn message(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    let sender: String = r.get(3)?;
    let direction: String = r.get(1)?;
    let kind: String = r.get(8)?;
    let status: String = r.get(11)?;
    Ok(Message {
        id: r.get(0)?,
        direction: Direction::from_key(&direction),
        chat: r.get(2)?,
        sender: Some(sender).filter(|s| !s.is_empty()),
        sender_alt: r.get(4)?,
        sender_phone: r.get(5)?,
        push_name: r.get(6)?,
        at: r.get(7)?,
        kind: MessageKind::from_key(&kind),
        text: r.get(9)?,
        quoted: r.get(10)?,
        status: MessageStatus::from_key(&status).unwrap_or(MessageStatus::Received),
        reason: r.get(12)?,
    })
}

/// A copy that decrypted replaces the row kept when it could not be (and
/// is announced again, as received).
const UPGRADE: &str = "UPDATE messages SET kind = ?5, body = ?6, quoted = ?7, status = 'received', \
     announced = 0, updated_at = ?8 WHERE company_id = ?1 AND chat = ?2 AND sender = ?3 \
     AND wa_id = ?4 AND direction = 'in' AND status = 'undecryptable'";

impl Store {
    /// Keep `batch` for `company` in one transaction, all or nothing; the
    /// messages not kept before come back, in order (a replay yields none).
    pub fn keep_inbound(
        &mut self,
        company: i64,
        batch: &[Message],
        now: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut fresh = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO messages (company_id, direction, wa_id, chat, sender, \
                 sender_alt, sender_phone, push_name, kind, body, quoted, status, at, updated_at, \
                 announced) \
                 VALUES (?1, ?14, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0)",
            )?;
            for m in batch {
                let added = stmt.execute(params![
                    company,
                    m.id,
                    m.chat,
                    m.sender.as_deref().unwrap_or_default(),
                    m.sender_alt,
                    m.sender_phone,
                    m.push_name,
                    m.kind.key(),
                    m.text,
                    m.quoted,
                    m.status.key(),
                    m.at,
                    now,
                    m.direction.key(),
                ])?;
                // Only a copy that decrypted replaces an undecryptable row.
                let decrypted = m.status == MessageStatus::Received;
                if added == 1
                    || decrypted
                        && tx.execute(
                            UPGRADE,
                            params![
                                company,
                                m.chat,
                                m.sender.as_deref().unwrap_or_default(),
                                m.id,
                                m.kind.key(),
                                m.text,
                                m.quoted,
                                now
                            ],
                        )? == 1
                {
                    fresh.push(m.clone());
                }
            }
        }
        tx.commit()?;
        Ok(fresh)
    }

    /// `company`'s messages, newest first: of one chat when `chat` is given,
    /// older than the row `before` names when given.
    pub fn messages(
        &self,
        company: i64,
        chat: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let before_row: Option<i64> = match before {
            None => None,
            Some(id) => self
                .conn
                .query_row(
                    "SELECT id FROM messages WHERE company_id = ?1 AND wa_id = ?2",
                    params![company, id],
                    |r| r.get(0),
                )
                .optional()?,
        };
        if before.is_some() && before_row.is_none() {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM messages WHERE company_id = ?1 \
             AND (?2 IS NULL OR chat = ?2) AND (?3 IS NULL OR id < ?3) \
             ORDER BY id DESC LIMIT ?4"
        ))?;
        let rows = stmt
            .query_map(params![company, chat, before_row, limit as i64], message)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Queue `m` (outbound) under `idem_key`: the same key again returns
    /// the message it queued first, and `false`.
    pub fn queue_outbound(
        &mut self,
        company: i64,
        idem_key: Option<&str>,
        m: &Message,
        expires_at: Option<i64>,
    ) -> Result<(Message, bool), StoreError> {
        let tx = self.conn.transaction()?;
        if let Some(key) = idem_key {
            let earlier = tx
                .query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM messages WHERE company_id = ?1 AND idem_key = ?2"
                    ),
                    params![company, key],
                    message,
                )
                .optional()?;
            if let Some(earlier) = earlier {
                return Ok((earlier, false));
            }
        }
        tx.execute(
            "INSERT INTO messages (company_id, direction, wa_id, chat, kind, body, quoted, status, \
             idem_key, expires_at, at, updated_at) \
             VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
            params![
                company,
                m.id,
                m.chat,
                m.kind.key(),
                m.text,
                m.quoted,
                MessageStatus::Queued.key(),
                idem_key,
                expires_at,
                m.at,
            ],
        )?;
        tx.commit()?;
        Ok((m.clone(), true))
    }

    /// The message queued under `key`, if one was.
    pub fn outbound_by_key(&self, company: i64, key: &str) -> Result<Option<Message>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM messages WHERE company_id = ?1 AND idem_key = ?2"),
                params![company, key],
                message,
            )
            .optional()?)
    }

    /// What the send guard weighs: `company`'s sends in the last minute,
    /// the chats it started in the last day that never wrote back, and
    /// whether `chat` has any message yet.
    pub fn recent_sends(&self, company: i64, chat: &str, now: i64) -> Result<Recent, StoreError> {
        let (last_minute, oldest_in_minute) = self.conn.query_row(
            "SELECT COUNT(*), MIN(at) FROM messages \
             WHERE company_id = ?1 AND direction = 'out' AND at > ?2",
            params![company, now - 60],
            |r| Ok((r.get::<_, u32>(0)?, r.get(1)?)),
        )?;
        let (new_chats_today, oldest_new_chat) = self.conn.query_row(
            "SELECT COUNT(*), MIN(first) FROM (SELECT MIN(at) AS first, \
             SUM(direction = 'in') AS answers FROM messages WHERE company_id = ?1 GROUP BY chat) \
             WHERE answers = 0 AND first > ?2",
            params![company, now - 86_400],
            |r| Ok((r.get::<_, u32>(0)?, r.get(1)?)),
        )?;
        let chat_is_new = !self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE company_id = ?1 AND chat = ?2)",
            params![company, chat],
            |r| r.get::<_, bool>(0),
        )?;
        Ok(Recent {
            last_minute,
            oldest_in_minute,
            new_chats_today,
            oldest_new_chat,
            chat_is_new,
        })
    }

    /// `company`'s outbound messages still queued, oldest first, with
    /// when each expires.
    pub fn queued_outbound(&self, company: i64) -> Result<Vec<(Message, Option<i64>)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, expires_at FROM messages \
             WHERE company_id = ?1 AND status = 'queued' ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([company], |r| Ok((message(r)?, r.get(13)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Move outbound message `id` to `status` if it may go there (never
    /// down); the message as it now is, or `None` when nothing changed.
    pub fn set_message_status(
        &mut self,
        company: i64,
        id: &str,
        status: MessageStatus,
        reason: Option<&str>,
        now: i64,
    ) -> Result<Option<Message>, StoreError> {
        let tx = self.conn.transaction()?;
        let found = tx
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM messages \
                     WHERE company_id = ?1 AND wa_id = ?2 AND direction = 'out'"
                ),
                params![company, id],
                message,
            )
            .optional()?;
        let Some(mut m) = found.filter(|m| m.status.may_become(status)) else {
            return Ok(None);
        };
        tx.execute(
            // Announced when the webhooks have this status in their outbox.
            "UPDATE messages SET status = ?3, reason = ?4, updated_at = ?5, announced = 0 \
             WHERE company_id = ?1 AND wa_id = ?2 AND direction = 'out'",
            params![company, id, status.key(), reason, now],
        )?;
        tx.commit()?;
        m.status = status;
        m.reason = reason.map(str::to_owned);
        Ok(Some(m))
    }

    /// Forget messages older than `before` (Unix seconds).
    pub fn prune_messages(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM messages WHERE at < ?1", [before])?)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::{DisplayName, Slug};

    pub(in crate::store) fn inbound(id: &str, chat: &str, text: &str, at: i64) -> Message {
        Message {
            id: id.into(),
            direction: Direction::In,
            chat: chat.into(),
            sender: Some(chat.into()),
            sender_alt: Some("100000000000001@lid".into()),
            sender_phone: Some("79990000001".into()),
            push_name: Some("Customer".into()),
            at,
            kind: MessageKind::Text,
            text: Some(text.into()),
            quoted: None,
            status: MessageStatus::Received,
            reason: None,
        }
    }

    pub(in crate::store) fn store_with_two() -> (tempfile::TempDir, Store, i64, i64) {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(&dir.path().join("walink.db")).expect("open");
        let mut ids = Vec::new();
        for slug in ["acme", "beta"] {
            let slug = Slug::parse(slug).expect("slug");
            let name = DisplayName::parse("A company").expect("name");
            ids.push(store.add_company(&slug, &name).expect("add").id);
        }
        (dir, store, ids[0], ids[1])
    }

    #[test]
    fn a_replayed_batch_is_kept_once_and_companies_stay_apart() {
        let (_dir, mut store, acme, beta) = store_with_two();
        let chat = "79990000001@s.whatsapp.net";
        let first = [
            inbound("A1", chat, "Hello", 100),
            inbound("A2", chat, "Hi", 101),
        ];
        assert_eq!(store.keep_inbound(acme, &first, 100).unwrap().len(), 2);
        // The server redelivers the batch after a crash: nothing new.
        assert!(store.keep_inbound(acme, &first, 102).unwrap().is_empty());
        // The same id in another chat, or for another company, is another message.
        let other = [inbound("A1", "79990000002@s.whatsapp.net", "Yo", 103)];
        assert_eq!(store.keep_inbound(acme, &other, 103).unwrap().len(), 1);
        assert_eq!(store.keep_inbound(beta, &first[..1], 103).unwrap().len(), 1);

        let acme_all = store.messages(acme, None, None, 10).unwrap();
        let ids: Vec<_> = acme_all.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["A1", "A2", "A1"], "newest first");
        assert_eq!(acme_all[1], first[1]);
        let in_chat = store.messages(acme, Some(chat), None, 10).unwrap();
        assert_eq!(in_chat.len(), 2);
        let older = store.messages(acme, Some(chat), Some("A2"), 10).unwrap();
        assert_eq!(older, vec![first[0].clone()]);
        assert_eq!(store.messages(beta, None, None, 10).unwrap().len(), 1);

        assert_eq!(store.prune_messages(101).unwrap(), 2);
        assert_eq!(store.messages(acme, None, None, 10).unwrap().len(), 2);
    }

    #[test]
    fn an_idempotency_key_queues_once_and_a_status_only_climbs() {
        let (_dir, mut store, acme, beta) = store_with_two();
        let reply = Message {
            direction: Direction::Out,
            sender: None,
            sender_alt: None,
            sender_phone: None,
            push_name: None,
            status: MessageStatus::Queued,
            ..inbound("3EB0AA", "79990000001@s.whatsapp.net", "Hi", 200)
        };
        let (first, fresh) = store
            .queue_outbound(acme, Some("k1"), &reply, None)
            .unwrap();
        assert!(fresh);
        let again = Message {
            id: "3EB0BB".into(),
            ..reply.clone()
        };
        let (second, fresh) = store
            .queue_outbound(acme, Some("k1"), &again, None)
            .unwrap();
        assert!(!fresh);
        assert_eq!(second, first, "the same key answers with the first message");
        // Another company's key space is its own.
        assert!(
            store
                .queue_outbound(beta, Some("k1"), &again, None)
                .unwrap()
                .1
        );
        assert_eq!(store.queued_outbound(acme).unwrap().len(), 1);

        let sent = store
            .set_message_status(acme, "3EB0AA", MessageStatus::Sent, None, 201)
            .unwrap();
        assert_eq!(sent.map(|m| m.status), Some(MessageStatus::Sent));
        assert!(store.queued_outbound(acme).unwrap().is_empty());
        let read = store.set_message_status(acme, "3EB0AA", MessageStatus::Read, None, 202);
        assert!(read.unwrap().is_some());
        // A late "delivered" after "read" changes nothing.
        let late = store.set_message_status(acme, "3EB0AA", MessageStatus::Delivered, None, 203);
        assert_eq!(late.unwrap(), None);
        let kept = store.messages(acme, None, None, 10).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].status, MessageStatus::Read);
    }
}
