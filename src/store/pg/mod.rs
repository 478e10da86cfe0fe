//! The registry in PostgreSQL, shared by every host of `walink serve
//! --database`: the same operations as the SQLite file (`Store`), on one
//! connection, in the schema of walink-hosts' `0003_registry.sql`.
//!
//! The registry's interface is blocking, and its callers run it on the
//! blocking pool, on the engine's start, and on plain threads. So the
//! connection's own task runs on a runtime of its own thread, and a call
//! waits for its answer with a plain executor: it never enters the
//! caller's runtime, so it works (and only blocks, as SQLite does) wherever
//! it is called.

mod announce;
mod attempts;
mod companies;
mod events;
mod invitations;
mod journal;
mod messages;
mod outbound;
mod sessions;
mod tokens;
mod webhooks;

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use futures::executor::block_on;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row};

use super::StoreError;

pub struct PgRegistry {
    url: String,
    /// Connected again on the next call once the database closed it.
    client: RefCell<Client>,
    /// This host (the lease holder's name): a session's state is written
    /// only by the host that holds its lease, and each host numbers the
    /// events of its own stream.
    host: String,
    /// Open `BEGIN`s: a step inside a step joins the outer one.
    depth: Cell<u32>,
}

impl std::fmt::Debug for PgRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The address may carry a password: never printed.
        f.debug_struct("PgRegistry")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// The thread whose runtime drives every registry connection's I/O.
fn runtime() -> Result<&'static tokio::runtime::Runtime, StoreError> {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(rt) = RT.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("walink-registry-db")
        .enable_all()
        .build()
        .map_err(|e| StoreError::Database(format!("cannot start the database's thread: {e}")))?;
    Ok(RT.get_or_init(|| rt))
}

/// A transaction begun: rolled back if dropped while still open (a panic
/// inside the step), so the connection never stays in it and the next
/// writes are not held in it unseen.
struct Open<'a>(&'a PgRegistry);

impl Drop for Open<'_> {
    fn drop(&mut self) {
        if self.0.depth.replace(0) > 0
            && let Ok(client) = self.0.client()
        {
            let _ = block_on(client.batch_execute("ROLLBACK"));
        }
    }
}

/// A connection to `url`, its I/O driven by the registry's thread;
/// `migrate` brings the schema up to date first.
fn connect(url: &str, migrate: bool) -> Result<Client, StoreError> {
    let url = url.to_owned();
    let connected = runtime()?.spawn(async move {
        let mut config: tokio_postgres::Config = url.parse()?;
        config.application_name("walink registry");
        config.connect_timeout(std::time::Duration::from_secs(5));
        let (mut client, conn) = config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::warn!("the registry's database connection ended: {e}");
            }
        });
        if migrate {
            walink_hosts::migrate(&mut client)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(client)
    });
    block_on(connected)
        .map_err(|e| StoreError::Database(format!("the database's thread failed: {e}")))?
        .map_err(|e| StoreError::Database(e.to_string()))
}

impl PgRegistry {
    /// Connect to `url` as host `host`, and bring the schema up to date
    /// (the same migrations as the leases and the keys).
    pub fn open(url: &str, host: &str) -> Result<Self, StoreError> {
        Ok(Self {
            client: RefCell::new(connect(url, true)?),
            url: url.to_owned(),
            host: host.to_owned(),
            depth: Cell::new(0),
        })
    }

    /// The connection, opened again if the database closed it (outside a
    /// transaction: one cut short fails whole).
    fn client(&self) -> Result<std::cell::Ref<'_, Client>, StoreError> {
        if self.client.borrow().is_closed() && self.depth.get() == 0 {
            let fresh = connect(&self.url, false)?;
            tracing::info!("connected to the registry's database again");
            *self.client.borrow_mut() = fresh;
        }
        Ok(self.client.borrow())
    }

    pub(super) fn host(&self) -> &str {
        &self.host
    }

    /// Rows of `sql` with `params`.
    pub(super) fn rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        Ok(block_on(self.client()?.query(sql, params))?)
    }

    /// The one row of `sql`, if there is one.
    pub(super) fn row(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        Ok(block_on(self.client()?.query_opt(sql, params))?)
    }

    /// Rows changed by `sql`.
    pub(super) fn exec(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        Ok(block_on(self.client()?.execute(sql, params))?)
    }

    /// Run `f` as one transaction (a step inside a step joins it); a
    /// failed `f` rolls back.
    pub(in crate::store) fn in_tx<R>(
        &self,
        f: impl FnOnce(&Self) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let depth = self.depth.get();
        if depth > 0 {
            return f(self);
        }
        block_on(self.client()?.batch_execute("BEGIN"))?;
        self.depth.set(1);
        let open = Open(self);
        let out = f(self);
        self.depth.set(0);
        drop(open);
        let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
        block_on(self.client()?.batch_execute(end))?;
        out
    }

    /// The schema version now in the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let row = self.row(
            "SELECT coalesce(max(version), 0)::BIGINT FROM walink_schema",
            &[],
        )?;
        Ok(row.map(|r| r.get(0)).unwrap_or(0))
    }
}
