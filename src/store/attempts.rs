//! Link attempts per company and number: the guard's memory, kept in the
//! registry so a restart does not reset WhatsApp's rate limits for us.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Pending,
    Linked,
    Failed,
    Throttled,
    Cancelled,
    Expired,
    /// The request never reached WhatsApp (no network): the guard does not
    /// count it.
    Unreached,
    /// The process that held it ended (killed, or the machine stopped)
    /// while it was live: its code died with it. The hourly count keeps it.
    Interrupted,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Linked => "linked",
            Self::Failed => "failed",
            Self::Throttled => "throttled",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Unreached => "unreached",
            Self::Interrupted => "interrupted",
        }
    }

    pub(super) fn parse(s: &str) -> Self {
        match s {
            "linked" => Self::Linked,
            "failed" => Self::Failed,
            "throttled" => Self::Throttled,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            "unreached" => Self::Unreached,
            "interrupted" => Self::Interrupted,
            _ => Self::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub id: i64,
    pub company_id: i64,
    pub phone: Option<String>,
    /// `code` or `qr`.
    pub method: String,
    pub started_at: i64,
    pub outcome: AttemptOutcome,
    pub cooldown_until: Option<i64>,
    pub forced: bool,
}

impl Store {
    pub fn record_attempt(
        &self,
        company_id: i64,
        phone: Option<&str>,
        method: &str,
        started_at: i64,
        forced: bool,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO link_attempts (company_id, phone, method, started_at, forced)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![company_id, phone, method, started_at, forced],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The invitation page asked for this attempt through invitation `id`.
    pub fn set_attempt_invitation(&self, attempt_id: i64, id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE link_attempts SET invitation_id = ?2 WHERE id = ?1",
            params![attempt_id, id],
        )?;
        Ok(())
    }

    /// The invitation behind the company's latest attempt, if a page asked
    /// for it and it did not end on its own (it was linked, or interrupted
    /// by a stop that may have come after the phone linked).
    pub fn last_attempt_invitation(&self, company_id: i64) -> Result<Option<i64>, StoreError> {
        let found = self
            .conn
            .query_row(
                "SELECT invitation_id, outcome FROM link_attempts WHERE company_id = ?1
                 ORDER BY started_at DESC, id DESC LIMIT 1",
                [company_id],
                |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        Ok(found.and_then(|(id, outcome)| {
            matches!(outcome.as_str(), "linked" | "interrupted" | "pending")
                .then_some(id)
                .flatten()
        }))
    }

    pub fn finish_attempt(
        &self,
        attempt_id: i64,
        outcome: AttemptOutcome,
        cooldown_until: Option<i64>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE link_attempts SET outcome = ?2, cooldown_until = ?3 WHERE id = ?1",
            params![attempt_id, outcome.as_str(), cooldown_until],
        )?;
        Ok(())
    }

    /// End as interrupted every attempt still pending, saying so in each
    /// company's log; the companies come back. Called by the one process
    /// that holds the data directory, before it starts any attempt: a
    /// pending one then belongs to a process that is gone.
    pub fn interrupt_pending_attempts(&mut self, now: i64) -> Result<Vec<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        let companies: Vec<i64> = tx
            .prepare(
                "UPDATE link_attempts SET outcome = 'interrupted' WHERE outcome = 'pending'
                 RETURNING company_id",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for company in &companies {
            tx.execute(
                "INSERT INTO events (company_id, at, kind, detail) VALUES (?1, ?2, 'link', ?3)",
                params![
                    company,
                    now,
                    "a link attempt ended as interrupted: walink stopped while its code or QR was live"
                ],
            )?;
        }
        tx.commit()?;
        Ok(companies)
    }

    /// Attempts since `since` for this company or this number (a number's
    /// limits follow it across companies).
    pub fn attempts_since(
        &self,
        company_id: i64,
        phone: Option<&str>,
        since: i64,
    ) -> Result<Vec<Attempt>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, company_id, phone, method, started_at, outcome, cooldown_until, forced
             FROM link_attempts
             WHERE (company_id = ?1 OR (?2 IS NOT NULL AND phone = ?2))
               AND (started_at >= ?3 OR cooldown_until >= ?3)
             ORDER BY started_at",
        )?;
        let rows = stmt.query_map(params![company_id, phone, since], |r| {
            let outcome: String = r.get(5)?;
            Ok(Attempt {
                id: r.get(0)?,
                company_id: r.get(1)?,
                phone: r.get(2)?,
                method: r.get(3)?,
                started_at: r.get(4)?,
                outcome: AttemptOutcome::parse(&outcome),
                cooldown_until: r.get(6)?,
                forced: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
