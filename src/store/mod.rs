//! The registry: companies, sessions, link attempts, tokens, messages and
//! the event log, behind one interface (`Registry`). `Store` is its SQLite
//! file, `pg::PgRegistry` the hosts' shared PostgreSQL; WhatsApp keys live
//! elsewhere (`keys.db`, see `keystore`, or the database's `key_*` tables).

mod announce;
mod attempts;
mod companies;
mod database;
mod error;
mod events;
mod expire;
mod handle;
mod invitations;
mod journal;
mod messages;
mod migrate;
mod overview;
mod pg;
mod registry;
mod sessions;
mod tokens;
mod traffic;
mod webhooks;

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::config::{DataDir, FILE_MODE};

pub use attempts::{Attempt, AttemptOutcome};
pub use database::{SharedDatabase, remember, remembered};
pub use error::StoreError;
pub use events::Event;
pub use handle::Db;
pub use invitations::{Invitation, NewInvitation};
pub use journal::Kept;
pub use overview::Overview;
pub use registry::Registry;
pub use sessions::SessionRow;
pub use tokens::{NewToken, TokenRow};
pub use webhooks::{Delivery, Webhook};

/// The registry of `data`, whichever backend holds it: the hosts' shared
/// PostgreSQL once `walink serve --database` ran here, else its SQLite
/// file. Every caller but the store's own tests opens it here.
pub fn open(data: &DataDir) -> Result<Box<dyn Registry>, StoreError> {
    Ok(match remembered(data)? {
        Some(shared) => Box::new(pg::PgRegistry::open(&shared.url, &shared.host)?),
        None => Box::new(Store::open(&data.registry_path())?),
    })
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open (creating 0600 if new) and bring the schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        // Create the file ourselves so it is never readable by others,
        // whatever the umask.
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(FILE_MODE)
            .open(path)
            .map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        crate::config::make_private_file(path).map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // Every transaction here writes. A deferred one that reads first
        // fails at once (SQLITE_BUSY, no busy wait) when another of
        // serve's connections wrote in between: a receipt's status was
        // lost that way. Immediate ones take the write lock up front, and
        // wait for it.
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mut store = Self { conn };
        migrate::run(&mut store.conn)?;
        Ok(store)
    }

    /// Run `f` as one transaction: many small writes, one commit.
    /// `f` must not start a transaction of its own.
    pub fn in_one_step<R>(&self, f: impl FnOnce(&Store) -> R) -> Result<R, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let r = f(self);
        tx.commit()?;
        Ok(r)
    }

    /// The schema version now in the file (for tests and `--version` output).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}

/// Unix seconds now; stored times are all in this unit.
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}
