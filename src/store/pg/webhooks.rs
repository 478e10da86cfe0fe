//! Webhooks and their outbox in PostgreSQL, one outbox for every host's
//! webhook worker.

use tokio_postgres::Row;

use super::PgRegistry;
use crate::store::webhooks::HOOK;
use crate::store::{Delivery, StoreError, Webhook};

fn hook(r: &Row) -> Result<Webhook, StoreError> {
    Ok(Webhook {
        id: r.try_get(0)?,
        url: r.try_get(1)?,
        company_id: r.try_get(2)?,
        company_slug: r.try_get(3)?,
        events: r.try_get(4)?,
        secret: r.try_get(5)?,
        created_at: r.try_get(6)?,
        disabled_at: r.try_get(7)?,
        disabled_why: r.try_get(8)?,
        whole_numbers: r.try_get(9)?,
    })
}

/// A claimed delivery and when it was due (column 9).
fn claimed(r: &Row) -> Result<(i64, Delivery), StoreError> {
    let d = Delivery {
        id: r.try_get(0)?,
        webhook_id: r.try_get(1)?,
        url: r.try_get(2)?,
        secret: r.try_get(3)?,
        company_id: r.try_get(4)?,
        event: r.try_get(5)?,
        body: r.try_get(6)?,
        created_at: r.try_get(7)?,
        attempts: r.try_get(8)?,
    };
    Ok((r.try_get(9)?, d))
}

impl PgRegistry {
    pub(in crate::store) fn add_webhook(
        &self,
        url: &str,
        company_id: Option<i64>,
        events: &str,
        secret: &str,
        whole_numbers: bool,
        now: i64,
    ) -> Result<i64, StoreError> {
        let row = self.row(
            "INSERT INTO webhooks (url, company_id, events, secret, whole_numbers, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[&url, &company_id, &events, &secret, &whole_numbers, &now],
        )?;
        match row {
            Some(r) => Ok(r.try_get(0)?),
            None => Err(StoreError::Corrupt("an insert returned no id".into())),
        }
    }

    pub(in crate::store) fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        self.rows(&format!("SELECT {HOOK} ORDER BY w.id"), &[])?
            .iter()
            .map(hook)
            .collect()
    }

    /// False when there was no such webhook.
    pub(in crate::store) fn remove_webhook(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self.exec("DELETE FROM webhooks WHERE id = $1", &[&id])? == 1)
    }

    pub(in crate::store) fn disable_webhook(
        &self,
        id: i64,
        now: i64,
        why: &str,
    ) -> Result<(), StoreError> {
        self.in_tx(|s| {
            s.exec(
                "UPDATE webhooks SET disabled_at = $2, disabled_why = $3 WHERE id = $1",
                &[&id, &now, &why],
            )?;
            s.exec(
                "UPDATE webhook_outbox SET done_at = $2, outcome = 'unsubscribed'
                 WHERE webhook_id = $1 AND done_at IS NULL",
                &[&id, &now],
            )?;
            Ok(())
        })
    }

    pub(in crate::store) fn enqueue_delivery(
        &self,
        webhook_id: i64,
        company_id: Option<i64>,
        event: &str,
        body: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO webhook_outbox (webhook_id, company_id, event, body, created_at, next_at)
             VALUES ($1, $2, $3, $4, $5, $5)",
            &[&webhook_id, &company_id, &event, &body, &now],
        )?;
        Ok(())
    }

    /// Deliveries due at `now`, oldest first, claimed by this host.
    pub(in crate::store) fn due_deliveries(
        &self,
        now: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        // Claim: a minute on, so no other host takes them; unposted, they fall due again.
        let mut due = self
            .rows(
                "WITH due AS (
                     SELECT o.id, o.next_at
                     FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id
                     WHERE o.done_at IS NULL AND o.next_at <= $1 AND w.disabled_at IS NULL
                     ORDER BY o.next_at, o.id LIMIT $2
                     FOR UPDATE OF o SKIP LOCKED
                 )
                 UPDATE webhook_outbox o SET next_at = $1::BIGINT + 60
                 FROM due, webhooks w
                 WHERE o.id = due.id AND w.id = o.webhook_id
                 RETURNING o.id, o.webhook_id, w.url, w.secret, o.company_id, o.event, o.body,
                           o.created_at, o.attempts, due.next_at",
                &[&now, &(limit as i64)],
            )?
            .iter()
            .map(claimed)
            .collect::<Result<Vec<_>, _>>()?;
        // RETURNING keeps no order.
        due.sort_by_key(|(next_at, d)| (*next_at, d.id));
        Ok(due.into_iter().map(|(_, d)| d).collect())
    }

    /// When the next delivery falls due (unix seconds), if any waits.
    pub(in crate::store) fn next_delivery_at(&self) -> Result<Option<i64>, StoreError> {
        let row = self.row(
            "SELECT MIN(o.next_at) FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id
             WHERE o.done_at IS NULL AND w.disabled_at IS NULL",
            &[],
        )?;
        Ok(row
            .map(|r| r.try_get::<_, Option<i64>>(0))
            .transpose()?
            .flatten())
    }

    /// Record one try: done with `outcome`, or due again at `next_at`.
    pub(in crate::store) fn record_delivery(
        &self,
        id: i64,
        now: i64,
        outcome: Result<&str, i64>,
    ) -> Result<(), StoreError> {
        match outcome {
            Ok(outcome) => self.exec(
                "UPDATE webhook_outbox SET attempts = attempts + 1, done_at = $2, outcome = $3
                 WHERE id = $1",
                &[&id, &now, &outcome],
            )?,
            Err(next_at) => self.exec(
                "UPDATE webhook_outbox SET attempts = attempts + 1, next_at = $2 WHERE id = $1",
                &[&id, &next_at],
            )?,
        };
        Ok(())
    }

    /// Forget deliveries done before `before` (unix seconds): their bodies
    /// carry message text, which is kept only for the retention.
    pub(in crate::store) fn prune_deliveries(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self.exec(
            "DELETE FROM webhook_outbox WHERE done_at IS NOT NULL AND done_at < $1",
            &[&before],
        )? as usize)
    }

    /// Deliveries by outcome ("pending" while not done), for metrics.
    pub(in crate::store) fn delivery_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut counts = self
            .rows(
                "SELECT COALESCE(outcome, 'pending'), COUNT(*) FROM webhook_outbox GROUP BY 1",
                &[],
            )?
            .iter()
            .map(|r| -> Result<(String, i64), StoreError> { Ok((r.try_get(0)?, r.try_get(1)?)) })
            .collect::<Result<Vec<_>, _>>()?;
        // Byte order, as SQLite's: the database's collation may differ.
        counts.sort();
        Ok(counts)
    }
}
