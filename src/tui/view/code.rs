//! The pairing code, large (`ABCD-EFGH` in 3×5 block glyphs) and as plain
//! text, its countdown, and where to type it on the phone.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph, Wrap};

use crate::domain::PairCode;

use super::super::app::{App, Now};
use super::text::{countdown, left, ratio_left};
use super::theme::Tone;

pub const PHONE_PATH: &str =
    "WhatsApp › Settings › Linked devices › Link a device › Link with phone number instead";

const GLYPH_ROWS: usize = 5;

/// What the code pane needs, borrowed from the attempt.
pub struct Shown<'a> {
    pub code: &'a PairCode,
    /// How the number was formatted, e.g. `+7 900 123-45-67`.
    pub phone: &'a str,
    pub issued_at: Instant,
    pub expires_at: Instant,
}

pub fn render(app: &App, shown: &Shown<'_>, now: Now, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let text = shown.code.to_string();
    // Twice as wide as tall looks square in a terminal cell grid.
    let scale = if big_width(&text, 2) <= usize::from(area.width) {
        2
    } else {
        1
    };
    let [intro, _, big, _, plain, _, gauge, _, path, hints] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(GLYPH_ROWS as u16),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
    ]));
    let who = format!("Type this code on the phone of {}:", shown.phone);
    frame.render_widget(
        Paragraph::new(Span::styled(who, theme.text())).centered(),
        intro,
    );
    let lines: Vec<Line> = big_lines(&text, scale)
        .into_iter()
        .map(|l| Line::styled(l, theme.code()))
        .collect();
    frame.render_widget(Paragraph::new(lines).centered(), big);
    frame.render_widget(
        Paragraph::new(Span::styled(text, theme.code())).centered(),
        plain,
    );

    let remaining = left(shown.expires_at, now.instant);
    let label = if remaining.is_zero() {
        Span::styled("expired · waiting for WhatsApp", theme.tone(Tone::Bad))
    } else {
        Span::styled(format!("{} left", countdown(remaining)), theme.text())
    };
    let ratio = ratio_left(shown.issued_at, shown.expires_at, now.instant);
    let gauge_area = gauge.centered_horizontally(Constraint::Length(gauge.width.min(60)));
    let g = LineGauge::default()
        .ratio(ratio)
        .label(label)
        .filled_style(theme.gauge());
    frame.render_widget(g, gauge_area);

    let path_line = Line::from(vec![
        Span::styled("On the phone: ", theme.dim()),
        Span::styled(PHONE_PATH, theme.text()),
    ]);
    frame.render_widget(
        Paragraph::new(path_line)
            .centered()
            .wrap(Wrap { trim: true }),
        path,
    );
    let keys = "c copy the code · Tab QR instead · x cancel · Esc back";
    frame.render_widget(
        Paragraph::new(Span::styled(keys, theme.dim())).centered(),
        hints,
    );
}

/// Columns `text` takes when drawn large at `scale`.
pub fn big_width(text: &str, scale: usize) -> usize {
    let n = text.chars().count();
    n * 3 * scale + n.saturating_sub(1) * scale
}

/// Five rows of block characters; unknown characters draw as a box.
pub fn big_lines(text: &str, scale: usize) -> Vec<String> {
    (0..GLYPH_ROWS)
        .map(|row| {
            let gap = " ".repeat(scale);
            text.chars()
                .map(|c| {
                    let bits = glyph(c)[row];
                    (0..3)
                        .map(|col| {
                            let cell = if bits & (0b100 >> col) != 0 {
                                "█"
                            } else {
                                " "
                            };
                            cell.repeat(scale)
                        })
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join(&gap)
        })
        .collect()
}

/// 3×5 glyphs for the pairing-code alphabet (1-9, A-Z without I O U) and
/// '-'; each row is three bits, left column first.
fn glyph(c: char) -> [u8; 5] {
    match c {
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b110, 0b001, 0b010, 0b100, 0b111],
        '3' => [0b110, 0b001, 0b010, 0b001, 0b110],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b110, 0b001, 0b110],
        '6' => [0b011, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b010, 0b010, 0b010],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b110],
        'A' => [0b010, 0b101, 0b111, 0b101, 0b101],
        'B' => [0b110, 0b101, 0b110, 0b101, 0b110],
        'C' => [0b011, 0b100, 0b100, 0b100, 0b011],
        'D' => [0b110, 0b101, 0b101, 0b101, 0b110],
        'E' => [0b111, 0b100, 0b110, 0b100, 0b111],
        'F' => [0b111, 0b100, 0b110, 0b100, 0b100],
        'G' => [0b011, 0b100, 0b101, 0b101, 0b011],
        'H' => [0b101, 0b101, 0b111, 0b101, 0b101],
        'J' => [0b001, 0b001, 0b001, 0b101, 0b010],
        'K' => [0b101, 0b101, 0b110, 0b101, 0b101],
        'L' => [0b100, 0b100, 0b100, 0b100, 0b111],
        'M' => [0b101, 0b111, 0b111, 0b101, 0b101],
        'N' => [0b110, 0b101, 0b101, 0b101, 0b101],
        'P' => [0b110, 0b101, 0b110, 0b100, 0b100],
        'Q' => [0b010, 0b101, 0b101, 0b110, 0b011],
        'R' => [0b110, 0b101, 0b110, 0b101, 0b101],
        'S' => [0b011, 0b100, 0b010, 0b001, 0b110],
        'T' => [0b111, 0b010, 0b010, 0b010, 0b010],
        'V' => [0b101, 0b101, 0b101, 0b101, 0b010],
        'W' => [0b101, 0b101, 0b111, 0b111, 0b101],
        'X' => [0b101, 0b101, 0b010, 0b101, 0b101],
        'Y' => [0b101, 0b101, 0b010, 0b010, 0b010],
        'Z' => [0b111, 0b001, 0b010, 0b100, 0b111],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        _ => [0b111, 0b101, 0b101, 0b101, 0b111],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTVWXYZ";

    #[test]
    fn every_code_character_has_its_own_glyph() {
        let boxed = glyph('?');
        let mut seen = Vec::new();
        for c in ALPHABET.chars().chain(['-']) {
            let g = glyph(c);
            assert_ne!(g, boxed, "{c} has no glyph");
            assert!(!seen.contains(&g), "{c} looks like another character");
            seen.push(g);
        }
    }

    #[test]
    fn big_code_fits_80_columns_at_double_width() {
        let lines = big_lines("ABCD-EFGH", 2);
        assert_eq!(lines.len(), 5);
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() == big_width("ABCD-EFGH", 2))
        );
        assert!(big_width("ABCD-EFGH", 2) <= 76);
    }
}
