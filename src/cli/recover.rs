//! `walink recover`: a registry lost (missing or emptied) beside the key
//! stores is rebuilt from them: one company per key store, linked when its
//! keys belong to a paired device. Never run over a registry that is there.

use crate::config::DataDir;
use crate::domain::{DisplayName, Slug};
use crate::lockfile::DirLock;
use crate::store::Store;

use super::CliError;

pub fn run(data: DataDir) -> Result<(), CliError> {
    // No server may hold the directory while its registry is rebuilt.
    let _lock = DirLock::acquire(&data.lock_path()).map_err(CliError::other)?;
    if data.orphaned_keys().is_none() {
        return Err(CliError::usage(format!(
            "there is nothing to recover: {} is there, or {} holds no key stores; walink status shows the companies",
            data.registry_path().display(),
            data.sessions_dir().display()
        )));
    }
    let registry = data.registry_path();
    if registry.exists() {
        // Emptied, but kept: it is the admin's to look at.
        let said = crate::engine::put_aside(&registry, "empty");
        if !said.starts_with("moved aside") {
            return Err(CliError::other(said));
        }
    }
    let mut store = Store::open(&registry).map_err(CliError::other)?;
    let mut added = Vec::new();
    let mut skipped = Vec::new();
    for file in data.key_files() {
        let stem = file.trim_end_matches(".db");
        let (Ok(slug), Ok(name)) = (Slug::parse(stem), DisplayName::parse(stem)) else {
            skipped.push(file);
            continue;
        };
        store.add_company(&slug, &name).map_err(CliError::other)?;
        added.push(stem.to_owned());
    }
    let linked = crate::engine::recover_links(&store, &data).map_err(CliError::other)?;
    let stores = if added.len() == 1 {
        "key store"
    } else {
        "key stores"
    };
    println!(
        "Rebuilt the registry from {} {stores} ({linked} linked): {}.",
        added.len(),
        added.join(", ")
    );
    println!(
        "Each company is named after its slug. Tokens, invitations and webhooks were in the lost registry: make them again."
    );
    if !skipped.is_empty() {
        println!(
            "Left alone (not a company's key store name): {}.",
            skipped.join(", ")
        );
    }
    Ok(())
}
