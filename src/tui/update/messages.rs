//! `m`, `t` and the messages overlay: what they do to `App`.

use crate::tui::app::{App, Now, Overlay};
use crate::tui::messages::{Loaded, Pane};
use crate::tui::msg::{Action, Effect};
use crate::tui::view::theme::Tone;

impl App {
    /// `m` (or `t`, `testing`) on the table: read the company's messages.
    pub(crate) fn open_messages(&mut self, testing: bool, now: Now) -> Vec<Effect> {
        let Some(company) = self.table.selected.filter(|id| self.row(*id).is_some()) else {
            self.toast("No company selected; press a to add one.", Tone::Warn, now);
            return Vec::new();
        };
        vec![Effect::LoadMessages { company, testing }]
    }

    pub(crate) fn messages_loaded(
        &mut self,
        company: i64,
        loaded: Result<Loaded, String>,
        testing: bool,
        now: Now,
    ) {
        match loaded {
            Ok(loaded) => {
                let pane = Pane::new(company, loaded, testing);
                self.overlay = Some(Overlay::Messages(Box::new(pane)));
            }
            Err(why) => self.toast(why, Tone::Bad, now),
        }
    }

    /// The test message was queued (or why not).
    pub(crate) fn test_sent(&mut self, company: i64, sent: Result<crate::domain::Message, String>) {
        let Some(Overlay::Messages(pane)) = &mut self.overlay else {
            return;
        };
        if pane.company != company {
            return;
        }
        match sent {
            Ok(message) => {
                pane.test = None;
                pane.test_error = None;
                pane.queued(&message);
            }
            Err(why) => pane.test_error = Some(why),
        }
    }

    pub(crate) fn on_messages(&mut self, action: Action) -> Vec<Effect> {
        let Some(Overlay::Messages(pane)) = &mut self.overlay else {
            return Vec::new();
        };
        if let Some(input) = &mut pane.test {
            match action {
                Action::EditTestNumber(req) => {
                    input.handle(req);
                    pane.test_error = None;
                }
                Action::SubmitTest => {
                    let to = input.value().trim().to_owned();
                    if to.is_empty() {
                        pane.test_error = Some("Type the number to send the test to.".into());
                        return Vec::new();
                    }
                    return vec![Effect::SendTest {
                        company: pane.company,
                        to,
                    }];
                }
                Action::Back => {
                    pane.test = None;
                    pane.test_error = None;
                }
                _ => {}
            }
            return Vec::new();
        }
        match action {
            Action::ToggleText => pane.show_text = !pane.show_text,
            Action::TestMessage => pane.test = Some(tui_input::Input::default()),
            Action::Back => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }
}
