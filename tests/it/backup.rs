//! `walink backup` while `walink serve` runs (a session connected, a link
//! in flight), `walink restore` into a fresh directory: the linked company
//! connects there without a new link.

use crate::common::{TempDataDir, stderr, stdout, walink};
use crate::crash::{link_by_qr, state_becomes};
use crate::http::{Http, setup, token};
use crate::serve::Serve;

#[test]
fn a_backup_made_while_serving_restores_elsewhere_without_relinking() {
    let (sim, dir, serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    link_by_qr(&sim, &http, &t, "acme", "79001234567");
    let flight = http.call(
        "POST",
        "/api/v1/sessions/beta/link",
        Some(&t),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(flight.status, 200, "{}", flight.body);

    let out_dir = tempfile::tempdir().expect("tempdir");
    let file = out_dir.path().join("walink.backup");
    let file_arg = file.to_string_lossy().into_owned();
    let made = walink(&dir.path, &["backup", &file_arg]);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(
        stdout(&made).contains("Backed up 2 companies"),
        "{}",
        stdout(&made)
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&file).expect("backup").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let devices = sim.call("GET", "/devices", "").1;
    // One device's keys run in one place: the first server stops.
    assert_eq!(serve.terminate(), 0);

    let fresh = TempDataDir::new();
    let restored = walink(&fresh.path, &["restore", &file_arg]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    let again = walink(&fresh.path, &["restore", &file_arg]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));

    let serve = Serve::start_with(&fresh.path, &sim, &["--http", "127.0.0.1:0"]);
    let http = Http::new(serve.http());
    let t = token(&fresh.path, &["--scope", "link"]);
    let s = state_becomes(&http, &t, "acme", "connected", 40);
    assert!(
        s["phone"].as_str().is_some_and(|p| p.starts_with("+7")),
        "{s}"
    );
    assert_eq!(
        sim.call("GET", "/devices", "").1.as_array().map(Vec::len),
        devices.as_array().map(Vec::len),
        "no new pairing"
    );
    drop(serve);
}
