//! A reply on a bad day: the server's ack to walink is lost and the
//! customer's only device is offline. The bot is told `sent` (the server
//! has it) and nothing more until the customer's device is back, then
//! `delivered`; the customer gets it once. The simulator's control API
//! shows where it routed the message, without its content.

use std::time::Duration;

use whatsapp_rust::prelude::Event;

use crate::crash::link_by_qr;
use crate::http::{setup, token};
use crate::wa::{Opts, TestClient, linked_client_at, secs};
use crate::webhooks::{Receiver, body, subscribe};

const ACME: &str = "79001000003";
const CUSTOMER: &str = "79990000003";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_whose_ack_is_lost_waits_for_the_offline_customer_and_arrives_once() {
    let (sim, dir, _serve, http) = tokio::task::block_in_place(setup);
    let hook = Receiver::start(&[]);
    subscribe(&dir.path, &hook.url, "acme", "message.status", &[]);
    let admin = token(&dir.path, &["--scope", "link"]);
    tokio::task::block_in_place(|| link_by_qr(&sim, &http, &admin, "acme", ACME));

    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("customer.db");
    let mut customer = linked_client_at(&sim.ws, &sim, &store, CUSTOMER).await;
    customer.shutdown().await;
    drop(customer);
    let armed = tokio::task::block_in_place(|| {
        sim.call(
            "POST",
            "/fault",
            &format!(r#"{{"fault":"lost_ack","target":"{ACME}"}}"#),
        )
    });
    assert_eq!(armed.0, 200, "{:?}", armed.1);

    let bot = token(&dir.path, &["--company", "acme", "--scope", "link"]);
    let reply = format!(r#"{{"to": "+{CUSTOMER}", "text": "Your order has shipped"}}"#);
    let sent = tokio::task::block_in_place(|| {
        http.post_keyed("/api/v1/sessions/acme/messages", &bot, "k1", &reply)
    });
    assert_eq!(sent.status, 202, "{}", sent.body);
    let id = sent.body["id"].as_str().expect("an id").to_owned();

    let first = tokio::task::block_in_place(|| body(&hook.next(30)));
    assert_eq!(first["data"]["id"], id.as_str(), "{first}");
    assert_eq!(first["data"]["status"], "sent", "{first}");
    assert!(
        hook.got_within(Duration::from_secs(3)).is_none(),
        "nothing more while the customer's device is offline"
    );
    let (status, routed) =
        tokio::task::block_in_place(|| sim.call("GET", &format!("/routed?id={id}"), ""));
    assert_eq!(status, 200, "{routed:?}");
    let to_customer: Vec<_> = routed
        .as_array()
        .expect("a list")
        .iter()
        .filter(|r| r["to"].as_str().is_some_and(|t| t.starts_with(CUSTOMER)))
        .collect();
    assert!(
        !to_customer.is_empty(),
        "routed to the customer's devices: {routed}"
    );
    assert!(
        !routed.to_string().contains("Your order"),
        "metadata only: {routed}"
    );

    // The customer's device comes back: the queued copy, once.
    let mut customer = TestClient::start_at(&sim.ws, &store, Opts::default()).await;
    let texts = tokio::time::timeout(secs(30), async {
        let mut texts = Vec::new();
        loop {
            let e = customer.raw.recv().await.expect("client events");
            if let Event::Messages(batch) = &*e {
                texts.extend(batch.messages.iter().filter_map(|m| {
                    Some((m.info.id.to_string(), m.message.conversation.clone()?))
                }));
                if !texts.is_empty() {
                    return texts;
                }
            }
        }
    })
    .await
    .expect("the queued reply arrives");
    assert_eq!(texts, [(id.clone(), "Your order has shipped".to_owned())]);
    let delivered = tokio::task::block_in_place(|| body(&hook.next(30)));
    assert_eq!(delivered["data"]["id"], id.as_str(), "{delivered}");
    assert_eq!(delivered["data"]["status"], "delivered", "{delivered}");
    let again = tokio::time::timeout(secs(2), async {
        loop {
            let e = customer.raw.recv().await.expect("client events");
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
    assert!(again.is_err(), "a second copy reached the customer");
    customer.shutdown().await;
}
