//! The registry as every task reaches it (the engine, the API, webhooks):
//! one connection behind a mutex, used only on the blocking pool so SQLite
//! never stalls an async worker.

use std::sync::{Arc, Mutex};

use super::{Store, StoreError};

#[derive(Clone)]
pub struct Db {
    store: Arc<Mutex<Store>>,
}

impl Db {
    pub fn new(store: Store) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// Run `f` on the registry off the async workers.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            // A panic inside `f` poisons the lock; the data is still the
            // file's, so carry on with it.
            let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .unwrap_or_else(|e| Err(StoreError::Corrupt(format!("registry task failed: {e}"))))
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
