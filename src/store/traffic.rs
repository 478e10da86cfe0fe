//! A company's message traffic, as the dashboard shows it.

use rusqlite::params;

use super::{Store, StoreError};

impl Store {
    /// `company`'s traffic over the day before `now`: what it received, and
    /// what it sent that reached WhatsApp.
    pub fn traffic(&self, company: i64, now: i64) -> Result<crate::domain::Traffic, StoreError> {
        use crate::domain::{Direction, Traffic};
        let mut t = Traffic::new(now);
        let mut stmt = self.conn.prepare_cached(
            "SELECT direction, at FROM messages WHERE company_id = ?1 AND at > ?2 \
             AND status IN ('received', 'undecryptable', 'sent', 'delivered', 'read')",
        )?;
        let rows = stmt.query_map(params![company, now - 86_400], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (direction, at) = row?;
            t.count(Direction::from_key(&direction), at, now);
        }
        let last = |direction: &str| -> Result<Option<i64>, StoreError> {
            Ok(self.conn.query_row(
                "SELECT MAX(at) FROM messages WHERE company_id = ?1 AND direction = ?2 \
                 AND status IN ('received', 'undecryptable', 'sent', 'delivered', 'read')",
                params![company, direction],
                |r| r.get(0),
            )?)
        };
        t.last_in = last("in")?;
        t.last_out = last("out")?;
        Ok(t)
    }
}
