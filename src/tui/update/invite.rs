//! `i`, `n` and the invitation overlay: what they do to `App`.

use crate::tui::app::{App, Now, Overlay};
use crate::tui::invite::{Shown, token_hash};
use crate::tui::msg::{Action, Effect};
use crate::tui::view::theme::Tone;

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
