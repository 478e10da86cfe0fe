//! Every company with its session row and last event, in one query: what
//! the table needs at start-up (10,000 companies in well under 100 ms).

use super::companies::company_from;
use super::sessions::session_at;
use super::{SessionRow, Store, StoreError};
use crate::domain::Company;

/// One company as the dashboard first shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub company: Company,
    pub session: Option<SessionRow>,
    /// `kind: detail` of the newest event.
    pub last_event: Option<String>,
    /// The host that runs it, with several hosts (the live lease's).
    pub host: Option<String>,
}

impl Store {
    pub fn overview(&self) -> Result<Vec<Overview>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.slug, c.name, c.created_at,
                    s.company_id, s.phone, s.jid, s.push_name, s.state, s.state_detail, s.since, s.session_file,
                    (SELECT e.kind || ': ' || e.detail FROM events e
                      WHERE e.company_id = c.id ORDER BY e.at DESC, e.id DESC LIMIT 1)
             FROM companies c LEFT JOIN sessions s ON s.company_id = c.id
             ORDER BY c.slug",
        )?;
        let rows = stmt.query_map([], |r| {
            let raw = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            // LEFT JOIN: no session row reads as NULL company_id.
            let session = match r.get::<_, Option<i64>>(4)? {
                Some(_) => Some(session_at(r, 4)?),
                None => None,
            };
            Ok((raw, session, r.get::<_, Option<String>>(12)?))
        })?;
        rows.map(|row| {
            let (raw, session, last_event) = row?;
            Ok(Overview {
                company: company_from(raw)?,
                session,
                last_event,
                host: None,
            })
        })
        .collect()
    }
}
