//! Updates and commands across the wire and back.
use super::*;
use crate::domain::LinkMethod;
use crate::domain::{FailureReason, GuardWhy, Phone, SessionState};
use crate::engine::Command;
use crate::engine::SessionRow;
use crate::service::wire::WireCommand;

fn at(ms: i64) -> SystemTime {
    from_ms(ms)
}

#[test]
fn updates_cross_the_wire_unchanged() {
    let now = Instant::now();
    let in_a_minute = now + Duration::from_secs(60);
    let row = SessionRow {
        company: 3,
        slug: "acme".into(),
        name: "Acme".into(),
        phone: Some("79001234567".into()),
        jid: Some("79001234567:1@s.whatsapp.net".into()),
        push_name: None,
        state: SessionState::Disconnected {
            retry_at: Some(in_a_minute),
        },
        since: at(1_795_000_000_123),
        last_event: Some("connected".into()),
        linking: Some(crate::engine::update::Claim {
            attempt: 4,
            by: "dashboard (pid 9)".into(),
            since: 1_795_000_000,
            invitation: Some(2),
        }),
        host: Some("host-b".into()),
    };
    let updates = [
        Update::Snapshot(vec![row.clone()]),
        Update::CompanyAdded(Box::new(row)),
        Update::StateChanged {
            company: 3,
            state: SessionState::LinkingQr {
                expires_at: in_a_minute,
            },
            since: at(1_795_000_000_000),
        },
        Update::CodeIssued {
            company: 3,
            attempt: AttemptId(1 << 40),
            code: PairCode::new("ABCDEFGH"),
            expires_at: in_a_minute,
        },
        Update::Failed {
            company: 3,
            attempt: None,
            reason: FailureReason::GuardRefused {
                until: 1_795_000_600,
                why: GuardWhy::Cooldown,
            },
        },
        Update::Logged {
            company: 3,
            entry: LogEntry {
                at: at(1_795_000_000_999),
                kind: "link".into(),
                detail: "WhatsApp is refusing new links for this number for now.".into(),
                reason: Some("rate_limited".into()),
                raw: Some("PairCodeRefused { status: Some(429) }".into()),
            },
        },
        Update::Notice("the open-file limit is low".into()),
    ];
    for u in updates {
        let wire = WireUpdate::from_update(&u, now).expect("on the wire");
        let text = serde_json::to_string(&wire).expect("json");
        let back: WireUpdate = serde_json::from_str(&text).expect("parse");
        assert_eq!(back.into_update(now), u, "{text}");
    }
    assert_eq!(WireUpdate::from_update(&Update::Stopped, now), None);
}

#[test]
fn commands_cross_the_wire_and_names_are_checked_again() {
    let phone = Phone::parse("+7 900 123 45 67", None).expect("phone");
    let link = Command::Link {
        company: 1,
        attempt: AttemptId(9),
        method: LinkMethod::Code { phone },
        force: false,
        by: "dashboard (pid 7)".into(),
        invitation: None,
    };
    let wire = WireCommand::from_command(&link).expect("on the wire");
    let text = serde_json::to_string(&wire).expect("json");
    let back: WireCommand = serde_json::from_str(&text).expect("parse");
    assert_eq!(back.into_command("dashboard (pid 7)").ok(), Some(link));
    assert_eq!(WireCommand::from_command(&Command::Shutdown), None);

    let bad = WireCommand::AddCompany {
        slug: "../etc".into(),
        name: "x".into(),
    };
    let Err(answer) = bad.into_command("x") else {
        panic!("a bad slug is refused");
    };
    assert!(
        matches!(*answer, Update::CompanyNotAdded { .. }),
        "{answer:?}"
    );
}

#[test]
fn invitations_cross_the_wire_and_the_server_names_their_maker() {
    let now = Instant::now();
    let made = Command::Invite(crate::engine::command::Invite {
        company: 2,
        hash: "ab".repeat(32),
        phone: Phone::parse("+7 900 123 45 67", None).ok(),
        method: crate::domain::InviteMethod::Code,
        expires_at: 1_795_000_000,
        by: "what the client claims".into(),
    });
    let wire = WireCommand::from_command(&made).expect("on the wire");
    let text = serde_json::to_string(&wire).expect("json");
    let back: WireCommand = serde_json::from_str(&text).expect("parse");
    let Ok(Command::Invite(got)) = back.into_command("invite (pid 5)") else {
        panic!("not an invitation")
    };
    assert_eq!(got.by, "invite (pid 5)");
    let Command::Invite(sent) = made else {
        unreachable!()
    };
    assert_eq!(
        Command::Invite(got.clone()),
        Command::Invite(crate::engine::command::Invite {
            by: got.by.clone(),
            ..sent
        })
    );
    // Only the server's own adapters use these.
    let note = Command::Note {
        company: 1,
        kind: "invitation",
        detail: "opened".into(),
    };
    assert_eq!(WireCommand::from_command(&note), None);
    // A client never links through an invitation: only the server's page
    // does, so the invitation does not cross the socket either way.
    let invited = Command::Link {
        company: 1,
        attempt: AttemptId(5),
        method: LinkMethod::Qr,
        force: false,
        by: "the invitation page (#3)".into(),
        invitation: Some(3),
    };
    let crossed = WireCommand::from_command(&invited)
        .expect("a link crosses")
        .into_command("dashboard (pid 9)")
        .expect("and comes back");
    let Command::Link { invitation, by, .. } = crossed else {
        unreachable!()
    };
    assert_eq!((invitation, by.as_str()), (None, "dashboard (pid 9)"));
    for u in [
        Update::Invited {
            company: 2,
            id: 3,
            hash: "cd".repeat(32),
            until: at(1_795_000_000_000),
        },
        Update::InvitationEnded { company: 2, id: 3 },
    ] {
        let wire = WireUpdate::from_update(&u, now).expect("on the wire");
        let text = serde_json::to_string(&wire).expect("json");
        let back: WireUpdate = serde_json::from_str(&text).expect("parse");
        assert_eq!(back.into_update(now), u, "{text}");
    }
}
