//! `walink recover`: a registry lost (missing or emptied) beside the keys
//! is rebuilt from them: one company per device of `keys.db` (under its
//! old id) or key file of the old layout, linked when its
//! keys belong to a paired device. Never run over a registry that is there.

use crate::config::DataDir;
use crate::domain::{DisplayName, Slug};
use crate::keystore::orphans::Held;
use crate::lockfile::DirLock;

use super::CliError;

pub fn run(data: DataDir) -> Result<(), CliError> {
    // No server may hold the directory while its registry is rebuilt.
    let _lock = DirLock::acquire(&data.lock_path()).map_err(CliError::other)?;
    super::backup::in_this_directory(&data)?;
    if crate::keystore::orphans::orphaned(&data).is_none() {
        return Err(CliError::usage(format!(
            "there is nothing to recover: {} is there, or neither {} nor {} holds keys; walink status shows the companies",
            data.registry_path().display(),
            data.keys_path().display(),
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
    let mut store = crate::store::open(&data).map_err(CliError::other)?;
    let mut added = Vec::new();
    let mut skipped = Vec::new();
    for held in crate::keystore::orphans::held(&data) {
        let name = held.name();
        let stem = name.trim_end_matches(".db");
        let (Ok(slug), Ok(display)) = (Slug::parse(stem), DisplayName::parse(stem)) else {
            skipped.push(name);
            continue;
        };
        let made = match held {
            Held::Device { id, .. } => store.add_company_as(id, &slug, &display),
            Held::File(_) => store.add_company(&slug, &display),
        };
        match made {
            Ok(_) => added.push(stem.to_owned()),
            // A device and an old file of one company: one company.
            Err(crate::store::StoreError::DuplicateSlug(_)) => {}
            Err(e) => return Err(CliError::other(e)),
        }
    }
    let keys = crate::keystore::KeyStore::new(data.keys_path());
    let linked =
        crate::engine::recover_links(store.as_ref(), &data, &keys).map_err(CliError::other)?;
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
