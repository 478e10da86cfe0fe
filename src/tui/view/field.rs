//! One-line text fields (tui-input) with a scrolling view and the cursor
//! placed on the frame.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Paragraph;
use tui_input::Input;

/// Draws `input` in `area` (one row). With `focused`, the terminal cursor
/// goes to the input's cursor.
pub fn render(frame: &mut Frame, area: Rect, input: &Input, style: Style, focused: bool) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    // One column stays free for the cursor after the last character.
    let width = usize::from(area.width.saturating_sub(1)).max(1);
    let scroll = input.visual_scroll(width);
    let scroll_x = u16::try_from(scroll).unwrap_or(u16::MAX);
    let line = Rect { height: 1, ..area };
    frame.render_widget(
        Paragraph::new(input.value())
            .style(style)
            .scroll((0, scroll_x)),
        line,
    );
    if focused {
        let offset = input.visual_cursor().saturating_sub(scroll);
        let x = area
            .x
            .saturating_add(u16::try_from(offset).unwrap_or(u16::MAX));
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
}
