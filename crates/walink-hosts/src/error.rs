use tokio_postgres::error::SqlState;

/// What went wrong, as a sentence; the driver's own error kept as source.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the database address is not one walink can use: {0}")]
    Address(String),
    #[error("cannot reach the database: {0}")]
    Unreachable(String),
    #[error(
        "the database was set up by a newer walink (schema {found}, this one knows {known}): \
         upgrade walink on this host"
    )]
    Newer { found: i32, known: usize },
    #[error(
        "this host no longer holds the lease of {company} (epoch {epoch}): another host runs it, \
         so its state was not written"
    )]
    Fenced { company: String, epoch: i64 },
    #[error("no company {0} in the database")]
    NoCompany(String),
    #[error("no host {0} has joined this database")]
    NoHost(String),
    #[error("database error: {}", said(.0))]
    Database(tokio_postgres::Error),
}

/// The server's own sentence and SQLSTATE (the driver's display is only
/// "db error").
fn said(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

impl Error {
    /// The fence's refusal (`walink_fence`, SQLSTATE WL001).
    pub(crate) fn is_fence(e: &tokio_postgres::Error) -> bool {
        e.code() == Some(&SqlState::from_code("WL001"))
    }
}

/// An error with no SQLSTATE never reached the server (or lost it).
impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.code() {
            None => Self::Unreachable(e.to_string()),
            Some(_) => Self::Database(e),
        }
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => Self::Unreachable(other.to_string()),
        }
    }
}
