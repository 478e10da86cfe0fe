//! Render snapshots (TestBackend + insta) at 80×24 and 120×40, and the QR
//! round trip: drawn cells read back into a bitmap and decoded.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use crate::domain::{AttemptId, FailureReason, GuardWhy, SessionState};
use crate::engine::update::{SessionRow, Update};

use super::app::{App, Now};
use super::msg::Action;
use super::test_support::*;
use super::view::render;
use super::view::theme::Theme;
use crate::qr::{cell_light, qr_rows};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

pub(super) fn draw(app: &App, now: Now, (w, h): (u16, u16)) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal
        .draw(|frame| render(app, now, frame))
        .expect("draw");
    terminal
}

/// `name_80x24` and `name_120x40`.
pub(super) fn snap(name: &str, app: &App, now: Now) {
    for size in SIZES {
        let terminal = draw(app, now, size);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), terminal.backend());
    }
}

pub(super) fn text_of(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

fn every_state(t: Now) -> Vec<SessionRow> {
    let after = |s: u64| t.instant + Duration::from_secs(s);
    let states = [
        SessionState::NotLinked,
        SessionState::Connecting,
        SessionState::LinkingCode {
            expires_at: after(161),
        },
        SessionState::LinkingQr {
            expires_at: after(17),
        },
        SessionState::FinishingSync,
        SessionState::Connected,
        SessionState::Disconnected {
            retry_at: Some(after(8)),
        },
        SessionState::Disconnected { retry_at: None },
        SessionState::LoggedOut,
        SessionState::Replaced,
        SessionState::Banned {
            until: UNIX + 3 * 86400,
        },
        // 14:32 in +03:00.
        SessionState::Cooldown {
            until: 1_795_006_320,
        },
        SessionState::PasskeyRequired,
        SessionState::Failed {
            reason: FailureReason::Internal,
        },
    ];
    states
        .into_iter()
        .enumerate()
        .map(|(i, state)| {
            let id = i64::try_from(i).expect("small") + 1;
            let phone = (i % 3 != 0).then(|| format!("7900123450{}", i % 10));
            let mut r = row(
                id,
                &format!("co-{id}"),
                &format!("Company {id}"),
                phone.as_deref(),
                state,
            );
            r.since = at_unix(UNIX - 90 * i64::try_from(i).expect("small") * 60);
            r.last_event = Some(format!("event {id}"));
            r
        })
        .collect()
}

fn pane(number: &str) -> (App, Now) {
    let t = now();
    let mut app = app_with(
        vec![row(1, "acme", "Acme LLC", None, SessionState::NotLinked)],
        t,
    );
    act(&mut app, Action::OpenPairing, t);
    type_phone(&mut app, number, t);
    (app, t)
}

#[test]
fn empty_table() {
    let t = now();
    snap("empty", &app_with(vec![], t), t);
}

#[test]
fn the_header_says_where_the_sessions_live() {
    let t = now();
    let mut app = app_with(every_state(t)[..3].to_vec(), t);
    app.update(
        crate::tui::Msg::Engine(Update::Server(crate::engine::ServerLink::Attached {
            pid: 4242,
            started_at: t.unix - 3 * 86_400 - 5,
        })),
        t,
    );
    snap("attached", &app, t);
    app.update(
        crate::tui::Msg::Engine(Update::Server(crate::engine::ServerLink::Lost)),
        t,
    );
    let lost = text_of(&draw(&app, t, (120, 40)));
    assert!(
        lost.contains("walink serve went away; reconnecting…"),
        "{lost}"
    );
}

#[test]
fn every_state_in_one_table() {
    let t = now();
    let app = app_with(every_state(t), t);
    snap("states", &app, t);
    let terminal = draw(&app, t, (120, 40));
    insta::assert_debug_snapshot!("states_colors_120x40", terminal.backend().buffer());
}

#[test]
fn long_names_are_cut_to_fit() {
    let t = now();
    let long = "Общество с ограниченной ответственностью «Очень Длинное Название Компании» 🚀";
    let rows = vec![
        row(
            1,
            &"a".repeat(32),
            long,
            Some("79001234567"),
            SessionState::Connected,
        ),
        row(2, "short", &"W".repeat(80), None, SessionState::NotLinked),
    ];
    snap("long_names", &app_with(rows, t), t);
}

#[test]
fn pairing_pane_with_a_bad_and_a_good_number() {
    let (app, t) = pane("+7 900");
    snap("pairing_bad", &app, t);
    let (app, t) = pane("+7 900 123-45-67");
    snap("pairing_good", &app, t);
    // The cursor sits after the typed number: pane x 1 + label 9 + 16 chars.
    let mut terminal = draw(&app, t, (80, 24));
    terminal.backend_mut().assert_cursor_position((26, 4));
}

#[test]
fn a_national_number_with_the_default_country() {
    let t = now();
    let mut app = app_with(
        vec![row(1, "acme", "Acme LLC", None, SessionState::NotLinked)],
        t,
    );
    app.country = Some("RU".into());
    act(&mut app, Action::OpenPairing, t);
    type_phone(&mut app, "8 (968) 648-44-88", t);
    let screen = text_of(&draw(&app, t, (80, 24)));
    assert!(screen.contains("numbers without +: Russia"), "{screen}");
    assert!(screen.contains("✓ Russia · +79686484488"), "{screen}");
}

#[test]
fn code_with_42_seconds_left() {
    let (mut app, t) = pane("+7 900 123-45-67");
    act(&mut app, Action::SubmitLink, t);
    engine(&mut app, code_issued(1, 1, t, 180), t);
    let shown_at = later(t, 138);
    snap("code", &app, shown_at);
    assert!(text_of(&draw(&app, shown_at, (80, 24))).contains("0:42 left"));
}

fn qr_app() -> (App, Now) {
    let (mut app, t) = pane("");
    act(&mut app, Action::SwitchMethod, t);
    act(&mut app, Action::SubmitLink, t);
    engine(&mut app, qr_issued(1, 1, t, 60), t);
    (app, later(t, 43))
}

#[test]
fn qr_fits_at_120x40_and_falls_back_at_80x24() {
    let (app, t) = qr_app();
    snap("qr", &app, t);
    let small = text_of(&draw(&app, t, (80, 24)));
    assert!(small.contains("make the terminal at least"), "{small}");
    let big = text_of(&draw(&app, t, (120, 40)));
    assert!(!big.contains("make the terminal at least"), "{big}");
}

#[test]
fn qr_refs_exhausted_offers_a_restart() {
    let (mut app, t) = qr_app();
    engine(
        &mut app,
        Update::QrExhausted {
            company: 1,
            attempt: AttemptId(1),
        },
        t,
    );
    snap("qr_exhausted", &app, t);
}

#[test]
fn cooldown_and_guard_refusal() {
    let t = now();
    let until = 1_795_001_520; // 11:32 UTC, 14:32 at +03:00
    let rows = vec![row(
        1,
        "acme",
        "Acme LLC",
        Some("79001234567"),
        SessionState::Cooldown { until },
    )];
    let mut app = app_with(rows, t);
    let reason = FailureReason::RateLimited { until };
    engine(
        &mut app,
        Update::Failed {
            company: 1,
            attempt: None,
            reason,
        },
        t,
    );
    snap("cooldown", &app, t);
    assert!(text_of(&draw(&app, t, (120, 40))).contains("Cooldown until 14:32"));

    act(&mut app, Action::OpenPairing, t);
    act(&mut app, Action::SubmitLink, t);
    let reason = FailureReason::GuardRefused {
        until,
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
    snap("guard_refused", &app, t);
}

#[test]
fn help_overlay() {
    let t = now();
    let mut app = app_with(every_state(t), t);
    act(&mut app, Action::ShowHelp, t);
    snap("help", &app, t);
}

#[test]
fn no_color_draws_without_any_colour() {
    let t = now();
    let mut app = app_with(every_state(t), t);
    app.theme = Theme::plain();
    app.sandbox = true;
    snap("no_color", &app, t);
    for size in SIZES {
        let terminal = draw(&app, t, size);
        let buffer = terminal.backend().buffer();
        for cell in &buffer.content {
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "{:?}",
                cell.symbol()
            );
        }
    }
}

#[test]
fn too_small_terminal_says_so() {
    let t = now();
    let terminal = draw(&app_with(vec![], t), t, (79, 24));
    assert!(text_of(&terminal).contains("terminal too small (need 80×24)"));
}

/// The drawn QR, read back from the cells, decodes to the payload; and
/// light modules are drawn white on black, so a phone sees dark on light.
#[test]
fn qr_round_trip_through_the_terminal() {
    let (app, t) = qr_app();
    let payload = pairing_payload();
    let qr = qr_rows(&payload).expect("payload fits a QR");
    let terminal = draw(&app, t, (120, 40));
    assert_eq!(qr_on_screen(&terminal, &qr), payload);
}

/// The one QR drawn in `terminal` (of `qr`'s size), read back from its
/// cells and decoded.
pub(super) fn qr_on_screen(terminal: &Terminal<TestBackend>, qr: &crate::qr::QrRows) -> String {
    let buffer = terminal.backend().buffer();
    let (w, h) = (qr.width(), qr.height());
    // The quiet zone's top row is the first run of w full blocks.
    let top_left = (0..buffer.area.height)
        .flat_map(|y| (0..=buffer.area.width - w).map(move |x| (x, y)))
        .find(|&(x, y)| (x..x + w).all(|cx| buffer[(cx, y)].symbol() == "█"))
        .expect("QR on screen");
    let side = usize::from(w);
    let light = |mx: usize, my: usize| -> bool {
        let x = top_left.0 + u16::try_from(mx).expect("x");
        let y = top_left.1 + u16::try_from(my / 2).expect("y");
        if y >= top_left.1 + h {
            return true;
        }
        let (top, bottom) = cell_light(buffer[(x, y)].symbol());
        if my.is_multiple_of(2) { top } else { bottom }
    };
    let qr_cell = &buffer[(top_left.0, top_left.1)];
    assert_eq!((qr_cell.fg, qr_cell.bg), (Color::White, Color::Black));

    const SCALE: usize = 4;
    let mut img = rqrr::PreparedImage::prepare_from_bitmap(side * SCALE, side * SCALE, |x, y| {
        !light(x / SCALE, y / SCALE)
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR found");
    grids[0].decode().expect("decodes").1
}

#[test]
fn a_long_table_scrolls_to_keep_the_selection_in_view() {
    let t = now();
    let rows = (1..=500)
        .map(|i| {
            row(
                i,
                &format!("co-{i:03}"),
                "Company",
                None,
                SessionState::NotLinked,
            )
        })
        .collect();
    let mut app = app_with(rows, t);
    let top = text_of(&draw(&app, t, (80, 24)));
    assert!(top.contains("co-001") && !top.contains("co-500"), "{top}");
    act(&mut app, Action::SelectLast, t);
    let bottom = text_of(&draw(&app, t, (80, 24)));
    assert!(bottom.contains("▶ co-500"), "{bottom}");
    assert!(!bottom.contains("co-001"), "{bottom}");
    for _ in 0..30 {
        act(&mut app, Action::SelectPrev, t);
    }
    let middle = text_of(&draw(&app, t, (80, 24)));
    assert!(middle.contains("▶ co-470"), "{middle}");
}

#[test]
fn the_linked_pane_says_connected_once_the_row_is() {
    let (mut app, t) = qr_app();
    let jid = "79001234567:1@s.whatsapp.net".to_owned();
    let linked = Update::Linked {
        company: 1,
        attempt: AttemptId(1),
        jid,
        phone: "79001234567".into(),
        push_name: None,
    };
    engine(&mut app, linked, t);
    assert!(text_of(&draw(&app, t, (120, 40))).contains("finishing its first sync"));
    let connected = Update::StateChanged {
        company: 1,
        state: SessionState::Connected,
        since: at_unix(UNIX),
    };
    engine(&mut app, connected, t);
    assert!(text_of(&draw(&app, t, (120, 40))).contains("and connected"));
}
