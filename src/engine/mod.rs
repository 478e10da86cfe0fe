//! Sessions on the real whatsapp-rust client. `Command`s go in, `Update`s
//! come out; nothing else crosses.

pub mod classify;
pub mod client;
pub mod command;
mod ctx;
pub mod dial;
pub(crate) mod expiry;
mod facts;
pub mod guard;
pub mod hosted;
pub mod inbound;
mod keys;
pub mod liveness;
mod outbox;
pub mod reach;
mod recover;
mod restore;
pub mod route;
mod runtime;
pub mod sending;
pub mod server;
mod session;
pub mod snapshot;
mod supervisor;
mod task;
pub mod translate;
pub mod update;
#[cfg(test)]
mod update_tests;
mod watchdog;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

pub use command::Command;
pub use hosted::HostsConfig;
pub use keys::{KeySource, put_aside};
pub use recover::recover_links;
pub use update::{LogEntry, ServerLink, SessionRow, Update};

/// How long a caller waits for `Update::Stopped` after `Command::Shutdown`:
/// the supervisor's own deadline and a margin.
pub const STOP_WAIT: Duration = Duration::from_secs(supervisor::SHUTDOWN_DEADLINE.as_secs() + 2);

use crate::config::DataDir;
use crate::store::Db;
use client::ClientOptions;
use guard::Limits;
use server::ServerTarget;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub data: DataDir,
    pub server: ServerTarget,
    pub limits: Limits,
    /// `--wa-version`; otherwise whatsapp-rust fetches the current one
    /// (sandbox builds use a fixed one and no HTTP).
    pub wa_version: Option<(u32, u32, u32)>,
    /// Reconnect every linked session at start.
    pub restore: bool,
    /// Sessions logging in at once during the restore. Each waits on round
    /// trips more than on the CPU: with 8, one process restored 3,500 in
    /// 24 s against the simulator (~70 s projected for 10,000); with 24,
    /// in 16 s, and three processes of 8 restored 10,000 in 38 s, bound by
    /// the CPU (`cargo bench --bench scale`). Real round trips are longer.
    pub restore_concurrency: usize,
    /// No socket within this long: say the network is unreachable.
    pub connect_timeout: Duration,
    /// After a pairing, the first login not finished within this long:
    /// say so and reconnect.
    pub first_login_wait: Duration,
    /// How long a logout waits for the session to connect before it says
    /// WhatsApp could not be reached (and keeps the keys).
    pub logout_deadline: Duration,
    /// The process's open-file limit, once raised: the supervisor says at
    /// start when the linked sessions do not fit under it.
    pub fd_limit: Option<crate::fdlimit::FdLimit>,
    /// From this many linked sessions on, the restore at start says how
    /// far it got ("restoring linked sessions: 120 / 1000…").
    pub restore_progress_from: usize,
    /// How long the registry keeps a message (`walink serve
    /// --keep-messages`): forgotten at start and every hour after.
    pub keep_messages: Duration,
    /// `walink serve --proxy`: the way out of every company that has no
    /// proxy setting of its own.
    pub proxy: Option<crate::domain::ProxyUrl>,
    /// `walink serve --database`: several hosts share the companies, each
    /// running those whose lease it holds, the keys in the database.
    pub hosts: Option<hosted::HostsConfig>,
}

impl EngineConfig {
    pub fn new(data: DataDir, server: ServerTarget) -> Self {
        Self {
            data,
            server,
            limits: Limits::default(),
            wa_version: None,
            restore: true,
            restore_concurrency: 24,
            connect_timeout: Duration::from_secs(15),
            first_login_wait: Duration::from_secs(60),
            logout_deadline: Duration::from_secs(20),
            fd_limit: None,
            restore_progress_from: 20,
            keep_messages: Duration::from_secs(7 * 86_400),
            proxy: None,
            hosts: None,
        }
    }
}

/// The App's (or a command's) side of the engine. Commands are few and
/// come from a person, so their channel is unbounded: the UI never waits on
/// a supervisor that is itself waiting for the UI to drain updates.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::UnboundedSender<Command>,
}

#[derive(Debug, thiserror::Error)]
#[error("the session engine has stopped")]
pub struct EngineStopped;

impl EngineHandle {
    /// A handle whose commands arrive on the returned receiver: how a
    /// client of `walink serve` offers the App what the engine offers.
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<Command>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx }, rx)
    }

    pub async fn send(&self, cmd: Command) -> Result<(), EngineStopped> {
        self.tx.send(cmd).map_err(|_| EngineStopped)
    }
}

pub struct Engine;

impl Engine {
    /// Start the supervisor on the current tokio runtime. The first update
    /// is always `Update::Snapshot`.
    pub fn start(
        registry: impl Into<Db>,
        config: EngineConfig,
    ) -> (EngineHandle, mpsc::Receiver<Update>) {
        let db: Db = registry.into();
        let now = crate::store::now_unix();
        let keep = config.keep_messages;
        // Before any session starts, so nothing else holds the registry.
        let started = db.blocking(move |s| {
            let ended = s.interrupt_pending_attempts(now);
            crate::engine::expiry::forget_old(s, keep);
            ended
        });
        match started {
            Ok(ended) if !ended.is_empty() => tracing::info!(
                "{} link attempts left pending by a process that is gone ended as interrupted",
                ended.len()
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot end the attempts left pending: {e}"),
        }
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (upd_tx, upd_rx) = mpsc::channel(1024);
        let mut client = ClientOptions::for_target(&config.server);
        if config.wa_version.is_some() {
            client.version = config.wa_version;
        }
        let shared = Arc::new(task::Shared {
            data: config.data.clone(),
            keys: crate::keystore::KeyStore::with_open_limit(
                config.data.keys_path(),
                config.fd_limit.map_or(crate::keystore::OPEN_AT_MOST, |l| {
                    usize::try_from(l.key_stores()).unwrap_or(usize::MAX)
                }),
            ),
            client,
            limits: config.limits,
            connect_timeout: config.connect_timeout,
            first_login_wait: config.first_login_wait,
            logout_deadline: config.logout_deadline,
            keep_messages: config.keep_messages,
            proxy: config.proxy,
            hosted: config.hosts.map(|h| Arc::new(hosted::Hosted::new(h))),
        });
        let mut supervisor =
            supervisor::Supervisor::new(db, shared, upd_tx, config.restore_concurrency);
        supervisor.fd_limit = config.fd_limit;
        supervisor.progress_from = config.restore_progress_from;
        tokio::spawn(supervisor.run(cmd_rx, config.restore));
        (EngineHandle { tx: cmd_tx }, upd_rx)
    }
}
