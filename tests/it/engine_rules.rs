//! How the engine behaves where the real WhatsApp differs from a lenient
//! server: presence and push name, a code outliving its QR refs, failures
//! the client gives up on, drops while linking, no network, logout.

use std::time::Duration;

use walink::domain::{FailureReason, LinkMethod, SessionState};
use walink::engine::{Command, Update};
use walink::sim::{FailureReason as SimFailure, Fault, SimConfig, Simulator, Target};
use walink::store::AttemptOutcome;

use crate::engine_fixture::{ACCOUNT_NAME, Fixture, code_method, link_by_qr};
use crate::wa::{PHONE, secs, sim, sim_with};

/// A loopback URL nobody listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("ws://127.0.0.1:{port}/ws/chat")
}

fn quick(c: &mut walink::engine::EngineConfig) {
    c.connect_timeout = secs(2);
    c.logout_deadline = secs(3);
}

/// Wait until the simulator has seen the device's last presence settle.
async fn presences_settled(sim: &Simulator) -> Vec<walink::sim::PresenceSeen> {
    let deadline = tokio::time::Instant::now() + secs(10);
    loop {
        let devices = sim.registered_devices();
        let seen = devices
            .iter()
            .find(|d| d.phone == PHONE)
            .map(|d| d.presences.clone())
            .unwrap_or_default();
        if seen.last().and_then(|p| p.kind.as_deref()) == Some("unavailable")
            || tokio::time::Instant::now() > deadline
        {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_keeps_its_name_and_the_phone_keeps_notifying() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    // A restart: the client announces itself on login, as on every reconnect.
    f.restart_at(&sim.url(), |_| {}).await;
    f.state(secs(30), |s| *s == SessionState::Connected).await;
    let seen = presences_settled(&sim).await;
    assert!(!seen.is_empty(), "the device sent no presence at all");
    for p in &seen {
        assert!(
            p.name.is_none() || p.name.as_deref() == Some(ACCOUNT_NAME),
            "a presence carried a name the account does not have: {seen:?}"
        );
    }
    assert_eq!(
        seen.last().and_then(|p| p.kind.as_deref()),
        Some("unavailable"),
        "the companion must end unavailable: {seen:?}"
    );
    let row = f.store().session(f.company).expect("q").expect("row");
    assert_eq!(row.push_name.as_deref(), Some(ACCOUNT_NAME));
    // The phone's Linked devices list names walink, on a desktop.
    let device = sim
        .registered_devices()
        .into_iter()
        .find(|d| d.phone == PHONE)
        .expect("device");
    assert_eq!(
        device.shown_as,
        Some(walink::sim::ShownAs {
            os: "walink".into(),
            platform: "DESKTOP".into()
        })
    );
    f.shutdown().await;
}

/// The client gives a QR session fewer seconds than a pairing code lives;
/// with one ref (60 s) the refs run out long before the code's 180 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_entered_after_the_qr_refs_ran_out_still_links() {
    let sim = sim_with(SimConfig::default().with_qr_ref_count(1)).await;
    let mut f = Fixture::new(&sim).await;
    f.link(1, code_method(), false).await;
    let code = f.code_issued(secs(20)).await;
    // Past the last ref's expiry (60 s after the first QR).
    tokio::time::sleep(secs(66)).await;
    assert!(
        !f.states().contains(&"not_linked"),
        "the attempt ended with the refs: {:?}",
        f.states()
    );
    sim.enter_code(PHONE, &code).await.expect("the code links");
    f.state(secs(40), |s| *s == SessionState::Connected).await;
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_the_client_gives_up_on_end_in_a_named_state() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    for code in [400u16, 409, 418, 777] {
        f.shutdown().await;
        sim.inject(
            Target::Phone(PHONE.into()),
            Fault::Failure(SimFailure::Other(code)),
            false,
        );
        f.start_again(&sim.url(), |_| {});
        let reason = f.failure(secs(10)).await;
        assert_eq!(
            reason,
            FailureReason::ServerGaveUp {
                code: i32::from(code)
            }
        );
        let state = f
            .state(secs(5), |s| matches!(s, SessionState::Failed { .. }))
            .await;
        assert_eq!(
            state,
            SessionState::Failed {
                reason: FailureReason::ServerGaveUp {
                    code: i32::from(code)
                }
            }
        );
        // A reconnect after the failure connects again: the keys are kept.
        f.engine
            .send(Command::Reconnect { company: f.company })
            .await
            .expect("engine");
        f.state(secs(30), |s| *s == SessionState::Connected).await;
    }
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_during_a_qr_attempt_keeps_the_attempt() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    f.link(1, LinkMethod::Qr, false).await;
    f.wait(secs(20), |u| {
        matches!(u, Update::QrIssued { .. }).then_some(())
    })
    .await;
    sim.inject(Target::All, Fault::CloseConnection, false);
    // The client reconnects and the server offers new refs: a new QR.
    let qr = f.qr_issued(secs(30)).await;
    sim.phone(PHONE).scan_qr(&qr).await.expect("scan");
    f.state(secs(40), |s| *s == SessionState::Connected).await;
    assert!(
        !f.states().contains(&"logged_out"),
        "a drop is not a logout: {:?}",
        f.states()
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_during_a_code_attempt_ends_it_without_a_cooldown() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    f.link(1, code_method(), false).await;
    f.code_issued(secs(20)).await;
    sim.inject(Target::All, Fault::CloseConnection, false);
    assert_eq!(f.failure(secs(20)).await, FailureReason::LinkInterrupted);
    f.state(secs(5), |s| *s == SessionState::NotLinked).await;
    let attempts = f
        .store()
        .attempts_since(f.company, None, 0)
        .expect("attempts");
    assert_eq!(attempts[0].outcome, AttemptOutcome::Failed);
    assert_eq!(attempts[0].cooldown_until, None, "no cooldown for a drop");
    assert!(!f.states().contains(&"logged_out"), "{:?}", f.states());
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_says_unreachable_and_costs_no_guard_slot() {
    let url = closed_port_url();
    let mut f = Fixture::at(&url, quick).await;
    f.link(1, LinkMethod::Qr, false).await;
    assert_eq!(f.failure(secs(15)).await, FailureReason::NetworkUnreachable);
    f.state(secs(5), |s| *s == SessionState::NotLinked).await;
    // More code attempts than the guard allows an hour: none reached
    // WhatsApp, so none counts.
    for n in 2..6 {
        f.link(n, code_method(), false).await;
        assert_eq!(f.failure(secs(15)).await, FailureReason::NetworkUnreachable);
    }
    let attempts = f
        .store()
        .attempts_since(f.company, None, 0)
        .expect("attempts");
    assert_eq!(attempts.len(), 5);
    assert!(
        attempts
            .iter()
            .all(|a| a.outcome == AttemptOutcome::Unreached),
        "{attempts:?}"
    );
    let log = f.store().events(f.company, 50).expect("events");
    // The sentence, its key, and the raw cause beside them.
    assert!(
        log.iter().any(|e| e.kind == "failure"
            && e.reason.as_deref() == Some("network_unreachable")
            && !e.detail.contains("NoSocket")
            && e.raw
                .as_deref()
                .is_some_and(|r| r.contains("connecting to 127.0.0.1"))),
        "the event log names the cause: {log:?}"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_session_without_a_server_says_so() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    f.restart_at(&closed_port_url(), quick).await;
    assert_eq!(f.failure(secs(15)).await, FailureReason::NetworkUnreachable);
    f.state(secs(5), |s| matches!(s, SessionState::Disconnected { .. }))
        .await;
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_that_cannot_reach_whatsapp_keeps_the_device_and_keys() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    f.restart_at(&closed_port_url(), quick).await;
    f.engine
        .send(Command::Logout { company: f.company })
        .await
        .expect("engine");
    f.wait(secs(15), |u| match u {
        Update::Failed {
            reason: FailureReason::LogoutUnreached,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    assert!(
        !f.states().contains(&"logged_out"),
        "nothing was unlinked: {:?}",
        f.states()
    );
    let keys = walink::keystore::KeyStore::new(f.data.keys_path());
    assert!(
        keys.device_jid(f.company).expect("key store").is_some(),
        "the keys stay where they are"
    );
    let devices = sim.registered_devices();
    assert!(
        devices.iter().any(|d| d.phone == PHONE),
        "the phone still lists the device: {devices:?}"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_under_a_slow_server_keeps_the_link() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    sim.inject(Target::Phone(PHONE.into()), Fault::Slow(2500), true);
    f.restart_at(&sim.url(), |_| {}).await;
    sim.clear_faults();
    f.state(secs(40), |s| *s == SessionState::Connected).await;
    assert!(
        !f.seen
            .iter()
            .any(|u| matches!(u, Update::QrIssued { .. } | Update::Failed { .. })),
        "restored without a new link: {:?}",
        f.states()
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_second_attempt_leaves_the_live_code_working() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    f.link(1, code_method(), false).await;
    let code = f.code_issued(secs(20)).await;
    // One live code per number: the guard says no, and the first stays.
    f.link(2, code_method(), false).await;
    let refused = f.failure(secs(5)).await;
    assert!(
        matches!(refused, FailureReason::GuardRefused { .. }),
        "{refused:?}"
    );
    sim.enter_code(PHONE, &code)
        .await
        .expect("the first code still links");
    f.state(secs(40), |s| *s == SessionState::Connected).await;
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_sessions_beyond_the_open_file_limit_are_announced() {
    let dir = crate::common::TempDataDir::new();
    let (data, acme) = crate::engine_fixture::data_with_company(&dir);
    let mut store = walink::store::Store::open(&data.registry_path()).expect("registry");
    let beta = store
        .add_company(
            &walink::domain::Slug::parse("beta").expect("slug"),
            &walink::domain::DisplayName::parse("Beta").expect("name"),
        )
        .expect("add")
        .id;
    std::fs::create_dir_all(data.session_file("acme").parent().expect("dir")).expect("dir");
    for (id, slug) in [(acme, "acme"), (beta, "beta")] {
        store
            .set_session_state(id, "connected", None)
            .expect("state");
        crate::engine_fixture::old_layout_keys(&data, slug).await;
    }
    let limit = walink::fdlimit::FdLimit {
        // Room for the fewest key stores (16) and one session.
        soft: walink::fdlimit::MARGIN
            + 16 * walink::fdlimit::KEY_STORE
            + walink::fdlimit::PER_SESSION,
        hard: 1024,
        was: 256,
    };
    let (_engine, mut updates) =
        crate::engine_fixture::start_engine_at(&closed_port_url(), &data, |c| {
            c.restore = false;
            c.fd_limit = Some(limit);
        });
    let notice = tokio::time::timeout(secs(5), async {
        while let Some(u) = updates.recv().await {
            if let Update::Notice(text) = u {
                return text;
            }
        }
        panic!("the engine stopped without a notice");
    })
    .await
    .expect("a notice at start");
    assert_eq!(
        notice,
        "the open-file limit (97) allows about 1 session and 2 are linked: raise LimitNOFILE (walink.service sets it) or ulimit -n"
    );
}
