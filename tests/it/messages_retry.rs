//! "Waiting for this message" never stays: a customer's message that
//! arrives damaged is told to the bot as `message.undecryptable`, walink's
//! client asks the customer's for it again (a retry receipt the simulator
//! relays), and the copy that decrypts reaches the bot as
//! `message.received` with the same id.

use whatsapp_rust::Jid;

use crate::common::walink;
use crate::crash::link_by_qr;
use crate::http::{setup, token};
use crate::wa::linked_client_at;
use crate::webhooks::{Receiver, body};

const ACME: &str = "79001000005";
const CUSTOMER: &str = "79990000005";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_message_is_undecryptable_then_received_once_its_copy_arrives() {
    let (sim, dir, serve, http) = tokio::task::block_in_place(setup);
    let hook = Receiver::start(&[]);
    let args = ["webhook", "add", hook.url.as_str(), "--company", "acme"];
    assert!(walink(&dir.path, &args).status.success());
    let admin = token(&dir.path, &["--scope", "link"]);
    tokio::task::block_in_place(|| link_by_qr(&sim, &http, &admin, "acme", ACME));
    let store = tempfile::tempdir().expect("tmp");
    let mut customer =
        linked_client_at(&sim.ws, &sim, &store.path().join("customer.db"), CUSTOMER).await;
    let to = Jid::pn(ACME);
    customer
        .client
        .send_text(to.clone(), "Hello")
        .await
        .expect("sent");
    // The bot answers, so the customer's session is settled (its next
    // message is a plain `msg`, whose MAC the fault breaks).
    let sender = token(&dir.path, &["--company", "acme", "--scope", "link"]);
    let reply = format!(r#"{{"to": "+{CUSTOMER}", "text": "Hi"}}"#);
    let path = "/api/v1/sessions/acme/messages";
    let queued = tokio::task::block_in_place(|| http.post_keyed(path, &sender, "r1", &reply));
    assert_eq!(queued.status, 202, "{}", queued.body);
    customer
        .wait_raw(crate::wa::secs(30), |e| match e {
            whatsapp_rust::prelude::Event::Messages(b) => b
                .messages
                .iter()
                .any(|m| m.message.conversation.as_deref() == Some("Hi"))
                .then_some(()),
            _ => None,
        })
        .await;

    let fault = format!(r#"{{"fault":"garble","target":"{ACME}"}}"#);
    assert_eq!(sim.call("POST", "/fault", &fault).0, 200);
    let sent = customer
        .client
        .send_text(to, "Are you there?")
        .await
        .expect("sent");
    let id = sent.message_id.to_string();

    let mut seen = Vec::new();
    tokio::task::block_in_place(|| {
        while !seen
            .iter()
            .any(|(e, i, _): &(String, String, String)| e == "message.received" && *i == id)
        {
            let Some(got) = hook.got_within(std::time::Duration::from_secs(30)) else {
                panic!("no delivery; serve's log:\n{}", serve.log());
            };
            let b = body(&got);
            let d = &b["data"];
            if d["id"] == id.as_str() {
                let text = d["text"].as_str().unwrap_or("").to_owned();
                seen.push((
                    b["event"].as_str().unwrap_or("").to_owned(),
                    id.clone(),
                    text,
                ));
            }
        }
    });
    let events: Vec<(&str, &str)> = seen
        .iter()
        .map(|(e, _, t)| (e.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("message.undecryptable", ""),
            ("message.received", "Are you there?")
        ],
        "told once as undecryptable, then once as received"
    );
    let history = tokio::task::block_in_place(|| {
        http.call("GET", "/api/v1/sessions/acme/messages", Some(&admin), None)
    });
    let rows = history.body.as_array().expect("a list");
    let ours: Vec<_> = rows.iter().filter(|m| m["id"] == id.as_str()).collect();
    assert_eq!(ours.len(), 1, "one row: {}", history.body);
    assert_eq!(ours[0]["status"], "received");
    let (_, _, metrics) = tokio::task::block_in_place(|| http.bytes("/metrics", &admin));
    let metrics = String::from_utf8_lossy(&metrics);
    let want = r#"walink_messages_total{company="acme",direction="in",outcome="undecryptable"} 1"#;
    assert!(metrics.contains(want), "{metrics}");
    customer.shutdown().await;
}
