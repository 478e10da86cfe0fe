//! The devices of `keys.db` whose whatsapp-rust store is open right now.
//! An open store holds a SQLite connection (two descriptors: the database
//! and its WAL) and its page cache; a connected session touches its keys
//! only now and then, so holding one per session made descriptors, not
//! sockets, the limit on sessions a process can run. A store is opened when
//! its device is used, closed when nobody has used it for `IDLE`, and the
//! least recently used ones are closed early when more than `open_at_most`
//! are open. A store in use is never closed under its caller.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;
use whatsapp_rust::prelude::SqliteStore;
use whatsapp_rust::wacore::store::error::StoreError;

/// How long an unused store stays open.
pub const IDLE: Duration = Duration::from_secs(30);

pub struct Shelf {
    url: String,
    open_at_most: usize,
    open: Mutex<HashMap<i32, Slot>>,
    sweeper: std::sync::Once,
    peek: super::peek::Peek,
}

struct Slot {
    store: Arc<OnceCell<Arc<SqliteStore>>>,
    used: Instant,
}

impl Slot {
    /// Someone holds the store (a call in flight) or is opening it.
    fn in_use(&self) -> bool {
        Arc::strong_count(&self.store) > 1
            || self.store.get().is_some_and(|s| Arc::strong_count(s) > 1)
    }
}

impl std::fmt::Debug for Shelf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shelf")
            .field("open", &self.open_count())
            .field("open_at_most", &self.open_at_most)
            .finish()
    }
}

impl Shelf {
    pub fn new(url: String, open_at_most: usize) -> Arc<Self> {
        Arc::new(Self {
            peek: super::peek::Peek::new(url.clone()),
            url,
            open_at_most: open_at_most.max(1),
            open: Mutex::new(HashMap::new()),
            sweeper: std::sync::Once::new(),
        })
    }

    /// The device's store, opened if it is not.
    pub async fn store(self: &Arc<Self>, device: i32) -> Result<Arc<SqliteStore>, StoreError> {
        self.sweeper
            .call_once(|| sweep_every(Arc::downgrade(self), IDLE / 2));
        let mut closed = Vec::new();
        let cell = {
            let mut open = self.lock();
            let fresh = !open.contains_key(&device);
            let slot = open.entry(device).or_insert_with(|| Slot {
                store: Arc::new(OnceCell::new()),
                used: Instant::now(),
            });
            slot.used = Instant::now();
            let cell = Arc::clone(&slot.store);
            if fresh && open.len() > self.open_at_most {
                closed = close_least_used(&mut open, self.open_at_most * 3 / 4);
            }
            cell
        };
        // Closing is file work (the last connection checkpoints the WAL):
        // outside the lock and off the async workers.
        if !closed.is_empty() {
            tokio::task::spawn_blocking(move || drop(closed));
        }
        let store = cell
            .get_or_try_init(|| async {
                super::tally::OPENS.inc();
                SqliteStore::new_for_device(&self.url, device)
                    .await
                    .map(Arc::new)
            })
            .await?;
        Ok(Arc::clone(store))
    }

    /// Close the device's store (its rows were deleted or moved away).
    pub fn close(&self, device: i32) {
        let closed = self.lock().remove(&device);
        drop(closed);
    }

    /// Close the stores nobody used for `idle`; returns how many are open.
    /// Blocking: closing a connection is file work.
    pub fn close_idle(&self, idle: Duration) -> usize {
        let mut open = self.lock();
        let closed: Vec<Slot> = open
            .extract_if(|_, slot| slot.used.elapsed() >= idle && !slot.in_use())
            .map(|(_, slot)| slot)
            .collect();
        let left = open.len();
        drop(open);
        drop(closed);
        left
    }

    /// Whether the device's store is open now.
    pub fn is_open(&self, device: i32) -> bool {
        self.lock().contains_key(&device)
    }

    /// The one connection that asks whether a sweep has work.
    pub fn peek(&self) -> &super::peek::Peek {
        &self.peek
    }

    pub fn open_count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Slot>> {
        // A panic while holding it left a map that is still whole.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Close the least recently used stores not in use until `keep` are open
/// (fewer closed when too many are in use): one sort per quarter of the
/// limit, not one scan per open.
fn close_least_used(open: &mut HashMap<i32, Slot>, keep: usize) -> Vec<Slot> {
    let mut idle: Vec<(Instant, i32)> = open
        .iter()
        .filter(|(_, slot)| !slot.in_use())
        .map(|(device, slot)| (slot.used, *device))
        .collect();
    idle.sort_unstable();
    let excess = open.len().saturating_sub(keep);
    idle.into_iter()
        .take(excess)
        .filter_map(|(_, device)| open.remove(&device))
        .collect()
}

fn sweep_every(shelf: Weak<Shelf>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(shelf) = shelf.upgrade() else { break };
            let _ = tokio::task::spawn_blocking(move || shelf.close_idle(IDLE)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use whatsapp_rust::wacore::store::traits::{DeviceStore, SignalStore};

    use crate::keystore::KeyStore;

    #[tokio::test]
    async fn stores_open_on_use_close_when_idle_and_keep_what_was_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = KeyStore::with_open_limit(dir.path().join("keys.db"), 4);
        keys.prepare().await.expect("prepare");
        assert_eq!(keys.open_stores(), 0);

        for device in 1..=3 {
            let view = keys.device_keys(device);
            view.create().await.expect("device");
            let record = format!("session of {device}");
            view.put_session("peer.0", record.as_bytes())
                .await
                .expect("write");
        }
        assert_eq!(keys.open_stores(), 3, "each device used opens its store");

        // A store held by a caller stays open; the idle ones close.
        let held = keys.shelf.store(2).await.expect("store");
        assert_eq!(keys.shelf.close_idle(std::time::Duration::ZERO), 1);
        drop(held);
        assert_eq!(keys.shelf.close_idle(std::time::Duration::ZERO), 0);

        // Reopened on the next use, each device reads its own keys back.
        for device in 1..=3 {
            let got = keys
                .device_keys(device)
                .get_session("peer.0")
                .await
                .expect("read")
                .map(|b| b.to_vec());
            assert_eq!(got, Some(format!("session of {device}").into_bytes()));
        }
    }

    #[tokio::test]
    async fn past_the_limit_the_least_used_close_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = KeyStore::with_open_limit(dir.path().join("keys.db"), 4);
        keys.prepare().await.expect("prepare");
        for device in 1..=4 {
            keys.device_keys(device).open().await.expect("open");
        }
        // Device 1 used again: 2 is now the least recently used.
        keys.device_keys(1).open().await.expect("open");
        keys.device_keys(5).open().await.expect("open");
        // Over 4: closed down to three quarters of it, the newest kept.
        assert_eq!(keys.open_stores(), 3);
        let open: Vec<i32> = {
            let mut v: Vec<i32> = keys.shelf.lock().keys().copied().collect();
            v.sort_unstable();
            v
        };
        assert_eq!(open, vec![1, 4, 5]);
    }

    #[tokio::test]
    async fn forgetting_a_device_closes_its_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = KeyStore::with_open_limit(dir.path().join("keys.db"), 4);
        keys.prepare().await.expect("prepare");
        keys.device_keys(7).create().await.expect("device");
        assert_eq!(keys.open_stores(), 1);
        keys.forget(7).expect("forget");
        assert_eq!(keys.open_stores(), 0);
        assert!(!keys.holds(7).expect("holds"));
    }
}
