//! This host's share of the companies when several hosts run over one
//! PostgreSQL (`walink serve --database`): which leases it holds now, and
//! the keys of a company as its device in the database, written under the
//! lease. A session runs only while its lease is held here.

use std::collections::HashMap;
use std::sync::Mutex;

use walink_hosts::keys::Keys;
use walink_hosts::{Lease, Leases};

/// How this host takes part: its leases (database, host id, lease length)
/// and how many sessions it runs at most.
#[derive(Debug, Clone)]
pub struct HostsConfig {
    pub leases: Leases,
    pub capacity: u32,
}

#[derive(Debug)]
pub struct Hosted {
    pub config: HostsConfig,
    /// Company slug → the lease this host holds on it.
    held: Mutex<HashMap<String, Lease>>,
}

impl Hosted {
    pub fn new(config: HostsConfig) -> Self {
        Self {
            config,
            held: Mutex::new(HashMap::new()),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lease>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn holds(&self, slug: &str) -> bool {
        self.held().contains_key(slug)
    }

    pub fn hold(&self, lease: Lease) {
        self.held().insert(lease.company.clone(), lease);
    }

    pub fn let_go(&self, slug: &str) -> Option<Lease> {
        self.held().remove(slug)
    }

    /// The company's keys: written under the lease held here, or, while
    /// none is, readable only (epoch 0 is no take: every write is refused).
    pub fn keys(&self, slug: &str) -> Keys {
        let lease = self.held().get(slug).cloned().unwrap_or(Lease {
            company: slug.to_owned(),
            epoch: 0,
            wanted: None,
        });
        Keys::new(self.config.leases.clone(), lease)
    }
}
