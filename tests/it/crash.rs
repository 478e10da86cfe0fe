//! What a killed `walink serve` and damaged keys leave behind, read after
//! a restart.

use std::time::{Duration, Instant};

use crate::http::{Http, setup, token};
use crate::serve::Serve;
use crate::sim_process::SimProcess;

#[test]
fn a_code_that_died_with_a_killed_server_does_not_block_a_new_one() {
    let (sim, dir, mut serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    let body = r#"{"method":"code","phone":"+7 912 345 67 89"}"#;
    let first = http.call("POST", "/api/v1/sessions/beta/link", Some(&t), Some(body));
    assert_eq!(first.status, 200, "{}", first.body);
    serve.kill_9();

    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let http = Http::new(serve.http());
    // Nobody holds the old code: a new one is given, not "still live".
    let again = http.call("POST", "/api/v1/sessions/beta/link", Some(&t), Some(body));
    assert_eq!(again.status, 200, "{}", again.body);
    let log = http.call("GET", "/api/v1/sessions/beta/events", Some(&t), None);
    assert!(
        log.body.to_string().contains("interrupted"),
        "the log says what became of it: {}",
        log.body
    );
}

#[test]
fn damaged_keys_fail_their_company_at_once_and_leave_the_others_alone() {
    let (sim, dir, serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    for slug in ["acme", "beta"] {
        let phone = if slug == "acme" {
            "79001000001"
        } else {
            "79001000002"
        };
        link_by_qr(&sim, &http, &t, slug, phone);
    }
    assert_eq!(serve.terminate(), 0);
    let keys = dir.path.join("sessions").join("acme.db");
    std::fs::write(&keys, vec![0x5a; 8192]).expect("garbage over the keys");

    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let http = Http::new(serve.http());
    let started = Instant::now();
    let s = state_becomes(&http, &t, "acme", "failed", 10);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s["last_failure"]["reason"], "keys_damaged", "{s}");
    assert!(
        s["last_failure"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("damaged") && m.contains("backup")),
        "{s}"
    );
    state_becomes(&http, &t, "beta", "connected", 40);
    // The damaged file is kept aside, not deleted, and not at its old name.
    assert!(!keys.exists());
    let aside = std::fs::read_dir(dir.path.join("sessions"))
        .expect("list")
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("acme.db.damaged-")
        });
    assert!(aside, "the damaged keys are kept aside");
    let stopping = Instant::now();
    assert_eq!(serve.terminate(), 0);
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "{:?}",
        stopping.elapsed()
    );
}

/// The session's JSON once its state is `want` (at most `secs`).
/// A server that stops answering with its sockets open: whatsapp-rust's
/// keepalive drops the socket without an event and its reconnects time out;
/// the API must say so instead of Connected.
#[test]
fn a_frozen_server_reads_as_disconnected_until_it_answers_again() {
    let (sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    link_by_qr(&sim, &http, &t, "acme", "79001234567");

    sim.run(false);
    // Keepalive pings every 15-30 s and gives up 20 s after an unanswered one.
    state_becomes(&http, &t, "acme", "disconnected", 70);
    // The reconnects time out against the frozen server: it stays so.
    std::thread::sleep(Duration::from_secs(5));
    let s = http.call("GET", "/api/v1/sessions/acme", Some(&t), None);
    assert_eq!(s.body["state"], "disconnected", "{}", s.body);

    sim.run(true);
    state_becomes(&http, &t, "acme", "connected", 60);
}

/// A registry emptied under linked companies: `walink recover` rebuilds
/// them from their keys, and the next serve connects them without a relink.
#[test]
fn recover_rebuilds_an_emptied_registry_from_the_keys() {
    use crate::common::{stderr, stdout, walink};
    let (sim, dir, serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    link_by_qr(&sim, &http, &t, "acme", "79001234567");
    assert_eq!(serve.terminate(), 0);
    let registry = dir.path.join("walink.db");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", registry.display()));
    }
    std::fs::write(&registry, b"").expect("empty the registry");
    let refused = walink(&dir.path, &["status"]);
    assert!(
        stderr(&refused).contains("walink recover"),
        "the refusal names the way out: {}",
        stderr(&refused)
    );

    let out = walink(&dir.path, &["recover"]);
    let said = stdout(&out);
    assert!(out.status.success(), "{said}{}", stderr(&out));
    assert!(said.contains("(1 linked): acme"), "{said}");
    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let http = Http::new(serve.http());
    let t = token(&dir.path, &["--scope", "link"]);
    let s = state_becomes(&http, &t, "acme", "connected", 40);
    assert!(
        s["phone"].as_str().is_some_and(|p| p.starts_with("+7")),
        "{s}"
    );
    let log = http.call("GET", "/api/v1/sessions/acme/events", Some(&t), None);
    assert!(log.body.to_string().contains("recovered"), "{}", log.body);
    drop(serve);
    // Nothing to recover over a registry that is there.
    assert_eq!(walink(&dir.path, &["recover"]).status.code(), Some(2));
}

/// Link `slug` to `phone` by QR through the API, until it is connected.
pub fn link_by_qr(sim: &SimProcess, http: &Http, token: &str, slug: &str, phone: &str) {
    let a = http.call(
        "POST",
        &format!("/api/v1/sessions/{slug}/link"),
        Some(token),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let qr = a.body["qr"].as_str().expect("qr");
    let scanned = sim.call("POST", &format!("/phone/scan?phone={phone}"), qr);
    assert_eq!(scanned.0, 200, "{:?}", scanned.1);
    state_becomes(http, token, slug, "connected", 40);
}

pub fn state_becomes(
    http: &Http,
    token: &str,
    slug: &str,
    want: &str,
    secs: u64,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = http.call(
            "GET",
            &format!("/api/v1/sessions/{slug}"),
            Some(token),
            None,
        );
        if s.body["state"] == want {
            return s.body;
        }
        assert!(Instant::now() < deadline, "{slug} never {want}: {}", s.body);
        std::thread::sleep(Duration::from_millis(100));
    }
}
