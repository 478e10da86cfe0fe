//! Keys without a registry: what `walink recover` rebuilds companies from,
//! and why walink will not start an empty registry over them.

use crate::config::DataDir;

use super::KeyStore;

/// A company's keys found beside a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// A device in `keys.db`: its company's id and slug.
    Device { id: i64, slug: String },
    /// A key file of the old layout in `sessions/`, by file name.
    File(String),
}

impl Held {
    pub fn name(&self) -> String {
        match self {
            Held::Device { slug, .. } => slug.clone(),
            Held::File(name) => name.clone(),
        }
    }
}

/// Every company's keys: `keys.db`'s named devices, then old key files.
pub fn held(data: &DataDir) -> Vec<Held> {
    let mut held = Vec::new();
    let path = data.keys_path();
    if path.exists() {
        match KeyStore::new(path).named_devices() {
            Ok(devices) => held.extend(
                devices
                    .into_iter()
                    .map(|(id, slug)| Held::Device { id, slug }),
            ),
            Err(e) => tracing::warn!("cannot read the key store's devices: {e}"),
        }
    }
    held.extend(data.key_files().into_iter().map(Held::File));
    held
}

/// Why the registry may not be opened: it is missing or empty while keys
/// exist, and opening it would make an empty one that forgets every
/// company linked with those keys.
pub fn orphaned(data: &DataDir) -> Option<String> {
    let registry = data.registry_path();
    let empty = std::fs::metadata(&registry).map_or(true, |m| m.len() == 0);
    // A registry in the hosts' database has its keys there too.
    if !empty || data.database_path().exists() {
        return None;
    }
    let keys = held(data);
    if keys.is_empty() {
        return None;
    }
    let shown: Vec<String> = keys.iter().take(3).map(Held::name).collect();
    let more = if keys.len() > 3 { ", …" } else { "" };
    Some(format!(
        "the registry {} is missing or empty, but {} and {} hold the keys of {} companies ({}{more}); \
         walink will not start an empty registry over them. Put walink.db back from your backup, \
         or rebuild the companies from their keys with walink recover, \
         or move keys.db and the sessions folder aside to start afresh",
        registry.display(),
        data.keys_path().display(),
        data.sessions_dir().display(),
        keys.len(),
        shown.join(", ")
    ))
}
