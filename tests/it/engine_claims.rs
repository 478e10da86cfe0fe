//! A link attempt's claim on its company lives exactly as long as the
//! attempt, and a linked company is never sent into a new attempt.

use walink::domain::{AttemptId, FailureReason, LinkMethod, SessionState};
use walink::engine::{Command, Update};

use crate::engine_fixture::{Fixture, code_method, link_by_qr};
use crate::wa::{PHONE, secs, sim};

fn link_by(f: &Fixture, attempt: u64, method: LinkMethod, by: &str) -> Command {
    Command::Link {
        company: f.company,
        attempt: AttemptId(attempt),
        method,
        force: false,
        by: by.into(),
        invitation: None,
    }
}

async fn refusal(f: &mut Fixture, attempt: u64) -> Option<FailureReason> {
    f.wait(secs(10), |u| match u {
        Update::Failed {
            attempt: Some(AttemptId(a)),
            reason,
            ..
        } if *a == attempt => Some(Some(reason.clone())),
        Update::CodeIssued {
            attempt: AttemptId(a),
            ..
        }
        | Update::QrIssued {
            attempt: AttemptId(a),
            ..
        } if *a == attempt => Some(None),
        _ => None,
    })
    .await
}

/// The success pane's `r` used to stop the working session and start an
/// attempt on its keys, which logs in and never gets a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_company_refuses_a_new_attempt_and_stays_connected() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    f.seen.clear();
    // The same asker that linked it, right after.
    f.link(2, LinkMethod::Qr, false).await;
    assert_eq!(refusal(&mut f, 2).await, Some(FailureReason::AlreadyLinked));
    f.engine
        .send(link_by(&f, 3, code_method(), "another dashboard"))
        .await
        .expect("engine");
    assert_eq!(refusal(&mut f, 3).await, Some(FailureReason::AlreadyLinked));
    tokio::time::sleep(secs(2)).await;
    while let Ok(u) = f.updates.try_recv() {
        f.seen.push(u);
    }
    assert!(
        f.states().is_empty(),
        "the session was not touched: {:?}",
        f.states()
    );
    let devices = sim.registered_devices();
    assert!(devices.iter().any(|d| d.phone == PHONE), "{devices:?}");
    f.shutdown().await;
}

/// A claim outliving its attempt refused everybody else with "… has been
/// linking this company since …" after the attempt had ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_attempt_or_a_gone_client_leaves_no_claim() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    f.engine
        .send(link_by(&f, 1, LinkMethod::Qr, "alice"))
        .await
        .expect("engine");
    assert_eq!(refusal(&mut f, 1).await, None, "alice's QR");
    f.engine
        .send(link_by(&f, 2, LinkMethod::Qr, "bob"))
        .await
        .expect("engine");
    let busy = refusal(&mut f, 2).await;
    assert!(
        matches!(&busy, Some(FailureReason::LinkInProgress { by, .. }) if by == "alice"),
        "{busy:?}"
    );
    // Alice cancels: her claim ends with her attempt.
    f.engine
        .send(Command::CancelLink { company: f.company })
        .await
        .expect("engine");
    f.state(secs(20), |s| *s == SessionState::NotLinked).await;
    f.engine
        .send(link_by(&f, 3, LinkMethod::Qr, "bob"))
        .await
        .expect("engine");
    assert_eq!(refusal(&mut f, 3).await, None, "bob gets a QR");
    // Bob's client goes away: so does his attempt, and his claim.
    f.engine
        .send(Command::ClientGone { by: "bob".into() })
        .await
        .expect("engine");
    f.state(secs(20), |s| *s == SessionState::NotLinked).await;
    f.engine
        .send(link_by(&f, 4, LinkMethod::Qr, "carol"))
        .await
        .expect("engine");
    assert_eq!(refusal(&mut f, 4).await, None, "carol gets a QR");
    f.shutdown().await;
}

/// After a logout the registry names no device: the company links again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_out_company_links_again() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    f.engine
        .send(Command::Logout { company: f.company })
        .await
        .expect("engine");
    f.state(secs(20), |s| *s == SessionState::LoggedOut).await;
    f.wait(secs(10), |u| match u {
        Update::Logged { entry, .. } if entry.kind == "keys" => Some(()),
        _ => None,
    })
    .await;
    f.link(5, LinkMethod::Qr, false).await;
    assert_eq!(refusal(&mut f, 5).await, None, "a QR, not already linked");
    f.shutdown().await;
}

/// A full disk (or a crash) between pair-success and the registry's write
/// left a company "not linked" over a linked device's keys; a restart
/// brings it back linked, and says so in its log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_a_linked_device_the_registry_missed_are_recovered_as_linked() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    link_by_qr(&sim, &mut f).await;
    f.shutdown().await;
    // What the lost write leaves: no device, the state of the attempt.
    let db = rusqlite::Connection::open(f.data.registry_path()).expect("registry");
    db.execute(
        "UPDATE sessions SET jid = NULL, state = 'linking_qr' WHERE company_id = ?1",
        [f.company],
    )
    .expect("forget the link");
    drop(db);

    f.start_again(&sim.url(), |_| {});
    let rows = f
        .wait(secs(5), |u| match u {
            Update::Snapshot(rows) => Some(rows.clone()),
            _ => None,
        })
        .await;
    let row = rows.iter().find(|r| r.company == f.company).expect("row");
    assert!(row.state.is_linked(), "{:?}", row.state);
    assert!(
        row.jid.as_deref().is_some_and(|j| j.starts_with(PHONE)),
        "{row:?}"
    );
    f.state(secs(40), |s| *s == SessionState::Connected).await;
    assert!(
        !f.seen.iter().any(|u| matches!(u, Update::QrIssued { .. })),
        "no new link was needed"
    );
    let log = f.store().events(f.company, 50).expect("event log");
    assert!(
        log.iter()
            .any(|e| e.kind == "link" && e.detail.starts_with("recovered")),
        "{log:#?}"
    );
    f.shutdown().await;
}
