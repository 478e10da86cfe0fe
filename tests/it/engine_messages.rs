//! Messages into a linked number, through the engine: a real customer's
//! client sends, the simulator routes ciphertext, the engine's client
//! decrypts, and the registry keeps each message once, before WhatsApp
//! hears it arrived.

use walink::domain::{Direction, Message, MessageKind, MessageStatus};
use walink::engine::Update;
use whatsapp_rust::Jid;
use whatsapp_rust::prelude::Event;

use crate::engine_fixture::{Fixture, link_by_qr};
use crate::wa::{PHONE, linked_client_of, secs, sim, store_in};

const CUSTOMER: &str = "79990000001";

async fn received(f: &mut Fixture) -> walink::domain::Message {
    f.wait(secs(30), |u| match u {
        Update::MessageReceived { message, .. } => Some((**message).clone()),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_message_is_kept_once_and_one_sent_while_down_arrives_after_restart() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    let dir = tempfile::tempdir().expect("tmp");
    let customer = linked_client_of(&sim, &store_in(&dir, "customer"), CUSTOMER).await;

    let sent = customer
        .client
        .send_text(Jid::pn(PHONE), "Hello")
        .await
        .expect("the customer sends");
    let got = received(&mut f).await;
    assert_eq!(got.id, sent.message_id.to_string());
    assert_eq!(got.direction, Direction::In);
    assert_eq!(got.kind, MessageKind::Text);
    assert_eq!(got.status, MessageStatus::Received);
    assert_eq!(got.text.as_deref(), Some("Hello"));
    assert_eq!(got.sender_phone.as_deref(), Some(CUSTOMER));
    assert_eq!(got.chat, format!("{CUSTOMER}@s.whatsapp.net"));
    assert!(
        got.sender_alt
            .as_deref()
            .is_some_and(|a| a.ends_with("@lid")),
        "the sender's LID too: {got:?}"
    );
    assert!(got.push_name.is_some(), "the customer's name: {got:?}");
    let kept = f.store().messages(f.company, None, None, 10).expect("read");
    assert_eq!(kept, vec![got.clone()], "kept before it was told");

    // walink is away; the customer writes; the server keeps it queued.
    f.shutdown().await;
    let later = customer
        .client
        .send_text(Jid::pn(PHONE), "Are you there?")
        .await
        .expect("sent while walink is down");
    // Kept for two days, a three-day-old message is forgotten at the next start.
    let old = walink::domain::Message {
        id: "3EB0OLD".into(),
        at: walink::store::now_unix() - 3 * 86_400,
        text: Some("Three days ago".into()),
        ..got.clone()
    };
    let now = walink::store::now_unix();
    f.store()
        .keep_inbound(f.company, &[old], now)
        .expect("keep");
    f.start_again(&sim.url(), |c| {
        c.keep_messages = std::time::Duration::from_secs(2 * 86_400)
    });
    let got = received(&mut f).await;
    assert_eq!(got.id, later.message_id.to_string());
    assert_eq!(got.text.as_deref(), Some("Are you there?"));
    let kept = f.store().messages(f.company, None, None, 10).expect("read");
    let texts: Vec<_> = kept.iter().filter_map(|m| m.text.as_deref()).collect();
    assert_eq!(
        texts,
        ["Are you there?", "Hello"],
        "each once, newest first"
    );
    f.shutdown().await;
}

fn queued(id: &str, text: &str) -> Message {
    Message {
        id: id.into(),
        direction: Direction::Out,
        chat: format!("{CUSTOMER}@s.whatsapp.net"),
        sender: None,
        sender_alt: None,
        sender_phone: None,
        push_name: None,
        at: walink::store::now_unix(),
        kind: MessageKind::Text,
        text: Some(text.into()),
        quoted: None,
        status: MessageStatus::Queued,
        reason: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_queued_while_down_goes_out_on_connect_and_a_stale_one_expires() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut customer = linked_client_of(&sim, &store_in(&dir, "customer"), CUSTOMER).await;
    f.shutdown().await;

    // Queued while the engine is down: one with time left, one whose ttl ran out.
    let mut store = f.store();
    let now = walink::store::now_unix();
    let fresh = queued("3EB0000000000000000A01", "Your order is ready");
    let stale = queued("3EB0000000000000000A02", "Too late");
    store
        .queue_outbound(f.company, Some("a"), &fresh, Some(now + 600))
        .expect("queue");
    store
        .queue_outbound(f.company, Some("b"), &stale, Some(now - 1))
        .expect("queue");
    drop(store);

    f.start_again(&sim.url(), |_| {});
    let expired = f
        .wait(secs(30), |u| match u {
            Update::MessageUpdated { message, .. } if message.status == MessageStatus::Expired => {
                Some((**message).clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(expired.id, stale.id);
    assert!(
        expired.reason.as_deref().is_some_and(|r| r.contains("ttl")),
        "a sentence: {expired:?}"
    );
    let (text, id) = customer
        .wait_raw(secs(30), |e| match e {
            Event::Messages(batch) => batch
                .messages
                .iter()
                .find_map(|m| Some((m.message.conversation.clone()?, m.info.id.to_string()))),
            _ => None,
        })
        .await;
    assert_eq!(
        (text.as_str(), id.as_str()),
        ("Your order is ready", fresh.id.as_str())
    );
    f.wait(secs(30), |u| match u {
        Update::MessageUpdated { message, .. }
            if message.id == fresh.id && message.status == MessageStatus::Delivered =>
        {
            Some(())
        }
        _ => None,
    })
    .await;
    f.shutdown().await;
    customer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_message_expires_while_its_number_stays_offline() {
    let sim = sim().await;
    // Never linked: nothing will send it.
    let mut f = Fixture::new(&sim).await;
    let waiting = queued("3EB0000000000000000A03", "Are you there?");
    let now = walink::store::now_unix();
    f.store()
        .queue_outbound(f.company, None, &waiting, Some(now + 1))
        .expect("queue");
    let expired = f
        .wait(secs(15), |u| match u {
            Update::MessageUpdated { message, .. } if message.id == waiting.id => {
                Some((**message).clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(expired.status, MessageStatus::Expired);
    assert!(
        expired.reason.as_deref().is_some_and(|r| r.contains("ttl")),
        "a sentence: {expired:?}"
    );
    let kept = f.store().messages(f.company, None, None, 10).expect("read");
    assert_eq!(
        kept[0].status,
        MessageStatus::Expired,
        "the registry says so too"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_to_a_number_not_on_whatsapp_ends_failed_with_a_sentence() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    // Nobody on WhatsApp has this number.
    let nobody = Message {
        chat: "79990009999@s.whatsapp.net".into(),
        ..queued("3EB0000000000000000A04", "Hello?")
    };
    f.store()
        .queue_outbound(f.company, None, &nobody, None)
        .expect("queue");
    f.engine
        .send(walink::engine::Command::SendQueued { company: f.company })
        .await
        .expect("told");
    let ended = f
        .wait(secs(30), |u| match u {
            Update::MessageUpdated { message, .. } if message.id == nobody.id => {
                Some((**message).clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(ended.status, MessageStatus::Failed, "{ended:?}");
    assert!(
        ended
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("WhatsApp")),
        "a sentence: {ended:?}"
    );
    f.shutdown().await;
}
