//! The company table's selection and filter, and the table's actions.
//! Selection is kept by company id, so it survives snapshots, re-sorts and
//! filter changes.

use tui_input::Input;

use crate::domain::SessionState;
use crate::engine::update::SessionRow;

/// Rows PgUp/PgDn move; the App does not know the terminal height.
pub const PAGE: isize = 10;

#[derive(Debug, Clone, Default)]
pub struct TableSel {
    /// Company id of the selected row.
    pub selected: Option<i64>,
    pub filter: Input,
    /// The filter field has the keys.
    pub filtering: bool,
    /// `!`: hide Connected rows.
    pub not_connected_only: bool,
}

impl TableSel {
    /// The rows the filter and `!` leave, in order. The needle is made
    /// once for all rows: every draw asks, over every company.
    pub fn visible<'a>(&self, rows: &'a [SessionRow]) -> Vec<&'a SessionRow> {
        let needle = self.filter.value().trim().to_lowercase();
        let digits: String = needle.chars().filter(char::is_ascii_digit).collect();
        let matches = |row: &SessionRow| {
            if self.not_connected_only && row.state == SessionState::Connected {
                return false;
            }
            needle.is_empty()
                || row.name.to_lowercase().contains(&needle)
                || row.slug.contains(&needle)
                || (!digits.is_empty() && row.phone.as_deref().is_some_and(|p| p.contains(&digits)))
        };
        rows.iter().filter(|r| matches(r)).collect()
    }

    /// Position of the selection among the visible rows.
    pub fn index(&self, rows: &[SessionRow]) -> Option<usize> {
        let id = self.selected?;
        self.visible(rows).iter().position(|r| r.company == id)
    }

    /// Keep the selection on a visible row (the first one if it vanished).
    pub fn repair(&mut self, rows: &[SessionRow]) {
        if self.index(rows).is_none() {
            self.selected = self.visible(rows).first().map(|r| r.company);
        }
    }

    /// Move by `delta` rows, clamped to the ends.
    pub fn move_by(&mut self, rows: &[SessionRow], delta: isize) {
        let visible = self.visible(rows);
        let Some(last) = visible.len().checked_sub(1) else {
            self.selected = None;
            return;
        };
        let from = self.index(rows).unwrap_or(0) as isize;
        let to = (from + delta).clamp(0, last as isize) as usize;
        self.selected = visible.get(to).map(|r| r.company);
    }
}
