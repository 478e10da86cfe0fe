//! Shared fixtures: temporary data directories and the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct TempDataDir {
    _tmp: tempfile::TempDir,
    pub path: PathBuf,
}

impl TempDataDir {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        // A sub-directory, so walink itself has to create it.
        let path = tmp.path().join("data");
        Self { _tmp: tmp, path }
    }
}

/// Run the built `walink` on a data dir, with no terminal on stdin.
pub fn walink(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_walink"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("WALINK_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("run walink")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
