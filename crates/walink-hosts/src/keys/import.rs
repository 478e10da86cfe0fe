//! A company's keys brought from elsewhere (a walink of its own, whose keys
//! are in SQLite) into the database in one transaction, so its device runs
//! here without a new link. Taken in only where the company has no device
//! yet: one device's keys never land over another's.

use bytes::BytesMut;
use futures_util::future::try_join_all;
use tokio_postgres::Statement;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use wacore::appstate::hash::HashState;
use wacore::store::Device;
use wacore::store::traits::AppStateSyncKey;

use super::TABLES;
use crate::{Error, Lease, Leases};

/// One value of a row, as the source stored it; written as the column's
/// own type (an integer into a `BOOLEAN` column is true when not 0).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Self::Null => Ok(IsNull::Yes),
            Self::Int(i) if *ty == Type::BOOL => (*i != 0).to_sql(ty, out),
            Self::Int(i) if *ty == Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
            Self::Int(i) => i.to_sql(ty, out),
            Self::Text(s) => s.to_sql(ty, out),
            Self::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [Type::BOOL, Type::INT4, Type::INT8, Type::TEXT, Type::BYTEA].contains(ty)
    }

    to_sql_checked!();
}

/// The rows of one key table, in that table's own columns (`company` is
/// added here).
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub table: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Value>>,
}

/// Everything of one device: the device itself and the app state as
/// whatsapp-rust's types (stored here in their serde form), every other
/// table as rows. Not `Debug`: it is keys.
pub struct Bundle {
    pub device: Device,
    pub sync_keys: Vec<(Vec<u8>, AppStateSyncKey)>,
    pub versions: Vec<(String, HashState)>,
    pub tables: Vec<Rows>,
}

impl Bundle {
    /// Rows in all, the device's own included.
    pub fn rows(&self) -> usize {
        1 + self.sync_keys.len()
            + self.versions.len()
            + self.tables.iter().map(|t| t.rows.len()).sum::<usize>()
    }
}

/// Why a company's keys were not taken in.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "a company {0} is in the database already: remove it first or import under another name"
    )]
    Exists(String),
    #[error("a key table walink does not know: {0}")]
    UnknownTable(String),
    #[error("{0}")]
    Encode(String),
    #[error(transparent)]
    Database(#[from] Error),
}

impl From<tokio_postgres::Error> for ImportError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Database(e.into())
    }
}

impl Leases {
    /// Take `bundle` in as the keys of `company`, a company new to the
    /// database, all or nothing, and its lease for this host: no other
    /// host can start it before it is whole, and this host's next renewal
    /// finds it held (`keeper`: a take whose answer was lost) and starts it.
    pub async fn import_keys(&self, company: &str, bundle: &Bundle) -> Result<Lease, ImportError> {
        let device = json(&bundle.device)?;
        let sync_keys = bundle
            .sync_keys
            .iter()
            .map(|(id, key)| Ok((id, json(key)?)))
            .collect::<Result<Vec<_>, ImportError>>()?;
        let versions = bundle
            .versions
            .iter()
            .map(|(name, state)| Ok((name, json(state)?)))
            .collect::<Result<Vec<_>, ImportError>>()?;
        for t in &bundle.tables {
            if !TABLES.contains(&t.table) || !t.columns.iter().all(|c| plain(c)) {
                return Err(ImportError::UnknownTable(t.table.to_owned()));
            }
        }

        let mut client = self.db.client().await?;
        let tx = client.transaction().await?;
        // A lease without a company is what an import that stopped between
        // its keys and the registry leaves: nobody runs it, so it goes.
        tx.execute(
            "DELETE FROM leases WHERE company = $1
             AND NOT EXISTS (SELECT 1 FROM companies WHERE slug = $1)",
            &[&company],
        )
        .await?;
        let taken = tx
            .query_opt(
                "INSERT INTO leases (company, host, epoch, expires)
                 VALUES ($1, $2, 1, now() + make_interval(secs => $3))
                 ON CONFLICT (company) DO NOTHING RETURNING company, epoch, wanted",
                &[&company, &self.host, &self.ttl_secs()],
            )
            .await?;
        let Some(lease) = taken else {
            return Err(ImportError::Exists(company.to_owned()));
        };
        tx.execute(
            "INSERT INTO key_device (company, device) VALUES ($1, $2)",
            &[&company, &device],
        )
        .await?;
        // Every row pipelined on the one connection: no round trip each.
        let mut steps: Vec<(Statement, Vec<&(dyn ToSql + Sync)>)> = Vec::new();
        let insert = tx
            .prepare("INSERT INTO key_app_state_keys (company, key_id, key) VALUES ($1, $2, $3)")
            .await?;
        for (id, key) in &sync_keys {
            steps.push((insert.clone(), vec![&company, *id, key]));
        }
        let insert = tx
            .prepare(
                "INSERT INTO key_app_state_versions (company, name, state) VALUES ($1, $2, $3)",
            )
            .await?;
        for (name, state) in &versions {
            steps.push((insert.clone(), vec![&company, *name, state]));
        }
        for t in bundle.tables.iter().filter(|t| !t.rows.is_empty()) {
            let marks: Vec<String> = (2..t.columns.len() + 2).map(|i| format!("${i}")).collect();
            let insert = tx
                .prepare(&format!(
                    "INSERT INTO {} (company, {}) VALUES ($1, {})",
                    t.table,
                    t.columns.join(", "),
                    marks.join(", ")
                ))
                .await?;
            for row in &t.rows {
                let mut params: Vec<&(dyn ToSql + Sync)> = vec![&company];
                params.extend(row.iter().map(|v| v as &(dyn ToSql + Sync)));
                steps.push((insert.clone(), params));
            }
        }
        try_join_all(steps.iter().map(|(st, params)| tx.execute(st, params))).await?;
        tx.commit().await?;
        Ok(Lease::from_row(&lease))
    }

    /// Undo an import the registry then refused: its keys go, and its
    /// lease with them unless a company of that name is in the registry
    /// (added meanwhile by another host), whose lease is let go instead.
    pub async fn withdraw_import(&self, company: &str) -> Result<(), Error> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await?;
        for table in TABLES {
            tx.execute(
                &format!("DELETE FROM {table} WHERE company = $1"),
                &[&company],
            )
            .await?;
        }
        tx.execute(
            "DELETE FROM leases WHERE company = $1
             AND NOT EXISTS (SELECT 1 FROM companies WHERE slug = $1)",
            &[&company],
        )
        .await?;
        tx.execute(
            "UPDATE leases SET host = NULL, expires = NULL WHERE company = $1 AND host = $2",
            &[&company, &self.host],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A column name as written in SQL without quoting.
fn plain(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// The serde form the key tables keep the device and the app state in.
fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ImportError> {
    serde_json::to_vec(value).map_err(|e| ImportError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn only_plain_column_names_reach_sql() {
        assert!(plain("device_jid"));
        assert!(!plain(""));
        assert!(!plain("a; DROP TABLE leases"));
        assert!(!plain("\"quoted\""));
    }
}
