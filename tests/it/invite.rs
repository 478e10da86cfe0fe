//! `walink invite` and the invitation page over plain HTTP: making,
//! listing and revoking; one invalid page for every unusable link; the
//! headers; the language; one company's link never reaches another.

use std::time::Duration;

use crate::common::{stderr, stdout, walink};
use crate::http::{setup, token};

/// `walink invite ARGS…` against a running server: the URL it printed.
pub fn invite(data: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["invite"];
    all.extend_from_slice(args);
    let out = walink(data, &all);
    assert!(out.status.success(), "{}", stderr(&out));
    let url = stdout(&out).trim().to_owned();
    assert!(url.contains("/link/"), "{url}");
    url
}

/// (status, header lookup, body) of a plain GET.
pub fn get(url: &str, accept_language: Option<&str>) -> (u16, ureq::http::HeaderMap, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut req = agent.get(url);
    if let Some(l) = accept_language {
        req = req.header("Accept-Language", l);
    }
    let mut resp = req.call().expect("the page answers");
    let body = resp.body_mut().read_to_string().unwrap_or_default();
    (resp.status().as_u16(), resp.headers().clone(), body)
}

/// Backdate an invitation's expiry in the registry, as time would.
pub fn expire(data: &std::path::Path, id: i64) {
    let db = rusqlite::Connection::open(data.join("walink.db")).expect("registry");
    let n = db
        .execute(
            "UPDATE invitations SET expires_at = strftime('%s','now') - 1 WHERE id = ?1",
            [id],
        )
        .expect("update");
    assert_eq!(n, 1);
}

#[test]
fn invite_needs_a_public_url_and_checks_its_input() {
    let dir = crate::common::TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let out = walink(&dir.path, &["invite", "acme"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no public URL yet"),
        "{}",
        stderr(&out)
    );
    let table = [
        (
            vec!["invite", "acme", "--expires", "9d"],
            "--expires: an invitation lasts between 1m and 7d",
        ),
        (vec!["invite", "acme", "--method", "sms"], "--method:"),
        (vec!["invite", "acme", "--phone", "12"], "--phone:"),
        (
            vec!["invite", "acme", "--public-url", "example.com"],
            "--public-url:",
        ),
        (
            vec![
                "invite",
                "acme",
                "--phone",
                "+79001234567",
                "--method",
                "qr",
            ],
            "use --method code or any",
        ),
    ];
    for (args, want) in table {
        let out = walink(&dir.path, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    let out = walink(
        &dir.path,
        &["invite", "nosuch", "--public-url", "https://w.example.com"],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nosuch"), "{}", stderr(&out));

    // Without a server it is still made (the page opens once one runs).
    let url = invite(
        &dir.path,
        &["acme", "--public-url", "https://w.example.com/base/"],
    );
    assert!(url.starts_with("https://w.example.com/base/link/"), "{url}");
    let token = url.rsplit('/').next().expect("token");
    assert_eq!(token.len(), 48);
    let db = std::fs::read(dir.path.join("walink.db")).expect("registry");
    assert!(
        !db.windows(token.len()).any(|w| w == token.as_bytes()),
        "the registry holds the token itself"
    );
}

#[test]
fn list_revoke_and_one_invalid_page_for_every_unusable_link() {
    let (_sim, dir, serve, _http) = setup();
    let live = invite(&dir.path, &["acme"]);
    let revoked = invite(&dir.path, &["acme", "--method", "qr"]);
    let expired = invite(&dir.path, &["beta", "--phone", "+7 900 123 45 67"]);
    assert!(
        live.starts_with(&serve.http()),
        "{live} vs {}",
        serve.http()
    );

    let out = walink(&dir.path, &["invite", "revoke", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Revoked invitation #2"),
        "{}",
        stdout(&out)
    );
    let again = walink(&dir.path, &["invite", "revoke", "2"]);
    assert!(
        stdout(&again).contains("already revoked"),
        "{}",
        stdout(&again)
    );
    let none = walink(&dir.path, &["invite", "revoke", "99"]);
    assert!(
        stderr(&none).contains("no invitation #99"),
        "{}",
        stderr(&none)
    );
    expire(&dir.path, 3);

    let out = walink(&dir.path, &["invite", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let statuses: Vec<_> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|l| l["status"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(statuses, ["live", "revoked", "expired"]);
    assert_eq!(list[2]["phone"], "+7900•••4567");
    assert!(!stdout(&out).contains("79001234567"));

    let (status, headers, page) = get(&live, None);
    assert_eq!(status, 200);
    assert!(page.contains("acme"), "{page}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");

    let unknown = format!("{}/link/{}", serve.http(), "0".repeat(48));
    let invalid: Vec<_> = [&revoked, &expired, &unknown]
        .iter()
        .map(|u| get(u, None))
        .collect();
    for (status, headers, body) in &invalid {
        assert_eq!(*status, 404);
        assert_eq!(headers["cache-control"], "no-store");
        assert!(body.contains("This link is no longer valid"), "{body}");
        // No hint which: the same page, byte for byte.
        assert_eq!(body, &invalid[0].2);
    }
    let (_, _, ru) = get(&revoked, Some("ru-RU,ru;q=0.9,en;q=0.8"));
    assert!(ru.contains("Эта ссылка больше не действует"), "{ru}");
    let (_, _, ru) = get(&live, Some("ru-RU,ru;q=0.9"));
    assert!(
        ru.contains("lang=\"ru\"") && ru.contains("Номер WhatsApp"),
        "{ru}"
    );
    let (_, _, en) = get(&format!("{live}?lang=en"), Some("ru"));
    assert!(en.contains("WhatsApp number"), "{en}");
}

#[test]
fn an_invitation_reaches_only_its_own_company() {
    let (_sim, dir, serve, http) = setup();
    let url = invite(&dir.path, &["acme", "--method", "code"]);
    let t = token(&dir.path, &["--scope", "admin"]);
    // acme's page follows its own attempts only; beta links meanwhile.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let events = agent.get(format!("{url}/events")).call().expect("events");
    assert_eq!(events.status().as_u16(), 200);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let reader = std::io::BufReader::new(events.into_body().into_reader());
        for line in reader.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let beta = http.call(
        "POST",
        "/api/v1/sessions/beta/link",
        Some(&t),
        Some(r#"{"method":"code","phone":"+7 912 345 67 89"}"#),
    );
    assert_eq!(beta.status, 200, "{}", beta.body);
    let beta_code = beta.body["code"].as_str().expect("code").to_owned();
    // A QR is refused: this invitation offers codes only.
    let qr = agent
        .post(format!("{url}/start"))
        .header("Content-Type", "application/json")
        .send(r#"{"method":"qr"}"#)
        .expect("answer");
    assert_eq!(qr.status().as_u16(), 422);
    let mut own = agent
        .post(format!("{url}/start"))
        .header("Content-Type", "application/json")
        .send(r#"{"method":"code","phone":"+7 900 123 45 67"}"#)
        .expect("answer");
    assert_eq!(own.status().as_u16(), 200);
    let own: serde_json::Value =
        serde_json::from_str(&own.body_mut().read_to_string().expect("body")).expect("JSON");
    let code = own["code"].as_str().expect("own code").to_owned();
    assert_ne!(code, beta_code);
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !seen.iter().any(|l: &String| l.contains(&code)) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("no event with acme's own code: {seen:?}"),
        }
    }
    assert!(
        !seen.iter().any(|l| l.contains(&beta_code)),
        "beta's code reached acme's page: {seen:?}"
    );
    let log = http.call("GET", "/api/v1/sessions/beta/events", Some(&t), None);
    assert!(!log.body.to_string().contains("invitation"), "{}", log.body);
    let log = http.call("GET", "/api/v1/sessions/acme/events", Some(&t), None);
    let text = log.body.to_string();
    assert!(
        text.contains("code requested through invitation #1"),
        "{text}"
    );
    drop(serve);
}
