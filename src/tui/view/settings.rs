//! The settings overlay: one line per setting, a hint under the proxy,
//! and why the last Enter could not save.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::super::app::App;
use super::super::settings_form::{SettingsField, SettingsForm};
use super::theme::Tone;
use super::{field, popup};

const LABEL: u16 = 10;

pub fn render(app: &App, form: &SettingsForm, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let rect = popup(frame, area, 76, 12);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Settings of {} ", form.slug),
            theme.title(),
        ))
        .title_bottom(Line::styled(
            " Tab next field · Enter save · Esc cancel ",
            theme.dim(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [_, name, proxy, proxy_hint, country, note, _, error] = inner.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
    ]));
    let rows = [
        (SettingsField::Name, "Name", name),
        (SettingsField::Proxy, "Proxy", proxy),
        (SettingsField::Country, "Country", country),
        (SettingsField::Note, "Note", note),
    ];
    for (which, label, row) in rows {
        let [l, f] = row.layout(&Layout::horizontal([
            Constraint::Length(LABEL),
            Constraint::Min(1),
        ]));
        let focused = form.field == which;
        let style = if focused { theme.key() } else { theme.text() };
        frame.render_widget(Span::styled(format!(" {label}"), style), l);
        field::render(frame, f, form.input(which), theme.text(), focused);
    }
    let hint = "socks5://user:pass@host:port, socks5h://…, http://…; none; default (walink serve's). Applies at the next connect.";
    let [_, h] = proxy_hint.layout(&Layout::horizontal([
        Constraint::Length(LABEL),
        Constraint::Min(1),
    ]));
    frame.render_widget(
        Paragraph::new(Span::styled(hint, theme.dim())).wrap(Wrap { trim: true }),
        h,
    );
    if let Some(e) = &form.error {
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" ✗ {e}"), theme.tone(Tone::Bad)))
                .wrap(Wrap { trim: true }),
            error,
        );
    }
}
