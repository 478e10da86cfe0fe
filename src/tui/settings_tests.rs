//! `e` on the dashboard: the settings form opens on what the loop read,
//! shows the proxy without its password, sends only what was edited, and
//! refuses a bad value with the setting named.

use tui_input::InputRequest;

use crate::domain::{ProxyChoice, ProxyUrl, SettingsView};
use crate::engine::command::Command;

use super::app::{Focus, Overlay};
use super::msg::{Action, Effect, Msg};
use super::render_tests::snap;
use super::test_support::*;

fn view() -> SettingsView {
    SettingsView {
        slug: "acme".into(),
        name: "Acme Ltd".into(),
        proxy: "socks5://alice:•••@proxy.example:1080".into(),
        proxy_in_use: Some("socks5://alice:•••@proxy.example:1080".into()),
        country: Some("RU".into()),
        note: "the Kazan office".into(),
        send_per_minute: None,
        new_chats_per_day: None,
    }
}

fn open() -> super::App {
    let t = now();
    let mut app = app_with(acme_and_beta(), t);
    assert_eq!(
        act(&mut app, Action::EditSettings, t),
        vec![Effect::LoadSettings { company: 1 }]
    );
    app.update(
        Msg::Settings {
            company: 1,
            loaded: Ok(view()),
        },
        t,
    );
    assert_eq!(app.focus(), Focus::SettingsForm);
    app
}

fn type_text(app: &mut super::App, text: &str) {
    for c in text.chars() {
        act(
            app,
            Action::EditAddField(InputRequest::InsertChar(c)),
            now(),
        );
    }
}

fn clear(app: &mut super::App) {
    for _ in 0..60 {
        act(
            app,
            Action::EditAddField(InputRequest::DeletePrevChar),
            now(),
        );
    }
}

#[test]
fn the_form_shows_the_settings_and_never_the_password() {
    snap("settings_form", &open(), now());
}

#[test]
fn enter_sends_only_the_edited_proxy_and_closes() {
    let mut app = open();
    act(&mut app, Action::NextAddField, now());
    clear(&mut app);
    type_text(&mut app, "http://bob:pw@10.0.0.9:3128");
    let effects = act(&mut app, Action::SubmitAdd, now());
    let Some(Effect::Engine(Command::ChangeCompany {
        company: 1,
        change,
        reconnect: false,
    })) = effects.first()
    else {
        panic!("{effects:?}");
    };
    let want = ProxyUrl::parse("http://bob:pw@10.0.0.9:3128").expect("url");
    assert_eq!(change.proxy, Some(ProxyChoice::Via(want)));
    assert_eq!(
        (&change.name, &change.note, &change.country),
        (&None, &None, &None)
    );
    assert!(app.overlay.is_none());
}

#[test]
fn a_bad_value_stays_in_the_form_with_its_sentence() {
    let mut app = open();
    for _ in 0..2 {
        act(&mut app, Action::NextAddField, now());
    }
    clear(&mut app);
    type_text(&mut app, "ZZ");
    assert!(act(&mut app, Action::SubmitAdd, now()).is_empty());
    let Some(Overlay::Settings(form)) = &app.overlay else {
        panic!("the form closed");
    };
    assert!(
        form.error
            .as_deref()
            .is_some_and(|e| e.starts_with("country: ")),
        "{:?}",
        form.error
    );
    snap("settings_form_refused", &app, now());
    // Esc leaves everything as it was.
    assert!(act(&mut app, Action::Back, now()).is_empty());
    assert!(app.overlay.is_none());
}

#[test]
fn nothing_edited_closes_without_a_change() {
    let mut app = open();
    assert!(act(&mut app, Action::SubmitAdd, now()).is_empty());
    assert!(app.overlay.is_none());
    // A read that failed says why, and opens nothing.
    app.update(
        Msg::Settings {
            company: 1,
            loaded: Err("Cannot read the settings: disk I/O error".into()),
        },
        now(),
    );
    assert!(app.overlay.is_none());
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.contains("disk I/O"))
    );
}
