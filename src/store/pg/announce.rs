//! Messages announced to webhooks exactly once, in PostgreSQL.

use super::PgRegistry;
use super::messages::message;
use crate::domain::{Direction, Message};
use crate::store::messages::COLUMNS;
use crate::store::{Registry, StoreError};

impl PgRegistry {
    /// Mark `company`'s `m` announced and run `queue` in the same
    /// transaction; false when it was announced before (nothing runs).
    /// An inbound message is announced once; an outbound one once for each
    /// status it reaches, the row marked while that is still its status.
    pub(in crate::store) fn announce_step(
        &self,
        company: i64,
        m: &Message,
        queue: &mut dyn FnMut(&dyn Registry),
    ) -> Result<bool, StoreError> {
        self.in_tx(|s| {
            let fresh = match m.direction {
                Direction::In => {
                    s.exec(
                        "UPDATE messages SET announced = true WHERE company_id = $1 \
                         AND direction = 'in' AND chat = $2 AND sender = $3 AND wa_id = $4 \
                         AND NOT announced",
                        &[
                            &company,
                            &m.chat,
                            &m.sender.as_deref().unwrap_or_default(),
                            &m.id,
                        ],
                    )? > 0
                }
                // Locked, as SQLite's write lock does: of two hosts
                // announcing it, the second sees the first's mark.
                Direction::Out => match s.row(
                    "SELECT status, announced FROM messages \
                     WHERE company_id = $1 AND direction = 'out' AND wa_id = $2 \
                     LIMIT 1 FOR UPDATE",
                    &[&company, &m.id],
                )? {
                    Some(r) => {
                        let status: &str = r.try_get(0)?;
                        let announced: bool = r.try_get(1)?;
                        if status == m.status.key() {
                            // Still its status: announced now unless the
                            // start's catch-up did it first.
                            !announced
                                && s.exec(
                                    "UPDATE messages SET announced = true WHERE company_id = $1 \
                                     AND direction = 'out' AND wa_id = $2",
                                    &[&company, &m.id],
                                )? > 0
                        } else {
                            // A step it has since passed: told as it happened.
                            true
                        }
                    }
                    None => false,
                },
            };
            if fresh {
                queue(s);
            }
            Ok(fresh)
        })
    }

    /// Messages kept or moved on since `since` (Unix seconds) and not yet
    /// announced, oldest first, with their company's id and slug.
    pub(in crate::store) fn unannounced(
        &self,
        since: i64,
    ) -> Result<Vec<(i64, String, Message)>, StoreError> {
        let rows = self.rows(
            &format!(
                "SELECT w.*, c.slug FROM (SELECT {COLUMNS}, company_id, id FROM messages \
                 WHERE NOT announced AND updated_at >= $1) AS w \
                 JOIN companies c ON c.id = w.company_id ORDER BY w.id"
            ),
            &[&since],
        )?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<_, i64>(13)?,
                    r.try_get::<_, String>(15)?,
                    message(r)?,
                ))
            })
            .collect()
    }
}
