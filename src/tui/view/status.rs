//! Bottom two lines: a message (toast, else the failure that matters
//! here), then the key hints of the focused view.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::SessionState;

use super::super::app::{App, Now};
use super::help::keys_of;
use super::text::fit;
use super::theme::Tone;

pub fn render(app: &App, now: Now, frame: &mut Frame, area: Rect) {
    let [message, hints] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
    ]));
    if let Some(line) = message_line(app, now, usize::from(message.width)) {
        frame.render_widget(Paragraph::new(line), message);
    }
    let theme = &app.theme;
    let mut spans = Vec::new();
    for h in keys_of(app, app.focus()).into_iter().filter(|h| h.hint) {
        if !spans.is_empty() {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled(h.keys, theme.key()));
        spans.push(Span::styled(format!(" {}", h.what), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), hints);
}

/// A live toast wins; then the selected row's own failure; then the last
/// failure anywhere, named by its company.
fn message_line(app: &App, now: Now, width: usize) -> Option<Line<'static>> {
    let theme = &app.theme;
    if let Some(t) = app.toast.as_ref().filter(|t| t.until > now.instant) {
        return Some(Line::styled(fit(&t.text, width), theme.tone(t.tone)));
    }
    let company = app.current_company();
    let own = company
        .and_then(|id| app.row(id))
        .and_then(|r| match &r.state {
            SessionState::Failed { reason } => Some((r.slug.clone(), reason.clone())),
            _ => None,
        });
    let (slug, reason) = own.or_else(|| {
        let f = app.last_failure.as_ref()?;
        let slug = app
            .row(f.company)
            .map_or_else(String::new, |r| r.slug.clone());
        Some((slug, f.reason.clone()))
    })?;
    let text = format!("{slug}: {}", reason.sentence(now.unix, now.tz));
    Some(Line::styled(fit(&text, width), theme.tone(Tone::Bad)))
}
