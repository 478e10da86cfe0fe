//! Pure drawing: `render(&App, Now, &mut Frame)`. Views read no clock,
//! environment or config; the same App and Now always give the same
//! buffer.

pub mod code;
pub mod dialog;
pub mod field;
pub mod header;
pub mod help;
pub mod invite;
pub mod log;
pub mod messages;
pub mod pairing;
pub mod qr_pane;
pub mod settings;
pub mod state;
pub mod status;
pub mod table;
pub mod text;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::app::{App, Now, Overlay, Screen};

/// The smallest terminal walink draws into (DESIGN: works at 80×24).
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn render(app: &App, now: Now, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(app, frame, area);
        return;
    }
    let [head, body, foot] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(2),
    ]));
    header::render(app, now.unix, frame, head);
    let (main, log_area) = if app.show_log {
        let [main, log] = body.layout(&Layout::vertical([
            Constraint::Percentage(62),
            Constraint::Percentage(38),
        ]));
        (main, Some(log))
    } else {
        (body, None)
    };
    match &app.screen {
        Screen::Table => table::render(app, now, frame, main),
        Screen::Pairing(form) => pairing::render(app, form, now, frame, main),
    }
    if let Some(log_area) = log_area {
        log::render(app, now, frame, log_area);
    }
    status::render(app, now, frame, foot);
    match &app.overlay {
        Some(Overlay::Help) => help::render(app, frame, area),
        Some(Overlay::Confirm(ask)) => dialog::confirm(app, ask, frame, area),
        Some(Overlay::Add(form)) => dialog::add(app, form, frame, area),
        Some(Overlay::Settings(form)) => settings::render(app, form, frame, area),
        Some(Overlay::Invite(shown)) => invite::render(app, shown, now, frame, area),
        Some(Overlay::Messages(pane)) => messages::render(app, pane, now, frame, area),
        None => {}
    }
}

fn too_small(app: &App, frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::styled(
            format!("terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT})"),
            app.theme.tone(theme::Tone::Warn),
        ),
        Line::styled(
            format!("now {}×{}", area.width, area.height),
            app.theme.dim(),
        ),
    ];
    let y = area.y + area.height.saturating_sub(2) / 2;
    let rect = Rect {
        y,
        height: area.height.min(2),
        ..area
    };
    frame.render_widget(Paragraph::new(lines).centered(), rect);
}

/// A centred box of at most `width`×`height`, cleared for an overlay.
pub fn popup(frame: &mut Frame, area: Rect, width: u16, height: u16) -> Rect {
    let rect = area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    );
    frame.render_widget(Clear, rect);
    rect
}
