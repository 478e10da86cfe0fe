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
    /// A live link shown again (`n` makes a new one).
    pub again: bool,
}

impl Shown {
    fn new(company: i64, url: String, again: bool) -> Self {
        let qr = crate::qr::qr_rows(&url).map_err(|e| e.to_string());
        Self {
            company,
            url,
            qr,
            again,
        }
    }
}

/// The hash the registry keeps of a link's token (its last segment).
fn token_hash(url: &str) -> String {
    crate::auth::hash(url.rsplit('/').next().unwrap_or_default())
}

impl App {
    pub(crate) fn invite_selected(&mut self, now: Now) -> Vec<Effect> {
        let Some(company) = self.table.selected.filter(|id| self.row(*id).is_some()) else {
            self.toast("No company selected; press a to add one.", Tone::Warn, now);
            return Vec::new();
        };
        // A live link this dashboard made is shown again, not doubled.
        let wall = crate::engine::snapshot::unix_to_system(now.unix);
        let live = self
            .invited
            .values()
            .filter(|i| i.company == company && i.until > wall)
            .find_map(|i| self.made.get(&i.hash));
        if let Some(url) = live {
            self.overlay = Some(Overlay::Invite(Shown::new(company, url.clone(), true)));
            return Vec::new();
        }
        vec![Effect::Invite { company }]
    }

    pub(crate) fn invitation_made(&mut self, company: i64, made: Result<String, String>, now: Now) {
        match made {
            Ok(url) => {
                self.made.insert(token_hash(&url), url.clone());
                self.overlay = Some(Overlay::Invite(Shown::new(company, url, false)));
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
            Action::Invite => vec![Effect::Invite {
                company: shown.company,
            }],
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
