//! `i` on the table: invite the selected company to link its own phone.
//! The token is drawn by the loop (App stays pure); App shows the URL, its
//! QR for a second screen, and copies the URL with OSC 52.

use super::app::{App, Now, Overlay};
use super::msg::{Action, Effect};
use super::view::theme::Tone;

/// The invitation on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub company: i64,
    pub url: String,
    /// The URL as QR rows, drawn once.
    pub qr: Result<crate::qr::QrRows, String>,
}

impl App {
    pub(crate) fn invite_selected(&mut self, now: Now) -> Vec<Effect> {
        let Some(company) = self.table.selected.filter(|id| self.row(*id).is_some()) else {
            self.toast("No company selected; press a to add one.", Tone::Warn, now);
            return Vec::new();
        };
        vec![Effect::Invite { company }]
    }

    pub(crate) fn invitation_made(&mut self, company: i64, made: Result<String, String>, now: Now) {
        match made {
            Ok(url) => {
                let qr = crate::qr::qr_rows(&url).map_err(|e| e.to_string());
                self.overlay = Some(Overlay::Invite(Shown { company, url, qr }));
            }
            Err(why) => self.toast(why, Tone::Bad, now),
        }
    }

    pub(crate) fn on_invite(&mut self, action: Action) -> Vec<Effect> {
        let Some(Overlay::Invite(shown)) = &self.overlay else {
            return Vec::new();
        };
        match action {
            Action::CopyCode => vec![Effect::CopyToClipboard(shown.url.clone())],
            Action::Back => {
                self.overlay = None;
                Vec::new()
            }
            Action::ShowHelp => {
                self.overlay = Some(Overlay::Help);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
