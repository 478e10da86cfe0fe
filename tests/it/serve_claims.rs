//! Two admins on one `walink serve`: the second is told whose attempt is
//! live and since when, and may link once the first one's attempt ends.

use walink::domain::{AttemptId, FailureReason, LinkMethod, SessionState};
use walink::engine::Update;
use walink::service::attach::OnLoss;

use crate::common::{TempDataDir, walink};
use crate::serve::{Attached, Serve};
use crate::sim_process::SimProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_admin_linking_the_same_company_is_told_who_and_since_when() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let serve = Serve::start(&dir.path, &sim);
    let mut alice = Attached::named(&serve.socket, "alice", OnLoss::End).await;
    let mut bob = Attached::named(&serve.socket, "bob", OnLoss::End).await;
    let company = alice
        .until(5, |u| match u {
            Update::Snapshot(rows) => rows.first().map(|r| r.company),
            _ => None,
        })
        .await;
    let link = |attempt, by: &str| walink::engine::Command::Link {
        company,
        attempt: AttemptId(attempt),
        method: LinkMethod::Qr,
        force: false,
        by: by.into(),
        invitation: None,
    };
    alice.engine.send(link(1, "alice")).await.expect("send");
    alice
        .until(10, |u| matches!(u, Update::QrIssued { .. }).then_some(()))
        .await;

    // Bob pretends to be Alice: the server names its clients itself.
    bob.engine.send(link(2, "alice")).await.expect("send");
    let reason = bob
        .until(10, |u| match u {
            Update::Failed {
                attempt: Some(AttemptId(2)),
                reason,
                ..
            } => Some(reason.clone()),
            _ => None,
        })
        .await;
    let FailureReason::LinkInProgress { by, .. } = &reason else {
        panic!("refused for another reason: {reason:?}");
    };
    assert_eq!(by, &format!("walink alice (pid {})", std::process::id()));
    let sentence = reason.sentence(walink::store::now_unix(), chrono_utc());
    assert!(
        sentence.starts_with(&format!("{by} has been linking this company since ")),
        "{sentence}"
    );
    // Alice's QR is still the live one: a newcomer is shown it.
    assert!(device_free(&sim));
    let mut carol = Attached::named(&serve.socket, "carol", OnLoss::End).await;
    carol
        .until(5, |u| {
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
    // Alice leaves: her attempt and its claim end with her client, and
    // the next asker is not told she is still linking.
    drop(alice);
    carol
        .until(20, |u| {
            matches!(u, Update::StateChanged { state, .. } if *state == SessionState::NotLinked)
                .then_some(())
        })
        .await;
    carol.engine.send(link(3, "carol")).await.expect("send");
    carol
        .until(10, |u| match u {
            Update::QrIssued {
                attempt: AttemptId(3),
                ..
            } => Some(()),
            Update::Failed {
                attempt: Some(AttemptId(3)),
                reason,
                ..
            } => panic!("refused after alice left: {reason:?}"),
            _ => None,
        })
        .await;
}

fn chrono_utc() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(0).expect("utc")
}

fn device_free(sim: &SimProcess) -> bool {
    let (_, devices) = sim.call("GET", "/devices", "");
    devices.as_array().is_some_and(|d| d.is_empty())
}
