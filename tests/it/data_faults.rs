//! A data directory that is not as walink left it: an emptied registry, a
//! log file walink cannot open, a directory of another user.

use crate::common::{TempDataDir, stderr, walink};
use crate::serve::Serve;
use crate::sim_process::SimProcess;

#[test]
fn an_empty_registry_beside_key_stores_is_refused_not_recreated() {
    let dir = TempDataDir::new();
    let ok = walink(&dir.path, &["company", "add", "acme"]);
    assert!(ok.status.success());
    std::fs::create_dir_all(dir.path.join("sessions")).expect("mkdir");
    std::fs::write(dir.path.join("sessions").join("acme.db"), b"keys").expect("keys");
    let registry = dir.path.join("walink.db");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", registry.display()));
    }
    std::fs::write(&registry, b"").expect("empty the registry");

    let out = walink(&dir.path, &["status"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("acme.db") && said.contains("backup"),
        "{said}"
    );
    assert_eq!(
        std::fs::metadata(&registry).expect("registry").len(),
        0,
        "recreated"
    );
}

#[test]
fn a_log_file_that_cannot_be_opened_is_said_and_serve_logs_to_stderr() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    // Today's log file, made unopenable for anyone (root included).
    let today = chrono::Utc::now().format("%Y-%m-%d");
    for entry in std::fs::read_dir(&dir.path)
        .expect("list")
        .filter_map(Result::ok)
    {
        if entry.file_name().to_string_lossy().ends_with(".log") {
            std::fs::remove_file(entry.path()).expect("rm log");
        }
    }
    std::fs::create_dir(dir.path.join(format!("walink.{today}.log"))).expect("mkdir");
    let serve = Serve::start(&dir.path, &sim);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let said = serve.log();
        if said.contains("cannot write the log file") && said.contains("open-file limit") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "stderr: {said}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(serve.terminate(), 0);
}

#[test]
fn a_data_directory_of_another_user_is_refused_with_the_line_to_use() {
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let nobody = std::process::Command::new("chown")
        .args(["-R", "nobody"])
        .arg(&dir.path)
        .status()
        .expect("chown");
    assert!(nobody.success());
    let out = walink(&dir.path, &["status"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(said.contains("sudo -u nobody walink"), "{said}");
    let made: Vec<_> = std::fs::read_dir(&dir.path)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| {
            use std::os::unix::fs::MetadataExt;
            e.metadata().is_ok_and(|m| m.uid() == 0)
        })
        .map(|e| e.file_name())
        .collect();
    assert!(made.is_empty(), "made as root: {made:?}");
}
