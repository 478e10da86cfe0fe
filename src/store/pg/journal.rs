//! The API's event journal in PostgreSQL: each host keeps (and numbers) the
//! events of its own stream, which its SSE readers resume from.

use super::PgRegistry;
use crate::store::{Kept, StoreError};

impl PgRegistry {
    pub(in crate::store) fn keep_api_event(
        &self,
        id: i64,
        company: i64,
        name: &str,
        data: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO api_events (host, id, company_id, name, data, at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[&self.host(), &id, &company, &name, &data, &at],
        )?;
        Ok(())
    }

    pub(in crate::store) fn last_api_event(&self) -> Result<i64, StoreError> {
        let row = self.row(
            "SELECT COALESCE(MAX(id), 0)::BIGINT FROM api_events WHERE host = $1",
            &[&self.host()],
        )?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => 0,
        })
    }

    /// Kept events of this host after `id`, oldest first.
    pub(in crate::store) fn api_events_after(
        &self,
        id: i64,
        limit: usize,
    ) -> Result<Vec<Kept>, StoreError> {
        self.rows(
            "SELECT id, company_id, name, data FROM api_events
             WHERE host = $1 AND id > $2 ORDER BY id LIMIT $3",
            &[&self.host(), &id, &(limit as i64)],
        )?
        .iter()
        .map(|r| -> Result<Kept, StoreError> {
            Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
        })
        .collect()
    }

    /// Forget events older than `before` (Unix seconds), every host's: a
    /// host gone for good would otherwise keep its stream for ever.
    pub(in crate::store) fn prune_api_events(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self.exec("DELETE FROM api_events WHERE at < $1", &[&before])? as usize)
    }

    /// Forget message events older than `before`, every host's: they carry
    /// the text, which lives no longer than the messages' retention.
    pub(in crate::store) fn prune_message_events(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self.exec(
            "DELETE FROM api_events WHERE at < $1 AND name LIKE 'message.%'",
            &[&before],
        )? as usize)
    }
}
