//! The supervisor's side of the key store: ready before any session, and
//! asked (off the async workers) which companies hold keys.

use super::Supervisor;

impl Supervisor {
    /// `keys.db` ready, the old layout's key files moved into it, and links
    /// the registry missed recovered from the keys, before any session.
    pub(super) async fn prepare_keys(&self) {
        if self.shared.hosted.is_some() {
            // The keys are the database's; this directory's own are brought
            // there by `serve` (cli/bring.rs), never run from here.
            return;
        }
        let keys = &self.shared.keys;
        if let Err(e) = keys.prepare().await {
            tracing::error!("cannot open the key store {}: {e}", keys.path().display());
        }
        crate::keystore::migrate::run(keys, &self.shared.data, &self.db).await;
        let (data, keys) = (self.shared.data.clone(), keys.clone());
        let recovered = self
            .db
            .run(move |s| crate::engine::recover::recover_links(s, &data, &keys))
            .await;
        if let Err(e) = recovered {
            tracing::warn!("cannot look for links the registry missed: {e}");
        }
    }

    /// Keys are stored for this company (paired or not).
    pub(super) async fn has_keys(&self, company: i64, slug: &str) -> bool {
        let keys = self.shared.key_source(company, slug);
        tokio::task::spawn_blocking(move || keys.exists())
            .await
            .unwrap_or(true)
    }

    /// The companies with a device in `keys.db`, in one read.
    pub(super) async fn held_devices(&self) -> std::collections::HashSet<i64> {
        if self.shared.hosted.is_some() {
            // The database's keys are found through each company's lease.
            return Default::default();
        }
        let keys = self.shared.keys.clone();
        let read = tokio::task::spawn_blocking(move || keys.devices().map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        read.map(|ids| ids.into_iter().collect())
            .unwrap_or_else(|e| {
                tracing::error!("cannot read the key store: {e}");
                Default::default()
            })
    }
}
