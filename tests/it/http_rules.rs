//! The HTTP API's fences: tokens, scopes, tenants, bad input, and the
//! event stream's order and resumption.

use std::time::Duration;

use crate::common::walink;
use crate::http::{Http, setup, setup_with, token};
use crate::serve::Serve;

#[test]
fn tokens_fence_tenants_and_scopes_and_are_stored_only_hashed() {
    let (_sim, dir, _serve, http) = setup();
    let reader = token(&dir.path, &["--scope", "read", "--company", "acme"]);
    let linker = token(&dir.path, &["--scope", "link", "--company", "acme"]);
    let revoked = token(&dir.path, &["--scope", "admin"]);
    let listed = crate::common::stdout(&walink(&dir.path, &["token", "list", "--json"]));
    let ids: serde_json::Value = serde_json::from_str(&listed).expect("json");
    let revoked_id = ids[2]["id"].to_string();
    assert!(
        walink(&dir.path, &["token", "revoke", &revoked_id])
            .status
            .success()
    );

    // A company token sees its company only; the other one does not exist.
    let all = http.call("GET", "/api/v1/sessions", Some(&reader), None);
    assert_eq!(all.status, 200);
    let slugs: Vec<&str> = all
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["acme"]);
    let missing = http.call("GET", "/api/v1/sessions/nobody", Some(&reader), None);
    for (method, path, body) in [
        ("GET", "/api/v1/sessions/beta", None),
        (
            "POST",
            "/api/v1/sessions/beta/link",
            Some(r#"{"method":"qr"}"#),
        ),
        ("DELETE", "/api/v1/sessions/beta/link", None),
        ("POST", "/api/v1/sessions/beta/reconnect", Some("")),
        (
            "POST",
            "/api/whatsapp/sessions/beta/pairing-code",
            Some(r#"{"phoneNumber":"79001234567"}"#),
        ),
    ] {
        let a = http.call(method, path, Some(&linker), body);
        assert_eq!(a.status, 404, "{method} {path}: {}", a.body);
        assert_eq!(
            a.body["error"]["code"], missing.body["error"]["code"],
            "{method} {path}"
        );
    }
    // Scopes: read may not link; link may not log out.
    let a = http.call(
        "POST",
        "/api/v1/sessions/acme/link",
        Some(&reader),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(a.status, 403, "{}", a.body);
    let a = http.call(
        "POST",
        "/api/v1/sessions/acme/logout",
        Some(&linker),
        Some(""),
    );
    assert_eq!(a.status, 403, "{}", a.body);
    // No token, a wrong one, a revoked one: 401.
    for t in [None, Some("wlk_nonsense"), Some(revoked.as_str())] {
        let a = http.call("GET", "/api/v1/sessions", t, None);
        assert_eq!(a.status, 401, "{t:?}: {}", a.body);
    }
    assert_eq!(http.call("GET", "/health", None, None).body["status"], "ok");

    // The registry holds hashes, never the tokens.
    for file in ["walink.db", "walink.db-wal"] {
        let bytes = std::fs::read(dir.path.join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for t in [&reader, &linker, &revoked] {
            assert!(!text.contains(&t[4..]), "{file} holds a token in clear");
        }
    }
}

#[test]
fn bad_input_gets_its_status_and_a_sentence_and_the_server_keeps_serving() {
    let (_sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "admin"]);
    let long_phone = format!(r#"{{"method":"code","phone":"{}"}}"#, "7".repeat(10_000));
    for (path, body, status, code) in [
        ("/api/v1/sessions/acme/link", "{not json", 400, "bad_json"),
        (
            "/api/v1/sessions/acme/link",
            long_phone.as_str(),
            422,
            "bad_phone",
        ),
        (
            "/api/v1/sessions/acme/link",
            r#"{"method":"fax"}"#,
            422,
            "bad_method",
        ),
        (
            "/api/v1/sessions/nobody/link",
            r#"{"method":"qr"}"#,
            404,
            "not_found",
        ),
        (
            "/api/v1/sessions/..%2F..%2Fetc/link",
            r#"{"method":"qr"}"#,
            404,
            "not_found",
        ),
        ("/api/v2/anything", "{}", 404, "not_found"),
    ] {
        let a = http.call("POST", path, Some(&t), Some(body));
        assert_eq!(
            a.status,
            status,
            "{path} {}: {}",
            &body[..body.len().min(40)],
            a.body
        );
        assert_eq!(a.body["error"]["code"], code, "{path}");
        let message = a.body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.len() > 10 && !message.contains("Error("),
            "{message}"
        );
    }
    // A 10 MB body is refused from its Content-Length, before it is read.
    let (status, body) = declared_post(&http.base, "/api/v1/sessions/acme/link", &t, 10 << 20);
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("\"too_large\""), "{body}");
    assert_eq!(http.call("GET", "/health", None, None).status, 200);
}

/// POST that declares `length` bytes and waits before sending them (as a
/// client with `Expect: 100-continue` does): the server must answer
/// from the declaration. (Bytes already sent and never read would make
/// the server's close a reset that swallows its answer.)
fn declared_post(base: &str, path: &str, token: &str, length: usize) -> (u16, String) {
    let text = raw(
        base,
        &format!(
            "POST {path} HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\n"
        ),
    );
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[test]
fn events_come_in_order_and_resume_after_the_last_id() {
    let (sim, dir, serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link", "--company", "acme"]);
    let events = http.events(&t, None);
    let a = http.call(
        "POST",
        "/api/v1/sessions/acme/link",
        Some(&t),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let qr = a.body["qr"].as_str().expect("qr").to_owned();
    assert_eq!(sim.call("POST", "/phone/scan", &qr).0, 200);

    let mut seen = Vec::new();
    let mut companies = std::collections::HashSet::new();
    loop {
        let (id, event, data) = events
            .recv_timeout(Duration::from_secs(40))
            .expect("an event");
        // Only acme's events reach an acme token.
        companies.insert(data["company"].to_string());
        let state = data["state"].as_str().unwrap_or_default().to_owned();
        seen.push((id, event.clone(), state.clone()));
        if state == "connected" {
            break;
        }
    }
    let states: Vec<&str> = seen
        .iter()
        .filter(|(_, e, _)| e == "session.status")
        .map(|(_, _, s)| s.as_str())
        .collect();
    let order = ["linking_qr", "finishing_sync", "connected"];
    let mut at = 0;
    for s in &states {
        if at < order.len() && *s == order[at] {
            at += 1;
        }
    }
    assert_eq!(at, order.len(), "states out of order: {states:?}");
    assert!(seen.iter().any(|(_, e, _)| e == "link.linked"), "{seen:?}");
    // Named as every route names it: by slug, never an internal id.
    assert_eq!(
        companies.into_iter().collect::<Vec<_>>(),
        ["\"acme\""],
        "the events' company"
    );

    // Resuming after the first event replays the rest, none missing.
    let resumed = http.events(&t, Some(&seen[0].0));
    for (id, event, _) in &seen[1..] {
        let (rid, revent, _) = resumed
            .recv_timeout(Duration::from_secs(5))
            .expect("replayed");
        assert_eq!((&rid, &revent), (id, event));
    }

    // After a restart, the registry replays them, and ids go on.
    assert_eq!(serve.terminate(), 0);
    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    let http = Http::new(serve.http());
    let resumed = http.events(&t, Some(&seen[0].0));
    for (id, event, _) in &seen[1..] {
        let (rid, revent, _) = resumed
            .recv_timeout(Duration::from_secs(5))
            .expect("replayed after a restart");
        assert_eq!((&rid, &revent), (id, event));
    }
    let last: u64 = seen.last().expect("events").0.parse().expect("id");
    // A refused link (acme is linked) is a new event: its id goes on.
    let a = http.call(
        "POST",
        "/api/v1/sessions/acme/link",
        Some(&t),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(a.status, 409, "{}", a.body);
    loop {
        let (id, event, _) = resumed
            .recv_timeout(Duration::from_secs(10))
            .expect("the refusal");
        assert!(
            id.parse::<u64>().expect("id") > last,
            "ids restarted: {id} after {last}"
        );
        if event == "session.failure" {
            break;
        }
    }
}

#[test]
fn cors_answers_only_the_named_origin() {
    let (_sim, _dir, _serve, http) = setup_with(&["--cors-origin", "https://admin.example.com"]);
    let preflight = |origin: &str| {
        raw(
            &http.base,
            &format!(
                "OPTIONS /api/v1/sessions HTTP/1.1\r\nOrigin: {origin}\r\n\
                 Access-Control-Request-Method: GET\r\n\
                 Access-Control-Request-Headers: authorization\r\n"
            ),
        )
        .to_ascii_lowercase()
    };
    let allowed = preflight("https://admin.example.com");
    assert!(
        allowed.contains("access-control-allow-origin: https://admin.example.com"),
        "{allowed}"
    );
    assert!(allowed.contains("authorization"), "{allowed}");
    let other = preflight("https://evil.example.net");
    assert!(!other.contains("access-control-allow-origin"), "{other}");
    let plain = raw(
        &http.base,
        "GET /health HTTP/1.1\r\nOrigin: https://evil.example.net\r\n",
    );
    assert!(
        !plain
            .to_ascii_lowercase()
            .contains("access-control-allow-origin"),
        "{plain}"
    );
}

/// One request (its first lines, without the blank one) on a fresh
/// connection; the whole answer.
pub fn raw(base: &str, head: &str) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let request = format!("{head}Host: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).expect("request");
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// A failure that leaves the company in a state of its own (a cooldown
/// here) is still the session's `last_failure`, as its event said.
#[test]
fn last_failure_says_what_the_last_session_failure_said() {
    let (sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    let fault = r#"{"fault":"rate_limit","target":"79123456789","sticky":false}"#;
    assert_eq!(sim.call("POST", "/fault", fault).0, 200);
    let body = r#"{"method":"code","phone":"+7 912 345 67 89"}"#;
    let a = http.call("POST", "/api/v1/sessions/beta/link", Some(&t), Some(body));
    assert_eq!(a.status, 429, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "rate_limited", "{}", a.body);
    // The cooldown state follows the failure's event.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let s = loop {
        let s = http.call("GET", "/api/v1/sessions/beta", Some(&t), None);
        if s.body["state"] == "cooldown" || std::time::Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(s.body["state"], "cooldown", "{}", s.body);
    assert_eq!(
        s.body["last_failure"]["reason"], "rate_limited",
        "{}",
        s.body
    );
    let message = s.body["last_failure"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("Try again after"), "{message}");

    // The event log: the same sentence and key, the raw cause for admins.
    let failure = |token: &str| {
        let log = http.call("GET", "/api/v1/sessions/beta/events", Some(token), None);
        let entries = log.body.as_array().cloned().unwrap_or_default();
        entries
            .into_iter()
            .find(|e| e["kind"] == "failure")
            .unwrap_or_else(|| panic!("no failure in {}", log.body))
    };
    let seen = failure(&t);
    assert_eq!(seen["reason"], "rate_limited", "{seen}");
    let detail = seen["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("WhatsApp is refusing"),
        "a sentence: {seen}"
    );
    assert!(
        seen.get("raw").is_none(),
        "raw causes are for admins: {seen}"
    );
    let admin = token(&dir.path, &["--scope", "admin"]);
    let raw = failure(&admin)["raw"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(raw.contains("429"), "{raw}");
}
