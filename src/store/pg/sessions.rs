//! One session row per company in PostgreSQL, written only by the host that runs it.

use tokio_postgres::Row;

use super::PgRegistry;
use super::companies::raw_company_at;
use crate::store::companies::company_from;
use crate::store::{Overview, SessionRow, StoreError, now_unix};

/// The session columns in their usual order, starting at column `at`
/// (`company_id, phone, jid, push_name, state, state_detail, since, session_file`).
fn session_at(r: &Row, at: usize) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        company_id: r.try_get(at)?,
        phone: r.try_get(at + 1)?,
        jid: r.try_get(at + 2)?,
        push_name: r.try_get(at + 3)?,
        state: r.try_get(at + 4)?,
        state_detail: r.try_get(at + 5)?,
        since: r.try_get(at + 6)?,
        session_file: r.try_get(at + 7)?,
    })
}

/// SQL: no other live host holds the lease of the company whose id is
/// `company`, `host` being this host. A host that lost a company must not
/// overwrite what its new owner wrote, nor end its link in flight.
pub(in crate::store) fn not_held_elsewhere(company: &str, host: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM companies c JOIN leases l ON l.company = c.slug
           WHERE c.id = {company} AND l.host IS NOT NULL AND l.host <> {host}
             AND l.expires > now())"
    )
}

impl PgRegistry {
    /// Every session recorded with this number.
    pub(in crate::store) fn sessions_with_phone(
        &self,
        digits: &str,
    ) -> Result<Vec<SessionRow>, StoreError> {
        self.rows(
            "SELECT company_id, phone, jid, push_name, state, state_detail, since, session_file
             FROM sessions WHERE phone = $1",
            &[&digits],
        )?
        .iter()
        .map(|r| session_at(r, 0))
        .collect()
    }

    pub(in crate::store) fn session(
        &self,
        company_id: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        self.row(
            "SELECT company_id, phone, jid, push_name, state, state_detail, since, session_file
             FROM sessions WHERE company_id = $1",
            &[&company_id],
        )?
        .map(|r| session_at(&r, 0))
        .transpose()
    }

    /// Record a new state; `since` moves only when the state itself changes.
    pub(in crate::store) fn set_session_state(
        &self,
        company_id: i64,
        state: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE sessions SET
                since = CASE WHEN state = $2 THEN since ELSE $4 END,
                state = $2, state_detail = $3
             WHERE company_id = $1 AND {}",
            not_held_elsewhere("$1", "$5")
        );
        let host = self.host();
        self.exec(&sql, &[&company_id, &state, &detail, &now_unix(), &host])?;
        Ok(())
    }

    /// A fresh link: remember who we are now.
    pub(in crate::store) fn set_session_link(
        &self,
        company_id: i64,
        phone: Option<&str>,
        jid: Option<&str>,
        push_name: Option<&str>,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE sessions SET phone = COALESCE($2, phone), jid = $3, push_name = $4
             WHERE company_id = $1 AND {}",
            not_held_elsewhere("$1", "$5")
        );
        let host = self.host();
        self.exec(&sql, &[&company_id, &phone, &jid, &push_name, &host])?;
        Ok(())
    }

    /// The account's own push name, as WhatsApp reports it after linking.
    pub(in crate::store) fn set_session_push_name(
        &self,
        company_id: i64,
        name: &str,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE sessions SET push_name = $2 WHERE company_id = $1 AND {}",
            not_held_elsewhere("$1", "$3")
        );
        let host = self.host();
        self.exec(&sql, &[&company_id, &name, &host])?;
        Ok(())
    }

    /// Every company with its session row and last event, in one query.
    pub(in crate::store) fn overview(&self) -> Result<Vec<Overview>, StoreError> {
        self.rows(
            "SELECT c.id, c.slug, c.name, c.created_at,
                    s.company_id, s.phone, s.jid, s.push_name, s.state, s.state_detail, s.since, s.session_file,
                    (SELECT e.kind || ': ' || e.detail FROM events e
                      WHERE e.company_id = c.id ORDER BY e.at DESC, e.id DESC LIMIT 1),
                    l.host
             FROM companies c LEFT JOIN sessions s ON s.company_id = c.id
             LEFT JOIN leases l ON l.company = c.slug AND l.expires > now()
             ORDER BY c.slug COLLATE \"C\"",
            &[],
        )?
        .iter()
        .map(|r| {
            // LEFT JOIN: no session row reads as NULL company_id.
            let session = match r.try_get::<_, Option<i64>>(4)? {
                Some(_) => Some(session_at(r, 4)?),
                None => None,
            };
            Ok(Overview {
                company: company_from(raw_company_at(r, 0)?)?,
                session,
                last_event: r.try_get(12)?,
                host: r.try_get(13)?,
            })
        })
        .collect()
    }
}
