//! Webhooks and their outbox: every delivery is a row until it is done,
//! so retries survive a restart.

use rusqlite::params;

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub company_id: Option<i64>,
    pub company_slug: Option<String>,
    /// Event names, comma-separated; empty: every event.
    pub events: String,
    pub secret: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub disabled_why: Option<String>,
    /// Its bodies carry whole numbers and JIDs (else masked, as a read
    /// token sees them): for a company's own bot that must answer them.
    pub whole_numbers: bool,
}

impl Webhook {
    pub fn wants(&self, event: &str, company: i64) -> bool {
        self.disabled_at.is_none()
            && self.company_id.is_none_or(|c| c == company)
            && (self.events.is_empty() || self.events.split(',').any(|e| e == event))
    }
}

/// One delivery waiting or done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub secret: String,
    pub company_id: Option<i64>,
    pub event: String,
    pub body: String,
    pub created_at: i64,
    pub attempts: i64,
}

pub(super) const HOOK: &str = "w.id, w.url, w.company_id, c.slug, w.events, w.secret, w.created_at, \
                    w.disabled_at, w.disabled_why, w.whole_numbers FROM webhooks w LEFT JOIN companies c ON c.id = w.company_id";

fn hook(r: &rusqlite::Row<'_>) -> rusqlite::Result<Webhook> {
    Ok(Webhook {
        id: r.get(0)?,
        url: r.get(1)?,
        company_id: r.get(2)?,
        company_slug: r.get(3)?,
        events: r.get(4)?,
        secret: r.get(5)?,
        created_at: r.get(6)?,
        disabled_at: r.get(7)?,
        disabled_why: r.get(8)?,
        whole_numbers: r.get(9)?,
    })
}

impl Store {
    pub fn add_webhook(
        &self,
        url: &str,
        company_id: Option<i64>,
        events: &str,
        secret: &str,
        whole_numbers: bool,
        now: i64,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO webhooks (url, company_id, events, secret, whole_numbers, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![url, company_id, events, secret, whole_numbers, now],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {HOOK} ORDER BY w.id"))?;
        let rows = stmt.query_map([], hook)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// False when there was no such webhook.
    pub fn remove_webhook(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM webhooks WHERE id = ?1", [id])?
            == 1)
    }

    pub fn disable_webhook(&self, id: i64, now: i64, why: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE webhooks SET disabled_at = ?2, disabled_why = ?3 WHERE id = ?1",
            params![id, now, why],
        )?;
        self.conn.execute(
            "UPDATE webhook_outbox SET done_at = ?2, outcome = 'unsubscribed' WHERE webhook_id = ?1 AND done_at IS NULL",
            params![id, now],
        )?;
        Ok(())
    }

    pub fn enqueue_delivery(
        &self,
        webhook_id: i64,
        company_id: Option<i64>,
        event: &str,
        body: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO webhook_outbox (webhook_id, company_id, event, body, created_at, next_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![webhook_id, company_id, event, body, now],
        )?;
        Ok(())
    }

    /// Deliveries due at `now`, oldest first.
    pub fn due_deliveries(&self, now: i64, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.id, o.webhook_id, w.url, w.secret, o.company_id, o.event, o.body, o.created_at, o.attempts
             FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id
             WHERE o.done_at IS NULL AND o.next_at <= ?1 AND w.disabled_at IS NULL
             ORDER BY o.next_at, o.id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![now, limit as i64], |r| {
                Ok(Delivery {
                    id: r.get(0)?,
                    webhook_id: r.get(1)?,
                    url: r.get(2)?,
                    secret: r.get(3)?,
                    company_id: r.get(4)?,
                    event: r.get(5)?,
                    body: r.get(6)?,
                    created_at: r.get(7)?,
                    attempts: r.get(8)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// When the next delivery falls due (unix seconds), if any waits.
    pub fn next_delivery_at(&self) -> Result<Option<i64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT MIN(o.next_at) FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id
             WHERE o.done_at IS NULL AND w.disabled_at IS NULL",
        )?;
        Ok(stmt.query_row([], |r| r.get(0))?)
    }

    /// Record one try: done with `outcome`, or due again at `next_at`.
    pub fn record_delivery(
        &self,
        id: i64,
        now: i64,
        outcome: Result<&str, i64>,
    ) -> Result<(), StoreError> {
        match outcome {
            Ok(outcome) => self.conn.execute(
                "UPDATE webhook_outbox SET attempts = attempts + 1, done_at = ?2, outcome = ?3 WHERE id = ?1",
                params![id, now, outcome],
            )?,
            Err(next_at) => self.conn.execute(
                "UPDATE webhook_outbox SET attempts = attempts + 1, next_at = ?2 WHERE id = ?1",
                params![id, next_at],
            )?,
        };
        Ok(())
    }

    /// Forget deliveries done before `before` (unix seconds): their bodies
    /// carry message text, which is kept only for the retention.
    pub fn prune_deliveries(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM webhook_outbox WHERE done_at IS NOT NULL AND done_at < ?1",
            [before],
        )?)
    }

    /// Deliveries by outcome ("pending" while not done), for metrics.
    pub fn delivery_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT COALESCE(outcome, 'pending'), COUNT(*) FROM webhook_outbox GROUP BY 1 ORDER BY 1",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
