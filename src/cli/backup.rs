//! `walink backup FILE` and `walink restore FILE`: the registry and every
//! session's keys in one file, and back into an empty data directory.

use std::path::PathBuf;

use crate::config::DataDir;
use crate::lockfile::DirLock;

use super::CliError;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where to write the backup (one file, readable only by you)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file made by walink backup
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Safe while walink serve runs: SQLite copies a consistent snapshot.
pub fn backup(data: DataDir, args: BackupArgs) -> Result<(), CliError> {
    in_this_directory(&data)?;
    if !data.registry_path().exists() {
        return Err(CliError::usage(format!(
            "there is nothing to back up: {} has no registry",
            data.root().display()
        )));
    }
    let held = crate::backup::backup(&data, &args.file, |step| eprintln!("walink backup: {step}"))
        .map_err(CliError::other)?;
    println!(
        "Backed up {} companies and the keys of {} devices to {}.",
        held.companies,
        held.devices,
        args.file.display()
    );
    Ok(())
}

pub fn restore(data: DataDir, args: RestoreArgs) -> Result<(), CliError> {
    in_this_directory(&data)?;
    // No server may run on the directory being filled.
    let _lock = DirLock::acquire(&data.lock_path()).map_err(CliError::other)?;
    let held = crate::backup::restore(&data, &args.file).map_err(|e| match e {
        crate::backup::BackupError::NotEmpty(_) => CliError::usage(e.to_string()),
        other => CliError::other(other),
    })?;
    println!(
        "Restored {} companies and the keys of {} devices into {}.",
        held.companies,
        held.devices,
        data.root().display()
    );
    println!(
        "Start walink serve here and the linked companies reconnect without a new link. \
         Stop the walink that ran them before: two places running one device's keys \
         get the device logged out."
    );
    Ok(())
}

/// Backups are of a registry and keys in the data directory; with several
/// hosts they live in the database, whose own tools back it up.
pub(super) fn in_this_directory(data: &DataDir) -> Result<(), CliError> {
    if data.database_path().exists() {
        return Err(CliError::usage(format!(
            "the registry and the keys of {} are in the hosts' PostgreSQL database (walink serve \
             --database); back that database up with pg_dump, and restore it with pg_restore",
            data.root().display()
        )));
    }
    Ok(())
}
