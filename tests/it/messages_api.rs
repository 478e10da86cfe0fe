//! A customer writes to a company's number: the bot hears it from a signed
//! webhook and the API's history, and no other company does.

use whatsapp_rust::Jid;
use whatsapp_rust::prelude::Event;

use crate::crash::link_by_qr;
use crate::http::{setup, token};
use crate::wa::{TestClient, linked_client_at, secs};
use crate::webhooks::{Receiver, body, signed_by, subscribe};

const ACME: &str = "79001000001";
const CUSTOMER: &str = "79990000001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_message_reaches_the_company_bot_and_no_other() {
    let (sim, dir, serve, http) = tokio::task::block_in_place(setup);
    let acme_hook = Receiver::start(&[]);
    let beta_hook = Receiver::start(&[]);
    for (slug, url) in [("acme", &acme_hook.url), ("beta", &beta_hook.url)] {
        let events = "message.received,message.status";
        subscribe(&dir.path, url, slug, events, &["--secret", "s3cret"]);
    }
    let admin = token(&dir.path, &["--scope", "link"]);
    tokio::task::block_in_place(|| link_by_qr(&sim, &http, &admin, "acme", ACME));

    let store = tempfile::tempdir().expect("tmp");
    let mut customer: TestClient =
        linked_client_at(&sim.ws, &sim, &store.path().join("customer.db"), CUSTOMER).await;
    let sent = customer
        .client
        .send_text(Jid::pn(ACME), "Hello")
        .await
        .expect("the customer sends");

    let got = tokio::task::block_in_place(|| acme_hook.next(30));
    assert!(signed_by("s3cret", &got), "signed: {got:?}");
    let b = body(&got);
    assert_eq!(b["event"], "message.received", "{b}");
    assert_eq!(b["company"], "acme");
    let data = &b["data"];
    assert_eq!(data["id"], sent.message_id.to_string());
    assert_eq!(data["text"], "Hello");
    assert_eq!(data["kind"], "text");
    assert_eq!(data["from_phone"], format!("+{CUSTOMER}"));
    assert!(
        data["from_alt"]
            .as_str()
            .is_some_and(|l| l.ends_with("@lid")),
        "a LID to answer too: {data}"
    );

    // The bot's own token reads the history; beta's token cannot see acme.
    let acme_bot = token(&dir.path, &["--company", "acme"]);
    let beta_bot = token(&dir.path, &["--company", "beta"]);
    let history = tokio::task::block_in_place(|| {
        http.call(
            "GET",
            "/api/v1/sessions/acme/messages",
            Some(&acme_bot),
            None,
        )
    });
    assert_eq!(history.status, 200, "{}", history.body);
    assert_eq!(history.body[0]["text"], "Hello", "{}", history.body);
    assert_eq!(history.body.as_array().map(Vec::len), Some(1));
    let other = tokio::task::block_in_place(|| {
        http.call(
            "GET",
            "/api/v1/sessions/acme/messages",
            Some(&beta_bot),
            None,
        )
    });
    assert_eq!(other.status, 404, "{}", other.body);
    assert!(
        beta_hook
            .got_within(std::time::Duration::from_secs(2))
            .is_none(),
        "beta's webhook never carries acme's messages"
    );

    // The bot answers; the same Idempotency-Key twice sends once.
    let acme_sender = token(&dir.path, &["--company", "acme", "--scope", "link"]);
    let path = "/api/v1/sessions/acme/messages";
    let reply = format!(r#"{{"to": "+{CUSTOMER}", "text": "Hi, how can we help?"}}"#);
    let refused = tokio::task::block_in_place(|| http.post_keyed(path, &acme_bot, "k1", &reply));
    assert_eq!(
        refused.status, 403,
        "a read token does not send: {}",
        refused.body
    );
    let first = tokio::task::block_in_place(|| http.post_keyed(path, &acme_sender, "k1", &reply));
    assert_eq!(first.status, 202, "{}", first.body);
    let id = first.body["id"].as_str().expect("an id").to_owned();
    let again = tokio::task::block_in_place(|| http.post_keyed(path, &acme_sender, "k1", &reply));
    assert_eq!(again.status, 202, "{}", again.body);
    assert_eq!(again.body["id"], id.as_str(), "the same message answers");
    let beta_sender = token(&dir.path, &["--company", "beta", "--scope", "link"]);
    let by_beta = tokio::task::block_in_place(|| http.post_keyed(path, &beta_sender, "k2", &reply));
    assert_eq!(by_beta.status, 404, "{}", by_beta.body);

    let (text, got_id) = customer
        .wait_raw(secs(30), |e| match e {
            Event::Messages(batch) => batch.messages.iter().find_map(|m| {
                let text = m.message.conversation.clone()?;
                Some((text, m.info.id.to_string()))
            }),
            _ => None,
        })
        .await;
    assert_eq!(
        (text.as_str(), got_id.as_str()),
        ("Hi, how can we help?", id.as_str())
    );

    // The customer's phone got it, then the customer reads it.
    tokio::task::block_in_place(|| status_of(&acme_hook, &id, "delivered"));
    customer
        .client
        .mark_as_read(&Jid::pn(ACME), None, &[id.as_str()])
        .await
        .expect("read receipt");
    tokio::task::block_in_place(|| status_of(&acme_hook, &id, "read"));
    let (_, _, metrics) = tokio::task::block_in_place(|| http.bytes("/metrics", &admin));
    let metrics = String::from_utf8_lossy(&metrics);
    for want in [
        r#"walink_messages_total{company="acme",direction="in",outcome="received"} 1"#,
        r#"walink_messages_total{company="acme",direction="out",outcome="sent"} 1"#,
        r#"walink_messages_total{company="acme",direction="out",outcome="read"} 1"#,
    ] {
        assert!(metrics.contains(want), "{want} in {metrics}");
    }
    // Linking and two messages wrote keys (sessions, pre-keys) and read
    // them, in the company's store, opened for it.
    for name in [
        "walink_key_store_writes_total",
        "walink_key_store_reads_total",
        "walink_key_store_opens_total",
    ] {
        let n: u64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in {metrics}"));
        assert!(n > 0, "{name} {n}");
    }
    // One message at the customer's, though the bot asked twice.
    let twice = tokio::time::timeout(secs(2), async {
        loop {
            let Ok(e) = customer.raw.recv().await else {
                return;
            };
            if let Event::Messages(batch) = &*e
                && batch
                    .messages
                    .iter()
                    .any(|m| m.message.conversation.is_some())
            {
                return;
            }
        }
    })
    .await;
    assert!(twice.is_err(), "a second copy reached the customer");
    customer.shutdown().await;

    // What the customer and the bot wrote is in no log of walink's.
    let logs = serve.all_logs(&dir.path);
    assert!(!logs.is_empty(), "serve logged something to look through");
    for text in ["Hello", "Hi, how can we help?"] {
        assert!(!logs.contains(text), "{text:?} is in the log");
    }
}

/// The first `message.status` of message `id` at `want`.
pub fn status_of(hook: &Receiver, id: &str, want: &str) -> serde_json::Value {
    loop {
        let b = body(&hook.next(30));
        let d = &b["data"];
        if b["event"] == "message.status" && d["id"] == id && d["status"] == want {
            return b;
        }
    }
}
