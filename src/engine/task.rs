//! What a session task is given (what all sessions share, its mode, its
//! link attempt), what it is told, and how a fact says it goes on.

use std::sync::Arc;
use std::time::Duration;

use super::client::ClientOptions;
use super::guard::Limits;
use crate::config::DataDir;
use crate::domain::{AttemptId, LinkMethod};

/// What every session shares: where files live, how clients are built.
pub struct Shared {
    pub data: DataDir,
    pub keys: crate::keystore::KeyStore,
    pub client: ClientOptions,
    pub limits: Limits,
    pub connect_timeout: Duration,
    /// After a pairing, how long the first login may take before the
    /// admin is told and the session reconnects.
    pub first_login_wait: Duration,
    pub logout_deadline: Duration,
    /// How long the registry keeps a message.
    pub keep_messages: Duration,
    /// `walink serve --proxy`: for companies without a proxy of their own.
    pub proxy: Option<crate::domain::ProxyUrl>,
    /// Several hosts over one database: this host's leases.
    pub hosted: Option<Arc<super::hosted::Hosted>>,
}

impl Shared {
    /// Where this company's keys are: in the hosts' database when there is
    /// one, else in `keys.db` (or a key file of the old layout).
    pub fn key_source(&self, company: i64, slug: &str) -> super::keys::KeySource {
        match &self.hosted {
            Some(hosted) => super::keys::KeySource::Postgres(hosted.keys(slug)),
            None => super::keys::KeySource::of(&self.data, &self.keys, company, slug),
        }
    }

    /// This host may run the company's session: always on one host; with
    /// several, while it holds the company's lease.
    pub fn may_run(&self, slug: &str) -> bool {
        self.hosted.as_ref().is_none_or(|h| h.holds(slug))
    }
}

/// A link attempt riding on this session.
#[derive(Debug, Clone)]
pub struct LinkInfo {
    pub attempt: AttemptId,
    pub method: LinkMethod,
    /// The `link_attempts` row.
    pub row: i64,
    /// The invitation it came through, used up when it links.
    pub invitation: Option<i64>,
    /// Held while the attempt lives: the supervisor's claim on the company
    /// ends when this is dropped, however the attempt ends. Never read.
    #[allow(dead_code)]
    pub claim: Arc<()>,
}

pub enum Mode {
    /// Reconnect stored keys.
    Restore,
    Link(LinkInfo),
}

#[derive(Debug)]
pub enum SessionCmd {
    Logout,
    /// Connect now instead of waiting out the client's backoff.
    Reconnect,
    /// Send what waits in the registry's queue.
    SendQueued,
    /// Its settings changed: read the proxy again (and reconnect now).
    Reroute {
        reconnect: bool,
    },
}

/// What a fact means for the session's life.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
    /// Logged out: stop, then move the stale keys aside.
    StopAndRetire,
}
