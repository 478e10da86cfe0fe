//! Invitations in PostgreSQL (only the token's hash is stored), and the
//! small settings table (the public URL).

use tokio_postgres::Row;

use super::PgRegistry;
use crate::store::invitations::COLUMNS;
use crate::store::{Invitation, NewInvitation, StoreError};

fn invitation(r: &Row) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: r.try_get(0)?,
        company_id: r.try_get(1)?,
        company_slug: r.try_get(2)?,
        company_name: r.try_get(3)?,
        phone: r.try_get(4)?,
        method: r.try_get(5)?,
        created_by: r.try_get(6)?,
        created_at: r.try_get(7)?,
        expires_at: r.try_get(8)?,
        used_at: r.try_get(9)?,
        revoked_at: r.try_get(10)?,
    })
}

impl PgRegistry {
    pub(in crate::store) fn add_invitation(
        &self,
        n: &NewInvitation<'_>,
    ) -> Result<Invitation, StoreError> {
        let row = self.row(
            "INSERT INTO invitations (hash, company_id, phone, method, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &n.hash,
                &n.company_id,
                &n.phone,
                &n.method,
                &n.created_by,
                &n.created_at,
                &n.expires_at,
            ],
        )?;
        let id: i64 = match row {
            Some(r) => r.try_get(0)?,
            None => return Err(StoreError::Corrupt("an insert returned no id".into())),
        };
        match self.row(&format!("SELECT {COLUMNS} WHERE i.id = $1"), &[&id])? {
            Some(r) => invitation(&r),
            None => Err(StoreError::Corrupt(format!("invitation #{id} is gone"))),
        }
    }

    pub(in crate::store) fn invitations(&self) -> Result<Vec<Invitation>, StoreError> {
        self.rows(&format!("SELECT {COLUMNS} ORDER BY i.id"), &[])?
            .iter()
            .map(invitation)
            .collect()
    }

    /// Invitations still usable at `now`.
    pub(in crate::store) fn live_invitations(
        &self,
        now: i64,
    ) -> Result<Vec<Invitation>, StoreError> {
        self.rows(
            &format!(
                "SELECT {COLUMNS} WHERE i.used_at IS NULL AND i.revoked_at IS NULL \
                 AND i.expires_at > $1 ORDER BY i.id"
            ),
            &[&now],
        )?
        .iter()
        .map(invitation)
        .collect()
    }

    pub(in crate::store) fn invitation_by_hash(
        &self,
        hash: &str,
    ) -> Result<Option<Invitation>, StoreError> {
        self.row(&format!("SELECT {COLUMNS} WHERE i.hash = $1"), &[&hash])?
            .as_ref()
            .map(invitation)
            .transpose()
    }

    /// The company of a revoked invitation; `None` when there is no such
    /// live invitation.
    pub(in crate::store) fn revoke_invitation(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.end_invitation(id, now, "revoked_at")
    }

    /// Used up by a successful link.
    pub(in crate::store) fn use_invitation(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.end_invitation(id, now, "used_at")
    }

    fn end_invitation(&self, id: i64, now: i64, column: &str) -> Result<Option<i64>, StoreError> {
        let row = self.row(
            &format!(
                "UPDATE invitations SET {column} = $2
                 WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL
                 RETURNING company_id"
            ),
            &[&id, &now],
        )?;
        Ok(row.map(|r| r.try_get::<_, i64>(0)).transpose()?)
    }

    pub(in crate::store) fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = self.row("SELECT value FROM settings WHERE key = $1", &[&key])?;
        Ok(row.map(|r| r.try_get::<_, String>(0)).transpose()?)
    }

    pub(in crate::store) fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }
}
