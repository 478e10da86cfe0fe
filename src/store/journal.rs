//! The API's event journal: what SSE readers resume from, across restarts.

use rusqlite::params;

use super::{Store, StoreError};

/// One kept event: (id, company, name, data as JSON text).
pub type Kept = (i64, i64, String, String);

impl Store {
    pub fn keep_api_event(
        &self,
        id: i64,
        company: i64,
        name: &str,
        data: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO api_events (id, company_id, name, data, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, company, name, data, at],
        )?;
        Ok(())
    }

    pub fn last_api_event(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM api_events", [], |r| {
                r.get(0)
            })?)
    }

    /// Kept events after `id`, oldest first.
    pub fn api_events_after(&self, id: i64, limit: usize) -> Result<Vec<Kept>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, company_id, name, data FROM api_events WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![id, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Forget events older than `before` (Unix seconds).
    pub fn prune_api_events(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM api_events WHERE at < ?1", [before])?)
    }

    /// Forget message events older than `before`: they carry the text,
    /// which lives no longer than the messages' retention.
    pub fn prune_message_events(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM api_events WHERE at < ?1 AND name LIKE 'message.%'",
            [before],
        )?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn message_events_leave_with_the_messages_and_the_rest_stays() {
        let (_dir, store, acme, _) = crate::store::messages::tests::store_with_two();
        store
            .keep_api_event(1, acme, "message.received", "{}", 100)
            .unwrap();
        store
            .keep_api_event(2, acme, "session.status", "{}", 100)
            .unwrap();
        store
            .keep_api_event(3, acme, "message.status", "{}", 200)
            .unwrap();
        assert_eq!(store.prune_message_events(150).unwrap(), 1);
        let left: Vec<String> = store
            .api_events_after(0, 10)
            .unwrap()
            .into_iter()
            .map(|(_, _, name, _)| name)
            .collect();
        assert_eq!(left, ["session.status", "message.status"]);
    }
}
