//! The messages overlay: the number's last day at a glance (when it last
//! received and sent, a sparkline per hour), its recent messages with
//! their status, and the test message being followed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline, Wrap};

use super::super::app::{App, Now};
use super::super::messages::Pane;
use super::theme::Tone;
use super::{field, popup};
use crate::domain::{Direction, Message, MessageStatus, mask_digits};

pub fn render(app: &App, pane: &Pane, now: Now, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let slug = app
        .row(pane.company)
        .map(|r| r.slug.as_str())
        .unwrap_or_default();
    let rect = popup(
        frame,
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let hints = if pane.test.is_some() {
        " Enter send · Esc cancel "
    } else if pane.show_text {
        " v hide text · t test message · Esc close "
    } else {
        " v show text · t test message · Esc close "
    };
    let block = Block::bordered()
        .title(Span::styled(format!(" Messages · {slug} "), theme.title()))
        .title_bottom(Line::styled(hints, theme.dim()))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let test_rows = if pane.test.is_some() || pane.test_error.is_some() {
        3
    } else {
        0
    };
    let [summary, _, list, test] = inner.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(test_rows),
    ]));
    render_summary(app, pane, now, frame, summary);
    render_list(app, pane, now, frame, list);
    if test_rows > 0 {
        render_test(app, pane, frame, test);
    }
}

/// "last in 14:02 · last out 14:05 · 12 in 24 h" and the hourly sparkline.
fn render_summary(app: &App, pane: &Pane, now: Now, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let mut traffic = pane.traffic.clone();
    traffic.advance(now.unix);
    let when = |t: Option<i64>| t.map_or_else(|| "never".to_owned(), |t| time(t, now));
    let said = format!(
        "last in {} · last out {} · {} in 24 h ",
        when(traffic.last_in),
        when(traffic.last_out),
        traffic.total()
    );
    let spark_w = crate::domain::traffic::HOURS as u16;
    let [text, spark] = area.layout(&Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(spark_w),
    ]));
    frame.render_widget(Span::styled(said, theme.text()), text);
    frame.render_widget(
        Sparkline::default()
            .data(traffic.hours)
            .style(theme.tone(Tone::Info)),
        spark,
    );
}

fn render_list(app: &App, pane: &Pane, now: Now, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    if pane.rows.is_empty() {
        let none = "No messages in the last days. t sends a test message from this number.";
        frame.render_widget(
            Paragraph::new(Span::styled(none, theme.dim())).wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let mut lines = vec![Line::styled(
        format!(
            "{:<12}  {:<3}  {:<16}  {:<8}  {:<9}  text",
            "time", "dir", "chat", "kind", "status"
        ),
        theme.dim(),
    )];
    lines.extend(
        pane.rows
            .iter()
            .take(usize::from(area.height.saturating_sub(1)))
            .map(|m| row(app, pane, m, now)),
    );
    frame.render_widget(Paragraph::new(lines), area);
}

fn row<'a>(app: &App, pane: &Pane, m: &'a Message, now: Now) -> Line<'a> {
    let theme = &app.theme;
    let tone = match m.status {
        MessageStatus::Delivered | MessageStatus::Read | MessageStatus::Received => Tone::Ok,
        MessageStatus::Queued => Tone::Busy,
        MessageStatus::Failed | MessageStatus::Expired | MessageStatus::Undecryptable => Tone::Bad,
        MessageStatus::Sent => Tone::Info,
    };
    let text = if pane.show_text {
        m.text.as_deref().unwrap_or("").replace('\n', " ")
    } else if m.text.is_some() {
        "•••".to_owned()
    } else {
        String::new()
    };
    let test = pane.tested.as_deref() == Some(m.id.as_str());
    let dir = match m.direction {
        Direction::In => "in",
        Direction::Out => "out",
    };
    Line::from(vec![
        Span::styled(
            format!(
                "{:<12}  {dir:<3}  {:<16}  {:<8}  ",
                time(m.at, now),
                chat(&m.chat),
                m.kind.key()
            ),
            theme.text(),
        ),
        Span::styled(format!("{:<9}", m.status.key()), theme.tone(tone)),
        Span::styled(
            format!("  {}{text}", if test { "[test] " } else { "" }),
            theme.dim(),
        ),
    ])
}

fn render_test(app: &App, pane: &Pane, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let [ask, error] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
    ]));
    if let Some(input) = &pane.test {
        let label = " Send a test message to: ";
        let [l, f] = ask.layout(&Layout::horizontal([
            Constraint::Length(label.chars().count() as u16),
            Constraint::Min(1),
        ]));
        frame.render_widget(Span::styled(label, theme.key()), l);
        field::render(frame, f, input, theme.text(), true);
    }
    if let Some(why) = &pane.test_error {
        frame.render_widget(
            Paragraph::new(Span::styled(format!("✗ {why}"), theme.tone(Tone::Bad)))
                .wrap(Wrap { trim: true }),
            error,
        );
    }
}

/// 14:05:01 today, else "Dec 03 14:05".
fn time(at: i64, now: Now) -> String {
    let Some(t) = chrono::DateTime::from_timestamp(at, 0) else {
        return String::new();
    };
    let (t, today) = (t.with_timezone(&now.tz), now_day(now));
    if t.date_naive() == today {
        t.format("%H:%M:%S").to_string()
    } else {
        t.format("%b %d %H:%M").to_string()
    }
}

fn now_day(now: Now) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp(now.unix, 0)
        .map(|t| t.with_timezone(&now.tz).date_naive())
        .unwrap_or_default()
}

/// The customer, masked: `+7999•••0001`, or a LID's digits.
fn chat(jid: &str) -> String {
    let (user, server) = jid.split_once('@').unwrap_or((jid, ""));
    let masked = mask_digits(user);
    if server == "lid" {
        format!("{} lid", masked.trim_start_matches('+'))
    } else {
        masked
    }
}
