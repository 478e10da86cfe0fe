//! Outbound messages in PostgreSQL: queued once under a key, a status that only climbs, a ttl.

use super::PgRegistry;
use super::messages::message;
use crate::domain::{Message, MessageStatus};
use crate::store::StoreError;
use crate::store::messages::COLUMNS;

impl PgRegistry {
    /// Queue `m` (outbound) under `idem_key`: the same key again returns
    /// the message it queued first, and `false`.
    pub(in crate::store) fn queue_outbound(
        &mut self,
        company: i64,
        idem_key: Option<&str>,
        m: &Message,
        expires_at: Option<i64>,
    ) -> Result<(Message, bool), StoreError> {
        self.in_tx(|s| {
            // The insert first: of two hosts queueing under one key at once,
            // the second waits for the first and finds its row.
            let added = s.exec(
                "INSERT INTO messages (company_id, direction, wa_id, chat, kind, body, quoted, \
                 status, idem_key, expires_at, at, updated_at) \
                 VALUES ($1, 'out', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
                 ON CONFLICT (company_id, idem_key) WHERE idem_key IS NOT NULL DO NOTHING",
                &[
                    &company,
                    &m.id,
                    &m.chat,
                    &m.kind.key(),
                    &m.text,
                    &m.quoted,
                    &MessageStatus::Queued.key(),
                    &idem_key,
                    &expires_at,
                    &m.at,
                ],
            )?;
            if added == 1 {
                return Ok((m.clone(), true));
            }
            // Only the key can have been taken.
            let key = idem_key.unwrap_or_default();
            let earlier = s.outbound_by_key(company, key)?.ok_or_else(|| {
                StoreError::Corrupt(format!("the message queued under {key} is gone"))
            })?;
            Ok((earlier, false))
        })
    }

    /// The message queued under `key`, if one was.
    pub(in crate::store) fn outbound_by_key(
        &self,
        company: i64,
        key: &str,
    ) -> Result<Option<Message>, StoreError> {
        self.row(
            &format!("SELECT {COLUMNS} FROM messages WHERE company_id = $1 AND idem_key = $2"),
            &[&company, &key],
        )?
        .as_ref()
        .map(message)
        .transpose()
    }

    /// `company`'s outbound messages still queued, oldest first, with
    /// when each expires.
    pub(in crate::store) fn queued_outbound(
        &self,
        company: i64,
    ) -> Result<Vec<(Message, Option<i64>)>, StoreError> {
        let rows = self.rows(
            &format!(
                "SELECT {COLUMNS}, expires_at FROM messages \
                 WHERE company_id = $1 AND status = 'queued' ORDER BY id"
            ),
            &[&company],
        )?;
        rows.iter()
            .map(|r| Ok((message(r)?, r.try_get::<_, Option<i64>>(13)?)))
            .collect()
    }

    /// Move outbound message `id` to `status` if it may go there (never
    /// down); the message as it now is, or `None` when nothing changed.
    pub(in crate::store) fn set_message_status(
        &mut self,
        company: i64,
        id: &str,
        status: MessageStatus,
        reason: Option<&str>,
        now: i64,
    ) -> Result<Option<Message>, StoreError> {
        self.in_tx(|s| {
            // Locked: another host's receipt for it waits for this one.
            let found = s
                .row(
                    &format!(
                        "SELECT {COLUMNS} FROM messages \
                         WHERE company_id = $1 AND wa_id = $2 AND direction = 'out' \
                         LIMIT 1 FOR UPDATE"
                    ),
                    &[&company, &id],
                )?
                .as_ref()
                .map(message)
                .transpose()?;
            let Some(mut m) = found.filter(|m| m.status.may_become(status)) else {
                return Ok(None);
            };
            s.exec(
                // Announced when the webhooks have this status in their outbox.
                "UPDATE messages SET status = $3, reason = $4, updated_at = $5, announced = false \
                 WHERE company_id = $1 AND wa_id = $2 AND direction = 'out'",
                &[&company, &id, &status.key(), &reason, &now],
            )?;
            m.status = status;
            m.reason = reason.map(str::to_owned);
            Ok(Some(m))
        })
    }

    /// End every queued message whose ttl ran out by `now` as expired,
    /// with `reason`; each with its company, as it now is.
    pub(in crate::store) fn expire_queued(
        &mut self,
        now: i64,
        reason: &str,
    ) -> Result<Vec<(i64, Message)>, StoreError> {
        // One statement: of two hosts expiring at once, each row is ended
        // (and told) by one.
        let rows = self.rows(
            &format!(
                "WITH ended AS (UPDATE messages SET status = 'expired', reason = $2, \
                 updated_at = $1, announced = false \
                 WHERE status = 'queued' AND expires_at <= $1 \
                 RETURNING {COLUMNS}, company_id, id) \
                 SELECT * FROM ended ORDER BY id"
            ),
            &[&now, &reason],
        )?;
        rows.iter()
            .map(|r| Ok((r.try_get::<_, i64>(13)?, message(r)?)))
            .collect()
    }
}
