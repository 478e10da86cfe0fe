//! The door of the API: authentication before anything else, every error
//! as JSON with a sentence, ids that never come back, slow and greedy
//! clients cut off, and answers that say what happened.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::walink;
use crate::http::{Http, setup, setup_with, token};
use crate::serve::Serve;

/// (status, content type, body) of a request written by hand.
fn raw(base: &str, head: &str) -> (u16, String, String) {
    let text = crate::http_rules::raw(base, head);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let kind = text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_default();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, kind, body)
}

#[test]
fn the_token_comes_first_and_every_error_is_json_with_a_sentence() {
    let (_sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "admin"]);
    let bad = [
        "GET /api/v1/sessions/acme/events?limit=-1 HTTP/1.1\r\n",
        "GET /api/v1/sessions/%FF HTTP/1.1\r\n",
        "DELETE /api/v1/webhooks/x HTTP/1.1\r\n",
        "PUT /api/v1/sessions HTTP/1.1\r\n",
    ];
    for line in bad {
        // A stranger learns nothing of how the request would parse.
        let (status, kind, body) = raw(&http.base, line);
        assert_eq!(status, 401, "{line}: {body}");
        assert!(kind.starts_with("application/json"), "{line}: {kind}");
        // With a token: the JSON error, its sentence naming the problem.
        let (status, kind, body) = raw(&http.base, &format!("{line}Authorization: Bearer {t}\r\n"));
        assert!((400..500).contains(&status), "{line}: {status}");
        assert!(
            kind.starts_with("application/json"),
            "{line}: {kind} {body}"
        );
        let v: Value = serde_json::from_str(&body).expect("json");
        assert!(
            v["error"]["message"].as_str().is_some_and(|m| m.len() > 20),
            "{line}: {v}"
        );
    }
    // The scheme is case-insensitive.
    let (status, _, body) = raw(
        &http.base,
        &format!("GET /api/v1/sessions HTTP/1.1\r\nAuthorization: bearer {t}\r\n"),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_resume_id_past_every_event_replays_nothing() {
    let (_sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "admin"]);
    let a = http.call(
        "POST",
        "/api/v1/companies",
        Some(&t),
        Some(r#"{"slug":"gamma"}"#),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    // That addition is there to be replayed.
    let all = http.events(&t, Some("0"));
    assert!(all.recv_timeout(Duration::from_secs(5)).is_ok());
    let none = http.events(&t, Some("18446744073709551615"));
    assert!(none.recv_timeout(Duration::from_secs(2)).is_err());
}

#[test]
fn a_new_company_never_inherits_a_removed_ones_events() {
    let (sim, dir, serve, http) = setup();
    let admin = token(&dir.path, &["--scope", "admin"]);
    let add = |slug: &str| {
        let a = http.call(
            "POST",
            "/api/v1/companies",
            Some(&admin),
            Some(&format!(r#"{{"slug":"{slug}"}}"#)),
        );
        assert_eq!(a.status, 201, "{}", a.body);
    };
    add("gamma");
    let a = http.call(
        "POST",
        "/api/v1/sessions/gamma/link",
        Some(&admin),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    http.call("DELETE", "/api/v1/sessions/gamma/link", Some(&admin), None);
    let gone = http.call("DELETE", "/api/v1/companies/gamma", Some(&admin), None);
    assert_eq!(gone.status, 200, "{}", gone.body);
    add("delta");
    let delta = token(&dir.path, &["--scope", "read", "--company", "delta"]);
    let check = |http: &Http| {
        let replay = http.events(&delta, Some("0"));
        let mut names = Vec::new();
        while let Ok((_, name, data)) = replay.recv_timeout(Duration::from_secs(2)) {
            assert_ne!(data["slug"], "gamma", "{name} {data}");
            names.push(name);
        }
        // gamma's QR, its log and its addition are not delta's.
        let added = names.iter().filter(|n| *n == "company.added").count();
        assert_eq!(added, 1, "{names:?}");
        assert!(!names.iter().any(|n| n.starts_with("link.")), "{names:?}");
    };
    check(&http);
    // The same after a restart, from the registry's journal.
    assert_eq!(serve.terminate(), 0);
    let serve = Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"]);
    check(&Http::new(serve.http()));
}

#[test]
fn removing_a_company_whose_attempt_never_linked_answers_at_once() {
    let (_sim, dir, _serve, http) = setup();
    let admin = token(&dir.path, &["--scope", "admin"]);
    let events = http.events(&admin, None);
    let a = http.call(
        "POST",
        "/api/v1/sessions/beta/link",
        Some(&admin),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    http.call("DELETE", "/api/v1/sessions/beta/link", Some(&admin), None);
    let out = http.call("POST", "/api/v1/sessions/beta/logout", Some(&admin), None);
    assert_eq!(out.status, 202, "{}", out.body);
    // Nothing was linked: said at once, not after WhatsApp's 20 s.
    let start = Instant::now();
    loop {
        let (_, name, data) = events
            .recv_timeout(Duration::from_secs(5))
            .expect("the logout's answer");
        if name == "session.failure" {
            assert_eq!(data["reason"], "not_linked", "{data}");
            break;
        }
    }
    assert!(start.elapsed() < Duration::from_secs(5));
    let started = Instant::now();
    let gone = http.call("DELETE", "/api/v1/companies/beta", Some(&admin), None);
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(gone.body["removed"], "beta");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let out = walink(&dir.path, &["company", "list", "--json"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\"beta\""));
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let (_sim, _dir, _serve, http) = setup();
    let addr = http.base.trim_start_matches("http://").to_owned();
    let mut s = TcpStream::connect(&addr).expect("connect");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .expect("half a request");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let start = Instant::now();
    let mut buf = [0u8; 256];
    // Closed (0 bytes, or a reset) or told 408: either way, not held.
    let n = s.read(&mut buf).unwrap_or(0);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(15), "held for {took:?}");
    assert!(n == 0 || String::from_utf8_lossy(&buf[..n]).contains("408"));
}

#[test]
fn one_address_holds_at_most_its_connections() {
    let (_sim, dir, _serve, http) = setup_with(&["--connections-per-address", "3"]);
    let t = token(&dir.path, &["--scope", "read"]);
    // Two idle connections and an event stream.
    let addr = http.base.trim_start_matches("http://").to_owned();
    let idle: Vec<_> = (0..2)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    let head =
        format!("GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t}\r\n\r\n");
    stream.write_all(head.as_bytes()).expect("request");
    let mut buf = [0u8; 64];
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    assert!(stream.read(&mut buf).expect("the stream answers") > 0);
    let mut fourth = TcpStream::connect(&addr).expect("the kernel accepts");
    fourth
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let _ = fourth.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        fourth.read(&mut buf).unwrap_or(0),
        0,
        "the fourth was served"
    );
    drop((idle, stream));
    // Their slots come back once they close.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _, _) = raw(&http.base, "GET /health HTTP/1.1\r\n");
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "slots never came back");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_openapi_document_names_each_status_and_each_operation_once() {
    let (_sim, _dir, _serve, http) = setup();
    let doc = http.call("GET", "/api/openapi.json", None, None).body;
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let id = op["operationId"].as_str().expect("an operationId");
            assert!(ids.insert(id.to_owned()), "{id} repeats");
            if op.get("security").is_some() {
                for status in ["400", "401", "503"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{method} {path}: no {status}"
                    );
                }
            }
            if path.contains('{') && op.get("security").is_some() {
                assert!(
                    op["responses"].get("404").is_some(),
                    "{method} {path}: no 404"
                );
            }
        }
    }
    let qr = &doc["paths"]["/api/v1/sessions/{slug}/qr"]["get"]["responses"]["200"]["content"];
    for kind in ["image/png", "image/svg+xml", "application/json"] {
        assert!(qr.get(kind).is_some(), "/qr lacks {kind}: {qr}");
    }
}

#[test]
fn the_old_endpoint_fails_with_success_false_and_bad_json_says_what_is_wrong() {
    let (_sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    let path = "/api/whatsapp/sessions/acme/pairing-code";
    let bad_phone = http.call("POST", path, Some(&t), Some(r#"{"phoneNumber":"12"}"#));
    assert_eq!(bad_phone.status, 422, "{}", bad_phone.body);
    assert_eq!(bad_phone.body["success"], false);
    assert!(bad_phone.body["error"]["message"].is_string());
    let stranger = http.call("POST", path, None, Some(r#"{"phoneNumber":"79001234567"}"#));
    assert_eq!(stranger.status, 401);
    assert_eq!(stranger.body["success"], false);

    // The field and the type it wants are named.
    let typed = http.call(
        "POST",
        "/api/v1/sessions/acme/link",
        Some(&t),
        Some(r#"{"method":1}"#),
    );
    assert_eq!(typed.body["error"]["code"], "bad_json");
    let message = typed.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("method") && message.contains("string"),
        "{message}"
    );
    // A body without its Content-Type is told so.
    let addr = http.base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let body = r#"{"method":"qr"}"#;
    let request = format!(
        "POST /api/v1/sessions/acme/link HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {t}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).expect("request");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.contains("Content-Type: application/json header is missing"),
        "{answer}"
    );
}
