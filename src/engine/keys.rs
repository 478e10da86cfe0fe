//! Where a session's keys are (its device in `keys.db`, or a key file of
//! the old layout still in use), and what ends them. A file is put aside
//! (never deleted) when dead or damaged; a device's rows are deleted.

use std::path::{Path, PathBuf};

use crate::config::DataDir;
use crate::keystore::KeyStore;

/// Rename `path` and its `-wal`/`-shm` beside it to `path.TAG-STAMP…`;
/// says where they went, or why they could not move.
pub fn put_aside(path: &Path, tag: &str) -> String {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut failed = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let from = format!("{}{suffix}", path.display());
        let to = format!("{}.{tag}-{stamp}{suffix}", path.display());
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => failed.push(format!("cannot move {from} aside: {e}")),
        }
    }
    if failed.is_empty() {
        format!("moved aside as {}.{tag}-{stamp}", path.display())
    } else {
        failed.join("; ")
    }
}

/// Where one company's keys are.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// Its device in `keys.db` (the company id is the device).
    Shared { store: KeyStore, device: i64 },
    /// A key file of the old layout that could not be imported: still in
    /// use as before (the company's log says why).
    File(PathBuf),
    /// Its device in PostgreSQL, written under the lease this host holds
    /// on the company (several hosts on one database).
    Postgres(walink_hosts::keys::Keys),
}

/// Wait for `f` from a blocking thread (where these methods run).
fn wait<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Handle::current().block_on(f)
}

impl KeySource {
    pub fn of(data: &DataDir, keys: &KeyStore, company: i64, slug: &str) -> Self {
        let file = data.session_file(slug);
        if file.exists() {
            Self::File(file)
        } else {
            Self::Shared {
                store: keys.clone(),
                device: company,
            }
        }
    }

    /// Keys are stored (paired or not). Blocking.
    pub fn exists(&self) -> bool {
        match self {
            Self::File(path) => path.exists(),
            // Unreadable: let the session say why.
            Self::Shared { store, device } => store.holds(*device).unwrap_or(true),
            Self::Postgres(keys) => {
                use whatsapp_rust::wacore::store::traits::DeviceStore;
                wait(keys.exists()).unwrap_or(true)
            }
        }
    }

    /// The device the keys are registered as (whatsapp-rust writes its JID
    /// at pairing; unpaired keys have none). `None` also for keys that
    /// cannot be read: whoever opens them next says why. Blocking.
    pub fn device_jid(&self) -> Option<String> {
        match self {
            Self::File(path) => file_device_jid(path),
            Self::Shared { store, device } => store.device_jid(*device).ok().flatten(),
            Self::Postgres(keys) => {
                use whatsapp_rust::wacore::store::traits::DeviceStore;
                let device = wait(keys.load()).ok().flatten()?;
                device.pn.map(|jid| jid.to_string())
            }
        }
    }

    /// The keys are done with here (dead after a logout, or moved away):
    /// a file is put aside under `tag`, a device's rows deleted. Says what
    /// became of them, or why not. Blocking.
    pub fn retire(&self, tag: &str) -> Result<String, String> {
        match self {
            Self::File(path) => {
                let said = put_aside(path, tag);
                if said.starts_with("moved aside") {
                    Ok(format!("session keys {said}"))
                } else {
                    Err(said)
                }
            }
            Self::Shared { store, device } => store
                .forget(*device)
                .map(|_| "session keys deleted".to_owned())
                .map_err(|e| format!("cannot delete the session keys: {e}")),
            Self::Postgres(keys) => wait(keys.forget())
                .map(|()| "session keys deleted".to_owned())
                .map_err(|e| format!("cannot delete the session keys: {e}")),
        }
    }
}

fn file_device_jid(path: &Path) -> Option<String> {
    use rusqlite::{Connection, OpenFlags};
    if !path.exists() || crate::keystore::is_damaged(path) {
        return None;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    conn.query_row("SELECT pn FROM device WHERE pn <> '' LIMIT 1", [], |r| {
        r.get::<_, String>(0)
    })
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_move_beside_themselves_and_nothing_is_lost() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("acme.db");
        std::fs::write(&db, b"keys").expect("write");
        std::fs::write(dir.path().join("acme.db-wal"), b"wal").expect("write");
        let said = put_aside(&db, "damaged");
        assert!(said.starts_with("moved aside as "), "{said}");
        assert!(!db.exists());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names.iter().all(|n| n.starts_with("acme.db.damaged-")),
            "{names:?}"
        );
    }
}
