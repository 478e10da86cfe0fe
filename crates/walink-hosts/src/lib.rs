//! walink on several hosts over one PostgreSQL: each company's session is
//! run by the one host that holds its lease. A lease has an epoch, one more
//! at every take, and an expiry on the database's clock; a host renews its
//! leases every few seconds, stops a session before its lease can run out
//! (`keeper`), and every write of a session's state passes the fence, which
//! the database refuses once another host took the lease (`fence`). A host
//! that died simply stops renewing: its leases expire and the others take
//! them.

mod balance;
mod error;
mod fence;
pub mod keeper;
pub mod keys;
mod leases;
mod listing;
mod migrate;
pub mod notes;
#[cfg(feature = "test-server")]
pub mod test_server;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

pub use error::Error;
pub use fence::Step;
pub use keeper::{Change, Keeper, Why};
pub use leases::{Lease, Leases};
pub use listing::{HostRow, LeaseRow};
pub use migrate::run as migrate;
pub use notes::Heard;

/// How long a renewal holds a lease: a host renews every third of it, and
/// one not seen for longer is gone.
pub const LEASE: Duration = Duration::from_secs(15);

/// The connections one host keeps to the database: leases and fenced
/// writes are short, so a few serve every session.
const CONNECTIONS: usize = 4;

/// How long a query may wait for a connection before the database counts
/// as unreachable.
const WAIT: Duration = Duration::from_secs(5);

/// One PostgreSQL database, its schema brought up to date on connect.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    /// For the connections that listen for notes (not the pool's).
    config: std::sync::Arc<tokio_postgres::Config>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The address may carry a password: never printed.
        f.debug_struct("Database").finish_non_exhaustive()
    }
}

impl Database {
    /// Connect to `url` (`postgres://user[:password]@host[:port]/dbname`)
    /// and migrate its schema.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| Error::Address(e.to_string()))?;
        config.application_name("walink");
        config.connect_timeout(WAIT);
        let manager = Manager::from_config(
            config.clone(),
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(CONNECTIONS)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| Error::Address(e.to_string()))?;
        let db = Self {
            pool,
            config: std::sync::Arc::new(config),
        };
        let mut client = db.client().await?;
        migrate::run(&mut client).await?;
        Ok(db)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, Error> {
        Ok(self.pool.get().await?)
    }

    /// A company the hosts share out: its lease row, free until a host
    /// takes it. Adding one that is there already changes nothing.
    pub async fn add_company(&self, company: &str) -> Result<(), Error> {
        self.client()
            .await?
            .execute(
                "INSERT INTO leases (company) VALUES ($1) ON CONFLICT (company) DO NOTHING",
                &[&company],
            )
            .await?;
        Ok(())
    }
}
