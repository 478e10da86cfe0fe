//! A company's keys in PostgreSQL: the real whatsapp-rust client links on
//! them, and when its host dies another host takes the lease and goes on
//! with the same keys (no new link), the conversation's Signal state with
//! it; the host that lost the lease can no longer write them. And the
//! simulator, like WhatsApp, replaces the older of two connections of one
//! device: two places running one device's keys.

use std::time::Duration;

use walink::engine::KeySource;
use walink_hosts::keys::Keys;
use walink_hosts::test_server::TestServer;
use walink_hosts::{Database, Leases};
use whatsapp_rust::Jid;
use whatsapp_rust::prelude::Event;
use whatsapp_rust::wacore::store::traits::SignalStore;

use walink::engine::translate::ClientFact;

use super::wa::{Opts, PHONE, TestClient, linked_client_of, secs, sim, store_in};

const CUSTOMER: &str = "79990000001";
const TTL: Duration = Duration::from_secs(3);

async fn host(db: &Database, id: &str) -> Leases {
    let leases = Leases::new(db.clone(), id, TTL);
    leases.join(10).await.expect("join");
    leases
}

/// The next text `c` receives.
async fn next_text(c: &mut TestClient) -> String {
    c.wait_raw(secs(30), |e| match e {
        Event::Messages(batch) => batch
            .messages
            .iter()
            .find_map(|m| m.message.conversation.clone()),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_host_goes_on_with_the_keys_in_postgresql_without_a_new_link() {
    let server = TestServer::start();
    let db = Database::connect(&server.url()).await.expect("connect");
    db.add_company("acme").await.expect("add");
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut customer = linked_client_of(&sim, &store_in(&dir, "customer"), CUSTOMER).await;

    // Host a holds acme's lease and links it.
    let a = host(&db, "a").await;
    let lease_a = a.acquire(10, 0).await.expect("acquire").remove(0);
    let on_a = KeySource::Postgres(Keys::new(a.clone(), lease_a.clone()));
    let mut acme = TestClient::start_on(&sim.url(), &on_a, Opts::default()).await;
    let qr = acme.qr().await;
    sim.phone(PHONE).scan_qr(&qr).await.expect("scan");
    acme.connected(secs(40)).await;
    let devices = sim.phone(PHONE).devices();
    assert_eq!(devices.len(), 1, "{devices:?}");
    customer
        .client
        .send_text(Jid::pn(PHONE), "Hello")
        .await
        .expect("send");
    assert_eq!(next_text(&mut acme).await, "Hello");

    // Host a dies: its client is gone, its lease is no longer renewed, and
    // until the lease runs out no other host may have acme.
    acme.shutdown().await;
    drop(acme);
    let b = host(&db, "b").await;
    assert!(b.acquire(10, 0).await.expect("acquire").is_empty());
    tokio::time::sleep(TTL + Duration::from_millis(300)).await;
    let lease_b = b.acquire(10, 0).await.expect("acquire").remove(0);
    assert_eq!(lease_b.epoch, lease_a.epoch + 1);

    let on_b = KeySource::Postgres(Keys::new(b.clone(), lease_b));
    let mut acme = TestClient::start_on(&sim.url(), &on_b, Opts::default()).await;
    acme.connected(secs(40)).await;
    assert!(
        !acme
            .seen()
            .iter()
            .any(|f| matches!(f, ClientFact::QrCode { .. })),
        "no new link: {:?}",
        acme.seen()
    );
    assert_eq!(sim.phone(PHONE).devices(), devices, "the same one device");

    // The conversation goes on: the Signal sessions came with the keys.
    customer
        .client
        .send_text(Jid::pn(PHONE), "Still there?")
        .await
        .expect("send");
    assert_eq!(next_text(&mut acme).await, "Still there?");
    acme.client
        .send_text(Jid::pn(CUSTOMER), "Yes, from another host")
        .await
        .expect("reply");
    assert_eq!(next_text(&mut customer).await, "Yes, from another host");

    // Host a, were it only paused, could not write acme's keys any more.
    let late = Keys::new(a, lease_a);
    assert!(late.put_session("x@s.whatsapp.net", b"late").await.is_err());
    assert_eq!(sim.replaced(), 0, "one device never ran in two places");
    acme.shutdown().await;
    customer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_connection_of_one_device_replaces_the_first() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_in(&dir, "acme");
    let mut first = linked_client_of(&sim, &store, PHONE).await;
    first.shutdown().await;
    // The same keys in two places: a copy, and the original again.
    let copy = store_in(&dir, "copy");
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", store.display());
        if std::path::Path::new(&from).exists() {
            std::fs::copy(&from, format!("{}{suffix}", copy.display())).expect("copy");
        }
    }
    let mut first = TestClient::start(&sim, &store, Opts::default()).await;
    first.connected(secs(40)).await;
    let mut second = TestClient::start(&sim, &copy, Opts::default()).await;
    second.connected(secs(40)).await;
    first
        .wait_for(secs(20), |f| (*f == ClientFact::Replaced).then_some(()))
        .await;
    assert_eq!(sim.replaced(), 1);
    second.shutdown().await;
    first.shutdown().await;
}
