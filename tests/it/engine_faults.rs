//! More of the simulator's faults through the engine: what the table would
//! show, and that final states do not reconnect.

use walink::domain::{FailureReason, LinkMethod, SessionState};
use walink::engine::Update;
use walink::sim::{FailureReason as SimFailure, Fault, SimConfig, Target};
use walink::store::AttemptOutcome;

use crate::engine_fixture::{Fixture, link_by_qr, start_engine};
use crate::wa::{PHONE, secs, sim, sim_with};

fn phone() -> Target {
    Target::Phone(PHONE.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_drop_reports_disconnected_then_connected() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    sim.inject(phone(), Fault::CloseConnection, false);
    f.state(secs(10), |s| matches!(s, SessionState::Disconnected { .. }))
        .await;
    f.state(secs(30), |s| *s == SessionState::Connected).await;
    f.shutdown().await;
}

/// whatsapp-rust drops a socket its keepalive calls dead without a
/// `Disconnected` event; the row must not keep saying Connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_socket_reads_as_disconnected_until_it_is_back() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    sim.inject(phone(), Fault::DeadServer, false);
    // Keepalive pings every 15-30 s and gives up 20 s after an unanswered one.
    f.state(secs(70), |s| matches!(s, SessionState::Disconnected { .. }))
        .await;
    f.state(secs(30), |s| *s == SessionState::Connected).await;
    // The event log, which status and the dashboard show, has the drop too.
    let log = f.store().events(f.company, 50).expect("event log");
    let said = |kind: &str, part: &str| {
        log.iter()
            .any(|e| e.kind == kind && e.detail.contains(part))
    };
    assert!(said("state", "disconnected"), "{log:#?}");
    assert!(said("connection", "disconnected:"), "{log:#?}");
    // Heard when whatsapp-rust closed the socket, not once it was back.
    assert!(said("connection", "closed its socket"), "{log:#?}");
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_error_401_is_logged_out() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    sim.inject(phone(), Fault::StreamError(401), false);
    f.state(secs(10), |s| *s == SessionState::LoggedOut).await;
    f.shutdown().await;
}

/// Link, stop the engine, arm a login fault, start a new engine.
async fn restart_into(fault: Fault) -> (walink::sim::Simulator, Fixture) {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    f.shutdown().await;
    sim.inject(phone(), fault, false);
    let (engine, updates) = start_engine(&sim, &f.data);
    (
        sim,
        Fixture {
            engine,
            updates,
            seen: Vec::new(),
            ..f
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_ban_says_until_when_and_stays_down() {
    let (_sim, mut f) = restart_into(Fault::Failure(SimFailure::TempBanned {
        code: 101,
        expire_secs: 3600,
    }))
    .await;
    let state = f
        .state(secs(20), |s| matches!(s, SessionState::Banned { .. }))
        .await;
    let SessionState::Banned { until } = state else {
        unreachable!()
    };
    let now = walink::store::now_unix();
    assert!((until - now - 3600).abs() < 10, "an hour: {}", until - now);
    let row = f.store().session(f.company).expect("q").expect("row");
    assert_eq!(
        (row.state.as_str(), row.state_detail),
        ("banned", Some(until.to_string()))
    );
    f.shutdown().await;
    assert!(
        !f.states().contains(&"connected"),
        "no reconnect after a ban: {:?}",
        f.states()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outdated_client_is_told_to_update() {
    let (_sim, mut f) = restart_into(Fault::Failure(SimFailure::ClientOutdated)).await;
    let reason = f
        .wait(secs(20), |u| match u {
            Update::Failed { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert_eq!(reason, FailureReason::ClientOutdated);
    f.state(secs(5), |s| matches!(s, SessionState::Failed { .. }))
        .await;
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unused_qr_refs_end_the_attempt_without_a_restart() {
    let sim = sim_with(SimConfig::default().with_qr_ref_count(1)).await;
    let mut f = Fixture::new(&sim).await;
    f.link(1, LinkMethod::Qr, false).await;
    f.wait(secs(90), |u| {
        matches!(u, Update::QrExhausted { .. }).then_some(())
    })
    .await;
    f.state(secs(5), |s| *s == SessionState::NotLinked).await;
    let attempts = f
        .store()
        .attempts_since(f.company, None, 0)
        .expect("attempts");
    assert_eq!(attempts.len(), 1, "no automatic new attempt");
    assert_eq!(attempts[0].outcome, AttemptOutcome::Expired);
    f.shutdown().await;
}

/// After the pairing, whatsapp-rust logs in again on the new keys and says
/// nothing while that login does not finish: the admin is told, and the
/// session reconnects until it does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_login_that_does_not_finish_is_said_and_retried() {
    let sim = sim().await;
    let mut f = Fixture::at(&sim.url(), |c| c.first_login_wait = secs(5)).await;
    // The account's connections go unanswered; the registering one (no
    // account yet) is not among them, so the pairing itself goes through.
    sim.inject(phone(), Fault::DeadServer, true);
    f.link(1, LinkMethod::Qr, false).await;
    let qr = f.qr_issued(secs(20)).await;
    sim.phone(PHONE).scan_qr(&qr).await.expect("scan");
    f.state(secs(10), |s| *s == SessionState::FinishingSync)
        .await;
    let said = f
        .wait(secs(15), |u| match u {
            Update::Logged { entry, .. } if entry.detail.contains("first login") => {
                Some(entry.detail.clone())
            }
            _ => None,
        })
        .await;
    assert!(said.contains("after 5 s: reconnecting"), "{said}");
    assert!(!f.states().contains(&"connected"), "{:?}", f.states());
    // WhatsApp answers again: the next reconnect logs in.
    sim.clear_faults();
    f.state(secs(30), |s| *s == SessionState::Connected).await;
    let log = f.store().events(f.company, 50).expect("event log");
    assert!(
        log.iter()
            .any(|e| e.kind == "link" && e.detail.contains("first login")),
        "{log:#?}"
    );
    f.shutdown().await;
}
