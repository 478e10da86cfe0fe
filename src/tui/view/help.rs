//! The `?` overlay: the keys of the view underneath. The same table gives
//! the status line its short hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::super::app::{App, Focus};
use super::popup;

/// One key binding as a person reads it. Must agree with `keymap.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHelp {
    pub keys: &'static str,
    pub what: &'static str,
    /// Shown in the status line too.
    pub hint: bool,
}

const fn k(keys: &'static str, what: &'static str, hint: bool) -> KeyHelp {
    KeyHelp { keys, what, hint }
}

const TABLE: &[KeyHelp] = &[
    k("↑↓ j k", "move", true),
    k("Home End g G", "first / last", false),
    k("PgUp PgDn", "page", false),
    k("Enter", "link / open", true),
    k("/", "filter", true),
    k("!", "not connected only", false),
    k("l", "event log", false),
    k("r", "reconnect", false),
    k("a", "add company", true),
    k("d", "remove company", false),
    k("L", "log out", false),
    k("?", "help", true),
    k("q", "quit", true),
];
const FILTER: &[KeyHelp] = &[
    k("type", "filter by name, slug or number", false),
    k("↑↓", "move", true),
    k("Enter", "keep filter", true),
    k("Esc", "clear filter", true),
];
const FORM: &[KeyHelp] = &[
    k("type", "phone number with country code", false),
    k("Tab", "code ⇄ QR", true),
    k("Enter", "link", true),
    k("?", "help", true),
    k("Esc", "back", true),
];
const ATTEMPT: &[KeyHelp] = &[
    k("c", "copy code", true),
    k("Tab", "code ⇄ QR", true),
    k("r", "start again", true),
    k("F", "force past walink's guard", false),
    k("x", "cancel attempt", true),
    k("l", "event log", false),
    k("?", "help", true),
    k("Esc", "back", true),
];
const SANDBOX: &[KeyHelp] = &[
    k("p", "sandbox: phone enters code / scans QR", false),
    k("f", "sandbox: inject a fault", false),
];
const ADD: &[KeyHelp] = &[
    k("Tab", "next field", true),
    k("Enter", "add", true),
    k("Esc", "cancel", true),
];
const CONFIRM: &[KeyHelp] = &[k("y Enter", "yes", true), k("n Esc", "no", true)];
const HELP: &[KeyHelp] = &[k("Esc ? q", "close help", true)];

pub fn keys(focus: Focus, sandbox: bool) -> Vec<KeyHelp> {
    let (base, with_sandbox) = match focus {
        Focus::Table => (TABLE, true),
        Focus::Filter => (FILTER, false),
        Focus::Form => (FORM, false),
        Focus::Attempt => (ATTEMPT, true),
        Focus::AddForm => (ADD, false),
        Focus::Confirm => (CONFIRM, false),
        Focus::Help => (HELP, false),
    };
    let extra: &[KeyHelp] = if sandbox && with_sandbox {
        SANDBOX
    } else {
        &[]
    };
    base.iter().chain(extra).copied().collect()
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let keys = keys(app.focus_below_overlay(), app.sandbox);
    let height = u16::try_from(keys.len())
        .unwrap_or(u16::MAX)
        .saturating_add(4);
    let rect = popup(frame, area, 56, height);
    let mut lines = vec![Line::raw("")];
    lines.extend(keys.iter().map(|h| {
        Line::from(vec![
            Span::styled(format!("  {:<14}", h.keys), theme.key()),
            Span::styled(h.what, theme.text()),
        ])
    }));
    let block = Block::bordered()
        .title(Span::styled(" Keys ", theme.title()))
        .title_bottom(Line::styled(" Esc closes ", theme.dim()))
        .border_style(theme.border(true));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
