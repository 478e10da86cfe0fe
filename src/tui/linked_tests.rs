//! The pairing pane once its attempt has linked the company.

use crate::domain::AttemptId;
use crate::engine::update::Update;

use super::app::Focus;
use super::app_tests::{stage, submitted};
use super::msg::Action;
use super::pairing::Stage;
use super::test_support::*;

/// `r` or Tab on the success pane would send a working company into an
/// attempt that never gets a code: neither orders anything.
#[test]
fn a_linked_pane_neither_starts_again_nor_switches_method() {
    let (mut app, t) = submitted();
    let linked = Update::Linked {
        company: 1,
        attempt: AttemptId(1),
        jid: "79001234567:3@s.whatsapp.net".into(),
        phone: "79001234567".into(),
        push_name: None,
    };
    engine(&mut app, linked, t);
    assert_eq!(act(&mut app, Action::RestartLink, t), vec![]);
    let said = app
        .toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert!(said.contains("unlink it first"), "{said}");
    assert_eq!(act(&mut app, Action::SwitchMethod, t), vec![]);
    assert!(
        matches!(stage(&app), Stage::Linked { .. }),
        "still the success"
    );
    let hints: Vec<_> = crate::tui::view::help::keys_of(&app, Focus::Attempt)
        .iter()
        .map(|k| k.keys)
        .collect();
    assert!(
        !hints.contains(&"r") && !hints.contains(&"Tab"),
        "{hints:?}"
    );
}
