//! `i` on the dashboard: the invitation's effect, its overlay (URL, QR,
//! copy), and the row while the invitation is live.

use crate::domain::SessionState;
use crate::engine::update::Update;

use super::app::{Focus, Overlay};
use super::msg::{Action, Effect, Msg};
use super::render_tests::{draw, qr_on_screen, snap, text_of};
use super::test_support::later as later_by;
use super::test_support::*;

const URL: &str =
    "https://walink.example.com/link/0123456789abcdef0123456789abcdef0123456789abcdef";

fn two() -> Vec<crate::engine::SessionRow> {
    vec![
        row(1, "acme", "Acme Ltd", None, SessionState::NotLinked),
        row(
            2,
            "beta",
            "Beta LLC",
            Some("79001234567"),
            SessionState::Connected,
        ),
    ]
}

#[test]
fn i_asks_the_loop_for_an_invitation_and_shows_its_link() {
    let t = now();
    let mut app = app_with(two(), t);
    assert_eq!(
        act(&mut app, Action::Invite, t),
        vec![Effect::Invite { company: 1 }]
    );
    let effects = app.update(
        Msg::Invitation {
            company: 1,
            made: Ok(URL.into()),
        },
        t,
    );
    assert!(effects.is_empty());
    assert_eq!(app.focus(), Focus::Invite);
    assert_eq!(
        act(&mut app, Action::CopyCode, t),
        vec![Effect::CopyToClipboard(URL.into())]
    );
    act(&mut app, Action::Back, t);
    assert!(app.overlay.is_none());
}

#[test]
fn no_public_url_is_a_sentence_not_an_overlay() {
    let t = now();
    let mut app = app_with(two(), t);
    let why = "No public URL for invitations yet: run walink serve --http ADDR [--public-url URL].";
    app.update(
        Msg::Invitation {
            company: 1,
            made: Err(why.into()),
        },
        t,
    );
    assert!(app.overlay.is_none());
    assert_eq!(app.toast.as_ref().map(|t| t.text.as_str()), Some(why));
}

#[test]
fn the_row_says_invited_until_the_invitation_ends() {
    let t = now();
    let mut app = app_with(two(), t);
    let until = at_unix(UNIX + 24 * 60);
    engine(
        &mut app,
        Update::Invited {
            company: 1,
            id: 7,
            hash: String::new(),
            until,
        },
        t,
    );
    let screen = text_of(&draw(&app, t, (80, 24)));
    assert!(screen.contains("invited · 24 min left"), "{screen}");
    let screen = text_of(&draw(&app, later_by(t, 60 * 10), (80, 24)));
    assert!(screen.contains("invited · 14 min left"), "{screen}");
    // Expired: the row is itself again, with no update needed.
    let gone = later_by(t, 25 * 60);
    assert!(!text_of(&draw(&app, gone, (80, 24))).contains("invited"));
    engine(&mut app, Update::InvitationEnded { company: 1, id: 7 }, t);
    assert!(!text_of(&draw(&app, t, (80, 24))).contains("invited"));
    assert!(app.invited.is_empty());
}

#[test]
fn the_overlay_shows_the_link_and_a_qr_that_decodes_to_it() {
    let t = now();
    let mut app = app_with(two(), t);
    app.table.selected = Some(1);
    app.update(
        Msg::Invitation {
            company: 1,
            made: Ok(URL.into()),
        },
        t,
    );
    let Some(Overlay::Invite(shown)) = &app.overlay else {
        panic!("no overlay")
    };
    let qr = shown.qr.clone().expect("the URL fits a QR");
    let big = draw(&app, t, (120, 40));
    assert_eq!(qr_on_screen(&big, &qr), URL);
    let small = text_of(&draw(&app, t, (80, 24)));
    assert!(
        small.contains("A larger terminal shows the link as a QR too."),
        "{small}"
    );
    assert!(small.contains("walink.example.com/link/"), "{small}");
    snap("invite", &app, t);
}

/// `i` again while the link this dashboard made is live shows that link,
/// not a new one; `n` there asks for a new one.
#[test]
fn i_again_shows_the_live_link_and_n_makes_another() {
    let t = now();
    let mut app = app_with(two(), t);
    act(&mut app, Action::Invite, t);
    app.update(
        Msg::Invitation {
            company: 1,
            made: Ok(URL.into()),
        },
        t,
    );
    let token = URL.rsplit('/').next().expect("token");
    let until = at_unix(t.unix + 1800);
    let live = Update::Invited {
        company: 1,
        id: 7,
        hash: crate::auth::hash(token),
        until,
    };
    engine(&mut app, live, t);
    act(&mut app, Action::Back, t);

    assert_eq!(act(&mut app, Action::Invite, t), vec![], "a second link");
    assert_eq!(app.focus(), Focus::Invite);
    let screen = text_of(&draw(&app, t, (120, 40)));
    assert!(
        screen.contains("The company's live link, 30 min left (n makes another)")
            && screen.contains(URL),
        "{screen}"
    );
    assert_eq!(
        act(&mut app, Action::Invite, t),
        vec![Effect::Invite { company: 1 }]
    );

    // Once it ended, i makes a new one again.
    act(&mut app, Action::Back, t);
    engine(&mut app, Update::InvitationEnded { company: 1, id: 7 }, t);
    assert_eq!(
        act(&mut app, Action::Invite, t),
        vec![Effect::Invite { company: 1 }]
    );
}
