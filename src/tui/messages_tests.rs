//! `m` and `t` on the dashboard: the messages overlay opens on what the
//! loop read, follows the engine's message updates for its company only,
//! hides text until `v`, and sends a test message it then follows.

use tui_input::InputRequest;

use crate::domain::{Direction, Message, MessageKind, MessageStatus, Traffic};
use crate::engine::update::Update;

use super::app::{Focus, Overlay};
use super::messages::Loaded;
use super::msg::{Action, Effect, Msg};
use super::render_tests::{draw, snap, text_of};
use super::test_support::*;

const CUSTOMER: &str = "79990000001@s.whatsapp.net";

fn message(id: &str, direction: Direction, status: MessageStatus, at: i64) -> Message {
    Message {
        id: id.into(),
        direction,
        chat: CUSTOMER.into(),
        sender: (direction == Direction::In).then(|| CUSTOMER.into()),
        sender_alt: None,
        sender_phone: None,
        push_name: None,
        at,
        kind: MessageKind::Text,
        text: Some(format!("secret words of {id}")),
        quoted: None,
        status,
        reason: None,
    }
}

/// acme with a day of traffic: one in two hours ago, one reply read.
fn loaded() -> Loaded {
    let mut traffic = Traffic::new(UNIX);
    traffic.count(Direction::In, UNIX - 7200, UNIX);
    traffic.count(Direction::Out, UNIX - 7100, UNIX);
    Loaded {
        rows: vec![
            message("3EB0A2", Direction::Out, MessageStatus::Read, UNIX - 7100),
            message("3A0A1", Direction::In, MessageStatus::Received, UNIX - 7200),
        ],
        traffic,
    }
}

fn open(testing: bool) -> super::App {
    let t = now();
    let mut app = app_with(acme_and_beta(), t);
    let action = if testing {
        Action::TestMessage
    } else {
        Action::OpenMessages
    };
    assert_eq!(
        act(&mut app, action, t),
        vec![Effect::LoadMessages {
            company: 1,
            testing
        }]
    );
    app.update(
        Msg::Messages {
            company: 1,
            loaded: Ok(loaded()),
            testing,
        },
        t,
    );
    app
}

fn pane(app: &super::App) -> &super::messages::Pane {
    match &app.overlay {
        Some(Overlay::Messages(p)) => p,
        other => panic!("no messages overlay: {other:?}"),
    }
}

#[test]
fn m_shows_the_traffic_and_follows_its_company_only() {
    let t = now();
    let mut app = open(false);
    assert_eq!(app.focus(), Focus::Messages);
    assert_eq!(pane(&app).traffic.total(), 2);

    let hello = message("3A0A3", Direction::In, MessageStatus::Received, UNIX - 5);
    let for_beta = Update::MessageReceived {
        company: 2,
        message: Box::new(message(
            "3A0B1",
            Direction::In,
            MessageStatus::Received,
            UNIX,
        )),
    };
    engine(&mut app, for_beta, t);
    assert_eq!(pane(&app).rows.len(), 2, "beta's message is not acme's");
    let acme = Update::MessageReceived {
        company: 1,
        message: Box::new(hello),
    };
    engine(&mut app, acme, t);
    assert_eq!(pane(&app).rows[0].id, "3A0A3", "newest on top");
    assert_eq!(pane(&app).traffic.last_in, Some(UNIX - 5));
    assert_eq!(pane(&app).traffic.total(), 3);

    act(&mut app, Action::ToggleText, t);
    assert!(pane(&app).show_text);
    act(&mut app, Action::Back, t);
    assert!(app.overlay.is_none());
    assert_eq!(app.focus(), Focus::Table);
}

#[test]
fn t_sends_a_test_message_and_follows_it_to_read() {
    let t = now();
    let mut app = open(true);
    assert_eq!(app.focus(), Focus::TestNumber);
    // Enter with nothing typed says what is missing.
    assert!(act(&mut app, Action::SubmitTest, t).is_empty());
    assert!(pane(&app).test_error.is_some());
    for c in "+7 999 000-00-01".chars() {
        act(
            &mut app,
            Action::EditTestNumber(InputRequest::InsertChar(c)),
            t,
        );
    }
    assert_eq!(
        act(&mut app, Action::SubmitTest, t),
        vec![Effect::SendTest {
            company: 1,
            to: "+7 999 000-00-01".into()
        }]
    );
    // The send guard said no: the number stays typed, the sentence shows.
    app.update(
        Msg::TestSent {
            company: 1,
            sent: Err("Not sent: this number has sent 20 messages in the last minute".into()),
        },
        t,
    );
    assert_eq!(app.focus(), Focus::TestNumber);
    assert!(
        pane(&app)
            .test_error
            .as_deref()
            .is_some_and(|e| e.contains("20 messages"))
    );

    let queued = message("3EB0T1", Direction::Out, MessageStatus::Queued, UNIX);
    app.update(
        Msg::TestSent {
            company: 1,
            sent: Ok(queued.clone()),
        },
        t,
    );
    assert_eq!(app.focus(), Focus::Messages);
    assert_eq!(pane(&app).tested.as_deref(), Some("3EB0T1"));
    for status in [
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Read,
    ] {
        let moved = Update::MessageUpdated {
            company: 1,
            message: Box::new(Message {
                status,
                ..queued.clone()
            }),
        };
        engine(&mut app, moved, t);
        assert_eq!(pane(&app).rows[0].status, status);
    }
    // A late copy of an earlier status never moves it back.
    let late = Update::MessageUpdated {
        company: 1,
        message: Box::new(Message {
            status: MessageStatus::Sent,
            ..queued
        }),
    };
    engine(&mut app, late, t);
    assert_eq!(pane(&app).rows[0].status, MessageStatus::Read);
    assert_eq!(pane(&app).traffic.last_out, Some(UNIX), "counted once sent");
    let screen = text_of(&draw(&app, t, (120, 40)));
    assert!(
        screen.contains("[test]") && screen.contains("read"),
        "{screen}"
    );
}

#[test]
fn text_stays_hidden_until_v() {
    let t = now();
    let mut app = open(false);
    let hidden = text_of(&draw(&app, t, (120, 40)));
    assert!(!hidden.contains("secret words"), "{hidden}");
    assert!(
        !hidden.contains("79990000001"),
        "the customer is masked: {hidden}"
    );
    act(&mut app, Action::ToggleText, t);
    let shown = text_of(&draw(&app, t, (120, 40)));
    assert!(shown.contains("secret words of 3A0A1"), "{shown}");
}

#[test]
fn snapshots() {
    let t = now();
    let app = open(false);
    snap("messages", &app, t);
    let mut app = open(true);
    for c in "+7 999".chars() {
        act(
            &mut app,
            Action::EditTestNumber(InputRequest::InsertChar(c)),
            t,
        );
    }
    app.update(
        Msg::TestSent {
            company: 1,
            sent: Err("+7 999 is too short for a phone number".into()),
        },
        t,
    );
    snap("messages_test", &app, t);
}
