//! API tokens in PostgreSQL: only their SHA-256 hash is stored.

use tokio_postgres::Row;

use super::PgRegistry;
use crate::store::tokens::COLUMNS;
use crate::store::{NewToken, StoreError, TokenRow};

fn token(r: &Row) -> Result<TokenRow, StoreError> {
    Ok(TokenRow {
        id: r.try_get(0)?,
        scope: r.try_get(1)?,
        company_id: r.try_get(2)?,
        company_slug: r.try_get(3)?,
        note: r.try_get(4)?,
        created_at: r.try_get(5)?,
        last_used_at: r.try_get(6)?,
        expires_at: r.try_get(7)?,
        revoked_at: r.try_get(8)?,
    })
}

impl PgRegistry {
    pub(in crate::store) fn add_token(&self, t: &NewToken<'_>) -> Result<i64, StoreError> {
        let row = self.row(
            "INSERT INTO api_tokens (hash, scope, company_id, note, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &t.hash,
                &t.scope,
                &t.company_id,
                &t.note,
                &t.created_at,
                &t.expires_at,
            ],
        )?;
        match row {
            Some(r) => Ok(r.try_get(0)?),
            None => Err(StoreError::Corrupt("an insert returned no id".into())),
        }
    }

    pub(in crate::store) fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        self.rows(&format!("SELECT {COLUMNS} ORDER BY t.id"), &[])?
            .iter()
            .map(token)
            .collect()
    }

    pub(in crate::store) fn token_by_hash(
        &self,
        hash: &str,
    ) -> Result<Option<TokenRow>, StoreError> {
        self.row(&format!("SELECT {COLUMNS} WHERE t.hash = $1"), &[&hash])?
            .as_ref()
            .map(token)
            .transpose()
    }

    /// False when there is no such token (or it was revoked already).
    pub(in crate::store) fn revoke_token(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let n = self.exec(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &now],
        )?;
        Ok(n == 1)
    }

    /// Whether token `id` still exists, unrevoked and unexpired at `now`.
    pub(in crate::store) fn token_alive(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let row = self.row(
            "SELECT 1 FROM api_tokens WHERE id = $1 AND revoked_at IS NULL
             AND (expires_at IS NULL OR expires_at > $2)",
            &[&id, &now],
        )?;
        Ok(row.is_some())
    }

    pub(in crate::store) fn touch_token(&self, id: i64, now: i64) -> Result<(), StoreError> {
        self.exec(
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
            &[&id, &now],
        )?;
        Ok(())
    }
}
