//! The event log pane: newest first, for the company in focus (all
//! companies when none is).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::super::app::{App, Now};
use super::text::clock_secs;

pub fn render(app: &App, now: Now, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let company = app.current_company();
    let slug_of = |id: i64| app.row(id).map_or("?", |r| r.slug.as_str());
    let title = match company {
        Some(id) => format!(" Event log · {} ", slug_of(id)),
        None => " Event log ".to_owned(),
    };
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border(false));
    let room = usize::from(block.inner(area).height);
    let lines: Vec<Line> = app
        .log
        .iter()
        .filter(|(id, _)| company.is_none_or(|c| c == *id))
        .take(room)
        .map(|(id, e)| {
            let mut spans = vec![
                Span::styled(clock_secs(e.at, now.tz), theme.dim()),
                Span::raw("  "),
            ];
            if company.is_none() {
                spans.push(Span::styled(format!("{} ", slug_of(*id)), theme.key()));
            }
            spans.push(Span::styled(format!("{:<14}", e.kind), theme.text()));
            spans.push(Span::raw(" "));
            spans.push(Span::styled(e.detail.clone(), theme.dim()));
            Line::from(spans)
        })
        .collect();
    let body = if lines.is_empty() {
        vec![Line::styled("Nothing logged yet.", theme.dim())]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(body).block(block), area);
}
