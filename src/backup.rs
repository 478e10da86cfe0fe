//! One file that holds a data directory's registry and every session's
//! keys: each database copied by SQLite's online backup (a consistent
//! snapshot while `walink serve` writes), then both put in a tar archive.
//! The registry is copied first, so keys are never older than the registry
//! that names them; a link made in between is recovered from its keys.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::config::DataDir;

/// The members of a backup, by the names they have in a data directory.
const REGISTRY: &str = "walink.db";
const KEYS: &str = "keys.db";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {cause}")]
    Io { path: String, cause: io::Error },
    #[error("cannot copy {path}: {cause}")]
    Sqlite {
        path: String,
        cause: rusqlite::Error,
    },
    #[error(
        "{0} is not empty (it has a registry or keys): restore only into an empty data directory, \
         e.g. walink --data-dir NEW_DIR restore FILE"
    )]
    NotEmpty(String),
    #[error("{0} is not a walink backup: it has no {REGISTRY}")]
    NotABackup(String),
}

pub(crate) fn io_at(path: &Path) -> impl FnOnce(io::Error) -> BackupError + '_ {
    move |cause| BackupError::Io {
        path: path.display().to_string(),
        cause,
    }
}

/// What a backup or a restore held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contents {
    pub companies: usize,
    pub devices: usize,
}

/// Copy `data`'s registry and keys into `to` (0600), reporting each
/// database as it is copied.
pub fn backup(
    data: &DataDir,
    to: &Path,
    mut said: impl FnMut(&str),
) -> Result<Contents, BackupError> {
    let part = |name: &str| PathBuf::from(format!("{}.{name}.partial", to.display()));
    let (registry, keys, archive) = (part(REGISTRY), part(KEYS), part("tar"));
    let result = (|| {
        said(&format!(
            "copying the registry {}",
            data.registry_path().display()
        ));
        snapshot(&data.registry_path(), &registry)?;
        let with_keys = data.keys_path().exists();
        if with_keys {
            said(&format!("copying the keys {}", data.keys_path().display()));
            snapshot(&data.keys_path(), &keys)?;
        }
        let held = count(&registry, with_keys.then_some(keys.as_path()));
        let file = private_file(&archive)?;
        let mut tar = tar::Builder::new(file);
        for (path, name) in [(&registry, REGISTRY), (&keys, KEYS)] {
            if path.exists() {
                tar.append_path_with_name(path, name).map_err(io_at(path))?;
            }
        }
        tar.into_inner()
            .and_then(|f| f.sync_all())
            .map_err(io_at(&archive))?;
        std::fs::rename(&archive, to).map_err(io_at(to))?;
        Ok(held)
    })();
    for path in [&registry, &keys, &archive] {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// Unpack a backup into `data`, which must hold no registry and no keys.
pub fn restore(data: &DataDir, from: &Path) -> Result<Contents, BackupError> {
    let has = |p: PathBuf| std::fs::metadata(p).is_ok_and(|m| m.len() > 0);
    if has(data.registry_path()) || has(data.keys_path()) || !data.key_files().is_empty() {
        return Err(BackupError::NotEmpty(data.root().display().to_string()));
    }
    let file = File::open(from).map_err(io_at(from))?;
    let mut archive = tar::Archive::new(file);
    let mut found = Vec::new();
    for entry in archive.entries().map_err(io_at(from))? {
        let mut entry = entry.map_err(io_at(from))?;
        let name = entry
            .path()
            .map_err(io_at(from))?
            .to_string_lossy()
            .into_owned();
        // Only the two members, only at the top: nothing else is written.
        let Some(member) = [REGISTRY, KEYS].into_iter().find(|m| *m == name) else {
            continue;
        };
        let to = data.root().join(member);
        let mut out = private_file(&to)?;
        io::copy(&mut entry, &mut out).map_err(io_at(&to))?;
        out.sync_all().map_err(io_at(&to))?;
        found.push(member);
    }
    if !found.contains(&REGISTRY) {
        for member in found {
            let _ = std::fs::remove_file(data.root().join(member));
        }
        return Err(BackupError::NotABackup(from.display().to_string()));
    }
    let keys = data.keys_path();
    Ok(count(
        &data.registry_path(),
        keys.exists().then_some(keys.as_path()),
    ))
}

/// SQLite's online backup of `from` into a new file `to` (0600).
pub(crate) fn snapshot(from: &Path, to: &Path) -> Result<(), BackupError> {
    let sqlite = |path: &Path| {
        let path = path.display().to_string();
        move |cause| BackupError::Sqlite { path, cause }
    };
    drop(private_file(to)?);
    let src = rusqlite::Connection::open(from).map_err(sqlite(from))?;
    src.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(sqlite(from))?;
    src.backup(rusqlite::MAIN_DB, to, None)
        .map_err(sqlite(from))
}

pub(crate) fn private_file(path: &Path) -> Result<File, BackupError> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_at(path))
}

/// Companies in a registry copy, devices in a keys copy (0 when unreadable).
fn count(registry: &Path, keys: Option<&Path>) -> Contents {
    let rows = |path: &Path, sql: &str| {
        rusqlite::Connection::open(path)
            .and_then(|c| c.query_row(sql, [], |r| r.get::<_, i64>(0)))
            .map_or(0, |n| n as usize)
    };
    Contents {
        companies: rows(registry, "SELECT COUNT(*) FROM companies"),
        devices: keys.map_or(0, |k| rows(k, "SELECT COUNT(*) FROM device")),
    }
}
