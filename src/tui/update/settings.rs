//! The settings overlay: `e` on the table reads the company's settings,
//! the form edits them, Enter sends the change to the engine.

use crate::domain::SettingsView;
use crate::engine::command::Command;
use crate::tui::app::{App, Now, Overlay, Screen};
use crate::tui::msg::{Action, Effect};
use crate::tui::settings_form::SettingsForm;
use crate::tui::view::theme::Tone;

impl App {
    pub(crate) fn open_settings(&mut self, now: Now) -> Vec<Effect> {
        let Some(company) = self.table.selected.filter(|id| self.row(*id).is_some()) else {
            self.toast("No company selected; press a to add one.", Tone::Warn, now);
            return Vec::new();
        };
        vec![Effect::LoadSettings { company }]
    }

    pub(crate) fn settings_loaded(
        &mut self,
        company: i64,
        loaded: Result<SettingsView, String>,
        now: Now,
    ) {
        // Something else took the screen while they were read.
        if self.overlay.is_some() || !matches!(self.screen, Screen::Table) {
            return;
        }
        match loaded {
            Ok(view) => {
                let form = SettingsForm::new(company, &view);
                self.overlay = Some(Overlay::Settings(Box::new(form)));
            }
            Err(why) => self.toast(why, Tone::Bad, now),
        }
    }

    pub(crate) fn on_settings_form(&mut self, action: Action, now: Now) -> Vec<Effect> {
        let Some(Overlay::Settings(form)) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::EditAddField(req) => form.edit(req),
            Action::NextAddField => form.next_field(),
            Action::SubmitAdd => match form.change() {
                Ok(change) => {
                    let company = form.company;
                    self.overlay = None;
                    let saved = "Saved. A new proxy applies at the next connect; r reconnects now.";
                    self.toast(saved, Tone::Ok, now);
                    return vec![Effect::Engine(Command::ChangeCompany {
                        company,
                        change,
                        reconnect: false,
                    })];
                }
                Err(None) => self.overlay = None,
                Err(Some(why)) => form.error = Some(why),
            },
            Action::Back => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }
}
