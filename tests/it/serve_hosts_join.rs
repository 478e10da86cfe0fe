//! A host that joins takes its share of the companies from a host that
//! ran them all: each handed over with one short disconnect, on its keys,
//! never run by two hosts at once.

use std::time::{Duration, Instant};

use walink_hosts::test_server::TestServer;

use crate::common::{TempDataDir, stderr, walink};
use crate::crash::link_by_qr;
use crate::http::token;
use crate::serve_hosts::{devices, leased, phone};
use crate::serve_hosts_outage::on_database;
use crate::sim_process::SimProcess;

const SLUGS: [&str; 4] = ["acme", "beta", "gamma", "delta"];

#[test]
fn a_host_that_joins_takes_its_share_from_the_others_on_their_keys() {
    let pg = TestServer::start();
    let url = pg.url();
    let sim = SimProcess::start();
    let (dir_a, dir_b) = (TempDataDir::new(), TempDataDir::new());
    let (a, on_a) = on_database(&dir_a.path, &sim, &url, "a");
    let t = token(&dir_a.path, &["--scope", "admin"]);
    for slug in SLUGS {
        let out = walink(&dir_a.path, &["company", "add", slug]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let owners = leased(&dir_a.path, &url, SLUGS.len());
    assert!(owners.values().all(|h| h == "a"), "{owners:?}");
    for (i, slug) in SLUGS.iter().enumerate() {
        link_by_qr(&sim, &on_a, &t, slug, &phone(i));
    }
    let (b, on_b) = on_database(&dir_b.path, &sim, &url, "b");
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let owners = leased(&dir_a.path, &url, SLUGS.len());
        let on = |h: &str| owners.values().filter(|o| *o == h).count();
        let connected = SLUGS.iter().all(|s| {
            let path = format!("/api/v1/sessions/{s}");
            on_b.call("GET", &path, Some(&t), None).body["state"] == "connected"
        });
        if on("a") == 2 && on("b") == 2 && connected {
            break;
        }
        assert!(Instant::now() < deadline, "never shared: {owners:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
    let all = devices(&sim);
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(SLUGS.len()),
        "no new pairing: {all}"
    );
    assert_eq!(sim.call("GET", "/replaced", "").1["replaced"], 0);
    // Settled: a company moved back by hand stays where it was put.
    let (moving, _) = leased(&dir_a.path, &url, SLUGS.len())
        .into_iter()
        .find(|(_, h)| h == "b")
        .expect("b runs one");
    let out = walink(
        &dir_a.path,
        &["company", "move", &moving, "--to", "a", "--database", &url],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(leased(&dir_a.path, &url, SLUGS.len())[&moving], "a");
    drop((a, b, on_a));
}
