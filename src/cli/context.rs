//! Where a command's sessions live: `walink serve`'s, through its socket,
//! or this process's own, under the data directory's lock.

use super::CliError;
use crate::config::DataDir;
use crate::fdlimit::FdLimit;
use crate::lockfile::DirLock;
use crate::service::attach::{self, AttachError, Conn, ServerInfo};
use crate::store::Registry;

/// Everything a command needs: the data directory, the registry, a
/// runtime, and either a server's connection or the directory's lock.
pub struct Context {
    pub data: DataDir,
    /// Read freely in both modes; the sessions' writes go through the
    /// engine that owns them.
    pub store: Box<dyn Registry>,
    /// The open-file limit, raised to the hard one at start.
    pub fd_limit: Option<FdLimit>,
    pub rt: tokio::runtime::Runtime,
    /// Set while attached; the connection is taken by the first start.
    pub server: Option<ServerInfo>,
    pub(super) conn: Option<Conn>,
    /// How this process names itself to the server ("dashboard", "pair"…).
    pub(super) client: String,
    _lock: Option<DirLock>,
}

impl Context {
    /// Attach to `walink serve` when one holds `data`; otherwise take the
    /// directory to run sessions here. `client` names this process to
    /// the server's log.
    pub fn open(data: DataDir, client: &str) -> Result<Self, CliError> {
        let rt = runtime()?;
        let socket = data.socket_path();
        match rt.block_on(attach::connect(&socket, client)) {
            Ok(conn) => {
                let info = conn.info;
                let mut ctx = Self::build(data, rt, None)?;
                ctx.server = Some(info);
                ctx.conn = Some(conn);
                ctx.client = client.to_owned();
                Ok(ctx)
            }
            Err(AttachError::NoServer) => Self::own_with(data, rt),
            Err(e) => Err(CliError::other(e)),
        }
    }

    /// Take the data directory (`walink serve`, the sandbox): never attach.
    pub fn own(data: DataDir) -> Result<Self, CliError> {
        Self::own_with(data, runtime()?)
    }

    fn own_with(data: DataDir, rt: tokio::runtime::Runtime) -> Result<Self, CliError> {
        data.ensure().map_err(CliError::other)?;
        let lock = DirLock::acquire(&data.lock_path()).map_err(CliError::other)?;
        Self::build(data, rt, Some(lock))
    }

    fn build(
        data: DataDir,
        rt: tokio::runtime::Runtime,
        lock: Option<DirLock>,
    ) -> Result<Self, CliError> {
        if let Some(why) = crate::keystore::orphans::orphaned(&data) {
            return Err(CliError::other(why));
        }
        let store = crate::store::open(&data).map_err(CliError::other)?;
        let fd_limit = match crate::fdlimit::raise() {
            Ok(l) => {
                tracing::info!(soft = l.soft, hard = l.hard, was = l.was, "open-file limit");
                Some(l)
            }
            Err(e) => {
                tracing::warn!("cannot read the open-file limit: {e}");
                None
            }
        };
        Ok(Self {
            data,
            store,
            fd_limit,
            rt,
            server: None,
            conn: None,
            client: String::new(),
            _lock: lock,
        })
    }
}

impl Context {
    /// Leave without waiting on stragglers: the sessions had their
    /// deadline to flush, and a blocked store thread would otherwise hold
    /// the exit forever. The lock goes last.
    pub fn close(self) {
        let Self { rt, _lock, .. } = self;
        rt.shutdown_timeout(std::time::Duration::from_secs(2));
        drop(_lock);
    }
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new()
        .map_err(|e| CliError::other(format!("cannot start the async runtime: {e}")))
}
