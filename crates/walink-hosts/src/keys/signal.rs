//! Signal's state: identities, sessions, prekeys, signed prekeys, sender keys.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use wacore::store::error::{Result, StoreError};
use wacore::store::traits::SignalStore;

use super::{Keys, Param};

const PUT_IDENTITY: &str = "INSERT INTO key_identities (company, address, key) VALUES ($1, $2, $3) \
     ON CONFLICT (company, address) DO UPDATE SET key = EXCLUDED.key";
const PUT_SESSION: &str = "INSERT INTO key_sessions (company, address, record) VALUES ($1, $2, $3) \
     ON CONFLICT (company, address) DO UPDATE SET record = EXCLUDED.record";
const PUT_PREKEY: &str = "INSERT INTO key_prekeys (company, id, key, uploaded) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (company, id) DO UPDATE SET key = EXCLUDED.key, uploaded = EXCLUDED.uploaded";
const PUT_SENDER_KEY: &str = "INSERT INTO key_sender_keys (company, address, record) VALUES ($1, $2, $3) \
     ON CONFLICT (company, address) DO UPDATE SET record = EXCLUDED.record";

/// Rows of (text key, bytes) as parameters, borrowed from `pairs`.
fn pairs_of<'a>(pairs: &'a [(&'a str, &'a [u8])]) -> Vec<Vec<Param<'a>>> {
    pairs
        .iter()
        .map(|(k, v)| vec![k as Param<'a>, v as Param<'a>])
        .collect()
}

fn bytes_at(row: &tokio_postgres::Row, at: usize) -> Vec<u8> {
    row.get(at)
}

#[async_trait]
impl SignalStore for Keys {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()> {
        let key: &[u8] = &key;
        self.write(PUT_IDENTITY, &[&address, &key]).await.map(drop)
    }

    async fn put_identities_batch(&self, identities: &[(Arc<str>, [u8; 32])]) -> Result<()> {
        let pairs: Vec<(&str, &[u8])> = identities.iter().map(|(a, k)| (&**a, &k[..])).collect();
        self.write_each(PUT_IDENTITY, pairs_of(&pairs))
            .await
            .map(drop)
    }

    async fn load_identity(&self, address: &str) -> Result<Option<[u8; 32]>> {
        let sql = "SELECT key FROM key_identities WHERE company = $1 AND address = $2";
        let Some(row) = self.row(sql, &[&address]).await? else {
            return Ok(None);
        };
        let key = bytes_at(&row, 0);
        let len = key.len();
        key.try_into().map(Some).map_err(|_| {
            StoreError::Validation(format!(
                "identity key for '{address}' has invalid length {len} (expected 32)"
            ))
        })
    }

    async fn delete_identity(&self, address: &str) -> Result<()> {
        let sql = "DELETE FROM key_identities WHERE company = $1 AND address = $2";
        self.write(sql, &[&address]).await.map(drop)
    }

    async fn get_session(&self, address: &str) -> Result<Option<Bytes>> {
        let sql = "SELECT record FROM key_sessions WHERE company = $1 AND address = $2";
        let row = self.row(sql, &[&address]).await?;
        Ok(row.map(|r| Bytes::from(bytes_at(&r, 0))))
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()> {
        self.write(PUT_SESSION, &[&address, &session])
            .await
            .map(drop)
    }

    async fn put_sessions_batch(&self, sessions: &[(Arc<str>, Bytes)]) -> Result<()> {
        let pairs: Vec<(&str, &[u8])> = sessions.iter().map(|(a, s)| (&**a, &s[..])).collect();
        self.write_each(PUT_SESSION, pairs_of(&pairs))
            .await
            .map(drop)
    }

    async fn delete_session(&self, address: &str) -> Result<()> {
        let sql = "DELETE FROM key_sessions WHERE company = $1 AND address = $2";
        self.write(sql, &[&address]).await.map(drop)
    }

    async fn has_session(&self, address: &str) -> Result<bool> {
        let sql = "SELECT EXISTS (SELECT 1 FROM key_sessions WHERE company = $1 AND address = $2)";
        Ok(self.rows(sql, &[&address]).await?[0].get(0))
    }

    async fn has_signal_state_for_user(&self, user: &str) -> Result<bool> {
        // `user@…` (device 0) and `user:N@…` (its devices).
        let sql = "SELECT EXISTS (SELECT 1 FROM key_sessions WHERE company = $1 \
                       AND (address LIKE $2 OR address LIKE $3)) \
                   OR EXISTS (SELECT 1 FROM key_identities WHERE company = $1 \
                       AND (address LIKE $2 OR address LIKE $3))";
        let (at, dev) = (format!("{user}@%"), format!("{user}:%"));
        Ok(self.rows(sql, &[&at, &dev]).await?[0].get(0))
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()> {
        let id = id as i32;
        self.write(PUT_PREKEY, &[&id, &record, &uploaded])
            .await
            .map(drop)
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Bytes)], uploaded: bool) -> Result<()> {
        let rows: Vec<(i32, &[u8])> = keys.iter().map(|(id, k)| (*id as i32, &k[..])).collect();
        let params = rows
            .iter()
            .map(|(id, k)| vec![id as Param, k as Param, &uploaded as Param])
            .collect();
        self.write_each(PUT_PREKEY, params).await.map(drop)
    }

    async fn load_prekey(&self, id: u32) -> Result<Option<Bytes>> {
        let sql = "SELECT key FROM key_prekeys WHERE company = $1 AND id = $2";
        let row = self.row(sql, &[&(id as i32)]).await?;
        Ok(row.map(|r| Bytes::from(bytes_at(&r, 0))))
    }

    async fn load_prekeys_batch(&self, ids: &[u32]) -> Result<Vec<(u32, Bytes)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i32> = ids.iter().map(|&id| id as i32).collect();
        let sql = "SELECT id, key FROM key_prekeys WHERE company = $1 AND id = ANY($2)";
        let rows = self.rows(sql, &[&ids]).await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, i32>(0) as u32, Bytes::from(bytes_at(r, 1))))
            .collect())
    }

    async fn mark_prekeys_uploaded(&self, ids: &[u32]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        // Only keys still there: a consumed prekey stays gone.
        let ids: Vec<i32> = ids.iter().map(|&id| id as i32).collect();
        let sql = "UPDATE key_prekeys SET uploaded = TRUE WHERE company = $1 AND id = ANY($2)";
        self.write(sql, &[&ids]).await.map(drop)
    }

    async fn remove_prekey(&self, id: u32) -> Result<()> {
        let sql = "DELETE FROM key_prekeys WHERE company = $1 AND id = $2";
        self.write(sql, &[&(id as i32)]).await.map(drop)
    }

    async fn get_max_prekey_id(&self) -> Result<u32> {
        let sql = "SELECT coalesce(max(id), 0) FROM key_prekeys WHERE company = $1";
        Ok(self.rows(sql, &[]).await?[0].get::<_, i32>(0) as u32)
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()> {
        let sql = "INSERT INTO key_signed_prekeys (company, id, record) VALUES ($1, $2, $3) \
                   ON CONFLICT (company, id) DO UPDATE SET record = EXCLUDED.record";
        self.write(sql, &[&(id as i32), &record]).await.map(drop)
    }

    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        let sql = "SELECT record FROM key_signed_prekeys WHERE company = $1 AND id = $2";
        let row = self.row(sql, &[&(id as i32)]).await?;
        Ok(row.map(|r| bytes_at(&r, 0)))
    }

    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        let sql = "SELECT id, record FROM key_signed_prekeys WHERE company = $1";
        let rows = self.rows(sql, &[]).await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, i32>(0) as u32, bytes_at(r, 1)))
            .collect())
    }

    async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
        let sql = "DELETE FROM key_signed_prekeys WHERE company = $1 AND id = $2";
        self.write(sql, &[&(id as i32)]).await.map(drop)
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()> {
        self.write(PUT_SENDER_KEY, &[&address, &record])
            .await
            .map(drop)
    }

    async fn put_sender_keys_batch(&self, sender_keys: &[(Arc<str>, Bytes)]) -> Result<()> {
        let pairs: Vec<(&str, &[u8])> = sender_keys.iter().map(|(a, r)| (&**a, &r[..])).collect();
        self.write_each(PUT_SENDER_KEY, pairs_of(&pairs))
            .await
            .map(drop)
    }

    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>> {
        let sql = "SELECT record FROM key_sender_keys WHERE company = $1 AND address = $2";
        let row = self.row(sql, &[&address]).await?;
        Ok(row.map(|r| bytes_at(&r, 0)))
    }

    async fn delete_sender_key(&self, address: &str) -> Result<()> {
        let sql = "DELETE FROM key_sender_keys WHERE company = $1 AND address = $2";
        self.write(sql, &[&address]).await.map(drop)
    }
}
