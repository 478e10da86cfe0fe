//! The engine against the simulator: Commands in, ordered Updates out, and
//! the registry rows afterwards.

use std::time::Duration;

use walink::domain::{AttemptId, FailureReason, GuardWhy, LinkMethod, SessionState};
use walink::engine::server::ServerTarget;
use walink::engine::{Engine, EngineConfig, Update};
use walink::sim::{Fault, Target};
use walink::store::{AttemptOutcome, Store};

use crate::common::TempDataDir;
use crate::engine_fixture::{Fixture, code_method, data_with_company, link_by_qr, start_engine};
use crate::wa::{PHONE, secs, sim};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_link_reports_in_order_and_fills_the_registry() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    let jid = link_by_qr(&sim, &mut f).await;
    assert_eq!(
        f.states(),
        ["connecting", "linking_qr", "finishing_sync", "connected"]
    );
    let store = f.store();
    let row = store.session(f.company).expect("query").expect("row");
    assert_eq!(row.state, "connected");
    assert_eq!(row.jid.as_deref(), Some(jid.as_str()));
    assert_eq!(row.phone.as_deref(), Some(PHONE));
    let attempts = store.attempts_since(f.company, None, 0).expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, AttemptOutcome::Linked);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(f.data.keys_path())
            .expect("key store")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_link_issues_a_code_the_phone_can_type() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    f.link(7, code_method(), false).await;
    let (attempt, code) = f
        .wait(secs(30), |u| match u {
            Update::CodeIssued { attempt, code, .. } => Some((*attempt, code.clone())),
            _ => None,
        })
        .await;
    assert_eq!(attempt, AttemptId(7));
    assert_eq!(code.to_string().len(), 9, "ABCD-EFGH: {code}");
    sim.enter_code(PHONE, &code.to_string())
        .await
        .expect("phone takes the code");
    f.wait(secs(20), |u| {
        matches!(
            u,
            Update::Linked {
                attempt: AttemptId(7),
                ..
            }
        )
        .then_some(())
    })
    .await;
    f.state(secs(40), |s| *s == SessionState::Connected).await;
    assert_eq!(
        f.states(),
        ["connecting", "linking_code", "finishing_sync", "connected"]
    );
    let log = f.store().events(f.company, 50).expect("events");
    assert!(
        log.iter()
            .all(|e| !e.detail.contains(code.as_str()) && !e.detail.contains(PHONE)),
        "no codes or whole numbers in the log"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_engine_restores_linked_sessions() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    f.shutdown().await;

    let (engine, updates) = start_engine(&sim, &f.data);
    let mut again = Fixture {
        engine,
        updates,
        seen: Vec::new(),
        ..f
    };
    let snapshot = again
        .wait(secs(5), |u| match u {
            Update::Snapshot(rows) => Some(rows.clone()),
            _ => None,
        })
        .await;
    assert_eq!(snapshot[0].state, SessionState::Connecting);
    again
        .state(secs(30), |s| *s == SessionState::Connected)
        .await;
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_killed_without_shutdown_keeps_its_links() {
    let sim = sim().await;
    let dir = TempDataDir::new();
    let (data, company) = data_with_company(&dir);
    let (url, phone, first_data) = (sim.url(), sim.phone(PHONE), data.clone());
    // The first engine lives in a runtime of its own that is torn down
    // without a shutdown command: as after kill -9.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let store = Store::open(&first_data.registry_path()).expect("registry");
            let server = ServerTarget::parse(Some(&url)).expect("server");
            let (engine, updates) =
                Engine::start(store, EngineConfig::new(first_data.clone(), server));
            let mut f = Fixture {
                _dir: TempDataDir::new(),
                data: first_data,
                company,
                engine,
                updates,
                seen: Vec::new(),
            };
            f.link(1, LinkMethod::Qr, false).await;
            let qr = f.qr_issued(secs(20)).await;
            phone.scan_qr(&qr).await.expect("scan");
            f.state(secs(40), |s| *s == SessionState::Connected).await;
        });
        rt.shutdown_background();
    })
    .join()
    .expect("first engine");

    let (engine, updates) = start_engine(&sim, &data);
    let mut again = Fixture {
        _dir: dir,
        data,
        company,
        engine,
        updates,
        seen: Vec::new(),
    };
    again
        .state(secs(40), |s| *s == SessionState::Connected)
        .await;
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlinked_from_the_phone_deletes_the_dead_keys() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    let device = sim.registered_devices()[0].device;
    sim.unlink(PHONE, device).expect("unlink");
    let reason = f
        .wait(secs(10), |u| match u {
            Update::Failed { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert_eq!(reason, FailureReason::LoggedOut);
    f.state(secs(5), |s| *s == SessionState::LoggedOut).await;
    // The task deletes the device's keys once its client has stopped.
    let keys = walink::keystore::KeyStore::new(f.data.keys_path());
    let deadline = std::time::Instant::now() + secs(10);
    loop {
        if !keys.holds(f.company).expect("key store") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the device's keys are still in keys.db"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        f.store().session(f.company).expect("q").expect("row").state,
        "logged_out"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_replaced_stops_without_reconnecting() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    sim.inject(
        Target::Phone(PHONE.into()),
        walink::sim::Fault::Conflict(walink::sim::ConflictKind::Replaced),
        false,
    );
    f.state(secs(10), |s| *s == SessionState::Replaced).await;
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_code_request_starts_a_cooldown_that_force_overrides() {
    let sim = sim().await;
    sim.inject(
        Target::Phone(PHONE.into()),
        Fault::pair_code_rate_limited(None),
        false,
    );
    let mut f = Fixture::new(&sim).await;
    f.link(1, code_method(), false).await;
    let reason = f
        .wait(secs(30), |u| match u {
            Update::Failed {
                attempt: Some(AttemptId(1)),
                reason,
                ..
            } => Some(reason.clone()),
            _ => None,
        })
        .await;
    let FailureReason::RateLimited { until } = reason else {
        panic!("{reason:?}")
    };
    let now = walink::store::now_unix();
    assert!(
        (until - now - 7200).abs() < 10,
        "two hours: {}",
        until - now
    );
    f.state(secs(5), |s| matches!(s, SessionState::Cooldown { .. }))
        .await;
    let attempts = f
        .store()
        .attempts_since(f.company, Some(PHONE), 0)
        .expect("attempts");
    assert_eq!(attempts[0].outcome, AttemptOutcome::Throttled);
    assert_eq!(attempts[0].cooldown_until, Some(until));

    f.link(2, code_method(), false).await;
    let refused = f
        .wait(secs(10), |u| match u {
            Update::Failed {
                attempt: Some(AttemptId(2)),
                reason,
                ..
            } => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        refused,
        FailureReason::GuardRefused {
            until,
            why: GuardWhy::Cooldown
        }
    );

    f.link(3, code_method(), true).await;
    f.wait(secs(30), |u| {
        matches!(
            u,
            Update::CodeIssued {
                attempt: AttemptId(3),
                ..
            }
        )
        .then_some(())
    })
    .await;
    let log = f.store().events(f.company, 50).expect("events");
    assert!(
        log.iter()
            .any(|e| e.kind == "guard" && e.detail.starts_with("overridden by force")),
        "{log:?}"
    );
    f.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_attempt_cancels_the_old_and_its_updates_stop() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    f.link(1, LinkMethod::Qr, false).await;
    f.wait(secs(20), |u| {
        matches!(
            u,
            Update::QrIssued {
                attempt: AttemptId(1),
                ..
            }
        )
        .then_some(())
    })
    .await;
    f.link(2, LinkMethod::Qr, false).await;
    f.wait(secs(20), |u| {
        matches!(
            u,
            Update::QrIssued {
                attempt: AttemptId(2),
                ..
            }
        )
        .then_some(())
    })
    .await;
    let attempts = f
        .store()
        .attempts_since(f.company, None, 0)
        .expect("attempts");
    assert_eq!(
        attempts.iter().map(|a| a.outcome).collect::<Vec<_>>(),
        [AttemptOutcome::Cancelled, AttemptOutcome::Pending]
    );
    f.shutdown().await;
    let late = f
        .seen
        .iter()
        .skip_while(|u| {
            !matches!(
                u,
                Update::QrIssued {
                    attempt: AttemptId(2),
                    ..
                }
            )
        })
        .any(|u| {
            matches!(
                u,
                Update::QrIssued {
                    attempt: AttemptId(1),
                    ..
                } | Update::Linked {
                    attempt: AttemptId(1),
                    ..
                }
            )
        });
    assert!(!late, "no update of attempt 1 after attempt 2 began");
}
