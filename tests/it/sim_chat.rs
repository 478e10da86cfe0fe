//! Two real whatsapp-rust clients talking through the simulator, which
//! routes their ciphertexts as WhatsApp's server does and never decrypts:
//! the conversation's crypto happens in the two clients.

use walink::sim::SimEvent;
use whatsapp_rust::Jid;
use whatsapp_rust::prelude::Event;
use whatsapp_rust::types::presence::ReceiptType;

use super::wa::{TestClient, linked_client_of, secs, sim, sim_event, store_in};

const ACME: &str = "79001234567";
const CUSTOMER: &str = "79990000001";

/// The text of the first inbound message `c` gets, with its sender's number.
async fn next_text(c: &mut TestClient) -> (String, String, String) {
    c.wait_raw(secs(30), |e| match e {
        Event::Messages(batch) => batch.messages.iter().find_map(|m| {
            let text = m
                .message
                .conversation
                .clone()
                .or_else(|| m.message.extended_text_message.as_option()?.text.clone())?;
            Some((
                text,
                m.info.source.sender.user.to_string(),
                m.info.id.to_string(),
            ))
        }),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_and_a_company_talk_and_a_message_waits_for_an_offline_device() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let acme_store = store_in(&dir, "acme");
    let mut acme = linked_client_of(&sim, &acme_store, ACME).await;
    let mut customer = linked_client_of(&sim, &store_in(&dir, "customer"), CUSTOMER).await;
    let mut routed = sim.events();

    let sent = customer
        .client
        .send_text(Jid::pn(ACME), "Hello")
        .await
        .expect("the customer sends");
    let (text, from, id) = next_text(&mut acme).await;
    assert_eq!((text.as_str(), from.as_str()), ("Hello", CUSTOMER));
    assert_eq!(id, sent.message_id.to_string());
    // The server saw ciphertext for acme's companion, nothing more.
    let to = sim_event(&mut routed, secs(5), |e| match e {
        SimEvent::Routed(r) if r.to.starts_with(&format!("{ACME}:")) => Some(r.clone()),
        _ => None,
    })
    .await;
    assert_eq!(to.enc, "pkmsg");

    // The customer's phone learns acme's device got it.
    let delivered = customer
        .wait_raw(secs(20), |e| match e {
            Event::Receipt(r) if r.message_ids.contains(&id) => Some(r.r#type.clone()),
            _ => None,
        })
        .await;
    assert!(
        matches!(delivered, ReceiptType::Delivered | ReceiptType::Inactive),
        "{delivered:?}"
    );

    acme.client
        .send_text(Jid::pn(CUSTOMER), "Hi, how can we help?")
        .await
        .expect("acme replies");
    let (reply, from, _) = next_text(&mut customer).await;
    assert_eq!(
        (reply.as_str(), from.as_str()),
        ("Hi, how can we help?", ACME)
    );

    // acme goes away; what the customer sends meanwhile waits on the server.
    acme.shutdown().await;
    customer
        .client
        .send_text(Jid::pn(ACME), "Are you there?")
        .await
        .expect("sent while acme is away");
    let mut back = TestClient::start(&sim, &acme_store, Default::default()).await;
    let (text, from, _) = next_text(&mut back).await;
    assert_eq!((text.as_str(), from.as_str()), ("Are you there?", CUSTOMER));
    back.shutdown().await;
    customer.shutdown().await;
}
