//! What the keys do in the pairing pane: submit, force, restart, cancel,
//! switch method, copy the code, and the sandbox's phone and faults.

use crate::domain::LinkMethod;
use crate::engine::command::Command;

use super::app::{App, Now, Overlay, Screen};
use super::confirm::Confirm;
use super::msg::{Action, Effect};
use super::pairing::{Method, Stage};
use super::view::theme::Tone;

impl App {
    pub(crate) fn on_pairing(&mut self, action: Action, now: Now) -> Vec<Effect> {
        match action {
            Action::EditPhone(req) => {
                let country = self.country.clone();
                if let Some(form) = self.pairing_mut() {
                    form.edit(req, country.as_deref());
                }
            }
            Action::SubmitLink => return self.submit_link(now),
            Action::ConfirmForce => return self.force_link(),
            Action::RestartLink => return self.restart_link(now),
            Action::CancelLink => return self.cancel_link(false),
            Action::SwitchMethod => return self.switch_method(),
            Action::CopyCode => return self.copy_code(now),
            Action::Back => return self.leave_pairing(),
            Action::ShowHelp => self.overlay = Some(Overlay::Help),
            Action::ToggleLog => self.show_log = !self.show_log,
            Action::PlayPhone => return self.play_phone(now),
            Action::InjectFault => return self.inject_fault(now),
            _ => {}
        }
        Vec::new()
    }

    /// Enter: ask for a code or a QR. A code for a number that already has
    /// a working session is asked about first (the old device may be
    /// unlinked within a minute).
    fn submit_link(&mut self, now: Now) -> Vec<Effect> {
        let Some(form) = self.pairing() else {
            return Vec::new();
        };
        if form.attempt.as_ref().is_some_and(|a| a.stage.is_live()) {
            return Vec::new();
        }
        let Some((method, phone)) = form.link_method() else {
            // The field already shows why; say it once more where eyes go.
            self.toast(
                "Fix the phone number first (the red line says how).",
                Tone::Warn,
                now,
            );
            return Vec::new();
        };
        let company = form.company;
        if let Some(phone) = &phone {
            let in_use = self
                .rows
                .iter()
                .find(|r| r.phone.as_deref() == Some(phone.digits.as_str()) && r.state.is_linked());
            if let Some(other) = in_use {
                let ask = Confirm::number_in_use(company, method, phone, &other.slug);
                self.overlay = Some(Overlay::Confirm(ask));
                return Vec::new();
            }
        }
        self.start_link(company, method, false)
    }

    /// Records a new attempt on the open pane and orders it.
    pub(crate) fn start_link(
        &mut self,
        company: i64,
        method: LinkMethod,
        force: bool,
    ) -> Vec<Effect> {
        let attempt = self.take_attempt_id();
        let (kind, phone) = match &method {
            LinkMethod::Code { phone } => (Method::Code, Some(phone.clone())),
            LinkMethod::Qr => (Method::Qr, None),
        };
        let Some(form) = self.pairing_mut().filter(|f| f.company == company) else {
            return Vec::new();
        };
        form.method = kind;
        form.begin(attempt, kind, phone);
        vec![Effect::Engine(Command::Link {
            company,
            attempt,
            method,
            force,
            // A server puts this client's own name here.
            by: "this dashboard".into(),
            invitation: None,
        })]
    }

    /// `F` after the guard refused: the same request, forced.
    fn force_link(&mut self) -> Vec<Effect> {
        let Some(form) = self.pairing() else {
            return Vec::new();
        };
        let Some(attempt) = &form.attempt else {
            return Vec::new();
        };
        if !matches!(attempt.stage, Stage::Refused { .. }) {
            return Vec::new();
        }
        let method = attempt.method();
        let company = form.company;
        self.start_link(company, method, true)
    }

    /// `r` once an attempt has ended (refs ran out, code expired, failed):
    /// a new attempt with the same method and number.
    fn restart_link(&mut self, now: Now) -> Vec<Effect> {
        let Some(form) = self.pairing() else {
            return Vec::new();
        };
        let Some(attempt) = &form.attempt else {
            return self.submit_link(now);
        };
        if attempt.stage.is_live() {
            self.toast(
                "This attempt is still running; x cancels it.",
                Tone::Warn,
                now,
            );
            return Vec::new();
        }
        if matches!(attempt.stage, Stage::Linked { .. }) {
            self.toast(
                "This company is linked. To link it again, unlink it first: L on its row.",
                Tone::Warn,
                now,
            );
            return Vec::new();
        }
        let method = attempt.method();
        let company = form.company;
        self.start_link(company, method, false)
    }

    /// Stops the running attempt; `close` also leaves the pane.
    pub(crate) fn cancel_link(&mut self, close: bool) -> Vec<Effect> {
        let Some(form) = self.pairing_mut() else {
            return Vec::new();
        };
        let company = form.company;
        let was_live = form.is_live();
        form.attempt = None;
        if close {
            self.screen = Screen::Table;
        }
        if was_live {
            vec![Effect::Engine(Command::CancelLink { company })]
        } else {
            Vec::new()
        }
    }

    /// Esc: a live attempt is asked about; anything else goes back to the
    /// table (from a result too: a `q` after it must not type into the
    /// phone field).
    fn leave_pairing(&mut self) -> Vec<Effect> {
        let Some(form) = self.pairing() else {
            return Vec::new();
        };
        match &form.attempt {
            Some(a) if a.stage.is_live() => {
                let ask = Confirm::CancelAttempt {
                    company: form.company,
                    method: a.method,
                };
                self.overlay = Some(Overlay::Confirm(ask));
            }
            _ => {
                self.screen = Screen::Table;
                self.table.repair(&self.rows);
            }
        }
        Vec::new()
    }

    /// Tab: code ⇄ QR. A running attempt is cancelled first, so only one
    /// request for this company is ever outstanding.
    fn switch_method(&mut self) -> Vec<Effect> {
        let linked = self
            .pairing()
            .and_then(|f| f.attempt.as_ref())
            .is_some_and(|a| matches!(a.stage, Stage::Linked { .. }));
        if linked {
            return Vec::new();
        }
        let effects = self.cancel_link(false);
        if let Some(form) = self.pairing_mut() {
            form.method = form.method.other();
        }
        effects
    }

    fn copy_code(&mut self, now: Now) -> Vec<Effect> {
        let code = self
            .pairing()
            .and_then(|f| f.attempt.as_ref())
            .and_then(|a| match &a.stage {
                Stage::Code { code, .. } => Some(code.clone()),
                _ => None,
            });
        let Some(code) = code else {
            self.toast("There is no pairing code to copy yet.", Tone::Warn, now);
            return Vec::new();
        };
        let text = format!("Copied {code} to your clipboard (if your terminal allows OSC 52).");
        self.toast(text, Tone::Ok, now);
        vec![Effect::CopyToClipboard(code.as_str().to_owned())]
    }

    /// Another client's live attempt on this company (a dashboard, a
    /// command, an API token, the invitation page): its claim, while the
    /// pane runs none of its own.
    pub fn linking_elsewhere(&self, company: i64) -> Option<&crate::engine::update::Claim> {
        let pane_live = self
            .pairing()
            .is_some_and(|f| f.company == company && f.is_live());
        if pane_live {
            return None;
        }
        self.row(company)?
            .linking
            .as_ref()
            .filter(|c| !self.is_own_attempt(crate::domain::AttemptId(c.attempt)))
    }
}
