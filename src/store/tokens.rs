//! API tokens: only their SHA-256 hash is stored; the token itself is
//! printed once, when it is made.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub scope: String,
    pub company_id: Option<i64>,
    pub company_slug: Option<String>,
    pub note: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What a new token is made of (the hash, never the token).
pub struct NewToken<'a> {
    pub hash: &'a str,
    pub scope: &'a str,
    pub company_id: Option<i64>,
    pub note: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

pub(super) const COLUMNS: &str = "t.id, t.scope, t.company_id, c.slug, t.note, t.created_at, t.last_used_at, \
                       t.expires_at, t.revoked_at FROM api_tokens t LEFT JOIN companies c ON c.id = t.company_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        scope: r.get(1)?,
        company_id: r.get(2)?,
        company_slug: r.get(3)?,
        note: r.get(4)?,
        created_at: r.get(5)?,
        last_used_at: r.get(6)?,
        expires_at: r.get(7)?,
        revoked_at: r.get(8)?,
    })
}

impl Store {
    pub fn add_token(&self, t: &NewToken<'_>) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO api_tokens (hash, scope, company_id, note, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                t.hash,
                t.scope,
                t.company_id,
                t.note,
                t.created_at,
                t.expires_at
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} ORDER BY t.id"))?;
        let rows = stmt.query_map([], row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} WHERE t.hash = ?1"))?;
        Ok(stmt.query_row([hash], row).optional()?)
    }

    /// False when there is no such token (or it was revoked already).
    pub fn revoke_token(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now],
        )?;
        Ok(n == 1)
    }

    /// Whether token `id` still exists, unrevoked and unexpired at `now`.
    pub fn token_alive(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT 1 FROM api_tokens WHERE id = ?1 AND revoked_at IS NULL
             AND (expires_at IS NULL OR expires_at > ?2)",
        )?;
        Ok(stmt.exists(params![id, now])?)
    }

    pub fn touch_token(&self, id: i64, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }
}
