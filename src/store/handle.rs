//! The registry as every task reaches it (the engine, the API, webhooks):
//! a connection behind a mutex (SQLite: one, so writes queue on its lock
//! rather than in SQLite's busy wait; PostgreSQL: a few, as the database
//! takes writes side by side), used only on the blocking pool so its
//! blocking work never stalls an async worker.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use super::{Registry, Store, StoreError};

type Conn = Mutex<Box<dyn Registry>>;

#[derive(Clone)]
pub struct Db {
    registries: Arc<[Conn]>,
    /// Whose lock to wait on when every connection is busy.
    next: Arc<AtomicUsize>,
}

impl Db {
    pub fn new(registry: Box<dyn Registry>) -> Self {
        Self::many(vec![registry])
    }

    /// Several connections to one registry; a call takes a free one.
    pub fn many(registries: Vec<Box<dyn Registry>>) -> Self {
        assert!(
            !registries.is_empty(),
            "a registry handle needs a connection"
        );
        Self {
            registries: registries.into_iter().map(Mutex::new).collect(),
            next: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Run `f` on the registry off the async workers.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Registry) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.blocking(f))
            .await
            .unwrap_or_else(|e| Err(StoreError::Corrupt(format!("registry task failed: {e}"))))
    }

    /// Run `f` on the registry on this thread, as the engine's start does
    /// before any task shares the handle.
    pub fn blocking<R>(&self, f: impl FnOnce(&mut dyn Registry) -> R) -> R {
        let mut guard = self.take();
        f(guard.as_mut())
    }

    /// A free connection, else the next one in turn once it is.
    fn take(&self) -> MutexGuard<'_, Box<dyn Registry>> {
        for conn in self.registries.iter() {
            match conn.try_lock() {
                Ok(guard) => return guard,
                // A panic inside a call poisons its lock; the data is
                // still the backend's, so carry on with it.
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.registries.len();
        self.registries[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Append to the event log; a failure to log is itself only logged.
    pub async fn log(&self, company: i64, kind: &'static str, detail: String) {
        if let Err(e) = self
            .run(move |s| s.log_event(Some(company), kind, &detail))
            .await
        {
            tracing::error!(company, kind, "cannot write the event log: {e}");
        }
    }
}

impl From<Box<dyn Registry>> for Db {
    fn from(registry: Box<dyn Registry>) -> Self {
        Self::new(registry)
    }
}

impl From<Store> for Db {
    fn from(store: Store) -> Self {
        Self::new(Box::new(store))
    }
}
