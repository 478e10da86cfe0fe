//! The event log in PostgreSQL: every state change and failure, with its time.

use tokio_postgres::Row;

use super::PgRegistry;
use crate::store::{Event, StoreError, now_unix};

fn event(r: &Row) -> Result<Event, StoreError> {
    Ok(Event {
        id: r.try_get(0)?,
        company_id: r.try_get(1)?,
        at: r.try_get(2)?,
        kind: r.try_get(3)?,
        detail: r.try_get(4)?,
        reason: r.try_get(5)?,
        raw: r.try_get(6)?,
    })
}

impl PgRegistry {
    pub(in crate::store) fn log_event(
        &self,
        company_id: Option<i64>,
        kind: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.log_failure(company_id, kind, detail, None, None)
    }

    /// An event with a failure's reason key and raw cause kept beside it.
    pub(in crate::store) fn log_failure(
        &self,
        company_id: Option<i64>,
        kind: &str,
        detail: &str,
        reason: Option<&str>,
        raw: Option<&str>,
    ) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO events (company_id, at, kind, detail, reason, raw)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&company_id, &now_unix(), &kind, &detail, &reason, &raw],
        )?;
        Ok(())
    }

    /// The newest `limit` events of one company, newest first.
    pub(in crate::store) fn events(
        &self,
        company_id: i64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.events_before(company_id, None, limit)
    }

    /// Up to `limit` events of one company older than event `before` (or
    /// the newest), newest first.
    pub(in crate::store) fn events_before(
        &self,
        company_id: i64,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.rows(
            "SELECT id, company_id, at, kind, detail, reason, raw FROM events
             WHERE company_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
            &[&company_id, &before.unwrap_or(i64::MAX), &(limit as i64)],
        )?
        .iter()
        .map(event)
        .collect()
    }
}
