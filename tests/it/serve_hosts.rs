//! Two `walink serve` hosts over one PostgreSQL, against one simulator: they
//! share the companies out, each links and runs those whose lease it holds,
//! a company moves from one to the other on request, and when one is killed
//! (kill -9) the other takes its companies over with the keys in the
//! database: connected again, no new link, and never one device on two
//! connections.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use walink_hosts::test_server::TestServer;

use crate::common::{TempDataDir, stderr, stdout, walink};
use crate::crash::{link_by_qr, state_becomes};
use crate::http::{Http, token};
use crate::serve::Serve;
use crate::sim_process::SimProcess;

const COMPANIES: [&str; 4] = ["acme", "bolt", "cask", "dune"];
const HOSTS: [&str; 2] = ["a", "b"];

fn phone(i: usize) -> String {
    format!("7900000100{i}")
}

/// Company → the host holding its lease, once `companies` have one.
fn leased(data: &Path, url: &str, companies: usize) -> BTreeMap<String, String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = walink(data, &["hosts", "--database", url, "--leases", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
        let held: BTreeMap<String, String> = rows
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|r| Some((r["company"].as_str()?.into(), r["host"].as_str()?.into())))
            .collect();
        if held.len() == companies {
            return held;
        }
        assert!(
            Instant::now() < deadline,
            "not every company leased: {rows}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn devices(sim: &SimProcess) -> serde_json::Value {
    sim.call("GET", "/devices", "").1
}

#[test]
fn the_hosts_share_the_companies_hand_one_over_and_take_over_what_a_killed_host_ran() {
    let pg = TestServer::start();
    let url = pg.url();
    let sim = SimProcess::start();
    let dirs = [TempDataDir::new(), TempDataDir::new()];
    let mut serves: Vec<Serve> = HOSTS
        .iter()
        .zip(&dirs)
        .map(|(id, d)| {
            let args = ["--http", "127.0.0.1:0", "--database", &url, "--host-id", id];
            Serve::start_with(&d.path, &sim, &args)
        })
        .collect();
    let https: Vec<Http> = serves.iter().map(|s| Http::new(s.http())).collect();
    let tokens: Vec<String> = dirs
        .iter()
        .map(|d| token(&d.path, &["--scope", "link"]))
        .collect();
    // Until the registry is in the database too, each host's registry
    // names every company; added once both run, the hosts share them out.
    for c in COMPANIES {
        for d in &dirs {
            let out = walink(&d.path, &["company", "add", c, "--name", c]);
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    let owners = leased(&dirs[0].path, &url, COMPANIES.len());
    let load = |h: &str| owners.values().filter(|o| *o == h).count();
    assert_eq!((load("a"), load("b")), (2, 2), "shared out: {owners:?}");

    // Each company links on the host that runs it; the other refuses.
    for (i, c) in COMPANIES.iter().enumerate() {
        let at = HOSTS.iter().position(|h| *h == owners[*c]).expect("host");
        let other = 1 - at;
        let refused = https[other].call(
            "POST",
            &format!("/api/v1/sessions/{c}/link"),
            Some(&tokens[other]),
            Some(r#"{"method":"qr"}"#),
        );
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert_eq!(refused.body["error"]["code"], "run_elsewhere");
        link_by_qr(&sim, &https[at], &tokens[at], c, &phone(i));
    }
    let linked = devices(&sim);
    assert_eq!(linked.as_array().map(Vec::len), Some(COMPANIES.len()));

    // One of a's companies is handed to b: a stops it, b runs it.
    let moving = owners
        .iter()
        .find(|(_, h)| *h == "a")
        .map(|(c, _)| c.as_str());
    let moving = moving.expect("a runs one");
    let out = walink(
        &dirs[0].path,
        &["company", "move", moving, "--to", "b", "--database", &url],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("b runs {moving} now")),
        "{}",
        stdout(&out)
    );
    state_becomes(&https[1], &tokens[1], moving, "connected", 30);
    state_becomes(&https[0], &tokens[0], moving, "elsewhere", 10);
    let unknown = walink(
        &dirs[0].path,
        &[
            "company",
            "move",
            moving,
            "--to",
            "nowhere",
            "--database",
            &url,
        ],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no host nowhere"),
        "{}",
        stderr(&unknown)
    );

    // Host a dies. Once its leases run out, b runs every company.
    serves[0].kill_9();
    let killed = Instant::now();
    for c in COMPANIES {
        state_becomes(&https[1], &tokens[1], c, "connected", 40);
    }
    let took = killed.elapsed();
    assert!(took < Duration::from_secs(30), "failover took {took:?}");
    let after = devices(&sim);
    assert_eq!(
        after.as_array().map(Vec::len),
        Some(COMPANIES.len()),
        "no new pairing: {after}"
    );
    assert!(
        after
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["connected"] == true),
        "{after}"
    );
    let owners = leased(&dirs[1].path, &url, COMPANIES.len());
    assert!(owners.values().all(|h| h == "b"), "{owners:?}");
    assert_eq!(sim.call("GET", "/replaced", "").1["replaced"], 0);

    // b stopped in order lets its leases go at once.
    assert_eq!(serves.pop().expect("b").terminate(), 0);
    let out = walink(
        &dirs[1].path,
        &["hosts", "--database", &url, "--leases", "--json"],
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert!(
        rows.as_array().unwrap().iter().all(|r| r["host"].is_null()),
        "{rows}"
    );
}

#[test]
fn without_the_database_a_host_stops_its_sessions_before_their_leases_end_and_resumes_after() {
    let pg = TestServer::start();
    let url = pg.url();
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    let args = [
        "--http",
        "127.0.0.1:0",
        "--database",
        &url,
        "--host-id",
        "a",
    ];
    let serve = Serve::start_with(&dir.path, &sim, &args);
    let http = Http::new(serve.http());
    let t = token(&dir.path, &["--scope", "link"]);
    let out = walink(&dir.path, &["company", "add", "acme"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(leased(&dir.path, &url, 1)["acme"], "a");
    link_by_qr(&sim, &http, &t, "acme", &phone(0));

    // The database goes away: the session stops before its lease could
    // have run out on the database's clock (10 s after the last renewal,
    // of a 15 s lease), and says why.
    pg.stop();
    let stopped = Instant::now();
    state_becomes(&http, &t, "acme", "disconnected", 20);
    assert!(
        stopped.elapsed() < Duration::from_secs(15),
        "{:?}",
        stopped.elapsed()
    );
    let offline = devices(&sim);
    assert_eq!(offline[0]["connected"], false, "{offline}");
    let log = http.call("GET", "/api/v1/sessions/acme/events", Some(&t), None);
    assert!(
        log.body
            .to_string()
            .contains("database could not be reached"),
        "{}",
        log.body
    );

    // Back: the host holds the lease again and the session goes on, on
    // the same keys.
    pg.resume();
    state_becomes(&http, &t, "acme", "connected", 40);
    let back = devices(&sim);
    assert_eq!(
        back.as_array().map(Vec::len),
        Some(1),
        "no new pairing: {back}"
    );
    assert_eq!(sim.call("GET", "/replaced", "").1["replaced"], 0);
}
