//! App::update when several clients share one server: another client's
//! attempt on the open company shows here too; a stale one of ours never
//! comes back.

use crate::domain::{AttemptId, SessionState};
use crate::engine::update::Update;

use super::app::App;
use super::msg::Action;
use super::pairing::Stage;
use super::test_support::*;

fn opened() -> (App, super::app::Now) {
    let t = now();
    let mut app = app_with(
        vec![row(1, "acme", "Acme LLC", None, SessionState::NotLinked)],
        t,
    );
    app.seed_attempts(1000);
    act(&mut app, Action::OpenPairing, t);
    (app, t)
}

fn shown(app: &App) -> Option<(AttemptId, &Stage)> {
    app.pairing()
        .and_then(|f| f.attempt.as_ref())
        .map(|a| (a.id, &a.stage))
}

#[test]
fn another_clients_code_shows_on_the_open_pane_and_its_link_too() {
    let (mut app, t) = opened();
    engine(&mut app, code_issued(1, 7, t, 160), t);
    assert!(
        matches!(shown(&app), Some((AttemptId(7), Stage::Code { .. }))),
        "{:?}",
        shown(&app)
    );
    engine(
        &mut app,
        Update::Linked {
            company: 1,
            attempt: AttemptId(7),
            jid: "79001234567:1@s.whatsapp.net".into(),
            phone: "79001234567".into(),
            push_name: None,
        },
        t,
    );
    assert!(matches!(shown(&app), Some((_, Stage::Linked { .. }))));
}

#[test]
fn another_clients_qr_for_another_company_is_not_shown() {
    let (mut app, t) = opened();
    engine(&mut app, qr_issued(2, 7, t, 20), t);
    assert!(shown(&app).is_none());
}

#[test]
fn our_own_live_attempt_is_not_taken_over() {
    let (mut app, t) = opened();
    act(&mut app, Action::SwitchMethod, t);
    act(&mut app, Action::SubmitLink, t);
    let ours = shown(&app).expect("ours").0;
    assert_eq!(ours, AttemptId(1000));
    engine(&mut app, code_issued(1, 7, t, 160), t);
    assert_eq!(shown(&app).expect("still ours").0, ours);
}

#[test]
fn a_late_code_of_our_cancelled_attempt_stays_away() {
    let (mut app, t) = opened();
    act(&mut app, Action::SwitchMethod, t);
    act(&mut app, Action::SubmitLink, t);
    act(&mut app, Action::CancelLink, t);
    engine(&mut app, qr_issued(1, 1000, t, 20), t);
    assert!(
        !matches!(shown(&app), Some((_, Stage::Qr(_)))),
        "{:?}",
        shown(&app)
    );
}

/// A pane opened while another client links says whose attempt it is,
/// counts its code down with the row, and clears once it ends.
#[test]
fn a_pane_names_whose_attempt_runs_and_clears_when_it_ends() {
    use super::render_tests::{draw, text_of};
    let (mut app, t) = opened();
    let claim = crate::engine::update::Claim {
        attempt: 7,
        by: "walink pair (pid 12)".into(),
        since: t.unix - 60,
        invitation: None,
    };
    engine(&mut app, Update::AttemptStarted { company: 1, claim }, t);
    let expires_at = t.instant + std::time::Duration::from_secs(150);
    let linking = Update::StateChanged {
        company: 1,
        state: SessionState::LinkingCode { expires_at },
        since: at_unix(t.unix),
    };
    engine(&mut app, linking, t);
    let screen = text_of(&draw(&app, t, (120, 40)));
    assert!(
        screen.contains("walink pair (pid 12) has been linking this company since")
            && screen.contains("its code is live for 2:30"),
        "{screen}"
    );
    let later = later(t, 30);
    let screen = text_of(&draw(&app, later, (120, 40)));
    assert!(screen.contains("its code is live for 2:00"), "{screen}");

    let ended = Update::StateChanged {
        company: 1,
        state: SessionState::NotLinked,
        since: at_unix(later.unix),
    };
    engine(&mut app, ended, later);
    let screen = text_of(&draw(&app, later, (120, 40)));
    assert!(!screen.contains("has been linking"), "{screen}");
}

/// A refusal of somebody else's second attempt leaves the claim alone;
/// the end of the claimed one clears it.
#[test]
fn only_the_claimed_attempt_ends_its_claim() {
    let (mut app, t) = opened();
    let claim = crate::engine::update::Claim {
        attempt: 7,
        by: "dashboard (pid 9)".into(),
        since: t.unix,
        invitation: None,
    };
    engine(&mut app, Update::AttemptStarted { company: 1, claim }, t);
    let refused = |attempt| Update::Failed {
        company: 1,
        attempt: Some(AttemptId(attempt)),
        reason: crate::domain::FailureReason::CodeExpired,
    };
    engine(&mut app, refused(8), t);
    assert!(app.linking_elsewhere(1).is_some());
    engine(&mut app, refused(7), t);
    assert!(app.linking_elsewhere(1).is_none());
}
