//! Title, counts per state family, where the sessions live, and the
//! SANDBOX badge.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::App;
use super::state::{Family, family};
use super::theme::Tone;
use crate::engine::ServerLink;

const BADGE: &str = " SANDBOX ";

/// Where the sessions live, long and short (for narrow terminals).
fn server_text(app: &App, now_unix: i64) -> (String, &'static str, Tone) {
    match &app.server {
        None => (
            "no server: sessions stop when you quit (run walink serve to keep them)".into(),
            "no server: sessions stop when you quit",
            Tone::Idle,
        ),
        Some(ServerLink::Attached { pid, started_at }) => (
            format!(
                "walink serve · pid {pid} · up {}",
                uptime(now_unix - started_at)
            ),
            "walink serve",
            Tone::Idle,
        ),
        Some(ServerLink::Lost) => (
            "walink serve went away; reconnecting… The screen shows what it last knew.".into(),
            "walink serve went away; reconnecting…",
            Tone::Warn,
        ),
    }
}

/// "45 s", "12 min", "5 h", "3 d".
pub fn uptime(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

/// "14 companies  ● 1 connected ◐ 3 linking …": the widest form that fits
/// `room` columns (with the total, without it, short labels), else the
/// short form cut.
fn counts(app: &App, room: usize) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let total = app.rows.len();
    let noun = if total == 1 { "company" } else { "companies" };
    let present: Vec<(Family, usize)> = Family::ALL
        .into_iter()
        .map(|f| (f, app.rows.iter().filter(|r| family(&r.state) == f).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let form = |with_total: bool, short: bool| {
        let mut spans = Vec::new();
        if with_total {
            spans.push(Span::styled(format!("{total} {noun} "), theme.dim()));
        }
        for (f, n) in &present {
            let (symbol, label, tone) = f.label();
            let label = if short { f.short() } else { label };
            if !spans.is_empty() {
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(
                format!("{symbol} {n} {label}"),
                theme.tone(tone),
            ));
        }
        spans
    };
    let forms = [form(true, false), form(false, false), form(false, true)];
    let fits = |spans: &Vec<Span>| Line::from(spans.clone()).width() <= room;
    forms
        .iter()
        .find(|f| fits(f))
        .cloned()
        .unwrap_or_else(|| forms[2].clone())
}

pub fn render(app: &App, now_unix: i64, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let mut spans = vec![Span::styled(" walink ", theme.title())];
    if app.away() {
        // The counts are of a state nobody holds now: the absence first,
        // in a form that fits 80 columns.
        let (long, short, tone) = server_text(app, now_unix);
        let room = usize::from(area.width).saturating_sub(12 + BADGE.len());
        let text = if long.chars().count() <= room {
            long.as_str()
        } else {
            short
        };
        spans.push(Span::styled(format!("⚠ {text}"), theme.tone(tone)));
        let [left, right] = area.layout(&Layout::horizontal([
            Constraint::Min(0),
            Constraint::Length(if app.sandbox { BADGE.len() as u16 } else { 0 }),
        ]));
        frame.render_widget(Paragraph::new(Line::from(spans)), left);
        if app.sandbox {
            frame.render_widget(Paragraph::new(Span::styled(BADGE, theme.badge())), right);
        }
        return;
    }
    let badge_width = if app.sandbox { BADGE.len() as u16 } else { 0 };
    let room = usize::from(area.width.saturating_sub(badge_width + 1)).saturating_sub(8);
    spans.extend(counts(app, room));
    if let Some(notice) = &app.notice {
        spans.push(Span::styled(
            format!("  ⚠ {notice}"),
            theme.tone(Tone::Warn),
        ));
    }
    if app.stopping {
        spans.push(Span::styled("  stopping sessions…", theme.tone(Tone::Warn)));
    }
    let used = Line::from(spans.clone()).width() as u16;
    let (long, short, tone) = server_text(app, now_unix);
    let room = usize::from(area.width.saturating_sub(used + badge_width + 2));
    // The long form when it fits, else the short one, else nothing: the
    // counts come first.
    let server = [long.as_str(), short]
        .into_iter()
        .find(|t| !t.is_empty() && t.chars().count() <= room)
        .unwrap_or("");
    let server_width = if server.is_empty() {
        0
    } else {
        server.chars().count() as u16 + 2
    };
    let [left, middle, right] = area.layout(&Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(server_width),
        Constraint::Length(badge_width),
    ]));
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    frame.render_widget(
        Paragraph::new(Span::styled(format!("{server}  "), theme.tone(tone)))
            .alignment(ratatui::layout::Alignment::Right),
        middle,
    );
    if app.sandbox {
        frame.render_widget(Paragraph::new(Span::styled(BADGE, theme.badge())), right);
    }
}
