//! Messages announced to webhooks exactly once: the mark and the outbox
//! rows are one transaction, and a message kept (or whose status moved)
//! but never marked, the process having died between the two, is found
//! again at the next start.

use rusqlite::{OptionalExtension, params};

use super::messages::{COLUMNS, message};
use super::{Store, StoreError};
use crate::domain::{Direction, Message};

impl Store {
    /// Mark `company`'s `m` announced and run `queue` in the same
    /// transaction; `None` when it was announced before (nothing runs).
    /// An inbound message is announced once; an outbound one once for each
    /// status it reaches, the row marked while that is still its status.
    pub fn announce<R>(
        &self,
        company: i64,
        m: &Message,
        queue: impl FnOnce(&Store) -> R,
    ) -> Result<Option<R>, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let fresh = match m.direction {
            Direction::In => {
                tx.execute(
                    "UPDATE messages SET announced = 1 WHERE company_id = ?1 \
                     AND direction = 'in' AND chat = ?2 AND sender = ?3 AND wa_id = ?4 \
                     AND announced = 0",
                    params![
                        company,
                        m.chat,
                        m.sender.as_deref().unwrap_or_default(),
                        m.id
                    ],
                )? > 0
            }
            Direction::Out => {
                let row: Option<(String, bool)> = tx
                    .query_row(
                        "SELECT status, announced FROM messages \
                         WHERE company_id = ?1 AND direction = 'out' AND wa_id = ?2",
                        params![company, m.id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                match row {
                    // Still its status: announced now unless the start's
                    // catch-up did it first.
                    Some((status, announced)) if status == m.status.key() => {
                        !announced
                            && tx.execute(
                                "UPDATE messages SET announced = 1 WHERE company_id = ?1 \
                                 AND direction = 'out' AND wa_id = ?2",
                                params![company, m.id],
                            )? > 0
                    }
                    // A step it has since passed: told as it happened.
                    Some(_) => true,
                    None => false,
                }
            }
        };
        if !fresh {
            return Ok(None);
        }
        let queued = queue(self);
        tx.commit()?;
        Ok(Some(queued))
    }

    /// Messages kept or moved on since `since` (Unix seconds) and not yet
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
    use crate::domain::{Direction, Message, MessageStatus};

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

    #[test]
    fn each_status_of_a_send_is_announced_once_and_the_last_is_found_again_until_it_is() {
        let (_dir, mut s, acme, _) = store_with_two();
        let reply = Message {
            direction: Direction::Out,
            sender: None,
            status: MessageStatus::Queued,
            ..inbound("3EB0AA", CHAT, "Hi", 1_000)
        };
        s.queue_outbound(acme, None, &reply, None).expect("queue");
        assert!(
            s.unannounced(0).expect("read").is_empty(),
            "queued is not told"
        );

        let sent = s
            .set_message_status(acme, "3EB0AA", MessageStatus::Sent, None, 1_001)
            .expect("move")
            .expect("moved");
        let waiting: Vec<_> = s
            .unannounced(0)
            .expect("read")
            .into_iter()
            .map(|(_, _, m)| m.status)
            .collect();
        assert_eq!(waiting, [MessageStatus::Sent], "moved, not yet told");
        // The process died there; the next start tells `sent`, once.
        assert_eq!(s.announce(acme, &sent, |_| ()).expect("mark"), Some(()));
        assert_eq!(s.announce(acme, &sent, |_| ()).expect("mark"), None);
        assert!(s.unannounced(0).expect("read").is_empty());

        // Two steps before the webhooks heard of the first: both are told,
        // the earlier as it happened.
        let delivered = s
            .set_message_status(acme, "3EB0AA", MessageStatus::Delivered, None, 1_002)
            .expect("move")
            .expect("moved");
        let read = s
            .set_message_status(acme, "3EB0AA", MessageStatus::Read, None, 1_003)
            .expect("move")
            .expect("moved");
        assert_eq!(
            s.announce(acme, &delivered, |_| ()).expect("mark"),
            Some(())
        );
        assert_eq!(s.unannounced(0).expect("read").len(), 1, "read still owed");
        assert_eq!(s.announce(acme, &read, |_| ()).expect("mark"), Some(()));
        assert_eq!(s.announce(acme, &read, |_| ()).expect("mark"), None);
        assert!(s.unannounced(0).expect("read").is_empty());
    }
}
