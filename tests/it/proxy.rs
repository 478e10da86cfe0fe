//! Per-company proxies through `walink serve`, its commands and its API,
//! with real proxies on loopback: who goes through which proxy, what a
//! stopped proxy looks like, when a change applies, and that the proxy's
//! password is shown nowhere.

use crate::common::{stderr, stdout, walink};
use crate::crash::{link_by_qr, state_becomes};
use crate::http::{Http, token, two_companies};
use crate::proxies::{PASSWORD, Proxy, USER, eventually};
use crate::serve::Serve;
use crate::sim_process::SimProcess;

pub fn sim_port(sim: &SimProcess) -> u16 {
    url::Url::parse(&sim.ws).expect("url").port().expect("port")
}

fn failure_of(http: &Http, t: &str, slug: &str) -> serde_json::Value {
    let s = http.call("GET", &format!("/api/v1/sessions/{slug}"), Some(t), None);
    s.body["last_failure"].clone()
}

#[test]
fn a_company_behind_a_socks_proxy_goes_through_it_and_comes_back_with_it() {
    let (sim, dir) = two_companies();
    let mut socks = Proxy::socks(true);
    let url = socks.url(Some((USER, PASSWORD)));
    let shown = format!("socks5://{USER}:•••@127.0.0.1:{}", socks.port);
    let set = walink(&dir.path, &["company", "set", "acme", "--proxy", &url]);
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(stdout(&set).contains(&shown), "{}", stdout(&set));
    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let http = Http::new(serve.http());
    let t = token(&dir.path, &["--scope", "admin"]);

    link_by_qr(&sim, &http, &t, "acme", "79001234567");
    let port = sim_port(&sim);
    let through = socks.tunnels_to(port);
    assert!(through >= 1, "acme did not go through: {}", socks.log());
    // beta has no proxy: it links directly, beside acme.
    link_by_qr(&sim, &http, &t, "beta", "79007654321");
    assert_eq!(socks.tunnels_to(port), through, "{}", socks.log());

    let a = http.call("GET", "/api/v1/companies/acme", Some(&t), None);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["proxy"], shown);
    assert_eq!(a.body["proxy_in_use"], shown);
    let b = http.call("GET", "/api/v1/companies/beta", Some(&t), None);
    assert_eq!(b.body["proxy"], "default");
    assert!(b.body["proxy_in_use"].is_null(), "{}", b.body);

    // The proxy goes away: acme says so by name; beta never notices.
    socks.stop();
    eventually(60, "acme never named its proxy", || {
        failure_of(&http, &t, "acme")["reason"] == "proxy_failed"
    });
    let failure = failure_of(&http, &t, "acme");
    let message = failure["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("127.0.0.1:{}", socks.port)) && message.contains("refused"),
        "{failure}"
    );
    state_becomes(&http, &t, "beta", "connected", 1);
    // Back: acme reconnects by itself, through it again.
    socks.resume();
    state_becomes(&http, &t, "acme", "connected", 90);
    assert!(socks.tunnels_to(port) > through, "{}", socks.log());

    let show = walink(&dir.path, &["company", "show", "acme", "--json"]);
    assert!(show.status.success(), "{}", stderr(&show));
    let json: serde_json::Value = serde_json::from_str(&stdout(&show)).expect("json");
    assert_eq!(json["proxy"], shown);
    // The raw cause is in the company's event log.
    let events = http.call("GET", "/api/v1/sessions/acme/events", Some(&t), None);
    assert!(
        events.body.to_string().contains("Refused"),
        "{}",
        events.body
    );
    let logs = serve.all_logs(&dir.path);
    for text in [
        logs,
        stdout(&show),
        stdout(&set),
        a.body.to_string(),
        events.body.to_string(),
    ] {
        assert!(!text.contains(PASSWORD), "the password is shown: {text}");
    }
}

#[test]
fn a_change_applies_at_the_next_connect_or_at_once_with_reconnect() {
    let (sim, dir) = two_companies();
    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let http = Http::new(serve.http());
    let t = token(&dir.path, &["--scope", "admin"]);
    link_by_qr(&sim, &http, &t, "acme", "79001234567");
    link_by_qr(&sim, &http, &t, "beta", "79007654321");
    let proxy = Proxy::http(true);
    let url = proxy.url(Some((USER, PASSWORD)));
    let port = sim_port(&sim);

    // Through the API, without reconnect: beta stays on its direct socket.
    let body = serde_json::json!({ "proxy": url, "note": "moved to the Frankfurt proxy" });
    let a = http.call(
        "PATCH",
        "/api/v1/companies/beta",
        Some(&t),
        Some(&body.to_string()),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body["proxy"],
        format!("http://{USER}:•••@127.0.0.1:{}", proxy.port)
    );
    assert_eq!(a.body["note"], "moved to the Frankfurt proxy");
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(proxy.tunnels_to(port), 0, "{}", proxy.log());
    // Its next connect goes through the proxy.
    let r = http.call("POST", "/api/v1/sessions/beta/reconnect", Some(&t), None);
    assert!(r.status < 300, "{}", r.body);
    eventually(30, "beta's reconnect did not use the proxy", || {
        proxy.tunnels_to(port) >= 1
    });
    state_becomes(&http, &t, "beta", "connected", 30);
    let beta_through = proxy.tunnels_to(port);

    // The command with --reconnect: at once.
    let set = walink(
        &dir.path,
        &["company", "set", "acme", "--proxy", &url, "--reconnect"],
    );
    assert!(set.status.success(), "{}", stderr(&set));
    eventually(30, "acme did not reconnect through the proxy", || {
        proxy.tunnels_to(port) > beta_through
    });
    state_becomes(&http, &t, "acme", "connected", 30);
    let log = http.call("GET", "/api/v1/sessions/acme/events", Some(&t), None);
    assert!(
        log.body
            .to_string()
            .contains("reconnecting now to apply them"),
        "{}",
        log.body
    );

    // A bad proxy is refused with the sentence, and nothing changes.
    let bad = http.call(
        "PATCH",
        "/api/v1/companies/acme",
        Some(&t),
        Some(r#"{"proxy":"socks4://127.0.0.1:1"}"#),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("socks5, socks5h and http")),
        "{}",
        bad.body
    );
    let cli_bad = walink(&dir.path, &["company", "set", "acme", "--proxy", "h:1"]);
    assert_eq!(cli_bad.status.code(), Some(2), "{}", stderr(&cli_bad));
    // One company's token never reaches another's settings.
    let own = token(&dir.path, &["--scope", "admin", "--company", "acme"]);
    let other = http.call("GET", "/api/v1/companies/beta", Some(&own), None);
    assert_eq!(other.status, 404, "{}", other.body);
    let patch_other = http.call("PATCH", "/api/v1/companies/beta", Some(&own), Some("{}"));
    assert_eq!(patch_other.status, 404, "{}", patch_other.body);
    let mine = http.call("GET", "/api/v1/companies/acme", Some(&own), None);
    assert_eq!(mine.status, 200, "{}", mine.body);
    for text in [serve.all_logs(&dir.path), stdout(&set), a.body.to_string()] {
        assert!(!text.contains(PASSWORD), "the password is shown: {text}");
    }
}
