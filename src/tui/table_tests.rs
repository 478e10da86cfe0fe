//! App::update transitions of the table: moving, filtering, the
//! not-connected toggle, adding, removing and logging out companies.

use crate::domain::{DisplayName, SessionState, Slug};
use crate::engine::command::Command;

use super::add_form::AddField;
use super::app::{App, Focus, Now, Overlay};
use super::msg::{Action, Effect};
use super::test_support::*;

fn three() -> (App, Now) {
    let t = now();
    let rows = vec![
        row(
            1,
            "acme",
            "Acme LLC",
            Some("79001234567"),
            SessionState::Connected,
        ),
        row(
            2,
            "globex",
            "Globex",
            Some("447400123456"),
            SessionState::NotLinked,
        ),
        row(3, "initech", "Initech", None, SessionState::LoggedOut),
    ];
    (app_with(rows, t), t)
}

fn visible_slugs(app: &App) -> Vec<String> {
    app.table
        .visible(&app.rows)
        .iter()
        .map(|r| r.slug.clone())
        .collect()
}

#[test]
fn moving_stays_inside_the_list() {
    let (mut app, t) = three();
    assert_eq!(
        app.table.selected,
        Some(1),
        "the first row is selected at start"
    );
    act(&mut app, Action::SelectPrev, t);
    assert_eq!(app.table.selected, Some(1));
    act(&mut app, Action::SelectNext, t);
    assert_eq!(app.table.selected, Some(2));
    act(&mut app, Action::PageDown, t);
    assert_eq!(app.table.selected, Some(3));
    act(&mut app, Action::SelectFirst, t);
    assert_eq!(app.table.selected, Some(1));
    act(&mut app, Action::SelectLast, t);
    assert_eq!(app.table.selected, Some(3));
}

#[test]
fn the_filter_matches_name_slug_or_number_and_esc_clears_it() {
    let (mut app, t) = three();
    act(&mut app, Action::StartFilter, t);
    assert_eq!(app.focus(), Focus::Filter);
    type_filter(&mut app, "glo", t);
    assert_eq!(visible_slugs(&app), ["globex"]);
    assert_eq!(app.table.selected, Some(2), "selection follows the filter");
    act(&mut app, Action::Confirm, t);
    assert_eq!(app.focus(), Focus::Table);
    assert_eq!(visible_slugs(&app), ["globex"], "Enter keeps the filter");
    act(&mut app, Action::StartFilter, t);
    act(&mut app, Action::Back, t);
    assert_eq!(visible_slugs(&app).len(), 3);

    act(&mut app, Action::StartFilter, t);
    type_filter(&mut app, "4474", t);
    assert_eq!(visible_slugs(&app), ["globex"], "digits match the number");
}

#[test]
fn not_connected_only_hides_connected_rows() {
    let (mut app, t) = three();
    act(&mut app, Action::ToggleNotConnected, t);
    assert_eq!(visible_slugs(&app), ["globex", "initech"]);
    assert_eq!(app.table.selected, Some(2), "the hidden selection moved");
    act(&mut app, Action::ToggleNotConnected, t);
    assert_eq!(visible_slugs(&app).len(), 3);
}

#[test]
fn adding_a_company_checks_slug_and_name_with_sentences() {
    let (mut app, t) = three();
    act(&mut app, Action::AddCompany, t);
    assert_eq!(app.focus(), Focus::AddForm);
    type_add(&mut app, "Acme", t);
    act(&mut app, Action::NextAddField, t);
    assert_eq!(act(&mut app, Action::SubmitAdd, t), vec![]);
    let Some(Overlay::Add(form)) = &app.overlay else {
        panic!("form closed")
    };
    assert_eq!(
        form.slug_error.as_deref(),
        Some("a company slug uses only lowercase letters a-z, digits and '-' (found 'A')")
    );
    assert_eq!(
        form.name_error.as_deref(),
        Some("a company name cannot be empty")
    );
    assert_eq!(
        form.field,
        AddField::Slug,
        "the first bad field gets the keys"
    );

    type_add(&mut app, "acme", t);
    act(&mut app, Action::NextAddField, t);
    type_add(&mut app, "New Co", t);
    assert_eq!(act(&mut app, Action::SubmitAdd, t), vec![]);
    let Some(Overlay::Add(form)) = &app.overlay else {
        panic!("form closed")
    };
    assert_eq!(
        form.slug_error.as_deref(),
        Some("a company with the slug acme already exists")
    );
    assert_eq!(form.field, AddField::Slug);

    type_add(&mut app, "newco", t);
    let effects = act(&mut app, Action::SubmitAdd, t);
    assert_eq!(
        effects,
        vec![Effect::AddCompany {
            slug: Slug::parse("newco").expect("slug"),
            name: DisplayName::parse("New Co").expect("name"),
        }]
    );
    assert!(app.overlay.is_none());
}

#[test]
fn remove_and_logout_are_confirmed_first() {
    let (mut app, t) = three();
    assert_eq!(act(&mut app, Action::RemoveCompany, t), vec![]);
    assert_eq!(app.focus(), Focus::Confirm);
    assert_eq!(
        act(&mut app, Action::Confirm, t),
        vec![Effect::RemoveCompany { company: 1 }]
    );
    assert_eq!(visible_slugs(&app), ["globex", "initech"]);

    act(&mut app, Action::LogoutCompany, t);
    assert_eq!(act(&mut app, Action::Deny, t), vec![]);
    act(&mut app, Action::LogoutCompany, t);
    assert_eq!(
        act(&mut app, Action::Confirm, t),
        vec![Effect::Engine(Command::Logout { company: 2 })]
    );
}

#[test]
fn help_opens_over_any_view_and_closes() {
    let (mut app, t) = three();
    act(&mut app, Action::ShowHelp, t);
    assert_eq!(app.focus(), Focus::Help);
    assert_eq!(app.focus_below_overlay(), Focus::Table);
    act(&mut app, Action::Back, t);
    assert_eq!(app.focus(), Focus::Table);
}

/// The empty table names only the ways out that apply.
#[test]
fn an_empty_match_offers_only_what_is_on() {
    use super::render_tests::{draw, text_of};
    let (mut app, t) = three();
    type_filter(&mut app, "nosuch", t);
    let screen = text_of(&draw(&app, t, (120, 40)));
    assert!(
        screen.contains("Nothing matches. Esc clears the filter."),
        "{screen}"
    );
    assert!(!screen.contains("! shows"), "{screen}");

    let t2 = now();
    let mut only = app_with(
        vec![row(1, "acme", "Acme", None, SessionState::Connected)],
        t2,
    );
    act(&mut only, Action::ToggleNotConnected, t2);
    let screen = text_of(&draw(&only, t2, (120, 40)));
    assert!(
        screen.contains("Every company is connected; ! shows them again."),
        "{screen}"
    );
}
