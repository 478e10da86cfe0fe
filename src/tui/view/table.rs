//! The company table: company, number, state with its countdown, since,
//! the host that runs it (with several hosts), last event; the filter line
//! above it when one is set.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, HighlightSpacing, Paragraph, Row, Table, TableState, Wrap};

use super::super::app::{App, Now};
use super::field;
use super::state::describe;
use super::text::{ago, fit};

const NUMBER_W: u16 = 16;
const STATE_W: u16 = 30;
const SINCE_W: u16 = 6;
/// The host column, shown once any company is run by a host of several.
const HOST_W: u16 = 10;
/// Below this width the last-event column is left out.
const WIDE: u16 = 100;
const HIGHLIGHT: &str = "▶ ";
const HIGHLIGHT_W: u16 = 2;

pub fn render(app: &App, now: Now, frame: &mut Frame, area: Rect) {
    let sel = &app.table;
    let show_filter = sel.filtering || !sel.filter.value().is_empty() || sel.not_connected_only;
    let area = if show_filter {
        let [line, rest] = area.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
        ]));
        filter_line(app, frame, line);
        rest
    } else {
        area
    };
    let visible = sel.visible(&app.rows);
    let title = if visible.len() == app.rows.len() {
        format!(" Companies ({}) ", app.rows.len())
    } else {
        format!(" Companies ({} of {}) ", visible.len(), app.rows.len())
    };
    let block = Block::bordered()
        .title(Span::styled(title, app.theme.title()))
        .border_style(app.theme.border(!sel.filtering));
    if visible.is_empty() {
        let text = if app.rows.is_empty() {
            "No companies yet. Press a to add one, or: walink company add SLUG --name NAME"
        } else if sel.not_connected_only && sel.filter.value().is_empty() {
            "Every company is connected; ! shows them again."
        } else if sel.not_connected_only {
            "Nothing matches. Esc clears the filter; ! shows connected ones again."
        } else {
            "Nothing matches. Esc clears the filter."
        };
        let p = Paragraph::new(Span::styled(text, app.theme.dim())).wrap(Wrap { trim: true });
        frame.render_widget(p.block(block), area);
        return;
    }
    let wide = area.width >= WIDE;
    let hosts = app.rows.iter().any(|r| r.host.is_some());
    let inner = block.inner(area).width;
    let host_w = if hosts { HOST_W + 1 } else { 0 };
    let fixed = HIGHLIGHT_W + NUMBER_W + STATE_W + SINCE_W + 3 + host_w;
    let flexible = inner.saturating_sub(fixed + u16::from(wide));
    // The company gets ~⅔ of what is left on wide screens, all otherwise.
    let company_w = if wide { flexible * 2 / 3 } else { flexible };
    let event_w = flexible.saturating_sub(company_w);
    // Build only the rows that fit: with 10,000 companies, styling every
    // row each frame would cost ~10 ms. The window keeps the selection in view.
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    let selected = sel.index(&app.rows);
    let offset = selected.map_or(0, |i| i.saturating_sub(height - 1));
    let rows = visible.iter().skip(offset).take(height).map(|r| {
        let (state, tone) = if app.away() {
            away(&r.state)
        } else {
            match invited(app, r, now) {
                Some(shown) => shown,
                None => describe(&r.state, now),
            }
        };
        let slug_w = Span::raw(&r.slug).width();
        let name_room = usize::from(company_w).saturating_sub(slug_w + 1);
        let company = Line::from(vec![
            Span::raw(fit(&r.slug, usize::from(company_w))),
            Span::raw(" "),
            Span::styled(fit(&r.name, name_room), app.theme.dim()),
        ]);
        // Masked as everywhere else (a shared screen shows no whole
        // number); the filter still matches the digits.
        let number = r
            .phone
            .as_deref()
            .map_or_else(|| "—".to_owned(), crate::domain::mask_digits);
        let mut cells = vec![
            Cell::from(company),
            Cell::from(number),
            Cell::from(Span::styled(
                fit(&state, usize::from(STATE_W)),
                app.theme.tone(tone),
            )),
            Cell::from(ago(r.since, now.unix)),
        ];
        if hosts {
            let host = r.host.as_deref().unwrap_or("—");
            cells.push(Cell::from(fit(host, usize::from(HOST_W))));
        }
        if wide {
            let event = r.last_event.as_deref().unwrap_or("");
            cells.push(Cell::from(Span::styled(
                fit(event, usize::from(event_w)),
                app.theme.dim(),
            )));
        }
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(company_w),
        Constraint::Length(NUMBER_W),
        Constraint::Length(STATE_W),
        Constraint::Length(SINCE_W),
    ];
    let mut header = vec!["Company", "Number", "State", "Since"];
    if hosts {
        widths.push(Constraint::Length(HOST_W));
        header.push("Host");
    }
    if wide {
        widths.push(Constraint::Length(event_w));
        header.push("Last event");
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(app.theme.dim()))
        .block(block)
        .row_highlight_style(app.theme.selected())
        .highlight_symbol(HIGHLIGHT)
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(selected.map(|i| i - offset));
    frame.render_stateful_widget(table, area, &mut state);
}

fn filter_line(app: &App, frame: &mut Frame, area: Rect) {
    let sel = &app.table;
    let theme = &app.theme;
    let suffix = if sel.not_connected_only {
        "  ! not connected only"
    } else {
        ""
    };
    let suffix_w = suffix.chars().count() as u16;
    let [label, input, rest] = area.layout(&Layout::horizontal([
        Constraint::Length(2),
        Constraint::Min(10),
        Constraint::Length(suffix_w),
    ]));
    frame.render_widget(Span::styled("/ ", theme.key()), label);
    field::render(
        frame,
        input,
        &sel.filter,
        theme.text(),
        sel.filtering && app.overlay.is_none(),
    );
    frame.render_widget(
        Span::styled(suffix, theme.tone(super::theme::Tone::Warn)),
        rest,
    );
}

/// While walink serve is away nobody knows a row's state: "? was
/// connected", with no countdown.
fn away(state: &crate::domain::SessionState) -> (String, super::theme::Tone) {
    let (_, label, _) = super::state::family(state).label();
    (format!("? was {label}"), super::theme::Tone::Idle)
}

/// "invited · 24 min left" while a live invitation waits on a company
/// that is neither linked nor linking; what the company does then shows
/// as the state it brings.
fn invited(
    app: &App,
    r: &crate::engine::SessionRow,
    now: Now,
) -> Option<(String, super::theme::Tone)> {
    use crate::domain::SessionState as S;
    let waiting = matches!(
        r.state,
        S::NotLinked | S::LoggedOut | S::Failed { .. } | S::Replaced | S::Moved
    );
    if !waiting {
        return None;
    }
    let until = app.invited_until(r.company, crate::engine::snapshot::unix_to_system(now.unix))?;
    let secs = until
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        - now.unix;
    // Rounded up: "1 min left" until it is gone.
    let minutes = (secs + 59) / 60;
    Some((
        format!("invited · {minutes} min left"),
        super::theme::Tone::Info,
    ))
}
