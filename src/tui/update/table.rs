//! The table's keys: selection, filter and the orders they send.

use crate::domain::SessionState;
use crate::engine::command::Command;
use crate::engine::update::SessionRow;
use crate::tui::app::{App, Now, Overlay, Screen};
use crate::tui::confirm::Confirm;
use crate::tui::msg::{Action, Effect};
use crate::tui::pairing::PairingForm;
use crate::tui::table_state::PAGE;
use crate::tui::view::theme::Tone;

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
            Action::OpenMessages => return self.open_messages(false, now),
            Action::TestMessage => return self.open_messages(true, now),
            Action::EditSettings => return self.open_settings(now),
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
