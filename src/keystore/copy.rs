//! A device moved between `keys.db` and a file of its own (the layout of
//! one whatsapp-rust store per session, device 1): imported in one
//! transaction and counted back before it commits.

use std::path::Path;

use super::{KeyStore, OWN_SCHEMA, tables};

/// The device number a store of its own gives its one account.
const SOLE_DEVICE: i64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("it holds no device: it was never linked")]
    NoDevice,
    #[error("it holds {0} devices where a company's key file holds one")]
    Several(usize),
    #[error(
        "the copy of table {table} came out with {copied} rows where the file has {source_rows}"
    )]
    Mismatch {
        table: String,
        copied: i64,
        source_rows: i64,
    },
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Store(String),
}

impl KeyStore {
    /// Replace `device`'s rows with the one device of the key file `file`.
    /// All or nothing; returns how many rows came in.
    pub fn import(&self, file: &Path, device: i64, slug: &str) -> Result<usize, ImportError> {
        let mut conn = self.conn()?;
        conn.execute_batch(OWN_SCHEMA)?;
        conn.execute("ATTACH DATABASE ?1 AS other", [file.to_string_lossy()])?;
        let result = (|| {
            let from = match tables::device_ids(&conn, "other")?.as_slice() {
                [] => return Err(ImportError::NoDevice),
                [one] => *one,
                many => return Err(ImportError::Several(many.len())),
            };
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tables::delete_device(&tx, "main", device)?;
            let copied = tables::copy_device(&tx, "other", from, "main", device)?;
            let ours = tables::count_device(&tx, "main", &copied, device)?;
            let theirs = tables::count_device(&tx, "other", &copied, from)?;
            for ((table, copied), (_, source_rows)) in ours.iter().zip(&theirs) {
                if copied != source_rows {
                    return Err(ImportError::Mismatch {
                        table: table.clone(),
                        copied: *copied,
                        source_rows: *source_rows,
                    });
                }
            }
            tx.execute(
                "INSERT OR REPLACE INTO walink_devices (device_id, slug) VALUES (?1, ?2)",
                rusqlite::params![device, slug],
            )?;
            tx.commit()?;
            Ok(ours.iter().map(|(_, n)| *n as usize).sum())
        })();
        let _ = conn.execute("DETACH DATABASE other", []);
        result
    }

    /// Write `device` as a key file of its own (device 1 of a fresh
    /// whatsapp-rust store at `file`, 0600), the layout `import` reads.
    pub async fn export(&self, device: i64, file: &Path) -> Result<usize, ImportError> {
        use whatsapp_rust::prelude::SqliteStore;
        let url = file.to_string_lossy().into_owned();
        let fresh = SqliteStore::new(&url)
            .await
            .map_err(|e| ImportError::Store(e.to_string()))?;
        drop(fresh);
        crate::config::make_private_file(file).map_err(|e| ImportError::Store(e.to_string()))?;
        let keys = self.clone();
        let file = file.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let conn = keys.conn()?;
            conn.execute("ATTACH DATABASE ?1 AS other", [file.to_string_lossy()])?;
            let copied = tables::copy_device(&conn, "main", device, "other", SOLE_DEVICE)?;
            let counts = tables::count_device(&conn, "other", &copied, SOLE_DEVICE)?;
            conn.execute("DETACH DATABASE other", [])?;
            let devices = counts
                .iter()
                .find(|(t, _)| t == "device")
                .map_or(0, |(_, n)| *n);
            if devices == 0 {
                return Err(ImportError::NoDevice);
            }
            Ok(counts.iter().map(|(_, n)| *n as usize).sum())
        })
        .await
        .map_err(|e| ImportError::Store(e.to_string()))?
    }
}
