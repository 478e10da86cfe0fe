//! The pairing pane: the phone field checked as typed and the method
//! switch; once an attempt exists, its code, QR or outcome.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::domain::FailureReason;
use crate::domain::country::country_label;

use super::super::app::{App, Now};
use super::super::pairing::{Method, PairingForm, Stage};
use super::theme::Tone;
use super::{code, field, qr_pane};

const LABEL_W: u16 = 9;

pub fn render(app: &App, form: &PairingForm, now: Now, frame: &mut Frame, area: Rect) {
    let (slug, name) = app
        .row(form.company)
        .map_or(("?", ""), |r| (r.slug.as_str(), r.name.as_str()));
    let title = format!(" Link {slug} · {name} ");
    let block = Block::bordered()
        .title(Span::styled(title, app.theme.title()))
        .border_style(app.theme.border(true));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(attempt) = &form.attempt else {
        form_body(app, form, now, frame, inner);
        return;
    };
    match &attempt.stage {
        Stage::Requested => {
            let text = match attempt.method {
                Method::Code => "Asking WhatsApp for a pairing code…",
                Method::Qr => "Connecting to WhatsApp for a QR code…",
            };
            outcome(
                app,
                frame,
                inner,
                text.into(),
                Tone::Busy,
                "x cancel · Esc back",
            );
        }
        Stage::Code {
            code: pair,
            issued_at,
            expires_at,
        } => {
            let phone = attempt
                .phone
                .as_ref()
                .map(|p| p.formatted.as_str())
                .unwrap_or("");
            let shown = code::Shown {
                code: pair,
                phone,
                issued_at: *issued_at,
                expires_at: *expires_at,
            };
            code::render(app, &shown, now, frame, inner);
        }
        Stage::Qr(shown) => qr_pane::render(app, shown, now, frame, inner),
        Stage::QrExhausted => {
            let text = FailureReason::QrExhausted.sentence(now.unix, now.tz);
            let hint = "r new QR (a new link attempt) · Tab pairing code instead · Esc back";
            outcome(app, frame, inner, text, Tone::Warn, hint);
        }
        Stage::Refused { reason } => {
            let text = reason.sentence(now.unix, now.tz);
            outcome(
                app,
                frame,
                inner,
                text,
                Tone::Warn,
                "F force it anyway · Esc back",
            );
        }
        Stage::Failed { reason } => {
            let text = reason.sentence(now.unix, now.tz);
            // Under WhatsApp's limit a new attempt is refused: not offered.
            let hint = match reason {
                FailureReason::RateLimited { .. } | FailureReason::TemporaryBan { .. } => {
                    "Esc back"
                }
                _ => "r try again · Tab other method · Esc back",
            };
            outcome(app, frame, inner, text, Tone::Bad, hint);
        }
        Stage::Lost => {
            let text = match attempt.method {
                Method::Code => {
                    "walink serve went away, and this attempt with it: the code shown no longer works. Press r for a new one once the header says it is back."
                }
                Method::Qr => {
                    "walink serve went away, and this attempt with it: the QR shown no longer works. Press r for a new one once the header says it is back."
                }
            };
            outcome(
                app,
                frame,
                inner,
                text.into(),
                Tone::Warn,
                "r new attempt · Esc back",
            );
        }
        Stage::Linked { jid, push_name } => {
            // The number as the table shows it, never the raw JID.
            let number = crate::domain::mask_digits(jid.split([':', '@']).next().unwrap_or(""));
            let who = push_name
                .as_deref()
                .map(|n| format!("{n} ({number})"))
                .unwrap_or(number);
            let connected = app
                .row(form.company)
                .is_some_and(|r| r.state == crate::domain::SessionState::Connected);
            let text = if connected {
                format!("✓ Linked to {who}, and connected.")
            } else {
                format!("✓ Linked to {who}. The session is finishing its first sync.")
            };
            outcome(app, frame, inner, text, Tone::Ok, "Esc back to the table");
        }
    }
}

fn form_body(app: &App, form: &PairingForm, now: Now, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    // The last row takes what is left: another client's attempt may need
    // more than a line.
    let mut heights = [Constraint::Length(1); 7];
    heights[6] = Constraint::Min(1);
    let rows = area.layout::<7>(&Layout::vertical(heights));
    let [
        method_row,
        _,
        phone_row,
        check_row,
        country_row,
        help_row,
        note_row,
    ] = rows;

    let pick = |m: Method, text: &'static str| {
        if form.method == m {
            Span::styled(format!("[● {text}]"), theme.key())
        } else {
            Span::styled(format!(" ○ {text} "), theme.dim())
        }
    };
    let method = Line::from(vec![
        Span::styled(
            format!("{:<w$}", "Method", w = usize::from(LABEL_W)),
            theme.dim(),
        ),
        pick(Method::Code, "Pairing code"),
        Span::raw("  "),
        pick(Method::Qr, "QR code"),
        Span::styled("   Tab switches", theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(method), method_row);

    let [label, input] = phone_row.layout(&Layout::horizontal([
        Constraint::Length(LABEL_W),
        Constraint::Min(1),
    ]));
    let needs_phone = form.method == Method::Code;
    let label_style = if needs_phone {
        theme.text()
    } else {
        theme.dim()
    };
    frame.render_widget(Span::styled("Phone", label_style), label);
    let focused = app.overlay.is_none();
    field::render(frame, input, &form.phone, label_style, focused);

    let [_, check] = check_row.layout(&Layout::horizontal([
        Constraint::Length(LABEL_W),
        Constraint::Min(1),
    ]));
    frame.render_widget(Paragraph::new(check_line(app, form)), check);
    if needs_phone {
        let [_, country] = country_row.layout(&Layout::horizontal([
            Constraint::Length(LABEL_W),
            Constraint::Min(1),
        ]));
        let text = match &app.country {
            Some(code) => format!("numbers without +: {}", country_label(code)),
            None => "no default country: type the + and country code (--country sets one)".into(),
        };
        frame.render_widget(Span::styled(text, theme.dim()), country);
    }

    let help = match form.method {
        Method::Code => "Enter asks WhatsApp for an 8-character code; you type it on the phone.",
        Method::Qr => "Enter shows a QR code to scan with the phone; no number needed.",
    };
    frame.render_widget(
        Paragraph::new(Span::styled(help, theme.dim())).wrap(Wrap { trim: true }),
        help_row,
    );
    if let Some(claim) = app.linking_elsewhere(form.company) {
        let state = app.row(form.company).map(|r| &r.state);
        let note = elsewhere(claim, state, now);
        frame.render_widget(
            Paragraph::new(Span::styled(note, theme.tone(Tone::Warn))).wrap(Wrap { trim: true }),
            note_row,
        );
    }
}

/// "walink pair (pid 12) has been linking this company since 14:32; its
/// code is live for 2:31.", followed as the row changes.
fn elsewhere(
    claim: &crate::engine::update::Claim,
    state: Option<&crate::domain::SessionState>,
    now: Now,
) -> String {
    use super::text::{clock, countdown, left};
    use crate::domain::SessionState as S;
    let what = match state {
        Some(S::LinkingCode { expires_at }) => format!(
            "its code is live for {}",
            countdown(left(*expires_at, now.instant))
        ),
        Some(S::LinkingQr { expires_at }) => format!(
            "its QR is live for {}",
            countdown(left(*expires_at, now.instant))
        ),
        _ => "it is asking WhatsApp".to_owned(),
    };
    format!(
        "{} has been linking this company since {}; {what}. This pane follows it.",
        claim.by,
        clock(claim.since, now.unix, now.tz)
    )
}

/// "✓ Russia · +79001234567", the warning, or the red sentence.
fn check_line<'a>(app: &App, form: &'a PairingForm) -> Line<'a> {
    let theme = &app.theme;
    if form.method == Method::Qr {
        return Line::styled("not needed for a QR code", theme.dim());
    }
    match &form.checked {
        Ok(phone) => {
            let mut spans = vec![Span::styled(
                format!("✓ {} · {}", phone.country, phone.e164()),
                theme.tone(Tone::Ok),
            )];
            if let Some(w) = phone.warning {
                spans.push(Span::styled(format!("  ! {w}"), theme.tone(Tone::Warn)));
            }
            Line::from(spans)
        }
        // An empty field is not a mistake yet: the sentence is a hint.
        Err(e) if form.phone.value().trim().is_empty() => Line::styled(e.to_string(), theme.dim()),
        Err(e) => Line::styled(format!("✗ {e}"), theme.tone(Tone::Bad)),
    }
}

/// A sentence and the keys that act on it, for every stage without a
/// code or QR on screen.
fn outcome(app: &App, frame: &mut Frame, area: Rect, text: String, tone: Tone, hint: &str) {
    let lines = vec![
        Line::raw(""),
        Line::styled(text, app.theme.tone(tone)),
        Line::raw(""),
        Line::styled(hint.to_owned(), app.theme.dim()),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
