//! One `walink serve` host over PostgreSQL when the database goes away: the
//! host stops its sessions before their leases could run out (never two
//! hosts on one device), says why, and goes on on the same keys once the
//! database is back.

use std::path::Path;
use std::time::{Duration, Instant};

use walink_hosts::test_server::TestServer;

use crate::common::{TempDataDir, stderr, walink};
use crate::crash::{link_by_qr, state_becomes};
use crate::http::{Http, token};
use crate::serve::Serve;
use crate::serve_hosts::{devices, leased, phone};
use crate::sim_process::SimProcess;

/// `walink serve` on `data` as host `id` of the database at `url`, with
/// its HTTP API.
pub(crate) fn on_database(data: &Path, sim: &SimProcess, url: &str, id: &str) -> (Serve, Http) {
    let args = ["--http", "127.0.0.1:0", "--database", url, "--host-id", id];
    let serve = Serve::start_with(data, sim, &args);
    let http = Http::new(serve.http());
    (serve, http)
}

/// Companies linked when the database goes away.
const SLUGS: [&str; 5] = ["acme", "beta", "gamma", "delta", "omega"];

#[test]
fn without_the_database_a_host_stops_its_sessions_before_their_leases_end_and_resumes_after() {
    let pg = TestServer::start();
    let url = pg.url();
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    let (serve, http) = on_database(&dir.path, &sim, &url, "a");
    let t = token(&dir.path, &["--scope", "link"]);
    for (i, slug) in SLUGS.iter().enumerate() {
        let out = walink(&dir.path, &["company", "add", slug]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(leased(&dir.path, &url, i + 1)[*slug], "a");
        link_by_qr(&sim, &http, &t, slug, &phone(i));
    }

    // The database goes away: the session stops before its lease could
    // have run out on the database's clock (10 s after the last renewal,
    // of a 15 s lease), and the host's log says why. The registry is in
    // that database too, so the API says it cannot read it.
    pg.stop();
    let stopped = Instant::now();
    loop {
        let offline = devices(&sim);
        let all = offline.as_array().expect("devices");
        if all.iter().all(|d| d["connected"] == false) {
            break;
        }
        assert!(stopped.elapsed() < Duration::from_secs(15), "{offline}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let down = http.call("GET", "/api/v1/sessions/acme", Some(&t), None);
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(down.body["error"]["code"], "registry_unreachable");
    let log = serve.all_logs(&dir.path);
    assert!(log.contains("database could not be reached"), "{log}");

    // Back: the host holds the lease again and the session goes on, on
    // the same keys.
    pg.resume();
    for slug in SLUGS {
        state_becomes(&http, &t, slug, "connected", 40);
    }
    let back = devices(&sim);
    assert_eq!(
        back.as_array().map(Vec::len),
        Some(SLUGS.len()),
        "no new pairing: {back}"
    );
    assert_eq!(sim.call("GET", "/replaced", "").1["replaced"], 0);
}
