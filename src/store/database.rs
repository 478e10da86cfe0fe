//! A data directory whose registry lives in the hosts' shared PostgreSQL:
//! `walink serve --database` remembers the database and this host's name
//! in `database` (0600: the address may carry a password), so every later
//! command on the directory reads that registry, not `walink.db`.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::config::{DataDir, FILE_MODE};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedDatabase {
    /// postgres://user[:password]@host[:port]/dbname
    pub url: String,
    /// This host's name among the hosts of the database.
    pub host: String,
}

impl std::fmt::Debug for SharedDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The address may carry a password: never printed.
        f.debug_struct("SharedDatabase")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// The database `data` shares, if `walink serve --database` ran on it.
pub fn remembered(data: &DataDir) -> Result<Option<SharedDatabase>, StoreError> {
    let path = data.database_path();
    let io = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        StoreError::Corrupt(format!(
            "{} does not name a database ({e}); start walink serve --database again",
            path.display()
        ))
    })
}

/// Remember `shared` for `data`: written whole to a new file, then renamed
/// over the old one, so a crash leaves one or the other.
pub fn remember(data: &DataDir, shared: &SharedDatabase) -> Result<(), StoreError> {
    let path = data.database_path();
    let next = path.with_extension("new");
    let io = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    let text = serde_json::to_string(shared).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(&next)
        .map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&next, &path).map_err(io)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_database_is_remembered_privately_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::resolve(Some(dir.path().join("d"))).unwrap();
        data.ensure().unwrap();
        assert_eq!(remembered(&data).unwrap(), None);
        let shared = SharedDatabase {
            url: "postgres://walink:secret@127.0.0.1/walink".into(),
            host: "a".into(),
        };
        remember(&data, &shared).unwrap();
        assert_eq!(remembered(&data).unwrap(), Some(shared.clone()));
        let mode = std::fs::metadata(data.database_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!format!("{shared:?}").contains("secret"));

        std::fs::write(data.database_path(), "not json").unwrap();
        let e = remembered(&data).unwrap_err().to_string();
        assert!(e.contains("walink serve --database"), "{e}");
    }
}
