//! What the number's owner writes from another of its devices reaches the
//! bot as `message.sent`: WhatsApp copies each send to every device of the
//! account, walink's among them.

use whatsapp_rust::Jid;
use whatsapp_rust::prelude::Event;

use crate::crash::link_by_qr;
use crate::http::{setup, token};
use crate::messages_api::status_of;
use crate::wa::{TestClient, linked_client_at, secs};
use crate::webhooks::{Receiver, body, subscribe};

const ACME: &str = "79001000021";
const CUSTOMER: &str = "79990000021";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_the_owner_sends_from_another_device_is_message_sent() {
    let (sim, dir, _serve, http) = tokio::task::block_in_place(setup);
    let hook = Receiver::start(&[]);
    let events = "message.sent,message.status";
    subscribe(&dir.path, &hook.url, "acme", events, &["--whole-numbers"]);
    let admin = token(&dir.path, &["--scope", "link"]);
    tokio::task::block_in_place(|| link_by_qr(&sim, &http, &admin, "acme", ACME));

    let stores = tempfile::tempdir().expect("tmp");
    let mut customer: TestClient =
        linked_client_at(&sim.ws, &sim, &stores.path().join("customer.db"), CUSTOMER).await;
    // The owner's desktop: a second device linked to acme's number.
    let mut desktop: TestClient =
        linked_client_at(&sim.ws, &sim, &stores.path().join("desktop.db"), ACME).await;
    let sent = desktop
        .client
        .send_text(Jid::pn(CUSTOMER), "I'll take it from here")
        .await
        .expect("the owner sends");
    let id = sent.message_id.to_string();

    let got = tokio::task::block_in_place(|| {
        loop {
            let b = body(&hook.next(30));
            if b["event"] == "message.sent" {
                break b;
            }
        }
    });
    let data = &got["data"];
    assert_eq!(data["id"], id.as_str(), "{got}");
    assert_eq!(data["direction"], "out", "{got}");
    assert_eq!(data["status"], "sent", "{got}");
    assert_eq!(data["text"], "I'll take it from here", "{got}");
    assert_eq!(data["chat"], format!("{CUSTOMER}@s.whatsapp.net"), "{got}");
    assert_eq!(data["from_phone"], format!("+{ACME}"), "{got}");

    // The customer got it from the desktop; the history has it as sent.
    customer
        .wait_raw(secs(30), |e| match e {
            Event::Messages(batch) => batch
                .messages
                .iter()
                .find(|m| *m.info.id == *id)
                .map(|_| ()),
            _ => None,
        })
        .await;
    let bot = token(&dir.path, &["--company", "acme"]);
    let history = tokio::task::block_in_place(|| {
        http.call("GET", "/api/v1/sessions/acme/messages", Some(&bot), None)
    });
    assert_eq!(history.status, 200, "{}", history.body);
    assert_eq!(history.body[0]["id"], id.as_str(), "{}", history.body);
    assert_eq!(history.body[0]["direction"], "out", "{}", history.body);

    // The customer reads it: a status of the same message, not a second one.
    customer
        .client
        .mark_as_read(&Jid::pn(ACME), None, &[id.as_str()])
        .await
        .expect("read receipt");
    tokio::task::block_in_place(|| status_of(&hook, &id, "read"));
    desktop.shutdown().await;
    customer.shutdown().await;
}
