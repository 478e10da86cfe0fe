//! One session row per company: what the table shows between runs.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError, now_unix};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRow {
    pub company_id: i64,
    /// E.164 digits, when a number is known.
    pub phone: Option<String>,
    pub jid: Option<String>,
    pub push_name: Option<String>,
    /// Stable name of the state (`not_linked`, `connected`, `logged_out`, …).
    pub state: String,
    pub state_detail: Option<String>,
    /// Unix seconds the state began.
    pub since: i64,
    /// Relative to the data directory.
    pub session_file: String,
}

/// The session columns in their usual order, starting at column `at`
/// (`company_id, phone, jid, push_name, state, state_detail, since, session_file`).
pub(super) fn session_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        company_id: r.get(at)?,
        phone: r.get(at + 1)?,
        jid: r.get(at + 2)?,
        push_name: r.get(at + 3)?,
        state: r.get(at + 4)?,
        state_detail: r.get(at + 5)?,
        since: r.get(at + 6)?,
        session_file: r.get(at + 7)?,
    })
}

impl Store {
    /// Every session recorded with this number.
    pub fn sessions_with_phone(&self, digits: &str) -> Result<Vec<SessionRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT company_id, phone, jid, push_name, state, state_detail, since, session_file
             FROM sessions WHERE phone = ?1",
        )?;
        let rows = stmt
            .query_map([digits], |r| session_at(r, 0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn session(&self, company_id: i64) -> Result<Option<SessionRow>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT company_id, phone, jid, push_name, state, state_detail, since, session_file
                 FROM sessions WHERE company_id = ?1",
                [company_id],
                |r| session_at(r, 0),
            )
            .optional()?;
        Ok(row)
    }

    /// Record a new state; `since` moves only when the state itself changes.
    pub fn set_session_state(
        &self,
        company_id: i64,
        state: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sessions SET
                since = CASE WHEN state = ?2 THEN since ELSE ?4 END,
                state = ?2, state_detail = ?3
             WHERE company_id = ?1",
            params![company_id, state, detail, now_unix()],
        )?;
        Ok(())
    }

    /// A fresh link: remember who we are now.
    pub fn set_session_link(
        &self,
        company_id: i64,
        phone: Option<&str>,
        jid: Option<&str>,
        push_name: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sessions SET phone = COALESCE(?2, phone), jid = ?3, push_name = ?4
             WHERE company_id = ?1",
            params![company_id, phone, jid, push_name],
        )?;
        Ok(())
    }

    /// The account's own push name, as WhatsApp reports it after linking.
    pub fn set_session_push_name(&self, company_id: i64, name: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sessions SET push_name = ?2 WHERE company_id = ?1",
            params![company_id, name],
        )?;
        Ok(())
    }
}
