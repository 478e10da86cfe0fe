//! The status line offers only keys that work now, and the next step.

use crate::domain::{AttemptId, FailureReason};
use crate::engine::update::Update;

use super::app_tests::submitted;
use super::render_tests::{draw, text_of};
use super::test_support::*;

fn hints(app: &super::app::App, t: super::app::Now) -> String {
    let screen = text_of(&draw(app, t, (120, 40)));
    screen.lines().last().unwrap_or_default().to_owned()
}

#[test]
fn the_sandbox_phone_is_the_next_step_on_a_code() {
    let (mut app, t) = submitted();
    app.sandbox = true;
    engine(&mut app, code_issued(1, 1, t, 160), t);
    let line = hints(&app, t);
    assert!(line.contains("p phone does it"), "{line}");
    app.sandbox = false;
    let line = hints(&app, t);
    assert!(!line.contains("p phone"), "{line}");
}

#[test]
fn a_rate_limited_attempt_does_not_offer_r() {
    let (mut app, t) = submitted();
    let failed = Update::Failed {
        company: 1,
        attempt: Some(AttemptId(1)),
        reason: FailureReason::RateLimited {
            until: t.unix + 3600,
        },
    };
    engine(&mut app, failed, t);
    let screen = text_of(&draw(&app, t, (120, 40)));
    let line = screen.lines().last().unwrap_or_default();
    assert!(!line.contains("r start again"), "{line}");
    assert!(!screen.contains("r try again"), "{screen}");

    // Any other failure may be tried again.
    let (mut app, t) = submitted();
    let failed = Update::Failed {
        company: 1,
        attempt: Some(AttemptId(1)),
        reason: FailureReason::PairRejected,
    };
    engine(&mut app, failed, t);
    assert!(
        hints(&app, t).contains("r start again"),
        "{}",
        hints(&app, t)
    );
}

/// Another company's failure is news for a while, not for minutes: its
/// row and the event log keep it.
#[test]
fn a_failure_elsewhere_leaves_the_status_line() {
    use crate::domain::SessionState;
    let t = now();
    let rows = vec![
        row(1, "acme", "Acme", None, SessionState::NotLinked),
        row(2, "beta", "Beta", None, SessionState::Connected),
    ];
    let mut app = app_with(rows, t);
    let failed = Update::Failed {
        company: 2,
        attempt: None,
        reason: FailureReason::NetworkUnreachable,
    };
    engine(&mut app, failed, t);
    let screen = text_of(&draw(&app, t, (120, 40)));
    assert!(screen.contains("beta: Cannot reach WhatsApp"), "{screen}");
    let later = later(t, super::app::FAILURE_SECS + 1);
    app.update(super::msg::Msg::Tick, later);
    let screen = text_of(&draw(&app, later, (120, 40)));
    assert!(!screen.contains("beta: Cannot reach"), "{screen}");
}

/// The add dialog's sentences and the help box are whole at 80×24.
#[test]
fn dialogs_say_their_whole_sentences_at_80_columns() {
    use super::msg::Action;
    let t = now();
    let mut app = app_with(vec![], t);
    act(&mut app, Action::AddCompany, t);
    type_add(&mut app, "Acme", t);
    let screen = text_of(&draw(&app, t, (80, 24)));
    assert!(
        screen.contains("digits and '-'") && screen.contains("(found 'A')"),
        "{screen}"
    );
    act(&mut app, Action::Back, t);
    act(&mut app, Action::ShowHelp, t);
    let screen = text_of(&draw(&app, t, (80, 24)));
    assert!(
        screen.contains("invite: the company links its own phone"),
        "{screen}"
    );
}
