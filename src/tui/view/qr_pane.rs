//! The QR pane: the current ref centred, its countdown, and a fallback
//! sentence when the terminal is too small to draw it scannably.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::{App, Now};
use super::super::pairing::QrShown;
use super::text::{countdown, fit, left};
use super::theme::Tone;
use crate::qr::QrRows;

/// Refs one QR session gives before WhatsApp stops (DESIGN).
pub const QR_REFS: u32 = 6;
const PATH: &str = "Scan it on the phone: WhatsApp › Settings › Linked devices › Link a device";

pub fn render(app: &App, shown: &QrShown, now: Now, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let [intro, body, foot] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ]));
    let path = fit(PATH, usize::from(intro.width));
    frame.render_widget(
        Paragraph::new(Span::styled(path, theme.text())).centered(),
        intro,
    );

    let remaining = left(shown.expires_at, now.instant);
    let timing = if remaining.is_zero() {
        Span::styled(
            "waiting for the next QR…".to_owned(),
            theme.tone(Tone::Busy),
        )
    } else {
        Span::styled(format!("{} left", countdown(remaining)), theme.text())
    };
    let status = Line::from(vec![
        Span::styled(
            format!("QR {} of {QR_REFS} · ", shown.number.min(QR_REFS)),
            theme.dim(),
        ),
        timing,
        Span::styled(" · Tab pairing code · x cancel · Esc back", theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(status).centered(), foot);

    match &shown.rows {
        Ok(qr) if qr.width() <= body.width && qr.height() <= body.height => {
            draw(app, qr, frame, body);
        }
        Ok(qr) => too_small(app, qr, frame, body),
        Err(e) => {
            let text = format!("{e}. Press Tab to link with a pairing code instead.");
            let p =
                Paragraph::new(Span::styled(text, theme.tone(Tone::Bad))).wrap(Wrap { trim: true });
            frame.render_widget(p, body);
        }
    }
}

pub(super) fn draw(app: &App, qr: &QrRows, frame: &mut Frame, body: Rect) {
    let rect = body.centered(
        Constraint::Length(qr.width()),
        Constraint::Length(qr.height()),
    );
    let style = app.theme.qr();
    let lines: Vec<Line> = qr
        .rows()
        .iter()
        .map(|r| Line::styled(r.as_str(), style))
        .collect();
    frame.render_widget(Paragraph::new(lines), rect);
}

/// Says exactly how big the terminal must be: the body grows one for one
/// with the terminal, so the missing cells add to today's size.
fn too_small(app: &App, qr: &QrRows, frame: &mut Frame, body: Rect) {
    let full = frame.area();
    let need_w = full
        .width
        .saturating_sub(body.width)
        .saturating_add(qr.width());
    let need_h = full
        .height
        .saturating_sub(body.height)
        .saturating_add(qr.height());
    let mut lines = vec![
        Line::raw(""),
        Line::styled(
            format!(
                "This QR needs more room: make the terminal at least {need_w}×{need_h}, \
                 press Tab for a pairing code, or invite the company (i on the table): \
                 its page shows the QR in a browser."
            ),
            app.theme.tone(Tone::Warn),
        ),
    ];
    if app.show_log {
        lines.push(Line::styled(
            "Closing the event log (l) gives it more room.",
            app.theme.dim(),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).centered().wrap(Wrap { trim: true }),
        body,
    );
}
