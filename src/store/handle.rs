//! The registry as every task reaches it (the engine, the API, webhooks):
//! one connection behind a mutex, used only on the blocking pool so its
//! blocking work never stalls an async worker.

use std::sync::{Arc, Mutex};

use super::{Registry, Store, StoreError};

#[derive(Clone)]
pub struct Db {
    registry: Arc<Mutex<Box<dyn Registry>>>,
}

impl Db {
    pub fn new(registry: Box<dyn Registry>) -> Self {
        Self {
            registry: Arc::new(Mutex::new(registry)),
        }
    }

    /// Run `f` on the registry off the async workers.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Registry) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let registry = self.registry.clone();
        tokio::task::spawn_blocking(move || {
            // A panic inside `f` poisons the lock; the data is still the
            // backend's, so carry on with it.
            let mut guard = registry.lock().unwrap_or_else(|p| p.into_inner());
            f(guard.as_mut())
        })
        .await
        .unwrap_or_else(|e| Err(StoreError::Corrupt(format!("registry task failed: {e}"))))
    }

    /// Run `f` on the registry on this thread, as the engine's start does
    /// before any task shares the handle.
    pub fn blocking<R>(&self, f: impl FnOnce(&mut dyn Registry) -> R) -> R {
        let mut guard = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        f(guard.as_mut())
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
