//! Faults the simulator injects, and what the real client makes of them.

use walink::engine::translate::ClientFact;
use walink::sim::{ConflictKind, FailureReason, Fault, SimEvent, Target};

use crate::wa::{Opts, PHONE, TestClient, linked_client, secs, sim, sim_event, store_in};

fn phone() -> Target {
    Target::Phone(PHONE.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_error_515_reconnects() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = linked_client(&sim, &store_in(&dir, "a")).await;
    let mut events = sim.events();
    sim.inject(phone(), Fault::StreamError(515), false);
    c.connected(secs(30)).await;
    sim_event(&mut events, secs(5), |e| {
        matches!(e, SimEvent::LoggedIn { .. }).then_some(())
    })
    .await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_close_is_a_disconnect_then_a_reconnect() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = linked_client(&sim, &store_in(&dir, "a")).await;
    sim.inject(phone(), Fault::CloseConnection, false);
    c.wait_for(secs(10), |f| {
        matches!(f, ClientFact::Disconnected { .. }).then_some(())
    })
    .await;
    c.connected(secs(30)).await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_is_noticed_and_left() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = linked_client(&sim, &store_in(&dir, "a")).await;
    let mut events = sim.events();
    sim.inject(phone(), Fault::DeadServer, false);
    // Keepalive runs every 15-30 s and gives up 20 s after an unanswered ping.
    sim_event(&mut events, secs(90), |e| {
        matches!(e, SimEvent::LoggedIn { .. }).then_some(())
    })
    .await;
    c.connected(secs(30)).await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_error_401_logs_out() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = linked_client(&sim, &store_in(&dir, "a")).await;
    sim.inject(phone(), Fault::StreamError(401), false);
    let on_connect = c
        .wait_for(secs(10), |f| match f {
            ClientFact::LoggedOut { on_connect, .. } => Some(*on_connect),
            _ => None,
        })
        .await;
    assert!(!on_connect);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlink_from_the_phone_logs_out() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = linked_client(&sim, &store_in(&dir, "a")).await;
    let device = sim.registered_devices()[0].device;
    sim.unlink(PHONE, device).expect("unlink");
    c.wait_for(secs(10), |f| {
        matches!(f, ClientFact::LoggedOut { .. }).then_some(())
    })
    .await;
    assert!(sim.registered_devices().is_empty());
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflict_replaced_is_stream_replaced() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = linked_client(&sim, &store_in(&dir, "a")).await;
    sim.inject(phone(), Fault::Conflict(ConflictKind::Replaced), false);
    c.wait_for(secs(10), |f| (*f == ClientFact::Replaced).then_some(()))
        .await;
    c.shutdown().await;
}

/// Link, stop, arm a login fault, start again on the same keys.
async fn restart_into(fault: Fault) -> (walink::sim::Simulator, TestClient, tempfile::TempDir) {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_in(&dir, "a");
    let mut c = linked_client(&sim, &store).await;
    c.shutdown().await;
    sim.inject(phone(), fault, false);
    let c = TestClient::start(&sim, &store, Opts::default()).await;
    (sim, c, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_402_is_a_temporary_ban_with_its_expiry() {
    let (_sim, mut c, _dir) = restart_into(Fault::Failure(FailureReason::TempBanned {
        code: 101,
        expire_secs: 3600,
    }))
    .await;
    let ban = c
        .wait_for(secs(20), |f| match f {
            ClientFact::TemporaryBan { code, expire } => Some((*code, *expire)),
            _ => None,
        })
        .await;
    assert_eq!(ban, (101, secs(3600)));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_503_is_a_connect_failure_then_a_retry() {
    let (_sim, mut c, _dir) = restart_into(Fault::Failure(FailureReason::ServiceUnavailable)).await;
    let status = c
        .wait_for(secs(20), |f| match f {
            ClientFact::ConnectFailure { status, .. } => Some(*status),
            _ => None,
        })
        .await;
    assert_eq!(status, 503);
    c.connected(secs(30)).await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_405_is_client_outdated() {
    let (_sim, mut c, _dir) = restart_into(Fault::Failure(FailureReason::ClientOutdated)).await;
    c.wait_for(secs(20), |f| {
        matches!(
            f,
            ClientFact::ClientOutdated | ClientFact::ConnectFailure { status: 405, .. }
        )
        .then_some(())
    })
    .await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_dropped_twice_connects_on_the_third_try() {
    let sim = sim().await;
    let mut events = sim.events();
    sim.inject(Target::All, Fault::CloseDuringHandshake(2), false);
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = TestClient::start(&sim, &store_in(&dir, "a"), Opts::default()).await;
    c.qr().await;
    let mut fired = 0;
    while fired < 2 {
        sim_event(&mut events, secs(1), |e| {
            matches!(e, SimEvent::FaultFired { .. }).then_some(())
        })
        .await;
        fired += 1;
    }
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_tells_the_server_and_the_next_start_gets_401() {
    let sim = sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_in(&dir, "a");
    let mut c = linked_client(&sim, &store).await;
    let mut events = sim.events();
    let client = c.handle.as_ref().expect("running").client();
    client.logout().await;
    sim_event(&mut events, secs(10), |e| {
        matches!(e, SimEvent::LogoutReceived { .. }).then_some(())
    })
    .await;
    c.wait_for(secs(10), |f| {
        matches!(f, ClientFact::LoggedOut { .. }).then_some(())
    })
    .await;
    c.shutdown().await;

    let mut again = TestClient::start(&sim, &store, Opts::default()).await;
    let on_connect = again
        .wait_for(secs(20), |f| match f {
            ClientFact::LoggedOut { on_connect, status } => Some((*on_connect, *status)),
            _ => None,
        })
        .await;
    assert_eq!(on_connect, (true, 401));
    again.shutdown().await;
}
