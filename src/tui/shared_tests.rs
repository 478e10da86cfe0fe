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
