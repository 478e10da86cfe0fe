//! Every session's WhatsApp keys in one SQLite file (`keys.db`): each
//! company a device row of whatsapp-rust's own store, whose tables all key
//! their rows by device. whatsapp-rust opens its per-device view
//! (`SqliteStore::new_for_device`) for a session through `DeviceKeys`,
//! opened only while the session uses it (`shelf`); walink reads and
//! deletes whole devices here, by the schema's own column names, never its
//! row formats.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

pub mod bundle;
mod copy;
mod device;
pub mod migrate;
pub mod orphans;
mod peek;
mod shelf;
mod tables;
pub mod tally;

pub use copy::ImportError;
pub use device::DeviceKeys;

/// A key file that exists, has content, and does not start as every
/// SQLite database does.
pub fn is_damaged(path: &Path) -> bool {
    use std::io::Read;
    const MAGIC: &[u8; 16] = b"SQLite format 3\0";
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 16];
    match file.read(&mut head) {
        Ok(0) | Err(_) => false,
        Ok(n) => n < MAGIC.len() || &head != MAGIC,
    }
}

/// walink's own table beside whatsapp-rust's: which company a device is,
/// so a registry rebuilt by `walink recover` gets the same ids back.
const OWN_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS walink_devices (
    device_id INTEGER PRIMARY KEY,
    slug      TEXT NOT NULL
)";

/// Open stores at most, when nobody said (`walink serve` sizes it to the
/// open-file limit: `FdLimit::key_stores`).
pub const OPEN_AT_MOST: usize = 256;

#[derive(Debug, Clone)]
pub struct KeyStore {
    path: PathBuf,
    shelf: std::sync::Arc<shelf::Shelf>,
}

impl KeyStore {
    pub fn new(path: PathBuf) -> Self {
        Self::with_open_limit(path, OPEN_AT_MOST)
    }

    /// At most `open_at_most` devices' stores open at once (each holds
    /// two descriptors), beyond those in use.
    pub fn with_open_limit(path: PathBuf, open_at_most: usize) -> Self {
        let shelf = shelf::Shelf::new(path.to_string_lossy().into_owned(), open_at_most);
        Self { path, shelf }
    }

    /// whatsapp-rust's backend for one company's device.
    pub fn device_keys(&self, device: i32) -> DeviceKeys {
        DeviceKeys::new(std::sync::Arc::clone(&self.shelf), device)
    }

    /// Devices whose store is open now.
    pub fn open_stores(&self) -> usize {
        self.shelf.open_count()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What whatsapp-rust opens.
    pub fn url(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// whatsapp-rust's schema (its migrations run on the first open) and
    /// walink's table, before anything is read or imported.
    pub async fn prepare(&self) -> Result<(), String> {
        use whatsapp_rust::prelude::SqliteStore;
        let store = SqliteStore::new_for_device(&self.url(), 0)
            .await
            .map_err(|e| e.to_string())?;
        drop(store);
        crate::config::make_private_file(&self.path).map_err(|e| e.to_string())?;
        let conn = self.conn().map_err(|e| e.to_string())?;
        conn.execute_batch(OWN_SCHEMA).map_err(|e| e.to_string())?;
        let made = tables::index_by_device(&conn).map_err(|e| e.to_string())?;
        if !made.is_empty() {
            tracing::info!("keys.db: indexed by device: {}", made.join(", "));
        }
        Ok(())
    }

    pub(crate) fn conn(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.path)?;
        // Sessions write here at the same time; wait for them, do not fail.
        conn.busy_timeout(Duration::from_secs(30))?;
        Ok(conn)
    }

    /// The companies that have a device row (paired or not).
    pub fn devices(&self) -> rusqlite::Result<Vec<i64>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT id FROM device ORDER BY id")?;
        let ids = stmt.query_map([], |r| r.get(0))?;
        ids.collect()
    }

    /// The devices walink named, with the slug of their company.
    pub fn named_devices(&self) -> rusqlite::Result<Vec<(i64, String)>> {
        let conn = self.conn()?;
        conn.execute_batch(OWN_SCHEMA)?;
        let mut stmt = conn.prepare(
            "SELECT w.device_id, w.slug FROM walink_devices w JOIN device d ON d.id = w.device_id
             ORDER BY w.device_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// Say which company a device is (at its first link).
    pub fn name_device(&self, device: i64, slug: &str) -> rusqlite::Result<()> {
        let conn = self.conn()?;
        conn.execute_batch(OWN_SCHEMA)?;
        conn.execute(
            "INSERT OR REPLACE INTO walink_devices (device_id, slug) VALUES (?1, ?2)",
            params![device, slug],
        )?;
        Ok(())
    }

    pub fn holds(&self, device: i64) -> rusqlite::Result<bool> {
        let conn = self.conn()?;
        let found = conn
            .query_row("SELECT 1 FROM device WHERE id = ?1", [device], |_| Ok(()))
            .optional()?;
        Ok(found.is_some())
    }

    /// The phone JID the device was paired as; `None` when it never paired.
    pub fn device_jid(&self, device: i64) -> rusqlite::Result<Option<String>> {
        let conn = self.conn()?;
        let pn: Option<String> = conn
            .query_row("SELECT pn FROM device WHERE id = ?1", [device], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(pn.filter(|p| !p.is_empty()))
    }

    /// Every paired device's phone JID, in one read (what the start-up's
    /// recovery compares with the registry).
    pub fn paired(&self) -> rusqlite::Result<std::collections::HashMap<i64, String>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT id, pn FROM device WHERE pn <> ''")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// Delete this device's rows, in every table, and nothing else.
    /// Returns how many rows went.
    pub fn forget(&self, device: i64) -> rusqlite::Result<usize> {
        if let Ok(d) = i32::try_from(device) {
            self.shelf.close(d);
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let gone = tables::delete_device(&tx, "main", device)?;
        tx.execute("DELETE FROM walink_devices WHERE device_id = ?1", [device])
            .or_else(|e| tables::missing_table_is_empty(e).map(|()| 0))?;
        tx.commit()?;
        Ok(gone)
    }
}

#[cfg(test)]
mod tests;
