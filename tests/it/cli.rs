//! The company commands through the built binary.

use std::os::unix::fs::PermissionsExt;

use crate::common::{TempDataDir, stderr, stdout, walink};

#[test]
fn add_list_rm_round_trip() {
    let dir = TempDataDir::new();
    let out = walink(&dir.path, &["company", "add", "acme", "--name", "Acme LLC"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // What to do next, as a whole command.
    let said = stdout(&out);
    assert!(said.contains("walink pair acme --phone NUMBER"), "{said}");
    let out = walink(&dir.path, &["company", "add", "north-star"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = walink(&dir.path, &["company", "list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("acme") && text.contains("Acme LLC"), "{text}");
    assert!(text.contains("north-star"), "{text}");

    let out = walink(&dir.path, &["company", "rm", "acme", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&walink(&dir.path, &["company", "list"]));
    assert!(!text.contains("Acme LLC"), "{text}");
    assert!(text.contains("north-star"), "{text}");
}

#[test]
fn duplicate_slug_is_refused() {
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let out = walink(&dir.path, &["company", "add", "acme", "--name", "Other"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "walink: a company with the slug acme already exists\n"
    );
}

#[test]
fn bad_slug_is_a_usage_error_with_its_sentence() {
    let dir = TempDataDir::new();
    let out = walink(&dir.path, &["company", "add", "Acme LLC"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "walink: a company slug uses only lowercase letters a-z, digits and '-' (found 'A')\n"
    );
    let list = walink(&dir.path, &["company", "list", "--json"]);
    assert_eq!(stdout(&list).trim(), "[]");
}

#[test]
fn unknown_flag_is_exit_2() {
    let dir = TempDataDir::new();
    let out = walink(&dir.path, &["company", "add", "acme", "--colour", "red"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_list_has_the_documented_fields() {
    let dir = TempDataDir::new();
    assert!(
        walink(
            &dir.path,
            &["company", "add", "acme", "--name", "ООО Ромашка"]
        )
        .status
        .success()
    );
    let out = walink(&dir.path, &["company", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("list --json is JSON");
    let rows = v.as_array().expect("an array");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["slug"], "acme");
    assert_eq!(row["name"], "ООО Ромашка");
    assert_eq!(row["state"], "not_linked");
    assert!(row["phone"].is_null());
    assert!(row["jid"].is_null());
    for key in ["created_at", "since"] {
        let t = row[key].as_str().unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(t).is_ok(),
            "{key} = {t:?}"
        );
    }
}

#[test]
fn rm_without_yes_and_no_terminal_keeps_the_company() {
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let session = dir.path.join("sessions").join("acme.db");
    std::fs::write(&session, b"keys").expect("write a session file");

    let out = walink(&dir.path, &["company", "rm", "acme"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("add --yes"), "{}", stderr(&out));
    assert!(stdout(&walink(&dir.path, &["company", "list"])).contains("acme"));
    assert!(
        session.exists(),
        "the session file must survive a refused rm"
    );

    assert!(
        walink(&dir.path, &["company", "rm", "acme", "--yes"])
            .status
            .success()
    );
    assert!(!session.exists(), "rm --yes deletes the session file");
}

#[test]
fn rm_of_an_unknown_company_says_so() {
    let dir = TempDataDir::new();
    let out = walink(&dir.path, &["company", "rm", "ghost", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("there is no company with the slug ghost"));
}

#[test]
fn data_dir_and_files_are_private() {
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&dir.path), 0o700);
    assert_eq!(mode(&dir.path.join("sessions")), 0o700);
    for entry in std::fs::read_dir(&dir.path).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}

#[test]
fn data_dir_comes_from_the_environment_too() {
    let dir = TempDataDir::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_walink"))
        .args(["company", "add", "acme"])
        .env("WALINK_DATA_DIR", &dir.path)
        .output()
        .expect("run walink");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path.join("walink.db").exists());
}

#[test]
fn the_dashboard_without_a_terminal_says_what_to_use() {
    let dir = TempDataDir::new();
    let out = walink(&dir.path, &["--server", "ws://127.0.0.1:9/ws/chat"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "walink: the dashboard needs a terminal; from scripts use walink status, walink pair or walink company\n"
    );
    // A sandbox build talks only to a simulator, so it asks for one.
    let out = walink(&dir.path, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a sandbox build needs --server"),
        "{}",
        stderr(&out)
    );
}
