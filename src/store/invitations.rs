//! Invitations: only the token's SHA-256 hash is stored; the token lives in
//! the URL the admin sends. Also the small settings table (the public URL).

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::domain::InviteStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub company_id: i64,
    pub company_slug: String,
    pub company_name: String,
    /// E.164 digits when the invitation names a number.
    pub phone: Option<String>,
    pub method: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Invitation {
    pub fn status(&self, now: i64) -> InviteStatus {
        InviteStatus::of(self.expires_at, self.used_at, self.revoked_at, now)
    }
}

pub struct NewInvitation<'a> {
    pub hash: &'a str,
    pub company_id: i64,
    pub phone: Option<&'a str>,
    pub method: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

pub(super) const COLUMNS: &str = "i.id, i.company_id, c.slug, c.name, i.phone, i.method, i.created_by, \
                       i.created_at, i.expires_at, i.used_at, i.revoked_at \
                       FROM invitations i JOIN companies c ON c.id = i.company_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Invitation> {
    Ok(Invitation {
        id: r.get(0)?,
        company_id: r.get(1)?,
        company_slug: r.get(2)?,
        company_name: r.get(3)?,
        phone: r.get(4)?,
        method: r.get(5)?,
        created_by: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
        used_at: r.get(9)?,
        revoked_at: r.get(10)?,
    })
}

impl Store {
    pub fn add_invitation(&self, n: &NewInvitation<'_>) -> Result<Invitation, StoreError> {
        self.conn.execute(
            "INSERT INTO invitations (hash, company_id, phone, method, created_by, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                n.hash,
                n.company_id,
                n.phone,
                n.method,
                n.created_by,
                n.created_at,
                n.expires_at
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} WHERE i.id = ?1"))?;
        Ok(stmt.query_row([id], row)?)
    }

    pub fn invitations(&self) -> Result<Vec<Invitation>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} ORDER BY i.id"))?;
        let rows = stmt.query_map([], row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Invitations still usable at `now`.
    pub fn live_invitations(&self, now: i64) -> Result<Vec<Invitation>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} WHERE i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?1 ORDER BY i.id"
        ))?;
        let rows = stmt.query_map([now], row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn invitation_by_hash(&self, hash: &str) -> Result<Option<Invitation>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} WHERE i.hash = ?1"))?;
        Ok(stmt.query_row([hash], row).optional()?)
    }

    /// The company of a revoked invitation; `None` when there is no such
    /// live invitation.
    pub fn revoke_invitation(&self, id: i64, now: i64) -> Result<Option<i64>, StoreError> {
        self.end_invitation(id, now, "revoked_at")
    }

    /// Used up by a successful link.
    pub fn use_invitation(&self, id: i64, now: i64) -> Result<Option<i64>, StoreError> {
        self.end_invitation(id, now, "used_at")
    }

    fn end_invitation(&self, id: i64, now: i64, column: &str) -> Result<Option<i64>, StoreError> {
        let company = self
            .conn
            .query_row(
                &format!(
                    "UPDATE invitations SET {column} = ?2
                     WHERE id = ?1 AND used_at IS NULL AND revoked_at IS NULL
                     RETURNING company_id"
                ),
                params![id, now],
                |r| r.get(0),
            )
            .optional()?;
        Ok(company)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}
