//! Overlays that ask something: yes/no questions and the add-company form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::super::add_form::{AddField, AddForm};
use super::super::app::App;
use super::super::confirm::Confirm;
use super::theme::Tone;
use super::{field, popup};

pub fn confirm(app: &App, ask: &Confirm, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let rect = popup(frame, area, 64, 8);
    let block = Block::bordered()
        .title(Span::styled(" Are you sure? ", theme.title()))
        .border_style(theme.tone(Tone::Warn));
    let lines = vec![
        Line::styled(ask.question(), theme.text()),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", theme.key()),
            Span::styled(" yes   ", theme.dim()),
            Span::styled("n", theme.key()),
            Span::styled(" no", theme.dim()),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}

pub fn add(app: &App, form: &AddForm, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let rect = popup(frame, area, 76, 10);
    let block = Block::bordered()
        .title(Span::styled(" Add a company ", theme.title()))
        .title_bottom(Line::styled(
            " Tab next field · Enter add · Esc cancel ",
            theme.dim(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    // Two lines under each field: its sentence is never cut.
    let [_, slug_row, slug_err, _, name_row, name_err] = inner.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
    ]));
    let fields = [
        (
            AddField::Slug,
            "Slug",
            &form.slug,
            &form.slug_error,
            slug_row,
            slug_err,
            "e.g. acme",
        ),
        (
            AddField::Name,
            "Name",
            &form.name,
            &form.name_error,
            name_row,
            name_err,
            "e.g. Acme LLC",
        ),
    ];
    for (which, label, input, error, row, err_row, example) in fields {
        let [l, f] = row.layout(&Layout::horizontal([
            Constraint::Length(7),
            Constraint::Min(1),
        ]));
        let focused = form.field == which;
        let style = if focused { theme.key() } else { theme.text() };
        frame.render_widget(Span::styled(format!(" {label}"), style), l);
        field::render(frame, f, input, theme.text(), focused);
        let below = match error {
            Some(e) => Span::styled(format!("✗ {e}"), theme.tone(Tone::Bad)),
            None if input.value().is_empty() => Span::styled(example, theme.dim()),
            None => Span::raw(""),
        };
        let [_, e] = err_row.layout(&Layout::horizontal([
            Constraint::Length(7),
            Constraint::Min(1),
        ]));
        frame.render_widget(Paragraph::new(below).wrap(Wrap { trim: true }), e);
    }
}
