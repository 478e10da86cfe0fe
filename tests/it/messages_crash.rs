//! Nothing lost, nothing twice across a crash of `walink serve`: a message
//! whose webhook never succeeded before a kill -9 reaches the bot once
//! after the restart, and one the customer sent while walink was down
//! arrives after it.

use std::collections::HashMap;
use std::time::Duration;

use whatsapp_rust::Jid;

use crate::common::walink;
use crate::crash::link_by_qr;
use crate::http::{Http, setup, token};
use crate::serve::Serve;
use crate::wa::linked_client_at;
use crate::webhooks::{Receiver, body};

const ACME: &str = "79001000002";
const CUSTOMER: &str = "79990000002";

fn add_hook(data: &std::path::Path, url: &str) {
    add_hook_for(data, url, "message.received");
}

fn add_hook_for(data: &std::path::Path, url: &str, events: &str) {
    crate::webhooks::subscribe(data, url, "acme", events, &[]);
}

/// Every `message.received` delivered within `quiet` of the last one, as
/// (text → how many times the bot got it).
fn received_texts(hook: &Receiver, first_within: u64, quiet: Duration) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    let mut got = Some(hook.next(first_within));
    while let Some(g) = got {
        let b = body(&g);
        if b["event"] == "message.received" && g.answered == 200 {
            *seen
                .entry(b["data"]["text"].as_str().unwrap_or("").to_owned())
                .or_default() += 1;
        }
        got = hook.got_within(quiet);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_before_the_webhook_succeeds_delivers_once_after_the_restart() {
    let (sim, dir, mut serve, http) = tokio::task::block_in_place(setup);
    // The bot is down at first: its receiver refuses.
    let hook = Receiver::start(&[503]);
    add_hook(&dir.path, &hook.url);
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
    let refused = tokio::task::block_in_place(|| hook.next(30));
    assert_eq!(refused.answered, 503);
    tokio::task::block_in_place(|| serve.kill_9());

    // While walink is down the customer writes again.
    customer
        .client
        .send_text(to, "Are you there?")
        .await
        .expect("sent");
    let serve = tokio::task::block_in_place(|| {
        Serve::start_with(&dir.path, &sim, &["--http", "127.0.0.1:0"])
    });
    let seen = tokio::task::block_in_place(|| received_texts(&hook, 60, Duration::from_secs(4)));
    assert_eq!(seen.get("Hello"), Some(&1), "{seen:?}");
    assert_eq!(seen.get("Are you there?"), Some(&1), "{seen:?}");
    let http = Http::new(serve.http());
    let history = tokio::task::block_in_place(|| {
        http.call("GET", "/api/v1/sessions/acme/messages", Some(&admin), None)
    });
    assert_eq!(
        history.body.as_array().map(Vec::len),
        Some(2),
        "{}",
        history.body
    );
    customer.shutdown().await;
}

/// The state a kill -9 leaves between keeping a message and putting its
/// webhook in the outbox (a window too narrow to hit from outside): the
/// message is in the registry, no delivery is. The next start hands it to
/// the webhook, once.
#[test]
fn a_message_kept_but_never_handed_to_webhooks_is_delivered_at_the_next_start() {
    let sim = crate::sim_process::SimProcess::start();
    let dir = crate::common::TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let hook = Receiver::start(&[]);
    add_hook(&dir.path, &hook.url);
    {
        let mut s = walink::store::Store::open(&dir.path.join("walink.db")).expect("registry");
        let acme = s.company("acme").expect("acme").id;
        let m = walink::domain::Message {
            id: "3A0000000000000000C1".into(),
            direction: walink::domain::Direction::In,
            chat: format!("{CUSTOMER}@s.whatsapp.net"),
            sender: Some(format!("{CUSTOMER}@s.whatsapp.net")),
            sender_alt: None,
            sender_phone: Some(CUSTOMER.into()),
            push_name: None,
            at: walink::store::now_unix(),
            kind: walink::domain::MessageKind::Text,
            text: Some("Kept before the crash".into()),
            quoted: None,
            status: walink::domain::MessageStatus::Received,
            reason: None,
        };
        s.keep_inbound(acme, &[m], walink::store::now_unix())
            .expect("kept");
    }
    let serve = Serve::start(&dir.path, &sim);
    let seen = received_texts(&hook, 20, Duration::from_secs(2));
    assert_eq!(seen.get("Kept before the crash"), Some(&1), "{seen:?}");
    assert_eq!(serve.terminate(), 0);
    let _serve = Serve::start(&dir.path, &sim);
    assert!(
        hook.got_within(Duration::from_secs(3)).is_none(),
        "announced once, not at every start"
    );
}

/// A reply's status moved in the registry (the engine's step) and the
/// process died before its webhook delivery was queued: the next start
/// tells the bot the status it has now, once.
#[test]
fn a_status_stored_but_never_handed_to_webhooks_is_told_at_the_next_start() {
    let sim = crate::sim_process::SimProcess::start();
    let dir = crate::common::TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let hook = Receiver::start(&[]);
    add_hook_for(&dir.path, &hook.url, "message.status");
    {
        use walink::domain::{Direction, Message, MessageKind, MessageStatus};
        let mut s = walink::store::Store::open(&dir.path.join("walink.db")).expect("registry");
        let acme = s.company("acme").expect("acme").id;
        let now = walink::store::now_unix();
        let m = Message {
            id: "3EB0000000000000000C2".into(),
            direction: Direction::Out,
            chat: format!("{CUSTOMER}@s.whatsapp.net"),
            sender: None,
            sender_alt: None,
            sender_phone: None,
            push_name: None,
            at: now,
            kind: MessageKind::Text,
            text: Some("Your order is ready".into()),
            quoted: None,
            status: MessageStatus::Queued,
            reason: None,
        };
        s.queue_outbound(acme, Some("k1"), &m, None)
            .expect("queued");
        for status in [MessageStatus::Sent, MessageStatus::Delivered] {
            s.set_message_status(acme, &m.id, status, None, now)
                .expect("moved");
        }
    }
    let serve = Serve::start(&dir.path, &sim);
    let got = hook.next(20);
    let b = body(&got);
    assert_eq!(b["event"], "message.status", "{b}");
    assert_eq!(b["data"]["id"], "3EB0000000000000000C2", "{b}");
    assert_eq!(
        b["data"]["status"], "delivered",
        "the status it has now: {b}"
    );
    assert!(
        hook.got_within(Duration::from_secs(2)).is_none(),
        "told once"
    );
    assert_eq!(serve.terminate(), 0);
    let _serve = Serve::start(&dir.path, &sim);
    assert!(
        hook.got_within(Duration::from_secs(3)).is_none(),
        "told once, not at every start"
    );
}
