//! What each token sees of the event model: codes and QR payloads only
//! with the link scope, whole numbers only with admin, streams that end
//! with their token, and a number that belongs to one company at a time.

use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{stdout, walink};
use crate::http::{Events, Http, setup, token, until};
use crate::wa::PHONE;

fn masked(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.contains('•') && !s.contains(PHONE))
}

fn link_acme_by_qr(http: &Http, sim: &crate::sim_process::SimProcess, link: &str) {
    let a = http.call(
        "POST",
        "/api/v1/sessions/acme/link",
        Some(link),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let qr = a.body["qr"].as_str().expect("the link token gets the QR");
    assert_eq!(sim.call("POST", "/phone/scan", qr).0, 200);
}

#[test]
fn a_read_token_sees_that_codes_and_qrs_exist_but_not_their_values_nor_whole_numbers() {
    let (sim, dir, _serve, http) = setup();
    let read = token(&dir.path, &["--scope", "read"]);
    let link = token(&dir.path, &["--scope", "link"]);
    let admin = token(&dir.path, &["--scope", "admin"]);
    let reader = http.events(&read, None);
    let linker = http.events(&link, None);

    link_acme_by_qr(&http, &sim, &link);
    let read_seen = until(&reader, |n, _| n == "link.linked");
    let link_seen = until(&linker, |n, _| n == "link.linked");

    let qrs: Vec<&Value> = read_seen
        .iter()
        .filter(|(n, _)| n == "link.qr")
        .map(|(_, d)| d)
        .collect();
    assert!(
        !qrs.is_empty(),
        "the reader is told a QR is live: {read_seen:?}"
    );
    for d in &qrs {
        assert!(d.get("qr").is_none(), "a read token got a QR payload: {d}");
        assert!(d["expires_at"].is_string(), "{d}");
    }
    assert!(
        link_seen
            .iter()
            .any(|(n, d)| n == "link.qr" && d["qr"].is_string()),
        "a link token gets the payload"
    );
    let linked = &read_seen.last().expect("linked").1;
    assert!(
        masked(&linked["phone"]) && masked(&linked["jid"]),
        "{linked}"
    );
    let linked = &link_seen.last().expect("linked").1;
    assert!(
        masked(&linked["phone"]) && masked(&linked["jid"]),
        "{linked}"
    );

    // The sessions, as each scope reads them.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let s = http.call("GET", "/api/v1/sessions/acme", Some(&read), None);
        if s.body["jid"].is_string() {
            assert!(
                masked(&s.body["jid"]) && masked(&s.body["phone"]),
                "{}",
                s.body
            );
            break;
        }
        assert!(Instant::now() < deadline, "never linked: {}", s.body);
        std::thread::sleep(Duration::from_millis(200));
    }
    let whole = http.call("GET", "/api/v1/sessions/acme", Some(&admin), None);
    assert!(
        whole.body["jid"]
            .as_str()
            .is_some_and(|j| j.starts_with(PHONE)),
        "{}",
        whole.body
    );

    // A pairing code: the reader learns there is one, not the code.
    let a = http.call(
        "POST",
        "/api/v1/sessions/beta/link",
        Some(&link),
        Some(r#"{"method":"code","phone":"+7 912 345 67 89"}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let seen = until(&reader, |n, _| n == "link.code");
    let code = &seen.last().expect("code").1;
    assert!(
        code.get("code").is_none() && code["expires_at"].is_string(),
        "{code}"
    );

    // Replayed from the start, the fence is the same.
    let replay = http.events(&read, Some("0"));
    let seen = until(&replay, |n, _| n == "link.code");
    for (name, data) in &seen {
        assert!(
            data.get("qr").is_none() && data.get("code").is_none(),
            "{name} {data}"
        );
        if name == "link.linked" {
            assert!(masked(&data["jid"]) && masked(&data["phone"]), "{data}");
        }
    }

    // A number linked to acme is not linked to beta too, and the refusal
    // does not say which company holds it.
    let beta = token(&dir.path, &["--scope", "link", "--company", "beta"]);
    http.call("DELETE", "/api/v1/sessions/beta/link", Some(&link), None);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !http
        .call("GET", "/api/v1/sessions/beta", Some(&link), None)
        .body["live_attempt"]
        .is_null()
    {
        assert!(Instant::now() < deadline, "beta's attempt never ended");
        std::thread::sleep(Duration::from_millis(100));
    }
    let body = format!(r#"{{"method":"code","phone":"+{PHONE}"}}"#);
    let taken = http.call(
        "POST",
        "/api/v1/sessions/beta/link",
        Some(&beta),
        Some(&body),
    );
    assert_eq!(taken.status, 409, "{}", taken.body);
    assert_eq!(taken.body["error"]["code"], "number_taken");
    let message = taken.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("another company") && !message.contains("acme"),
        "{message}"
    );
    // Said, and asked again with "force": the admin's call to make.
    let body = format!(r#"{{"method":"code","phone":"+{PHONE}","force":true}}"#);
    let forced = http.call(
        "POST",
        "/api/v1/sessions/beta/link",
        Some(&beta),
        Some(&body),
    );
    assert_eq!(forced.status, 200, "{}", forced.body);
    assert!(forced.body["code"].as_str().is_some(), "{}", forced.body);
}

/// The id `walink token list --json` gives the token with this note.
fn token_id(dir: &std::path::Path, note: &str) -> String {
    let out = walink(dir, &["token", "list", "--json"]);
    let list: Value = serde_json::from_str(&stdout(&out)).expect("json");
    list.as_array()
        .and_then(|l| l.iter().find(|t| t["note"] == note))
        .map(|t| t["id"].to_string())
        .expect("the token is listed")
}

/// The stream ends (its reader thread sees the end) within `secs`.
fn ends_within(events: &Events, secs: u64) -> Duration {
    let start = Instant::now();
    loop {
        match events.recv_timeout(Duration::from_secs(secs)) {
            Ok(_) => assert!(
                start.elapsed() < Duration::from_secs(secs),
                "still streaming"
            ),
            Err(RecvTimeoutError::Disconnected) => return start.elapsed(),
            Err(RecvTimeoutError::Timeout) => panic!("the stream is still open after {secs} s"),
        }
    }
}

#[test]
fn revoking_a_token_or_removing_its_company_ends_its_open_stream() {
    let (_sim, dir, _serve, http) = setup();
    let read = token(&dir.path, &["--scope", "read", "--note", "bot"]);
    let events = http.events(&read, None);
    let out = walink(&dir.path, &["token", "revoke", &token_id(&dir.path, "bot")]);
    assert!(out.status.success());
    let took = ends_within(&events, 5);
    assert!(took < Duration::from_millis(1500), "ended after {took:?}");
    let again = http.call("GET", "/api/v1/sessions", Some(&read), None);
    assert_eq!(again.status, 401);

    let admin = token(&dir.path, &["--scope", "admin"]);
    let bound = token(&dir.path, &["--scope", "read", "--company", "beta"]);
    let events = http.events(&bound, None);
    let removed = http.call("DELETE", "/api/v1/companies/beta", Some(&admin), None);
    assert_eq!(removed.status, 200, "{}", removed.body);
    ends_within(&events, 5);
}
