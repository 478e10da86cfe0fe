//! The `?` overlay: the keys of the view underneath. The same table gives
//! the status line its short hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::super::app::{App, Focus};
use super::super::pairing::Stage;
use super::popup;
use crate::domain::FailureReason;

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
    k("i", "invite: the company links its own phone", false),
    k("m", "messages: recent traffic of the number", false),
    k("t", "send a test message from the number", false),
    k("e", "settings: name, proxy, country, note", false),
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
    k("F", "force past walink's guard", true),
    k("x", "cancel attempt", true),
    k("l", "event log", false),
    k("?", "help", true),
    k("Esc", "back", true),
];
const SANDBOX: &[KeyHelp] = &[
    k("p", "sandbox: phone enters code / scans QR", false),
    k("f", "sandbox: inject a fault", false),
];
/// On a code or QR the simulated phone is the next step: a hint.
const SANDBOX_ATTEMPT: &[KeyHelp] = &[
    k("p", "phone does it", true),
    k("f", "sandbox: inject a fault", false),
];
const ADD: &[KeyHelp] = &[
    k("Tab", "next field", true),
    k("Enter", "add", true),
    k("Esc", "cancel", true),
];
const SETTINGS: &[KeyHelp] = &[
    k("Tab", "next field", true),
    k("Enter", "save", true),
    k("Esc", "cancel", true),
];
const CONFIRM: &[KeyHelp] = &[k("y Enter", "yes", true), k("n Esc", "no", true)];
const HELP: &[KeyHelp] = &[k("Esc ? q", "close help", true)];
const MESSAGES: &[KeyHelp] = &[
    k("v", "show or hide the text", true),
    k("t", "send a test message", true),
    k("Esc q", "close", true),
];
const TEST_NUMBER: &[KeyHelp] = &[k("Enter", "send", true), k("Esc", "cancel", true)];
const INVITE: &[KeyHelp] = &[
    k("c", "copy the link", true),
    k("n", "a new link", true),
    k("Esc q", "close", true),
];

/// What the keys of a live or ended attempt can do right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptNow {
    pub code_shown: bool,
    pub qr_shown: bool,
    /// WhatsApp's rate limit or ban: a new attempt now is refused.
    pub cooling: bool,
    pub live: bool,
    pub refused: bool,
    /// Linked: starting again would only ask to unlink first.
    pub linked: bool,
}

impl AttemptNow {
    pub fn of(app: &App) -> Self {
        let Some(attempt) = app.pairing().and_then(|f| f.attempt.as_ref()) else {
            return Self::default();
        };
        Self {
            code_shown: matches!(attempt.stage, Stage::Code { .. }),
            qr_shown: matches!(attempt.stage, Stage::Qr(_)),
            cooling: matches!(
                &attempt.stage,
                Stage::Failed {
                    reason: FailureReason::RateLimited { .. } | FailureReason::TemporaryBan { .. }
                }
            ),
            live: attempt.stage.is_live(),
            refused: matches!(attempt.stage, Stage::Refused { .. }),
            linked: matches!(attempt.stage, Stage::Linked { .. }),
        }
    }

    /// Only keys that work now are offered (a key that would only answer
    /// "not now" is not a hint).
    fn offers(self, keys: &str) -> bool {
        match keys {
            "c" => self.code_shown,
            "l" => self.linked || !self.live,
            "r" => !self.live && !self.linked && !self.refused && !self.cooling,
            "p" => self.code_shown || self.qr_shown,
            "Tab" => !self.linked,
            "x" => self.live,
            "F" => self.refused,
            _ => true,
        }
    }
}

/// The keys of `app`'s current view.
pub fn keys_of(app: &App, focus: Focus) -> Vec<KeyHelp> {
    let now = AttemptNow::of(app);
    keys(focus, app.sandbox)
        .into_iter()
        .filter(|k| focus != Focus::Attempt || now.offers(k.keys))
        .collect()
}

pub fn keys(focus: Focus, sandbox: bool) -> Vec<KeyHelp> {
    let (base, with_sandbox) = match focus {
        Focus::Table => (TABLE, true),
        Focus::Filter => (FILTER, false),
        Focus::Form => (FORM, false),
        Focus::Attempt => (ATTEMPT, true),
        Focus::AddForm => (ADD, false),
        Focus::SettingsForm => (SETTINGS, false),
        Focus::Confirm => (CONFIRM, false),
        Focus::Help => (HELP, false),
        Focus::Invite => (INVITE, false),
        Focus::Messages => (MESSAGES, false),
        Focus::TestNumber => (TEST_NUMBER, false),
    };
    let extra: &[KeyHelp] = match (sandbox && with_sandbox, focus) {
        (false, _) => &[],
        (true, Focus::Attempt) => SANDBOX_ATTEMPT,
        (true, _) => SANDBOX,
    };
    base.iter().chain(extra).copied().collect()
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let keys = keys_of(app, app.focus_below_overlay());
    let height = u16::try_from(keys.len())
        .unwrap_or(u16::MAX)
        .saturating_add(4);
    // As wide as the longest line (keys column, text, borders), so no
    // sentence is cut where it fits the screen.
    let width = keys
        .iter()
        .map(|h| 2 + 14 + h.what.chars().count() + 4)
        .max()
        .unwrap_or(0)
        .max(30);
    let rect = popup(
        frame,
        area,
        u16::try_from(width).unwrap_or(u16::MAX),
        height,
    );
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
