//! The answers to a question: what y, n and Esc do to `App`.

use crate::engine::command::Command;
use crate::tui::app::{App, Now, Overlay};
use crate::tui::confirm::Confirm;

use crate::tui::msg::{Action, Effect};

impl App {
    pub(crate) fn on_confirm(&mut self, action: Action, _now: Now) -> Vec<Effect> {
        let Some(Overlay::Confirm(ask)) = &self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Confirm => {
                let ask = ask.clone();
                self.overlay = None;
                self.confirmed(ask)
            }
            Action::Deny | Action::Back => {
                self.overlay = None;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn confirmed(&mut self, ask: Confirm) -> Vec<Effect> {
        match ask {
            Confirm::CancelAttempt { .. } => self.cancel_link(true),
            Confirm::NumberInUse {
                company, method, ..
            } => self.start_link(company, method, true),
            Confirm::Remove { company, .. } => {
                let removed = crate::engine::Update::CompanyRemoved { company };
                crate::engine::update::fold_rows_at(&mut self.rows, &mut self.rows_at, &removed);
                self.table.repair(&self.rows);
                vec![Effect::RemoveCompany { company }]
            }
            Confirm::Logout { company, .. } => vec![Effect::Engine(Command::Logout { company })],
        }
    }
}
