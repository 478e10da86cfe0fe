//! Whose link attempt it is, over HTTP: the session says so, and a second
//! POST never replaces a live code, not even the same token's own.

use std::time::{Duration, Instant};

use crate::http::{setup, token};

#[test]
fn a_live_attempt_names_its_asker_and_a_second_post_is_refused() {
    let (_sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    let code = r#"{"method":"code","phone":"+7 900 123 45 67"}"#;
    let first = http.call("POST", "/api/v1/sessions/acme/link", Some(&t), Some(code));
    assert_eq!(first.status, 200, "{}", first.body);

    let s = http.call("GET", "/api/v1/sessions/acme", Some(&t), None);
    let live = &s.body["live_attempt"];
    assert_eq!(live["method"], "code", "{}", s.body);
    let by = live["by"].as_str().unwrap_or_default();
    assert!(by.starts_with("HTTP token #"), "{}", s.body);
    assert!(
        live["since"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{}",
        s.body
    );

    let again = http.call(
        "POST",
        "/api/v1/sessions/acme/link",
        Some(&t),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.body["error"]["code"], "attempt_live");
    let message = again.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(by) && message.contains("DELETE /api/v1/sessions/SLUG/link"),
        "{message}"
    );
    // The first code is still the live one.
    let s = http.call("GET", "/api/v1/sessions/acme", Some(&t), None);
    assert_eq!(s.body["live_attempt"]["method"], "code", "{}", s.body);

    // Cancelled, the attempt and its claim end together; then a QR goes.
    let cancel = http.call("DELETE", "/api/v1/sessions/acme/link", Some(&t), None);
    assert_eq!(cancel.status, 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let qr = http.call(
            "POST",
            "/api/v1/sessions/acme/link",
            Some(&t),
            Some(r#"{"method":"qr"}"#),
        );
        if qr.status == 200 {
            assert!(qr.body["qr"].as_str().is_some(), "{}", qr.body);
            break;
        }
        assert_eq!(qr.status, 409, "{}", qr.body);
        assert!(Instant::now() < deadline, "the claim outlived its attempt");
        std::thread::sleep(Duration::from_millis(100));
    }
}
