//! Three `walink serve` hosts over one PostgreSQL, against one simulator:
//! one registry, so a company or a token made on one host is every host's;
//! they share the companies out, each links and runs those whose lease it
//! holds, a company moves from one to another on request, and when one is
//! killed (kill -9) the others take its companies over with the keys in the
//! database: connected again, no new link, never one device on two
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
use crate::webhooks::{Receiver, body};

/// The issue's size: 50 companies over three hosts.
const COMPANIES: usize = 50;
const HOSTS: [&str; 3] = ["a", "b", "c"];

fn slug(i: usize) -> String {
    format!("co{i:02}")
}

pub(crate) fn phone(i: usize) -> String {
    format!("790000010{i:02}")
}

/// Company → the host holding its lease, once `companies` have one.
pub(crate) fn leased(data: &Path, url: &str, companies: usize) -> BTreeMap<String, String> {
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

pub(crate) fn devices(sim: &SimProcess) -> serde_json::Value {
    sim.call("GET", "/devices", "").1
}

/// The slugs `http` lists, once it lists `want` of them.
fn listed(http: &Http, token: &str, want: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = http.call("GET", "/api/v1/sessions?limit=1000", Some(token), None);
        let slugs: Vec<String> = all
            .body
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s["slug"].as_str().map(Into::into))
                    .collect()
            })
            .unwrap_or_default();
        if slugs.len() == want {
            return slugs;
        }
        assert!(
            Instant::now() < deadline,
            "listed {} of {want}",
            slugs.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `slug` as `http` shows it once it is `state` on `host` (≤ 15 s: a host
/// learns what another did at its next look at the registry).
fn shown(http: &Http, token: &str, slug: &str, state: &str, host: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let s = http.call(
            "GET",
            &format!("/api/v1/sessions/{slug}"),
            Some(token),
            None,
        );
        if s.body["state"] == state && s.body["host"] == host {
            return s.body;
        }
        assert!(
            Instant::now() < deadline,
            "{slug} never {state} on {host}: {}",
            s.body
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_hosts_share_the_companies_hand_one_over_and_take_over_what_a_killed_host_ran() {
    let pg = TestServer::start();
    let url = pg.url();
    let sim = SimProcess::start();
    let dirs: Vec<TempDataDir> = HOSTS.iter().map(|_| TempDataDir::new()).collect();
    let mut serves: Vec<Option<Serve>> = HOSTS
        .iter()
        .zip(&dirs)
        .map(|(id, d)| {
            let args = ["--http", "127.0.0.1:0", "--database", &url, "--host-id", id];
            Some(Serve::start_with(&d.path, &sim, &args))
        })
        .collect();
    let https: Vec<Http> = serves
        .iter()
        .map(|s| Http::new(s.as_ref().expect("serve").http()))
        .collect();
    let host = |h: &str| HOSTS.iter().position(|x| *x == h).expect("host");
    // One registry: a token and the companies made on host a serve on all.
    let t = token(&dirs[0].path, &["--scope", "admin"]);
    // A webhook set on one host hears each company added once, though
    // every host lists every company.
    let hook = Receiver::start(&[]);
    let args = ["webhook", "add", &hook.url, "--events", "company.added"];
    let out = walink(&dirs[0].path, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    for i in 0..COMPANIES {
        let out = walink(&dirs[0].path, &["company", "add", &slug(i)]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    for http in &https {
        assert_eq!(listed(http, &t, COMPANIES).len(), COMPANIES);
    }
    // Past every host's next look at the registry: nothing more comes.
    std::thread::sleep(Duration::from_secs(6));
    let mut added = std::collections::BTreeSet::new();
    while let Some(got) = hook.got_within(Duration::from_secs(1)) {
        let company = body(&got)["company"].to_string();
        assert!(added.insert(company), "delivered twice: {}", got.body);
    }
    assert_eq!(added.len(), COMPANIES, "one delivery a company");
    let owners = leased(&dirs[0].path, &url, COMPANIES);
    for h in HOSTS {
        let load = owners.values().filter(|o| *o == h).count();
        assert!(load >= COMPANIES / 6, "{h} runs {load}: {owners:?}");
    }

    // Each company links through the host that runs it, the first few
    // through another host, which passes the link on to it.
    for i in 0..COMPANIES {
        let c = slug(i);
        let at = host(&owners[&c]);
        let asked = if i < HOSTS.len() {
            (at + 1) % HOSTS.len()
        } else {
            at
        };
        link_by_qr(&sim, &https[asked], &t, &c, &phone(i));
    }
    let linked = devices(&sim);
    assert_eq!(linked.as_array().map(Vec::len), Some(COMPANIES));
    // Another host shows a company linked elsewhere as its host does:
    // connected there, with its number and that host's name.
    let (first, first_owner) = owners.iter().next().expect("one");
    let other = &https[(host(first_owner) + 1) % HOSTS.len()];
    let seen = shown(other, &t, first, "connected", first_owner);
    assert!(seen["phone"].is_string(), "{seen}");

    // A reply through a host that does not run the company goes out from
    // the one that does, once, however many hosts the retry goes through.
    let (from, to) = (slug(1), phone(2));
    let at = host(&owners[&from]);
    let path = format!("/api/v1/sessions/{from}/messages");
    let reply = format!(r#"{{"to": "+{to}", "text": "Your order has shipped"}}"#);
    let first = https[(at + 1) % HOSTS.len()].post_keyed(&path, &t, "k1", &reply);
    assert_eq!(first.status, 202, "{}", first.body);
    let id = first.body["id"].as_str().expect("an id").to_owned();
    let routed = |sim: &SimProcess| {
        let (_, r) = sim.call("GET", &format!("/routed?id={id}"), "");
        r.as_array().map_or(0, Vec::len)
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while routed(&sim) == 0 {
        assert!(
            Instant::now() < deadline,
            "the reply never left {from}'s host"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let once = routed(&sim);
    let again = https[(at + 2) % HOSTS.len()].post_keyed(&path, &t, "k1", &reply);
    assert_eq!(again.status, 202, "{}", again.body);
    assert_eq!(again.body["id"], id.as_str(), "the same message answers");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(routed(&sim), once, "sent once");

    // One of a's companies is handed to b: a stops it, b runs it.
    let moving = owners
        .iter()
        .find(|(_, h)| *h == "a")
        .map(|(c, _)| c.clone());
    let moving = moving.expect("a runs one");
    let out = walink(
        &dirs[0].path,
        &["company", "move", &moving, "--to", "b", "--database", &url],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("b runs {moving} now")),
        "{}",
        stdout(&out)
    );
    state_becomes(&https[1], &t, &moving, "connected", 30);
    shown(&https[0], &t, &moving, "connected", "b");
    let unknown = walink(
        &dirs[0].path,
        &[
            "company",
            "move",
            &moving,
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

    // Host a dies. Once its leases run out, b and c run every company,
    // and know each one's number.
    serves[0].as_mut().expect("a").kill_9();
    let killed = Instant::now();
    let ran_by_a: Vec<&String> = owners
        .iter()
        .filter(|(c, h)| *h == "a" && **c != moving)
        .map(|(c, _)| c)
        .collect();
    let deadline = killed + Duration::from_secs(40);
    let after = loop {
        let owners = leased(&dirs[1].path, &url, COMPANIES);
        let states: Vec<(String, serde_json::Value)> = ran_by_a
            .iter()
            .map(|c| match owners[*c].as_str() {
                // Not taken yet: a's lease has not run out.
                "a" => ("a".to_owned(), serde_json::Value::Null),
                owner => {
                    let at = host(owner);
                    let s = https[at].call("GET", &format!("/api/v1/sessions/{c}"), Some(&t), None);
                    (owner.to_owned(), s.body)
                }
            })
            .collect();
        if states.iter().all(|(_, s)| s["state"] == "connected") {
            break states;
        }
        assert!(Instant::now() < deadline, "not taken over: {states:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let took = killed.elapsed();
    assert!(took < Duration::from_secs(30), "failover took {took:?}");
    assert!(
        after
            .iter()
            .all(|(h, s)| h != "a" && s["phone"].is_string() && s["host"] == h.as_str()),
        "{after:?}"
    );
    let now = devices(&sim);
    assert_eq!(
        now.as_array().map(Vec::len),
        Some(COMPANIES),
        "no new pairing: {now}"
    );
    assert!(
        now.as_array()
            .unwrap()
            .iter()
            .all(|d| d["connected"] == true),
        "{now}"
    );
    assert_eq!(sim.call("GET", "/replaced", "").1["replaced"], 0);
    // `walink status` on b names each company's host (b learns c's within
    // its next look at the registry).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = walink(&dirs[1].path, &["status", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let status: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
        let rows = status.as_array().expect("rows");
        let named = rows.iter().filter_map(|r| r["host"].as_str());
        if named.filter(|h| *h == "b" || *h == "c").count() == COMPANIES {
            break;
        }
        assert!(Instant::now() < deadline, "{status}");
        std::thread::sleep(Duration::from_millis(500));
    }

    // A company removed on c is gone from b too, and from the leases.
    let gone = slug(0);
    let out = walink(&dirs[2].path, &["company", "rm", &gone, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(listed(&https[1], &t, COMPANIES - 1).len(), COMPANIES - 1);
    let owners = leased(&dirs[1].path, &url, COMPANIES - 1);
    assert!(!owners.contains_key(&gone), "{owners:?}");

    // Stopped in order, b and c let their leases go at once.
    for s in serves.iter_mut().skip(1) {
        assert_eq!(s.take().expect("serve").terminate(), 0);
    }
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
