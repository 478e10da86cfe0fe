//! The company table's selection and filter, and the table's actions.
//! Selection is kept by company id, so it survives snapshots, re-sorts and
//! filter changes.

use tui_input::Input;

use crate::domain::SessionState;
use crate::engine::command::Command;
use crate::engine::update::SessionRow;

use super::app::{App, Now, Overlay, Screen};
use super::confirm::Confirm;
use super::msg::{Action, Effect};
use super::pairing::PairingForm;
use super::view::theme::Tone;

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
    pub fn matches(&self, row: &SessionRow) -> bool {
        if self.not_connected_only && row.state == SessionState::Connected {
            return false;
        }
        let needle = self.filter.value().trim().to_lowercase();
        if needle.is_empty() {
            return true;
        }
        let digits: String = needle.chars().filter(char::is_ascii_digit).collect();
        row.name.to_lowercase().contains(&needle)
            || row.slug.contains(&needle)
            || (!digits.is_empty() && row.phone.as_deref().is_some_and(|p| p.contains(&digits)))
    }

    pub fn visible<'a>(&self, rows: &'a [SessionRow]) -> Vec<&'a SessionRow> {
        rows.iter().filter(|r| self.matches(r)).collect()
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

impl App {
    pub(crate) fn on_table(&mut self, action: Action, now: Now) -> Vec<Effect> {
        let rows = &self.rows;
        match action {
            Action::SelectNext => self.table.move_by(rows, 1),
            Action::SelectPrev => self.table.move_by(rows, -1),
            Action::PageDown => self.table.move_by(rows, PAGE),
            Action::PageUp => self.table.move_by(rows, -PAGE),
            Action::SelectFirst => self.table.move_by(rows, isize::MIN / 2),
            Action::SelectLast => self.table.move_by(rows, isize::MAX / 2),
            Action::StartFilter => self.table.filtering = true,
            Action::EditFilter(req) => {
                self.table.filter.handle(req);
                self.table.repair(&self.rows);
            }
            // Enter in the filter field: keep the filter, give keys back.
            Action::Confirm => self.table.filtering = false,
            Action::Back => {
                self.table.filtering = false;
                self.table.filter.reset();
                self.table.repair(&self.rows);
            }
            Action::ToggleNotConnected => {
                self.table.not_connected_only = !self.table.not_connected_only;
                self.table.repair(&self.rows);
            }
            Action::ShowHelp => self.overlay = Some(Overlay::Help),
            Action::ToggleLog => self.show_log = !self.show_log,
            Action::AddCompany => self.overlay = Some(Overlay::Add(Default::default())),
            Action::OpenPairing => self.open_pairing(now),
            Action::RemoveCompany => self.ask_about_selected(Confirm::remove),
            Action::LogoutCompany => self.ask_about_selected(Confirm::logout),
            Action::RestartLink => return self.reconnect_selected(now),
            Action::InjectFault => return self.inject_fault(now),
            Action::Invite => return self.invite_selected(now),
            _ => {}
        }
        Vec::new()
    }

    fn selected_row(&self) -> Option<&SessionRow> {
        self.table.selected.and_then(|id| self.row(id))
    }

    fn open_pairing(&mut self, now: Now) {
        let Some(row) = self.selected_row() else {
            self.toast("No company selected; press a to add one.", Tone::Warn, now);
            return;
        };
        let form = PairingForm::new(row.company, row.phone.as_deref(), self.country.as_deref());
        self.screen = Screen::Pairing(Box::new(form));
    }

    fn ask_about_selected(&mut self, make: fn(&SessionRow) -> Confirm) {
        if let Some(row) = self.selected_row() {
            self.overlay = Some(Overlay::Confirm(make(row)));
        }
    }

    fn reconnect_selected(&mut self, now: Now) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        // Without keys there is nothing to reconnect; linking is Enter.
        if matches!(row.state, SessionState::NotLinked | SessionState::LoggedOut) {
            let text = format!("{} is not linked; press Enter to link it.", row.slug);
            self.toast(text, Tone::Warn, now);
            return Vec::new();
        }
        let company = row.company;
        let text = format!("Reconnecting {}…", row.slug);
        self.toast(text, Tone::Info, now);
        vec![Effect::Engine(Command::Reconnect { company })]
    }
}
