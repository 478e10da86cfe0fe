//! The send guard over HTTP: a burst past the limit is refused with 429,
//! Retry-After and a sentence, and nothing of it is queued; a repeat of a
//! queued message's key is never refused.

use crate::http::{setup_with, token};

#[test]
fn a_burst_and_too_many_new_chats_are_refused_with_a_time_to_retry() {
    let (_sim, dir, _serve, http) =
        setup_with(&["--send-per-minute", "2", "--new-chats-per-day", "3"]);
    let t = token(&dir.path, &["--company", "acme", "--scope", "link"]);
    let path = "/api/v1/sessions/acme/messages";
    let to = |n: u32| format!(r#"{{"to": "+7 999 000 00 0{n}", "text": "Hello"}}"#);
    for n in 1..=2 {
        let a = http.post_keyed(path, &t, &format!("k{n}"), &to(n));
        assert_eq!(a.status, 202, "{}", a.body);
    }
    let third = http.post_keyed(path, &t, "k3", &to(3));
    assert_eq!(third.status, 429, "{}", third.body);
    assert_eq!(third.body["error"]["code"], "send_rate");
    assert!(
        third.body["error"]["message"].as_str().is_some_and(|m| m
            .contains("2 messages in the last minute")
            && m.contains("Try again after")),
        "{}",
        third.body
    );
    let wait: u64 = third
        .retry_after
        .as_deref()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    // The caller told "queued" asks again: the same message, not a refusal.
    let again = http.post_keyed(path, &t, "k1", &to(1));
    assert_eq!(again.status, 202, "{}", again.body);
    // The refused one was not queued: the history has the two.
    let history = http.call("GET", path, Some(&t), None);
    assert_eq!(
        history.body.as_array().map(Vec::len),
        Some(2),
        "{}",
        history.body
    );
    // The event log says why, where the admin looks.
    let log = http.call("GET", "/api/v1/sessions/acme/events", Some(&t), None);
    assert!(
        log.body.to_string().contains("the most walink allows"),
        "{}",
        log.body
    );
}
