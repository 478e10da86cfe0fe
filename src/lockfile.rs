//! One walink per data directory: two processes on the same session files
//! would fight over one WhatsApp identity ("replaced" loops).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::config::FILE_MODE;

#[derive(Debug, Error)]
pub enum LockError {
    #[error(
        "another walink (pid {pid}) is using {dir}; close it first, or pass another --data-dir"
    )]
    Held { pid: String, dir: PathBuf },
    #[error("cannot open the lock file {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// Held for the life of the process; the OS drops the lock when it exits,
/// even after kill -9.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    pub fn acquire(lock_path: &Path) -> Result<Self, LockError> {
        let io_err = |source| LockError::Io {
            path: lock_path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(FILE_MODE)
            .open(lock_path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                file.read_to_string(&mut pid).map_err(io_err)?;
                let pid = pid.trim();
                return Err(LockError::Held {
                    pid: if pid.is_empty() {
                        "unknown".into()
                    } else {
                        pid.to_owned()
                    },
                    dir: lock_path.parent().unwrap_or(lock_path).to_path_buf(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        file.set_len(0).map_err(io_err)?;
        file.rewind().map_err(io_err)?;
        writeln!(file, "{}", std::process::id()).map_err(io_err)?;
        file.flush().map_err(io_err)?;
        Ok(Self { _file: file })
    }
}
