//! The simulator proven by linking the real whatsapp-rust client.

use walink::engine::translate::ClientFact;
use walink::sim::{Fault, HandshakePattern, SimConfig, SimEvent, Target};

use crate::wa::{Opts, PHONE, TestClient, linked_client, secs, sim, sim_event, sim_with, store_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_link_reaches_pair_success_then_connected() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = TestClient::start(&sim, &store_in(&dir, "a"), Opts::default()).await;
    let qr = c.qr().await;
    let jid = sim.phone(PHONE).scan_qr(&qr).await.expect("scan");
    assert!(jid.starts_with(PHONE), "{jid}");
    let paired = c
        .wait_for(secs(10), |f| match f {
            ClientFact::PairSuccess { jid, .. } => Some(jid.clone()),
            _ => None,
        })
        .await;
    assert_eq!(paired, jid);
    c.connected(secs(40)).await;
    let devices = sim.registered_devices();
    assert_eq!(devices.len(), 1);
    assert!(devices[0].connected);
    c.shutdown().await;
}

/// A QR scanned twice at once (the phone saw it twice, or a rotated one
/// too): one pairing, one device; the other scan finds the ref gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_scanned_twice_at_once_pairs_the_companion_once() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = TestClient::start(&sim, &store_in(&dir, "a"), Opts::default()).await;
    let qr = c.qr().await;
    let (phone, again) = (sim.phone(PHONE), sim.phone(PHONE));
    let (one, two) = tokio::join!(phone.scan_qr(&qr), again.scan_qr(&qr));
    let paired = [&one, &two].iter().filter(|r| r.is_ok()).count();
    assert_eq!(paired, 1, "{one:?} {two:?}");
    let refused = if one.is_err() { one } else { two };
    assert!(
        matches!(refused, Err(walink::sim::SimError::UnknownRef)),
        "{refused:?}"
    );
    c.connected(secs(40)).await;
    assert_eq!(sim.registered_devices().len(), 1);
    assert_eq!(sim.replaced(), 0);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_code_typed_on_the_phone_links() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let opts = Opts {
        pair_phone: Some(PHONE),
        ..Opts::default()
    };
    let mut c = TestClient::start(&sim, &store_in(&dir, "a"), opts).await;
    let code = c
        .wait_for(secs(30), |f| match f {
            ClientFact::PairCode { code, ttl } => Some((code.clone(), *ttl)),
            _ => None,
        })
        .await;
    assert_eq!(code.0.len(), 8, "{}", code.0);
    assert!(code.1 > secs(120), "a code lives about 180 s: {:?}", code.1);
    let jid = sim
        .enter_code(PHONE, &code.0)
        .await
        .expect("phone accepts the code");
    c.wait_for(secs(20), |f| {
        matches!(f, ClientFact::PairSuccess { .. }).then_some(())
    })
    .await;
    c.connected(secs(40)).await;
    assert!(
        sim.registered_devices()
            .iter()
            .any(|d| d.jid == jid && d.connected)
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_is_refused_by_the_phone() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let opts = Opts {
        pair_phone: Some(PHONE),
        ..Opts::default()
    };
    let mut c = TestClient::start(&sim, &store_in(&dir, "a"), opts).await;
    c.wait_for(secs(30), |f| {
        matches!(f, ClientFact::PairCode { .. }).then_some(())
    })
    .await;
    assert!(sim.enter_code(PHONE, "ZZZZ-ZZZZ").await.is_err());
    assert!(sim.registered_devices().is_empty());
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_with_stored_credentials_connects_over_ik() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_in(&dir, "a");
    let mut c = linked_client(&sim, &store).await;
    c.shutdown().await;

    let mut events = sim.events();
    let mut again = TestClient::start(&sim, &store, Opts::default()).await;
    again.connected(secs(30)).await;
    let pattern = sim_event(&mut events, secs(5), |e| match e {
        SimEvent::Handshake { pattern, .. } => Some(*pattern),
        _ => None,
    })
    .await;
    assert_eq!(pattern, HandshakePattern::Ik);
    assert!(
        !again
            .seen()
            .iter()
            .any(|f| matches!(f, ClientFact::QrCode { .. })),
        "no QR for a linked store"
    );
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_request_refused_429_or_400_is_throttling() {
    for (fault, status) in [
        (Fault::pair_code_rate_limited(None), 429),
        (Fault::pair_code_bad_request(), 400),
    ] {
        let sim = sim().await;
        sim.inject(Target::Phone(PHONE.into()), fault, false);
        let dir = tempfile::tempdir().expect("tmp");
        let opts = Opts {
            pair_phone: Some(PHONE),
            ..Opts::default()
        };
        let mut c = TestClient::start(&sim, &store_in(&dir, "a"), opts).await;
        let refused = c
            .wait_for(secs(30), |f| match f {
                ClientFact::PairCodeRefused {
                    status, throttled, ..
                } => Some((*status, *throttled)),
                _ => None,
            })
            .await;
        assert_eq!(refused, (Some(status), true));
        c.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backoff_from_the_server_reaches_the_client() {
    let sim = sim().await;
    sim.inject(Target::All, Fault::pair_code_rate_limited(Some(900)), false);
    let dir = tempfile::tempdir().expect("tmp");
    let opts = Opts {
        pair_phone: Some(PHONE),
        ..Opts::default()
    };
    let mut c = TestClient::start(&sim, &store_in(&dir, "a"), opts).await;
    let backoff = c
        .wait_for(secs(30), |f| match f {
            ClientFact::PairCodeRefused { backoff, .. } => Some(*backoff),
            _ => None,
        })
        .await;
    assert_eq!(backoff, Some(secs(900)));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_hmac_in_pair_success_is_a_pair_error() {
    let sim = sim().await;
    sim.inject(Target::All, Fault::BadHmac, false);
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = TestClient::start(&sim, &store_in(&dir, "a"), Opts::default()).await;
    let qr = c.qr().await;
    let _ = sim.phone(PHONE).scan_qr(&qr).await;
    let raw = c
        .wait_for(secs(15), |f| match f {
            ClientFact::PairFailed { raw } => Some(raw.clone()),
            _ => None,
        })
        .await;
    assert!(raw.contains("hmac"), "{raw}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unused_qr_refs_run_out() {
    // One ref lives 60 s; the default six take 160 s.
    let sim = sim_with(SimConfig::default().with_qr_ref_count(1)).await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = TestClient::start(&sim, &store_in(&dir, "a"), Opts::default()).await;
    c.wait_for(secs(90), |f| {
        (*f == ClientFact::QrExhausted { disconnected: true }).then_some(())
    })
    .await;
    let qrs = c
        .seen()
        .iter()
        .filter(|f| matches!(f, ClientFact::QrCode { .. }))
        .count();
    assert_eq!(qrs, 1);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_clients_link_at_once() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20u64 {
        let url_sim = &sim;
        let phone = format!("7900{:07}", 1_000_000 + i);
        let store = store_in(&dir, &format!("c{i}"));
        let mut c = TestClient::start(url_sim, &store, Opts::default()).await;
        let account = sim.phone(&phone);
        tasks.spawn(async move {
            let qr = c.qr().await;
            account.scan_qr(&qr).await.expect("scan");
            c.connected(secs(90)).await;
            c
        });
    }
    let mut clients = Vec::new();
    while let Some(done) = tasks.join_next().await {
        clients.push(done.expect("client task"));
    }
    assert_eq!(clients.len(), 20);
    let connected = sim
        .registered_devices()
        .iter()
        .filter(|d| d.connected)
        .count();
    assert_eq!(connected, 20);
    for c in &mut clients {
        c.shutdown().await;
    }
}
