use std::io;
use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("a company with the slug {0} already exists")]
    DuplicateSlug(String),
    #[error("there is no company with the slug {0}; `walink company list` shows them")]
    NoSuchCompany(String),
    #[error(
        "the registry was written by a newer walink (schema {found}, this one knows {known}); upgrade walink"
    )]
    TooNew { found: i64, known: i64 },
    #[error("the registry holds a row walink cannot read ({0}); was it edited by hand?")]
    Corrupt(String),
    #[error("cannot open the registry {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("the registry failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the registry's database failed: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("the registry's database cannot be reached: {0}")]
    Database(String),
}

impl StoreError {
    /// The write failed for lack of space (SQLITE_FULL).
    pub fn is_disk_full(&self) -> bool {
        matches!(
            self,
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DiskFull
        )
    }
}
