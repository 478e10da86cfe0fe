//! Link attempts per company and number in PostgreSQL: the guard's memory.

use tokio_postgres::Row;

use super::PgRegistry;
use super::sessions::not_held_elsewhere;
use crate::store::{Attempt, AttemptOutcome, StoreError};

fn attempt(r: &Row) -> Result<Attempt, StoreError> {
    Ok(Attempt {
        id: r.try_get(0)?,
        company_id: r.try_get(1)?,
        phone: r.try_get(2)?,
        method: r.try_get(3)?,
        started_at: r.try_get(4)?,
        outcome: AttemptOutcome::parse(r.try_get(5)?),
        cooldown_until: r.try_get(6)?,
        forced: r.try_get(7)?,
    })
}

impl PgRegistry {
    pub(in crate::store) fn record_attempt(
        &self,
        company_id: i64,
        phone: Option<&str>,
        method: &str,
        started_at: i64,
        forced: bool,
    ) -> Result<i64, StoreError> {
        let row = self
            .row(
                "INSERT INTO link_attempts (company_id, phone, method, started_at, forced)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&company_id, &phone, &method, &started_at, &forced],
            )?
            .ok_or_else(|| StoreError::Corrupt("a link attempt was given no id".into()))?;
        Ok(row.try_get(0)?)
    }

    /// The invitation page asked for this attempt through invitation `id`.
    pub(in crate::store) fn set_attempt_invitation(
        &self,
        attempt_id: i64,
        id: i64,
    ) -> Result<(), StoreError> {
        self.exec(
            "UPDATE link_attempts SET invitation_id = $2 WHERE id = $1",
            &[&attempt_id, &id],
        )?;
        Ok(())
    }

    /// The invitation behind the company's latest attempt, if a page asked
    /// for it and it did not end on its own (it was linked, or interrupted
    /// by a stop that may have come after the phone linked).
    pub(in crate::store) fn last_attempt_invitation(
        &self,
        company_id: i64,
    ) -> Result<Option<i64>, StoreError> {
        let Some(row) = self.row(
            "SELECT invitation_id, outcome FROM link_attempts WHERE company_id = $1
             ORDER BY started_at DESC, id DESC LIMIT 1",
            &[&company_id],
        )?
        else {
            return Ok(None);
        };
        let id: Option<i64> = row.try_get(0)?;
        let outcome: &str = row.try_get(1)?;
        Ok(matches!(outcome, "linked" | "interrupted" | "pending")
            .then_some(id)
            .flatten())
    }

    pub(in crate::store) fn finish_attempt(
        &self,
        attempt_id: i64,
        outcome: AttemptOutcome,
        cooldown_until: Option<i64>,
    ) -> Result<(), StoreError> {
        self.exec(
            "UPDATE link_attempts SET outcome = $2, cooldown_until = $3 WHERE id = $1",
            &[&attempt_id, &outcome.as_str(), &cooldown_until],
        )?;
        Ok(())
    }

    /// End as interrupted every attempt still pending of a company no other
    /// live host holds, saying so in each company's log; the companies come
    /// back. Called when this host starts: a pending attempt of a company
    /// held elsewhere is that host's link in flight, and is left alone.
    pub(in crate::store) fn interrupt_pending_attempts(
        &mut self,
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        self.in_tx(|s| {
            let host = s.host();
            let companies = s
                .rows(
                    &format!(
                        "UPDATE link_attempts SET outcome = 'interrupted'
                         WHERE outcome = 'pending' AND {}
                         RETURNING company_id",
                        not_held_elsewhere("link_attempts.company_id", "$1")
                    ),
                    &[&host],
                )?
                .iter()
                .map(|r| r.try_get::<_, i64>(0))
                .collect::<Result<Vec<i64>, _>>()?;
            for company in &companies {
                s.exec(
                    "INSERT INTO events (company_id, at, kind, detail) VALUES ($1, $2, 'link', $3)",
                    &[
                        company,
                        &now,
                        &"a link attempt ended as interrupted: walink stopped while its code or QR was live",
                    ],
                )?;
            }
            Ok(companies)
        })
    }

    /// Attempts since `since` for this company or this number (a number's
    /// limits follow it across companies).
    pub(in crate::store) fn attempts_since(
        &self,
        company_id: i64,
        phone: Option<&str>,
        since: i64,
    ) -> Result<Vec<Attempt>, StoreError> {
        self.rows(
            "SELECT id, company_id, phone, method, started_at, outcome, cooldown_until, forced
             FROM link_attempts
             WHERE (company_id = $1 OR ($2::TEXT IS NOT NULL AND phone = $2::TEXT))
               AND (started_at >= $3 OR cooldown_until >= $3)
             ORDER BY started_at, id",
            &[&company_id, &phone, &since],
        )?
        .iter()
        .map(attempt)
        .collect()
    }
}
