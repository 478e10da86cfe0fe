//! One device of a SQLite key store (a company file's keys, or `keys.db`)
//! read whole, for the hosts' PostgreSQL (`walink_hosts::keys::Bundle`).
//! The device and the app state are read through whatsapp-rust's own store
//! (their rows are its formats); every other table holds what whatsapp-rust
//! passed in, and goes column by column.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use walink_hosts::keys::{Bundle, Rows, Value};
use whatsapp_rust::prelude::SqliteStore;

use super::tables::quoted;

/// whatsapp-rust's SQLite table, the database's, and their columns in
/// pairs (SQLite's name, the database's).
type Map = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const MAP: &[Map] = &[
    (
        "identities",
        "key_identities",
        &[("address", "address"), ("key", "key")],
    ),
    (
        "sessions",
        "key_sessions",
        &[("address", "address"), ("record", "record")],
    ),
    (
        "prekeys",
        "key_prekeys",
        &[("id", "id"), ("key", "key"), ("uploaded", "uploaded")],
    ),
    (
        "signed_prekeys",
        "key_signed_prekeys",
        &[("id", "id"), ("record", "record")],
    ),
    (
        "sender_keys",
        "key_sender_keys",
        &[("address", "address"), ("record", "record")],
    ),
    (
        "app_state_mutation_macs",
        "key_mutation_macs",
        &[
            ("name", "name"),
            ("index_mac", "index_mac"),
            ("value_mac", "value_mac"),
            ("version", "version"),
        ],
    ),
    (
        "sender_key_devices",
        "key_sender_key_devices",
        &[
            ("group_jid", "group_jid"),
            ("device_jid", "device_jid"),
            ("has_key", "has_key"),
        ],
    ),
    (
        "lid_pn_mapping",
        "key_lid_pn",
        &[
            ("lid", "lid"),
            ("phone_number", "phone_number"),
            ("created_at", "created_at"),
            ("learning_source", "learning_source"),
            ("updated_at", "updated_at"),
        ],
    ),
    (
        "base_keys",
        "key_base_keys",
        &[
            ("address", "address"),
            ("message_id", "message_id"),
            ("base_key", "base_key"),
        ],
    ),
    (
        "device_registry",
        "key_device_lists",
        &[
            ("user_id", "user_id"),
            ("devices_json", "devices"),
            ("timestamp", "timestamp"),
            ("phash", "phash"),
            ("raw_id", "raw_id"),
        ],
    ),
    (
        "group_metadata",
        "key_group_metadata",
        &[("group_jid", "group_jid"), ("info", "info")],
    ),
    (
        "tc_tokens",
        "key_tc_tokens",
        &[
            ("jid", "jid"),
            ("token", "token"),
            ("token_timestamp", "token_timestamp"),
            ("sender_timestamp", "sender_timestamp"),
        ],
    ),
    (
        "sent_messages",
        "key_sent_messages",
        &[
            ("chat_jid", "chat_jid"),
            ("message_id", "message_id"),
            ("payload", "payload"),
            ("created_at", "created_at"),
        ],
    ),
    (
        "msg_secrets",
        "key_msg_secrets",
        &[
            ("chat", "chat"),
            ("sender", "sender"),
            ("msg_id", "msg_id"),
            ("secret", "secret"),
            ("expires_at", "expires_at"),
            ("message_ts", "message_ts"),
        ],
    ),
    (
        "pending_inbound_messages",
        "key_pending_inbound",
        &[
            ("chat", "chat"),
            ("sender", "sender"),
            ("id", "id"),
            ("message", "message"),
            ("inserted_at", "inserted_at"),
        ],
    ),
];

/// Read through whatsapp-rust's store, not column by column.
const THROUGH_STORE: [&str; 3] = ["device", "app_state_keys", "app_state_versions"];

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("it holds no device (number {0}): it was never linked")]
    NoDevice(i64),
    #[error("it holds {0} devices where a company's key file holds one")]
    Several(usize),
    #[error(
        "its table {0} is one this walink cannot bring to the database: upgrade walink on \
         this host"
    )]
    Unmapped(String),
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Store(String),
}

/// A SQLite key store opened once to read device after device: one
/// whatsapp-rust store (its `*_for_device` calls name the device) and one
/// connection of walink's own.
pub struct Reader {
    store: SqliteStore,
    conn: Arc<Mutex<Connection>>,
}

impl Reader {
    pub async fn open(file: &Path) -> Result<Self, BundleError> {
        let url = file.to_string_lossy().into_owned();
        let store = SqliteStore::new(&url)
            .await
            .map_err(|e| BundleError::Store(e.to_string()))?;
        let path = file.to_path_buf();
        let conn = blocking(move || {
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            unmapped(&conn)?;
            Ok(conn)
        })
        .await?;
        Ok(Self {
            store,
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Device `device` (`None`: the one device a company's key file
    /// holds), whole.
    pub async fn read(&self, device: Option<i64>) -> Result<Bundle, BundleError> {
        let conn = Arc::clone(&self.conn);
        let device = match device {
            Some(device) => device,
            None => blocking(move || only_device(&lock(&conn))).await?,
        };
        let id = i32::try_from(device).map_err(|_| BundleError::NoDevice(device))?;
        let Some(found) = self
            .store
            .load_device_data_for_device(id)
            .await
            .map_err(|e| BundleError::Store(e.to_string()))?
        else {
            return Err(BundleError::NoDevice(device));
        };
        let conn = Arc::clone(&self.conn);
        let (key_ids, names, tables) = blocking(move || {
            let conn = lock(&conn);
            let key_ids: Vec<Vec<u8>> = column(&conn, "app_state_keys", "key_id", device)?;
            let names: Vec<String> = column(&conn, "app_state_versions", "name", device)?;
            let tables = MAP
                .iter()
                .map(|m| rows(&conn, m, device))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((key_ids, names, tables))
        })
        .await?;
        let mut sync_keys = Vec::with_capacity(key_ids.len());
        for key_id in key_ids {
            // One whatsapp-rust cannot read is left behind: it asks the phone again.
            if let Some(key) = self
                .store
                .get_app_state_sync_key_for_device(&key_id, id)
                .await
                .map_err(|e| BundleError::Store(e.to_string()))?
            {
                sync_keys.push((key_id, key));
            }
        }
        let mut versions = Vec::with_capacity(names.len());
        for name in names {
            let state = self
                .store
                .get_app_state_version_for_device(&name, id)
                .await
                .map_err(|e| BundleError::Store(e.to_string()))?;
            versions.push((name, state));
        }
        Ok(Bundle {
            device: found,
            sync_keys,
            versions,
            tables,
        })
    }
}

/// Device `device` of the SQLite key store at `file`, whole (one read).
pub async fn read(file: &Path, device: Option<i64>) -> Result<Bundle, BundleError> {
    Reader::open(file).await?.read(device).await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BundleError> + Send + 'static,
) -> Result<T, BundleError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BundleError::Store(e.to_string()))?
}

fn lock(conn: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|e| e.into_inner())
}

fn only_device(conn: &Connection) -> Result<i64, BundleError> {
    match super::tables::device_ids(conn, "main")?.as_slice() {
        [one] => Ok(*one),
        [] => Err(BundleError::NoDevice(1)),
        many => Err(BundleError::Several(many.len())),
    }
}

/// Refuse a store with a device table this walink does not map: its rows
/// would be left behind without a word.
fn unmapped(conn: &Connection) -> Result<(), BundleError> {
    for t in super::tables::device_tables(conn, "main")? {
        let known = THROUGH_STORE.contains(&t.name.as_str()) || MAP.iter().any(|m| m.0 == t.name);
        if !known {
            return Err(BundleError::Unmapped(t.name));
        }
    }
    Ok(())
}

fn column<T: rusqlite::types::FromSql>(
    conn: &Connection,
    table: &str,
    column: &str,
    device: i64,
) -> rusqlite::Result<Vec<T>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM {} WHERE device_id = ?1",
        quoted(column),
        quoted(table)
    ))?;
    let values = stmt.query_map([device], |r| r.get(0))?;
    values.collect()
}

fn rows(conn: &Connection, (table, to, columns): &Map, device: i64) -> rusqlite::Result<Rows> {
    let names: Vec<String> = columns.iter().map(|(c, _)| quoted(c)).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM {} WHERE device_id = ?1",
        names.join(", "),
        quoted(table)
    ))?;
    let rows = stmt.query_map([device], |r| {
        (0..columns.len())
            .map(|i| r.get_ref(i).map(value))
            .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    Ok(Rows {
        table: to,
        columns: columns.iter().map(|(_, c)| *c).collect(),
        rows: rows.collect::<rusqlite::Result<_>>()?,
    })
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        // No key column is a float; kept rather than lost.
        ValueRef::Real(f) => Value::Text(f.to_string()),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh whatsapp-rust store: every table of its schema is brought
    /// along, so a table a newer whatsapp-rust adds fails here first.
    #[tokio::test]
    async fn every_table_of_whatsapp_rusts_store_is_brought() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k.db");
        let store = SqliteStore::new(&file.to_string_lossy()).await.unwrap();
        drop(store);
        let conn = Connection::open(&file).unwrap();
        unmapped(&conn).unwrap();
    }

    #[tokio::test]
    async fn a_store_without_the_device_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k.db");
        drop(SqliteStore::new(&file.to_string_lossy()).await.unwrap());
        let err = read(&file, Some(1)).await.err().expect("refused");
        assert!(matches!(err, BundleError::NoDevice(1)), "{err}");
    }
}
