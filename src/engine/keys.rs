//! A session's key files on disk: put aside (never deleted) when they are
//! dead after a logout or damaged, so a new link starts clean and the old
//! files stay for a backup or the curious.

use std::path::Path;

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

/// The device a key store is registered as (whatsapp-rust writes its JID
/// at pairing; an unpaired store has none). `None` also for a store that
/// cannot be read: whoever opens it next says why.
pub fn device_jid(path: &Path) -> Option<String> {
    use rusqlite::{Connection, OpenFlags};
    if !path.exists() || super::client::is_damaged(path) {
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
