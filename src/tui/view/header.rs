//! Title, counts per state family, and the SANDBOX badge.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::App;
use super::state::{Family, family};

const BADGE: &str = " SANDBOX ";

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let mut spans = vec![Span::styled(" walink ", theme.title())];
    let total = app.rows.len();
    let noun = if total == 1 { "company" } else { "companies" };
    spans.push(Span::styled(format!("{total} {noun} "), theme.dim()));
    for f in Family::ALL {
        let n = app.rows.iter().filter(|r| family(&r.state) == f).count();
        if n == 0 {
            continue;
        }
        let (symbol, label, tone) = f.label();
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!("{symbol} {n} {label}"),
            theme.tone(tone),
        ));
    }
    if let Some(notice) = &app.notice {
        spans.push(Span::styled(
            format!("  ⚠ {notice}"),
            theme.tone(super::theme::Tone::Warn),
        ));
    }
    if app.stopping {
        spans.push(Span::styled(
            "  stopping sessions…",
            theme.tone(super::theme::Tone::Warn),
        ));
    }
    let badge_width = if app.sandbox { BADGE.len() as u16 } else { 0 };
    let [left, right] = area.layout(&Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(badge_width),
    ]));
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    if app.sandbox {
        frame.render_widget(Paragraph::new(Span::styled(BADGE, theme.badge())), right);
    }
}
