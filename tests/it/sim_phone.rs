//! The simulated phone's own side after a link: it shares the account's
//! app-state key with the new companion (a real pkmsg the real client
//! decrypts), and the companion syncs the account's name from the patch
//! that key seals — so a restored session has what it waits for.

use walink::engine::translate::ClientFact;
use walink::sim::SimEvent;

use super::wa::{Opts, PHONE, TestClient, secs, sim, sim_event, store_in};

fn own_name(f: &ClientFact) -> Option<String> {
    match f {
        ClientFact::SelfPushName { name } => Some(name.clone()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_companion_gets_the_key_and_syncs_the_account_name() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_in(&dir, "a");
    let mut events = sim.events();
    let no_name = Opts {
        push_name: None,
        ..Opts::default()
    };
    let mut c = TestClient::start(&sim, &store, no_name).await;
    let qr = c.qr().await;
    let device = sim.phone(PHONE).scan_qr(&qr).await.expect("phone scans");

    let shared_with = sim_event(&mut events, secs(20), |e| match e {
        SimEvent::AppStateKeyShared { device_jid } => Some(device_jid.clone()),
        _ => None,
    })
    .await;
    assert_eq!(shared_with, device);
    // The name lives only in critical_block, sealed with the shared key:
    // the client read it, so it decrypted the share and verified the patch.
    let name = c.wait_for(secs(20), own_name).await;
    assert_eq!(name, format!("Phone {}", &PHONE[PHONE.len() - 4..]));
    c.connected(secs(20)).await;
    c.shutdown().await;

    // Restored on its keys: connected, and the phone shares nothing again.
    let mut again = TestClient::start(
        &sim,
        &store,
        Opts {
            push_name: None,
            ..Opts::default()
        },
    )
    .await;
    again.connected(secs(30)).await;
    assert!(
        !again
            .seen()
            .iter()
            .any(|f| matches!(f, ClientFact::QrCode { .. })),
        "no QR for a linked store"
    );
    while let Ok(e) = events.try_recv() {
        assert!(
            !matches!(e, SimEvent::AppStateKeyShared { .. }),
            "the key is shared once per companion"
        );
    }
    again.shutdown().await;
}
