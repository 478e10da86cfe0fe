//! At start: each company's key file of the old layout (`sessions/<slug>.db`)
//! is imported into `keys.db` and then moved to `sessions/migrated/`. A file
//! still in `sessions/` is the truth (a stop between the import and the move
//! imports it again, the same rows); one that cannot be imported stays in
//! use there, and the company's log says why.

use std::path::{Path, PathBuf};

use super::{ImportError, KeyStore};
use crate::config::DataDir;
use crate::store::Db;

/// What became of one company's key file.
enum Outcome {
    /// Imported (this many rows; 0: it was never linked) and moved here.
    Moved { rows: usize, to: PathBuf },
    /// Left where it is, still in use; why.
    Kept(String),
}

/// Import every company's key file still in `sessions/`, and say what
/// became of each in its company's log.
pub async fn run(keys: &KeyStore, data: &DataDir, db: &Db) {
    let companies = db.run(|s| s.companies()).await.unwrap_or_else(|e| {
        tracing::error!("cannot list the companies to move their keys: {e}");
        Vec::new()
    });
    let pending: Vec<_> = companies
        .into_iter()
        .filter_map(|c| {
            let file = data.session_file(c.slug.as_str());
            file.exists().then(|| (c.id, c.slug.to_string(), file))
        })
        .collect();
    if pending.is_empty() {
        return;
    }
    tracing::info!(
        "moving the keys of {} companies into {}",
        pending.len(),
        keys.path().display()
    );
    for (done, (id, slug, file)) in pending.iter().enumerate() {
        let outcome = one(keys, data, *id, slug, file).await;
        let detail = match &outcome {
            Outcome::Moved { rows, to } => format!(
                "keys moved into {} ({rows} rows); the old file is kept as {}",
                keys.path().display(),
                to.display()
            ),
            Outcome::Kept(why) => format!(
                "could not move the keys into {}: {why}; this company keeps using {}",
                keys.path().display(),
                file.display()
            ),
        };
        let (id, log) = (*id, detail.clone());
        if let Err(e) = db.run(move |s| s.log_event(Some(id), "keys", &log)).await {
            tracing::error!(company = id, "cannot log the key move: {e}");
        }
        match &outcome {
            Outcome::Moved { .. } => tracing::info!(company = id, "{detail}"),
            Outcome::Kept(_) => tracing::warn!(company = id, "{detail}"),
        }
        if (done + 1) % 500 == 0 {
            tracing::info!(
                "moved the keys of {} of {} companies",
                done + 1,
                pending.len()
            );
        }
    }
}

async fn one(keys: &KeyStore, data: &DataDir, id: i64, slug: &str, file: &Path) -> Outcome {
    if super::is_damaged(file) {
        return Outcome::Kept("it is not a database (its first bytes are not SQLite's)".into());
    }
    // whatsapp-rust brings the file's schema up to date as it opens it.
    let url = file.to_string_lossy().into_owned();
    match whatsapp_rust::prelude::SqliteStore::new(&url).await {
        Ok(store) => drop(store),
        Err(e) => return Outcome::Kept(format!("it cannot be opened: {e}")),
    }
    let (keys, dir, file, slug) = (
        keys.clone(),
        data.migrated_dir(),
        file.to_path_buf(),
        slug.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let rows = match keys.import(&file, id, &slug) {
            Ok(n) => n,
            Err(ImportError::NoDevice) => 0,
            Err(e) => return Outcome::Kept(e.to_string()),
        };
        match move_into(&file, &dir) {
            Ok(to) => Outcome::Moved { rows, to },
            Err(e) => Outcome::Kept(format!(
                "imported, but the file cannot move to {}: {e}",
                dir.display()
            )),
        }
    })
    .await
    .unwrap_or_else(|e| Outcome::Kept(format!("the import stopped: {e}")))
}

/// Move `file` and its `-wal`/`-shm` into `dir`, never over an earlier one.
fn move_into(file: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    crate::config::make_private_dir(dir)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut to = dir.join(&name);
    if to.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.fZ");
        to = dir.join(format!("{name}.{stamp}"));
    }
    // The main file first: once it is gone the company runs on keys.db,
    // whose rows were committed before this move began.
    std::fs::rename(file, &to)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", file.display()));
        match std::fs::rename(&side, format!("{}{suffix}", to.display())) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(
                "cannot move {} beside {}: {e}",
                side.display(),
                to.display()
            ),
        }
    }
    Ok(to)
}
