//! The invitation overlay: the URL to send, and its QR for a second screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::super::app::{App, Now};
use super::super::invite::Shown;
use super::popup;
use super::theme::Tone;

/// Lines around the QR: the sentence, the URL (up to two lines), a gap.
const TEXT_ROWS: u16 = 4;

pub fn render(app: &App, shown: &Shown, now: Now, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let slug = app
        .row(shown.company)
        .map(|r| r.slug.as_str())
        .unwrap_or_default();
    let minutes = app
        .invited_until(
            shown.company,
            crate::engine::snapshot::unix_to_system(now.unix),
        )
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(crate::invite::DEFAULT_TTL / 60, |t| {
            (t.as_secs() as i64 - now.unix).max(0) / 60
        });
    let qr = shown
        .qr
        .as_ref()
        .ok()
        .filter(|q| q.width() + 2 <= area.width && q.height() + TEXT_ROWS + 2 <= area.height);
    // Wide enough for the link on one line (a terminal copies it whole)
    // when the terminal is.
    let url_w = u16::try_from(shown.url.chars().count()).unwrap_or(u16::MAX);
    let width = qr
        .map_or(72, |q| q.width().max(72) + 2)
        .max(url_w.saturating_add(2));
    let height = TEXT_ROWS + 2 + qr.map_or(1, |q| q.height());
    let rect = popup(frame, area, width, height);
    let block = Block::bordered()
        .title(Span::styled(format!(" Invite {slug} "), theme.title()))
        .title_bottom(Line::styled(
            " c copy the link · n a new link · Esc close ",
            theme.dim(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text, body] = inner.layout(&Layout::vertical([
        Constraint::Length(TEXT_ROWS),
        Constraint::Min(0),
    ]));
    let said = if shown.again {
        format!("The company's live link, {minutes} min left (n makes another):")
    } else {
        format!("Send this link to the company: one link, {minutes} min left.")
    };
    let lines = vec![
        Line::styled(said, theme.text()),
        Line::styled(shown.url.as_str(), theme.tone(Tone::Ok)),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    match qr {
        Some(q) => super::qr_pane::draw(app, q, frame, body),
        None => frame.render_widget(
            Paragraph::new(Span::styled(
                "A larger terminal shows the link as a QR too.",
                theme.dim(),
            )),
            body,
        ),
    }
}
