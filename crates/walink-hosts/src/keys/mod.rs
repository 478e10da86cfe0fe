//! Every session's keys in PostgreSQL: whatsapp-rust's storage traits for
//! one company, its rows beside every other company's. Each write passes the
//! fence under the lease the session runs in, so a host that lost the lease
//! cannot overwrite what the new holder writes. What each method must do is
//! whatsapp-rust's own SQLite store's behaviour (`docs/keys-on-postgres.md`).

mod app_sync;
mod device;
mod import;
mod protocol;
mod secrets;
mod signal;
mod tokens;

pub use import::{Bundle, ImportError, Rows, Value};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use wacore::store::error::{Result, StoreError};

use crate::fence::Step;
use crate::{Error, Lease, Leases};

type Param<'a> = &'a (dyn ToSql + Sync);

/// One company's keys, written under the lease it holds.
#[derive(Debug, Clone)]
pub struct Keys {
    leases: Leases,
    lease: Lease,
}

impl Keys {
    pub fn new(leases: Leases, lease: Lease) -> Self {
        Self { leases, lease }
    }

    pub fn company(&self) -> &str {
        &self.lease.company
    }

    /// `$1` of every statement is the company.
    fn with_company<'a>(&'a self, params: &[Param<'a>]) -> Vec<Param<'a>> {
        let mut all: Vec<Param<'a>> = Vec::with_capacity(params.len() + 1);
        all.push(&self.lease.company);
        all.extend_from_slice(params);
        all
    }

    async fn rows(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>> {
        let read = async {
            let client = self.leases.db.client().await?;
            let statement = client.prepare_cached(sql).await?;
            Ok::<_, Error>(client.query(&statement, &self.with_company(params)).await?)
        };
        read.await.map_err(store_error)
    }

    async fn row(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>> {
        Ok(self.rows(sql, params).await?.into_iter().next())
    }

    /// One fenced statement; the rows it changed.
    async fn write(&self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        self.write_each(sql, vec![params.to_vec()]).await
    }

    /// `sql` once for each row of parameters, in order, in one fenced
    /// transaction (later rows win over earlier ones, as one at a time).
    async fn write_each(&self, sql: &str, rows: Vec<Vec<Param<'_>>>) -> Result<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let steps: Vec<Step<'_>> = rows.iter().map(|p| (sql, self.with_company(p))).collect();
        self.leases
            .fenced_steps(&self.lease, &steps)
            .await
            .map_err(store_error)
    }

    /// A fenced statement that returns rows (`DELETE … RETURNING`).
    async fn take(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>> {
        self.leases
            .fenced_query(&self.lease, sql, &self.with_company(params))
            .await
            .map_err(store_error)
    }
}

/// Every table of a company's keys.
const TABLES: [&str; 18] = [
    "key_device",
    "key_identities",
    "key_sessions",
    "key_prekeys",
    "key_signed_prekeys",
    "key_sender_keys",
    "key_app_state_keys",
    "key_app_state_versions",
    "key_mutation_macs",
    "key_sender_key_devices",
    "key_lid_pn",
    "key_base_keys",
    "key_device_lists",
    "key_group_metadata",
    "key_tc_tokens",
    "key_sent_messages",
    "key_msg_secrets",
    "key_pending_inbound",
];

impl Keys {
    /// Delete every key of the company (after a logout: dead keys), and
    /// nothing of any other company's.
    pub async fn forget(&self) -> Result<()> {
        let deletes: Vec<String> = TABLES
            .iter()
            .map(|t| format!("DELETE FROM {t} WHERE company = $1"))
            .collect();
        let steps: Vec<Step<'_>> = deletes
            .iter()
            .map(|sql| (sql.as_str(), self.with_company(&[])))
            .collect();
        self.leases
            .fenced_steps(&self.lease, &steps)
            .await
            .map(drop)
            .map_err(store_error)
    }
}

/// whatsapp-rust's error for ours; ours stays the source, so a caller can
/// tell a fenced write (`Error::Fenced`) from a lost database.
fn store_error(e: Error) -> StoreError {
    match e {
        Error::Unreachable(_) => StoreError::Connection(Box::new(e)),
        e => StoreError::Database(Box::new(e)),
    }
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::Serialization(Box::new(e)))
}

/// Unix seconds, whatsapp-rust's clock (the one its cutoffs are taken on).
fn now_secs() -> i64 {
    wacore::time::now_secs()
}
