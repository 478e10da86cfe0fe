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

/// Run the built `walink` on a data dir, with no terminal on stdin and no
/// country from the machine's locale.
pub fn walink(data: &Path, args: &[&str]) -> Output {
    walink_env(data, args, &[])
}

/// `walink` with these environment variables set.
pub fn walink_env(data: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_walink"));
    cmd.arg("--data-dir").arg(data).args(args);
    for var in [
        "WALINK_DATA_DIR",
        "WALINK_COUNTRY",
        "WALINK_DATABASE",
        "LC_ALL",
        "LC_TELEPHONE",
        "LANG",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(vars.iter().copied())
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
