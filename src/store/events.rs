//! The event log: every state change and failure, with its time.

use rusqlite::params;
use serde::Serialize;

use super::{Store, StoreError, now_unix};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: i64,
    pub company_id: Option<i64>,
    /// Unix seconds.
    pub at: i64,
    pub kind: String,
    /// What a person reads.
    pub detail: String,
    /// A failure's reason key (`rate_limited`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The cause as the client library or the system said it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl Store {
    pub fn log_event(
        &self,
        company_id: Option<i64>,
        kind: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.log_failure(company_id, kind, detail, None, None)
    }

    /// An event with a failure's reason key and raw cause kept beside it.
    pub fn log_failure(
        &self,
        company_id: Option<i64>,
        kind: &str,
        detail: &str,
        reason: Option<&str>,
        raw: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO events (company_id, at, kind, detail, reason, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![company_id, now_unix(), kind, detail, reason, raw],
        )?;
        Ok(())
    }

    /// The newest `limit` events of one company, newest first.
    pub fn events(&self, company_id: i64, limit: usize) -> Result<Vec<Event>, StoreError> {
        self.events_before(company_id, None, limit)
    }

    /// Up to `limit` events of one company older than event `before` (or
    /// the newest), newest first.
    pub fn events_before(
        &self,
        company_id: i64,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, company_id, at, kind, detail, reason, raw FROM events
             WHERE company_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![company_id, before.unwrap_or(i64::MAX), limit as i64],
            |r| {
                Ok(Event {
                    id: r.get(0)?,
                    company_id: r.get(1)?,
                    at: r.get(2)?,
                    kind: r.get(3)?,
                    detail: r.get(4)?,
                    reason: r.get(5)?,
                    raw: r.get(6)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
