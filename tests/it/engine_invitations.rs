//! The engine keeps which attempt came through which invitation: the link
//! uses the invitation up, and so does a restart that finds a link the
//! registry missed, so a used invitation never links a second time.

use walink::domain::{InviteMethod, InviteStatus};
use walink::engine::Command;
use walink::engine::command::Invite;
use walink::engine::update::Update;
use walink::store::now_unix;

use crate::engine_fixture::{Fixture, link_by_qr_through};
use crate::wa::{secs, sim};

const HASH: &str = "ab";

fn hash() -> String {
    HASH.repeat(32)
}

/// An invitation for the fixture's company, recorded by the engine.
async fn invited(f: &mut Fixture) -> i64 {
    let invite = Invite {
        company: f.company,
        hash: hash(),
        phone: None,
        method: InviteMethod::Any,
        expires_at: now_unix() + 3600,
        by: "test".into(),
    };
    f.engine
        .send(Command::Invite(invite))
        .await
        .expect("engine running");
    f.wait(secs(5), |u| match u {
        Update::Invited { id, .. } => Some(*id),
        _ => None,
    })
    .await
}

fn status(f: &Fixture) -> InviteStatus {
    f.store()
        .invitation_by_hash(&hash())
        .expect("registry")
        .expect("the invitation")
        .status(now_unix())
}

fn used_lines(f: &Fixture, id: i64) -> usize {
    let log = f.store().events(f.company, 100).expect("event log");
    let line = format!("invitation #{id} used");
    log.iter().filter(|e| e.detail == line).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_through_an_invitation_uses_it_up_even_when_the_registry_missed_it() {
    let sim = sim().await;
    let mut f = Fixture::new(&sim).await;
    let id = invited(&mut f).await;
    assert_eq!(status(&f), InviteStatus::Live);
    // The attempt's row names its invitation.
    link_by_qr_through(&sim, &mut f, Some(id)).await;
    let kept: Option<i64> = rusqlite::Connection::open(f.data.registry_path())
        .expect("registry")
        .query_row(
            "SELECT invitation_id FROM link_attempts ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("the attempt");
    assert_eq!(kept, Some(id));
    assert!(
        f.seen
            .iter()
            .any(|u| matches!(u, Update::InvitationEnded { id: i, .. } if *i == id)),
        "every client hears the invitation end"
    );
    assert_eq!(status(&f), InviteStatus::Used);
    assert_eq!(used_lines(&f, id), 1);
    f.shutdown().await;

    // What a stop between the phone's link and the registry's writes
    // leaves: keys of a paired device, an attempt still pending, the
    // invitation live.
    let db = rusqlite::Connection::open(f.data.registry_path()).expect("registry");
    for sql in [
        "UPDATE sessions SET jid = NULL, state = 'linking_qr' WHERE company_id = ?1",
        "UPDATE invitations SET used_at = NULL WHERE company_id = ?1",
        "UPDATE link_attempts SET outcome = 'pending' WHERE company_id = ?1",
    ] {
        db.execute(sql, [f.company]).expect("undo the writes");
    }
    drop(db);
    assert_eq!(status(&f), InviteStatus::Live);

    f.start_again(&sim.url(), |_| {});
    f.state(secs(40), |s| *s == walink::domain::SessionState::Connected)
        .await;
    assert_eq!(
        status(&f),
        InviteStatus::Used,
        "the restart found the link, so its invitation is used"
    );
    assert_eq!(used_lines(&f, id), 2);
    f.shutdown().await;
}
