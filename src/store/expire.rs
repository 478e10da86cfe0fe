//! Queued messages whose ttl ran out, ended where they wait: the bot is
//! told when it happens, not at the number's next connect.

use rusqlite::params;

use super::messages::{COLUMNS, message};
use super::{Store, StoreError};
use crate::domain::{Message, MessageStatus};

impl Store {
    /// End every queued message whose ttl ran out by `now` as expired,
    /// with `reason`; each with its company, as it now is.
    pub fn expire_queued(
        &mut self,
        now: i64,
        reason: &str,
    ) -> Result<Vec<(i64, Message)>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut stale: Vec<(i64, Message)> = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {COLUMNS}, company_id FROM messages \
                 WHERE status = 'queued' AND expires_at <= ?1 ORDER BY id"
            ))?;
            stmt.query_map([now], |r| Ok((r.get(13)?, message(r)?)))?
                .collect::<Result<_, _>>()?
        };
        for (company, m) in &mut stale {
            tx.execute(
                "UPDATE messages SET status = 'expired', reason = ?3, updated_at = ?4, announced = 0 \
                 WHERE company_id = ?1 AND wa_id = ?2 AND direction = 'out' AND status = 'queued'",
                params![*company, m.id, reason, now],
            )?;
            m.status = MessageStatus::Expired;
            m.reason = Some(reason.to_owned());
        }
        tx.commit()?;
        Ok(stale)
    }
}
