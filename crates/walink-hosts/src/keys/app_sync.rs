//! App state: sync keys, each collection's version, its mutation MACs.

use std::collections::HashMap;

use async_trait::async_trait;
use wacore::appstate::hash::HashState;
use wacore::appstate::processor::AppStateMutationMAC;
use wacore::store::error::Result;
use wacore::store::traits::{AppStateSyncKey, AppSyncStore};

use super::{Keys, Param, encode};

/// A stored sync key that is no usable key reads as none (whatsapp-rust then
/// asks the phone again), never as an error.
fn sync_key(blob: &[u8]) -> Option<AppStateSyncKey> {
    let key = serde_json::from_slice::<AppStateSyncKey>(blob);
    match key {
        Ok(key) if key.key_data.len() == 32 => Some(key),
        _ => {
            tracing::warn!("an app state sync key in the database is unusable: skipped");
            None
        }
    }
}

#[async_trait]
impl AppSyncStore for Keys {
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>> {
        let sql = "SELECT key FROM key_app_state_keys WHERE company = $1 AND key_id = $2";
        let row = self.row(sql, &[&key_id]).await?;
        Ok(row.and_then(|r| sync_key(r.get(0))))
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()> {
        let blob = encode(&key)?;
        let sql = "INSERT INTO key_app_state_keys (company, key_id, key) VALUES ($1, $2, $3) \
                   ON CONFLICT (company, key_id) DO UPDATE SET key = EXCLUDED.key";
        self.write(sql, &[&key_id, &blob]).await.map(drop)
    }

    async fn get_version(&self, name: &str) -> Result<HashState> {
        let sql = "SELECT state FROM key_app_state_versions WHERE company = $1 AND name = $2";
        let Some(row) = self.row(sql, &[&name]).await? else {
            return Ok(HashState::default());
        };
        // Unreadable: start the collection over, as from nothing.
        Ok(serde_json::from_slice(row.get(0)).unwrap_or_else(|_| {
            tracing::warn!(
                name,
                "an app state version in the database is unusable: reset"
            );
            HashState::default()
        }))
    }

    async fn set_version(&self, name: &str, state: HashState) -> Result<()> {
        let blob = encode(&state)?;
        let sql = "INSERT INTO key_app_state_versions (company, name, state) VALUES ($1, $2, $3) \
                   ON CONFLICT (company, name) DO UPDATE SET state = EXCLUDED.state";
        self.write(sql, &[&name, &blob]).await.map(drop)
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()> {
        let version = version as i64;
        let sql = "INSERT INTO key_mutation_macs (company, name, index_mac, value_mac, version) \
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company, name, index_mac) \
                   DO UPDATE SET value_mac = EXCLUDED.value_mac, version = EXCLUDED.version";
        let rows = mutations
            .iter()
            .map(|m| {
                let p: Vec<Param> = vec![&name, &m.index_mac, &m.value_mac, &version];
                p
            })
            .collect();
        self.write_each(sql, rows).await.map(drop)
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>> {
        let sql = "SELECT value_mac FROM key_mutation_macs \
                   WHERE company = $1 AND name = $2 AND index_mac = $3";
        let row = self.row(sql, &[&name, &index_mac]).await?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn get_mutation_macs(
        &self,
        name: &str,
        index_macs: &[[u8; 32]],
    ) -> Result<HashMap<[u8; 32], Vec<u8>>> {
        if index_macs.is_empty() {
            return Ok(HashMap::new());
        }
        let macs: Vec<&[u8]> = index_macs.iter().map(|m| &m[..]).collect();
        let sql = "SELECT index_mac, value_mac FROM key_mutation_macs \
                   WHERE company = $1 AND name = $2 AND index_mac = ANY($3)";
        let rows = self.rows(sql, &[&name, &macs]).await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let index: Vec<u8> = r.get(0);
                Some((index.try_into().ok()?, r.get(1)))
            })
            .collect())
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()> {
        if index_macs.is_empty() {
            return Ok(());
        }
        let sql = "DELETE FROM key_mutation_macs \
                   WHERE company = $1 AND name = $2 AND index_mac = ANY($3)";
        self.write(sql, &[&name, &index_macs]).await.map(drop)
    }

    async fn clear_mutation_macs(&self, name: &str) -> Result<()> {
        let sql = "DELETE FROM key_mutation_macs WHERE company = $1 AND name = $2";
        self.write(sql, &[&name]).await.map(drop)
    }

    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>> {
        // The greatest key id (bytewise) whose key is usable.
        let sql = "SELECT key_id, key FROM key_app_state_keys WHERE company = $1 \
                   ORDER BY key_id DESC";
        let rows = self.rows(sql, &[]).await?;
        Ok(rows
            .iter()
            .find(|r| sync_key(r.get(1)).is_some())
            .map(|r| r.get(0)))
    }
}
