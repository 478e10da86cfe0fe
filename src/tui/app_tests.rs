//! App::update transitions of the pairing pane: Msg in, state and
//! Effects out. No terminal, no engine.

use crate::domain::{AttemptId, FailureReason, GuardWhy, LinkMethod, Phone, SessionState};
use crate::engine::command::Command;
use crate::engine::update::Update;

use super::app::{App, Focus, Overlay, Screen};
use super::confirm::Confirm;
use super::msg::{Action, Effect, Msg, PhonePlay, QuitCause};
use super::pairing::{Method, Stage};
use super::test_support::*;

const GOOD: &str = "+7 900 123-45-67";

pub(super) fn stage(app: &App) -> &Stage {
    &app.pairing()
        .and_then(|f| f.attempt.as_ref())
        .expect("an attempt")
        .stage
}

/// One company without a number, its pane open.
fn opened() -> (App, super::app::Now) {
    let t = now();
    let mut app = app_with(
        vec![row(1, "acme", "Acme LLC", None, SessionState::NotLinked)],
        t,
    );
    act(&mut app, Action::OpenPairing, t);
    (app, t)
}

/// `opened`, then a valid number submitted: attempt 1 is live.
pub(super) fn submitted() -> (App, super::app::Now) {
    let (mut app, t) = opened();
    type_phone(&mut app, GOOD, t);
    act(&mut app, Action::SubmitLink, t);
    (app, t)
}

fn good_phone() -> Phone {
    Phone::parse(GOOD, None).expect("valid")
}

#[test]
fn open_pairing_prefills_the_known_number() {
    let t = now();
    let rows = vec![row(
        1,
        "acme",
        "Acme",
        Some("79001234567"),
        SessionState::LoggedOut,
    )];
    let mut app = app_with(rows, t);
    assert_eq!(app.focus(), Focus::Table);
    act(&mut app, Action::OpenPairing, t);
    assert_eq!(app.focus(), Focus::Form);
    let form = app.pairing().expect("pane open");
    assert_eq!(form.phone.value(), "+79001234567");
    assert_eq!(
        form.checked.as_ref().map(|p| p.digits.as_str()),
        Ok("79001234567")
    );
}

#[test]
fn a_bad_number_shows_its_sentence_and_is_not_sent() {
    let (mut app, t) = opened();
    type_phone(&mut app, "+7 900", t);
    let form = app.pairing().expect("pane open");
    let err = form.checked.as_ref().err().map(ToString::to_string);
    assert_eq!(
        err.as_deref(),
        Some("this is not a valid number for Russia")
    );
    assert_eq!(act(&mut app, Action::SubmitLink, t), vec![]);
    assert!(app.pairing().expect("pane").attempt.is_none());
    assert!(app.toast.is_some(), "the refusal is said where eyes go");
}

#[test]
fn a_good_number_submits_a_code_link() {
    let (mut app, t) = opened();
    type_phone(&mut app, GOOD, t);
    let effects = act(&mut app, Action::SubmitLink, t);
    assert_eq!(
        effects,
        vec![Effect::Engine(Command::Link {
            company: 1,
            attempt: AttemptId(1),
            method: LinkMethod::Code {
                phone: good_phone()
            },
            force: false,
            by: "this dashboard".into(),
            invitation: None,
        })]
    );
    assert_eq!(app.focus(), Focus::Attempt);
    assert!(matches!(stage(&app), Stage::Requested));
    // A second Enter while it runs asks for nothing more.
    assert_eq!(act(&mut app, Action::SubmitLink, t), vec![]);
}

#[test]
fn an_issued_code_is_shown_and_copied() {
    let (mut app, t) = submitted();
    engine(&mut app, code_issued(1, 1, t, 180), t);
    assert!(matches!(stage(&app), Stage::Code { code, .. } if code.to_string() == "ABCD-EFGH"));
    let effects = act(&mut app, Action::CopyCode, t);
    assert_eq!(effects, vec![Effect::CopyToClipboard("ABCDEFGH".into())]);
}

#[test]
fn late_updates_of_an_old_attempt_are_dropped() {
    let (mut app, t) = submitted();
    assert_eq!(
        act(&mut app, Action::CancelLink, t),
        vec![Effect::Engine(Command::CancelLink { company: 1 })]
    );
    act(&mut app, Action::SubmitLink, t);
    app.dirty = false;
    engine(&mut app, code_issued(1, 1, t, 180), t);
    let reason = FailureReason::CodeExpired;
    engine(
        &mut app,
        Update::Failed {
            company: 1,
            attempt: Some(AttemptId(1)),
            reason,
        },
        t,
    );
    engine(
        &mut app,
        Update::QrExhausted {
            company: 1,
            attempt: AttemptId(1),
        },
        t,
    );
    assert!(
        matches!(stage(&app), Stage::Requested),
        "attempt 2 is untouched"
    );
    assert!(app.last_failure.is_none());
    assert!(!app.dirty, "nothing visible changed");
    engine(&mut app, code_issued(1, 2, t, 180), t);
    assert!(matches!(stage(&app), Stage::Code { .. }));
}

#[test]
fn a_guard_refusal_offers_to_force() {
    let (mut app, t) = submitted();
    assert_eq!(
        act(&mut app, Action::ConfirmForce, t),
        vec![],
        "nothing to force yet"
    );
    let reason = FailureReason::GuardRefused {
        until: UNIX + 3600,
        why: GuardWhy::Cooldown,
    };
    engine(
        &mut app,
        Update::Failed {
            company: 1,
            attempt: Some(AttemptId(1)),
            reason,
        },
        t,
    );
    assert!(matches!(stage(&app), Stage::Refused { .. }));
    assert!(app.last_failure.is_some());
    let effects = act(&mut app, Action::ConfirmForce, t);
    assert_eq!(
        effects,
        vec![Effect::Engine(Command::Link {
            company: 1,
            attempt: AttemptId(2),
            method: LinkMethod::Code {
                phone: good_phone()
            },
            force: true,
            by: "this dashboard".into(),
            invitation: None,
        })]
    );
}

#[test]
fn qr_refs_rotate_run_out_and_restart() {
    let (mut app, t) = opened();
    act(&mut app, Action::SwitchMethod, t);
    let effects = act(&mut app, Action::SubmitLink, t);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Engine(Command::Link {
            method: LinkMethod::Qr,
            attempt: AttemptId(1),
            force: false,
            ..
        })]
    ));
    engine(&mut app, qr_issued(1, 1, t, 60), t);
    assert!(matches!(stage(&app), Stage::Qr(shown) if shown.number == 1 && shown.rows.is_ok()));
    engine(&mut app, qr_issued(1, 1, t, 20), t);
    assert!(matches!(stage(&app), Stage::Qr(shown) if shown.number == 2));
    assert_eq!(act(&mut app, Action::RestartLink, t), vec![], "still live");
    engine(
        &mut app,
        Update::QrExhausted {
            company: 1,
            attempt: AttemptId(1),
        },
        t,
    );
    assert!(matches!(stage(&app), Stage::QrExhausted));
    let effects = act(&mut app, Action::RestartLink, t);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Engine(Command::Link {
            method: LinkMethod::Qr,
            attempt: AttemptId(2),
            force: false,
            ..
        })]
    ));
}

#[test]
fn esc_during_a_live_attempt_asks_before_cancelling() {
    let (mut app, t) = submitted();
    assert_eq!(act(&mut app, Action::Back, t), vec![]);
    assert_eq!(app.focus(), Focus::Confirm);
    assert!(matches!(
        &app.overlay,
        Some(Overlay::Confirm(Confirm::CancelAttempt { company: 1, .. }))
    ));
    act(&mut app, Action::Deny, t);
    assert_eq!(app.focus(), Focus::Attempt, "still running");
    act(&mut app, Action::Back, t);
    let effects = act(&mut app, Action::Confirm, t);
    assert_eq!(
        effects,
        vec![Effect::Engine(Command::CancelLink { company: 1 })]
    );
    assert!(matches!(app.screen, Screen::Table));
}

#[test]
fn esc_after_a_failure_goes_back_to_the_table_where_q_quits() {
    let (mut app, t) = submitted();
    let reason = FailureReason::PairRejected;
    engine(
        &mut app,
        Update::Failed {
            company: 1,
            attempt: Some(AttemptId(1)),
            reason,
        },
        t,
    );
    assert_eq!(act(&mut app, Action::Back, t), vec![]);
    assert_eq!(app.focus(), Focus::Table);
}

#[test]
fn linked_updates_the_row_and_the_pane() {
    let (mut app, t) = submitted();
    let jid = "79001234567:3@s.whatsapp.net".to_owned();
    let linked = Update::Linked {
        company: 1,
        attempt: AttemptId(1),
        jid: jid.clone(),
        phone: "79001234567".into(),
        push_name: None,
    };
    engine(&mut app, linked, t);
    assert!(matches!(stage(&app), Stage::Linked { .. }));
    assert_eq!(app.row(1).and_then(|r| r.jid.clone()), Some(jid));
    // The Number column shows the linked number at once, not after a restart.
    assert_eq!(
        app.row(1).and_then(|r| r.phone.clone()).as_deref(),
        Some("79001234567")
    );
    act(&mut app, Action::Back, t);
    assert_eq!(app.focus(), Focus::Table);
}

#[test]
fn a_number_with_a_working_session_is_asked_about_first() {
    let t = now();
    let rows = vec![
        row(
            1,
            "acme",
            "Acme",
            Some("79001234567"),
            SessionState::Connected,
        ),
        row(2, "beta", "Beta", None, SessionState::NotLinked),
    ];
    let mut app = app_with(rows, t);
    act(&mut app, Action::SelectNext, t);
    act(&mut app, Action::OpenPairing, t);
    type_phone(&mut app, GOOD, t);
    assert_eq!(act(&mut app, Action::SubmitLink, t), vec![]);
    assert!(matches!(
        &app.overlay,
        Some(Overlay::Confirm(Confirm::NumberInUse { .. }))
    ));
    let effects = act(&mut app, Action::Confirm, t);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Engine(Command::Link { company: 2, .. })]
    ));
}

#[test]
fn tab_during_a_live_qr_cancels_it_and_offers_the_code() {
    let (mut app, t) = opened();
    act(&mut app, Action::SwitchMethod, t);
    act(&mut app, Action::SubmitLink, t);
    let effects = act(&mut app, Action::SwitchMethod, t);
    assert_eq!(
        effects,
        vec![Effect::Engine(Command::CancelLink { company: 1 })]
    );
    assert_eq!(app.focus(), Focus::Form);
    assert_eq!(app.pairing().map(|f| f.method), Some(Method::Code));
}

#[test]
fn the_sandbox_phone_enters_the_shown_code() {
    let (mut app, t) = submitted();
    engine(&mut app, code_issued(1, 1, t, 180), t);
    assert_eq!(
        act(&mut app, Action::PlayPhone, t),
        vec![],
        "not a sandbox build"
    );
    app.sandbox = true;
    let effects = act(&mut app, Action::PlayPhone, t);
    assert!(matches!(
        effects.as_slice(),
        [Effect::PlayPhone { company: 1, play: PhonePlay::EnterCode { phone, .. } }] if phone == "79001234567"
    ));
}

#[test]
fn ticks_dirty_the_screen_only_when_something_moves() {
    let (mut app, t) = submitted();
    app.update(Msg::Tick, t);
    app.dirty = false;
    app.update(Msg::Tick, later(t, 1));
    assert!(!app.dirty, "no countdown on screen yet");
    engine(&mut app, code_issued(1, 1, t, 180), t);
    app.dirty = false;
    app.update(Msg::Tick, later(t, 2));
    assert!(app.dirty, "the code's countdown moved");
}

#[test]
fn quit_asks_the_loop_to_exit() {
    let (mut app, t) = submitted();
    assert_eq!(
        app.update(Msg::Quit(QuitCause::Terminate), t),
        vec![Effect::Exit]
    );
    assert!(app.stopping);
}
