//! Two `walink serve` hosts over one PostgreSQL: a link, a cancel, a
//! logout and a proxy to apply now, asked of the host that does not run the
//! company, are done by the one that does, and answered as if local (an invitation page's too); the
//! asking host's event stream carries that company's live news (its code,
//! its link), and a token of another company hears none of it.

use std::time::{Duration, Instant};

use serde_json::Value;
use walink_hosts::test_server::TestServer;

use crate::common::{TempDataDir, stderr, walink};
use crate::crash::state_becomes;
use crate::http::{Http, token, until};
use crate::proxies::{PASSWORD, Proxy, USER, eventually};
use crate::proxy::sim_port;
use crate::serve::Serve;
use crate::serve_hosts::{devices, leased, phone};
use crate::sim_process::SimProcess;
use crate::wa::PHONE;

fn session(http: &Http, token: &str, slug: &str) -> Value {
    let path = format!("/api/v1/sessions/{slug}");
    http.call("GET", &path, Some(token), None).body
}

#[test]
fn a_host_links_cancels_and_logs_out_a_company_through_the_host_that_runs_it() {
    let pg = TestServer::start();
    let url = pg.url();
    let sim = SimProcess::start();
    let (dir_a, dir_b) = (TempDataDir::new(), TempDataDir::new());
    let args = |id: &'static str| ["--http", "127.0.0.1:0", "--database", &url, "--host-id", id];
    // Host a starts alone and takes both companies.
    let a = Serve::start_with(&dir_a.path, &sim, &args("a"));
    for slug in ["acme", "beta"] {
        let out = walink(&dir_a.path, &["company", "add", slug]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let owners = leased(&dir_a.path, &url, 2);
    assert!(owners.values().all(|h| h == "a"), "{owners:?}");
    // b runs no session (capacity 0): a front for clients, so every
    // command it gets goes to a.
    let front = [&args("b")[..], &["--capacity", "0"]].concat();
    let b = Serve::start_with(&dir_b.path, &sim, &front);
    let (on_a, on_b) = (Http::new(a.http()), Http::new(b.http()));
    let admin = token(&dir_a.path, &["--scope", "admin"]);
    let beta_only = token(&dir_a.path, &["--scope", "link", "--company", "beta"]);
    let deadline = Instant::now() + Duration::from_secs(15);
    while session(&on_b, &admin, "acme")["host"] != "a" {
        assert!(Instant::now() < deadline, "b never shows acme run by a");
        std::thread::sleep(Duration::from_millis(200));
    }
    let events = on_b.events(&admin, None);
    let beta_events = on_b.events(&beta_only, None);

    // A link asked of b: a runs the attempt; b answers with a's code.
    let body = format!(r#"{{"method":"code","phone":"+{}"}}"#, phone(0));
    let asked = on_b.call(
        "POST",
        "/api/v1/sessions/acme/link",
        Some(&admin),
        Some(&body),
    );
    assert_eq!(asked.status, 200, "{}", asked.body);
    let code = asked.body["code"].as_str().expect("a code").to_owned();
    let live = session(&on_a, &admin, "acme")["live_attempt"].clone();
    let by = live["by"].as_str().unwrap_or_default();
    assert!(
        by.ends_with("on host b"),
        "a names the asker and its host: {live}"
    );
    let entered = sim.call(
        "POST",
        "/phone/code",
        &format!(r#"{{"phone":"{}","code":"{code}"}}"#, phone(0)),
    );
    assert_eq!(entered.0, 200, "{:?}", entered.1);
    // b's stream tells the code and the link as a's does.
    let seen = until(&events, |name, d| {
        name == "link.linked" && d["company"] == "acme"
    });
    assert!(
        seen.iter()
            .any(|(n, d)| n == "link.code" && d["code"] == code.as_str()),
        "{seen:?}"
    );
    let linked = state_becomes(&on_b, &admin, "acme", "connected", 40);
    assert_eq!(linked["host"], "a", "{linked}");
    assert_eq!(devices(&sim).as_array().map(Vec::len), Some(1));

    // A proxy set through b, to apply now: a reconnects acme through it.
    let proxy = Proxy::http(true);
    let body = serde_json::json!({ "proxy": proxy.url(Some((USER, PASSWORD))) });
    let set = on_b.call(
        "PATCH",
        "/api/v1/companies/acme?reconnect=true",
        Some(&admin),
        Some(&body.to_string()),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    let port = sim_port(&sim);
    eventually(30, "a did not reconnect acme through the proxy", || {
        proxy.tunnels_to(port) >= 1
    });
    state_becomes(&on_b, &admin, "acme", "connected", 30);

    // A QR attempt asked of b, then cancelled through b: a ends it.
    let qr = on_b.call(
        "POST",
        "/api/v1/sessions/beta/link",
        Some(&admin),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(qr.status, 200, "{}", qr.body);
    assert!(qr.body["qr"].is_string(), "{}", qr.body);
    let cancel = on_b.call("DELETE", "/api/v1/sessions/beta/link", Some(&admin), None);
    assert_eq!(cancel.status, 202, "{}", cancel.body);
    let deadline = Instant::now() + Duration::from_secs(15);
    while !session(&on_a, &admin, "beta")["live_attempt"].is_null() {
        assert!(Instant::now() < deadline, "a never ended beta's attempt");
        std::thread::sleep(Duration::from_millis(100));
    }

    // An invitation page on b: a links beta, and uses the invitation up.
    let made = crate::invite::invite(&dir_b.path, &["beta", "--method", "code"]);
    let page = format!(
        "{}/link/{}",
        b.http(),
        made.rsplit('/').next().expect("token")
    );
    let code = crate::invite_restart::start(&page);
    let typed = format!(r#"{{"phone":"{PHONE}","code":"{code}"}}"#);
    assert_eq!(sim.call("POST", "/phone/code", &typed).0, 200);
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (_, _, shown) = crate::invite::get(&page, None);
        if shown.contains("This number is linked") {
            break;
        }
        assert!(Instant::now() < deadline, "never used up: {shown}");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(session(&on_b, &admin, "beta")["host"], "a");

    // A logout asked of b: a unlinks the device.
    let out = on_b.call("POST", "/api/v1/sessions/acme/logout", Some(&admin), None);
    assert_eq!(out.status, 202, "{}", out.body);
    state_becomes(&on_b, &admin, "acme", "logged_out", 30);
    state_becomes(&on_a, &admin, "acme", "logged_out", 5);
    assert_eq!(sim.call("GET", "/replaced", "").1["replaced"], 0);

    // beta's token heard beta's attempt through b, and nothing of acme.
    let mut heard = Vec::new();
    while let Ok((_, name, data)) = beta_events.recv_timeout(Duration::from_secs(1)) {
        heard.push((name, data));
    }
    assert!(
        heard.iter().any(|(n, _)| n == "link.qr"),
        "beta's own news: {heard:?}"
    );
    assert!(
        heard.iter().all(|(_, d)| d["company"] == "beta"),
        "{heard:?}"
    );
}
