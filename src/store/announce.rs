//! Inbound messages announced to webhooks exactly once: the mark and the
//! outbox rows are one transaction, and a message kept but never marked
//! (the process died between the two) is found again at the next start.

use rusqlite::params;

use super::messages::{COLUMNS, message};
use super::{Store, StoreError};
use crate::domain::Message;

impl Store {
    /// Mark `company`'s inbound `m` announced and run `queue` in the same
    /// transaction; `None` when it was announced before (nothing runs).
    pub fn announce<R>(
        &self,
        company: i64,
        m: &Message,
        queue: impl FnOnce(&Store) -> R,
    ) -> Result<Option<R>, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let marked = tx.execute(
            "UPDATE messages SET announced = 1 WHERE company_id = ?1 AND direction = 'in' \
             AND chat = ?2 AND sender = ?3 AND wa_id = ?4 AND announced = 0",
            params![
                company,
                m.chat,
                m.sender.as_deref().unwrap_or_default(),
                m.id
            ],
        )?;
        if marked == 0 {
            return Ok(None);
        }
        let queued = queue(self);
        tx.commit()?;
        Ok(Some(queued))
    }

    /// Inbound messages kept since `since` (Unix seconds) and not yet
    /// announced, oldest first, with their company's id and slug.
    pub fn unannounced(&self, since: i64) -> Result<Vec<(i64, String, Message)>, StoreError> {
        let columns = COLUMNS
            .split(", ")
            .map(|c| format!("m.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {columns}, m.company_id, c.slug FROM messages m \
             JOIN companies c ON c.id = m.company_id \
             WHERE m.announced = 0 AND m.updated_at >= ?1 ORDER BY m.id"
        ))?;
        let rows = stmt
            .query_map([since], |r| Ok((r.get(13)?, r.get(14)?, message(r)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::super::messages::tests::{inbound, store_with_two};

    const CHAT: &str = "79990000001@s.whatsapp.net";

    #[test]
    fn a_kept_message_is_announced_once_and_found_again_until_it_is() {
        let (_dir, mut s, acme, _) = store_with_two();
        let (a1, a2) = (
            inbound("A1", CHAT, "Hello", 1_000),
            inbound("A2", CHAT, "Hi", 1_000),
        );
        s.keep_inbound(acme, &[a1.clone(), a2], 1_000)
            .expect("keep");
        let waiting = s.unannounced(0).expect("read");
        let ids: Vec<_> = waiting
            .iter()
            .map(|(_, slug, m)| (slug.as_str(), m.id.as_str()))
            .collect();
        assert_eq!(ids, [("acme", "A1"), ("acme", "A2")]);
        assert!(
            s.unannounced(1_001).expect("read").is_empty(),
            "kept earlier"
        );

        assert_eq!(s.announce(acme, &a1, |_| 7).expect("mark"), Some(7));
        assert_eq!(s.announce(acme, &a1, |_| 7).expect("mark"), None, "once");
        let left: Vec<_> = s
            .unannounced(0)
            .expect("read")
            .into_iter()
            .map(|(_, _, m)| m.id)
            .collect();
        assert_eq!(left, ["A2"]);
        // A replayed delivery keeps nothing new and announces nothing again.
        assert!(
            s.keep_inbound(acme, std::slice::from_ref(&a1), 1_001)
                .expect("keep")
                .is_empty()
        );
        assert_eq!(s.announce(acme, &a1, |_| 7).expect("mark"), None);
    }
}
