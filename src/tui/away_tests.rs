//! A dashboard attached to a `walink serve` that went away: nothing it
//! cannot send is dropped, and nothing on screen pretends to be live.

use crate::domain::SessionState;
use crate::engine::ServerLink;
use crate::engine::command::Command;
use crate::engine::update::Update;

use super::app::{AWAY, Focus, Overlay};
use super::app_tests::{stage, submitted};
use super::msg::{Action, Effect};
use super::pairing::Stage;
use super::render_tests::{snap, text_of};
use super::test_support::*;

fn attached(pid: u32) -> Update {
    Update::Server(ServerLink::Attached {
        pid,
        started_at: 1_795_000_000,
    })
}

#[test]
fn a_live_code_ends_with_the_server_and_r_waits_for_it() {
    let (mut app, t) = submitted();
    engine(&mut app, attached(7), t);
    engine(&mut app, code_issued(1, 1, t, 160), t);
    engine(&mut app, Update::Server(ServerLink::Lost), t);
    assert!(matches!(stage(&app), Stage::Lost), "{:?}", stage(&app));
    assert!(!stage(&app).has_countdown());

    // r while away: refused with the sentence, the pane unchanged.
    assert_eq!(act(&mut app, Action::RestartLink, t), vec![]);
    assert!(matches!(stage(&app), Stage::Lost));
    assert_eq!(app.toast.as_ref().map(|t| t.text.as_str()), Some(AWAY));

    engine(&mut app, attached(8), t);
    let effects = act(&mut app, Action::RestartLink, t);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Engine(Command::Link { company: 1, .. })]
        ),
        "{effects:?}"
    );
}

#[test]
fn an_add_while_away_keeps_its_dialog_and_says_why() {
    let t = now();
    let mut app = app_with(
        vec![row(1, "acme", "Acme", None, SessionState::NotLinked)],
        t,
    );
    engine(&mut app, attached(7), t);
    engine(&mut app, Update::Server(ServerLink::Lost), t);
    act(&mut app, Action::AddCompany, t);
    type_add(&mut app, "beta", t);
    act(&mut app, Action::NextAddField, t);
    type_add(&mut app, "Beta Co", t);
    assert_eq!(act(&mut app, Action::SubmitAdd, t), vec![]);
    assert_eq!(app.focus(), Focus::AddForm);
    let Some(Overlay::Add(form)) = &app.overlay else {
        panic!("the dialog closed");
    };
    assert_eq!(form.slug.value(), "beta");
    assert_eq!(app.toast.as_ref().map(|t| t.text.as_str()), Some(AWAY));
    // What needs no server still works: the dialog closes, the table moves.
    act(&mut app, Action::Back, t);
    assert_eq!(app.focus(), Focus::Table);

    engine(&mut app, attached(8), t);
    act(&mut app, Action::AddCompany, t);
    type_add(&mut app, "beta", t);
    act(&mut app, Action::NextAddField, t);
    type_add(&mut app, "Beta Co", t);
    let effects = act(&mut app, Action::SubmitAdd, t);
    assert!(
        matches!(effects.as_slice(), [Effect::AddCompany { .. }]),
        "{effects:?}"
    );
}

#[test]
fn the_screen_while_away() {
    let t = now();
    let rows = vec![
        row(
            1,
            "acme",
            "Acme LLC",
            Some("79001234567"),
            SessionState::Connected,
        ),
        row(2, "beta", "Beta Co", None, SessionState::NotLinked),
    ];
    let mut app = app_with(rows, t);
    engine(&mut app, attached(7), t);
    engine(&mut app, Update::Server(ServerLink::Lost), t);
    snap("away", &app, t);
    let narrow = text_of(&super::render_tests::draw(&app, t, (80, 24)));
    assert!(
        narrow.contains("walink serve went away; reconnecting…"),
        "{narrow}"
    );
    assert!(narrow.contains("? was connected"), "{narrow}");
    assert!(!narrow.contains("● Connected"), "{narrow}");
}

/// "up 12 s" moves every second while it counts seconds, then once a
/// minute.
#[test]
fn a_young_servers_uptime_ticks() {
    let t = now();
    let mut app = app_with(vec![], t);
    let started = Update::Server(ServerLink::Attached {
        pid: 7,
        started_at: t.unix - 10,
    });
    engine(&mut app, started, t);
    app.dirty = false;
    app.update(super::msg::Msg::Tick, later(t, 1));
    assert!(app.dirty, "the seconds froze");
    let screen = text_of(&super::render_tests::draw(&app, later(t, 1), (120, 40)));
    assert!(screen.contains("up 11 s"), "{screen}");
    app.dirty = false;
    app.update(super::msg::Msg::Tick, later(t, 120));
    app.dirty = false;
    app.update(super::msg::Msg::Tick, later(t, 121));
    assert!(!app.dirty, "an old server's uptime redraws every second");
}
