//! Where walink keeps its files, and with which permissions.

use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use thiserror::Error;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

#[derive(Debug, Error)]
pub enum DataDirError {
    #[error("could not find a home directory for the data; pass --data-dir or set WALINK_DATA_DIR")]
    NoHome,
    #[error("cannot create the data directory {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
}

/// The data directory: its path, created 0700 on first use.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// `explicit` is `--data-dir` or `WALINK_DATA_DIR` (clap reads both);
    /// otherwise the platform's data dir (`~/.local/share/walink`).
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Self, DataDirError> {
        let root = match explicit {
            Some(p) => p,
            None => directories::ProjectDirs::from("", "", "walink")
                .ok_or(DataDirError::NoHome)?
                .data_dir()
                .to_path_buf(),
        };
        Ok(Self { root })
    }

    /// The user owning an existing data directory, when it is not the one
    /// running walink (root on the service user's directory): what walink
    /// made there would be that other user's to lose, e.g. a log file the
    /// service can no longer open.
    pub fn foreign_owner(&self) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        let uid = std::fs::metadata(&self.root).ok()?.uid();
        // SAFETY: geteuid has no preconditions and cannot fail.
        if uid == unsafe { libc::geteuid() } {
            return None;
        }
        Some(user_name(uid).unwrap_or_else(|| format!("uid {uid}")))
    }

    /// Create the directory tree (0700) if needed and tighten an existing one.
    pub fn ensure(&self) -> Result<(), DataDirError> {
        for dir in [self.root.clone(), self.sessions_dir()] {
            make_private_dir(&dir).map_err(|source| DataDirError::Create { path: dir, source })?;
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn registry_path(&self) -> PathBuf {
        self.root.join("walink.db")
    }
    /// The hosts' shared database, once `walink serve --database` ran here.
    pub fn database_path(&self) -> PathBuf {
        self.root.join("database")
    }
    pub fn lock_path(&self) -> PathBuf {
        self.root.join("walink.lock")
    }
    /// `walink serve`'s control socket.
    pub fn socket_path(&self) -> PathBuf {
        self.root.join("walink.sock")
    }
    pub fn sessions_dir(&self) -> PathBuf {
        self.root.join("sessions")
    }
    /// whatsapp-rust's key store for one company: tenants never share a file.
    /// Key stores in `sessions/` (not the ones put aside), by file name.
    pub fn key_files(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.sessions_dir()) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".db"))
            .collect();
        names.sort();
        names
    }

    /// Every session's keys (see `keystore`).
    pub fn keys_path(&self) -> PathBuf {
        self.root.join("keys.db")
    }
    /// Key files of the old layout, once imported into `keys.db`.
    pub fn migrated_dir(&self) -> PathBuf {
        self.sessions_dir().join("migrated")
    }
    /// A company's key file of the old layout (one store per company).
    pub fn session_file(&self, slug: &str) -> PathBuf {
        self.sessions_dir().join(format!("{slug}.db"))
    }
}

pub fn make_private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
}

/// Make a file readable by its owner only (it may hold keys).
/// The login name of `uid`, from the password database.
fn user_name(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to a live local of the size given;
    // getpwuid_r writes only within them.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points to a NUL-terminated string in buf.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

pub fn make_private_file(path: &Path) -> io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(FILE_MODE))
}
