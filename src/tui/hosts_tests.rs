//! The company table with several hosts: each company's host in its own
//! column, and one another host runs shows so; rows fold a host change.

use crate::domain::SessionState;
use crate::engine::update::Update;

use super::render_tests::{draw, snap, text_of};
use super::test_support::*;

fn hosted() -> Vec<crate::engine::SessionRow> {
    let mut acme = row(
        1,
        "acme",
        "Acme LLC",
        Some("79001234567"),
        SessionState::Connected,
    );
    acme.host = Some("host-a".into());
    let mut beta = row(
        2,
        "beta",
        "Beta",
        Some("79007654321"),
        SessionState::Elsewhere,
    );
    beta.host = Some("host-b".into());
    let cask = row(3, "cask", "Cask", None, SessionState::NotLinked);
    vec![acme, beta, cask]
}

#[test]
fn each_company_shows_the_host_that_runs_it() {
    let t = now();
    let app = app_with(hosted(), t);
    snap("hosts", &app, t);
    let text = text_of(&draw(&app, t, (80, 24)));
    assert!(text.contains("Host"), "{text}");
    assert!(text.contains("host-b"), "{text}");
    assert!(text.contains("Run by another host"), "{text}");
}

#[test]
fn a_single_host_has_no_host_column() {
    let t = now();
    let app = app_with(acme_and_beta(), t);
    let text = text_of(&draw(&app, t, (120, 40)));
    assert!(!text.contains("Host"), "{text}");
}

#[test]
fn a_company_taken_over_by_another_host_shows_its_new_host() {
    let t = now();
    let mut app = app_with(hosted(), t);
    let mut moved = hosted().remove(0);
    moved.host = Some("host-c".into());
    moved.state = SessionState::Elsewhere;
    engine(&mut app, Update::CompanyChanged(Box::new(moved)), t);
    let text = text_of(&draw(&app, t, (120, 40)));
    assert!(text.contains("host-c"), "{text}");
    assert!(!text.contains("host-a"), "{text}");
}
