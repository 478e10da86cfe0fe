//! Sandbox-only keys: `p` lets the simulated phone enter the shown code
//! or scan the shown QR, `f` arms the next simulator fault. A normal build
//! says so instead of acting.

use super::app::{App, Now};
use super::msg::{Effect, PhonePlay, SandboxFault};
use super::pairing::Stage;
use super::view::theme::Tone;

impl App {
    pub(crate) fn play_phone(&mut self, now: Now) -> Vec<Effect> {
        if !self.sandbox_only(now) {
            return Vec::new();
        }
        let Some(form) = self.pairing() else {
            return Vec::new();
        };
        let company = form.company;
        let play = form
            .attempt
            .as_ref()
            .and_then(|a| match (&a.stage, &a.phone) {
                (Stage::Code { code, .. }, Some(phone)) => Some(PhonePlay::EnterCode {
                    phone: phone.digits.clone(),
                    code: code.clone(),
                }),
                (Stage::Qr(shown), _) => Some(PhonePlay::ScanQr {
                    payload: shown.payload.clone(),
                }),
                _ => None,
            });
        match play {
            Some(play) => vec![Effect::PlayPhone { company, play }],
            None => {
                self.toast("Sandbox: show a code or a QR first.", Tone::Warn, now);
                Vec::new()
            }
        }
    }

    pub(crate) fn inject_fault(&mut self, now: Now) -> Vec<Effect> {
        if !self.sandbox_only(now) {
            return Vec::new();
        }
        let Some(company) = self.current_company() else {
            return Vec::new();
        };
        let fault = SandboxFault::ALL[self.next_fault % SandboxFault::ALL.len()];
        self.next_fault += 1;
        let row = self.row(company);
        let phone = row.and_then(|r| r.phone.clone()).or_else(|| {
            self.pairing()
                .and_then(|f| f.checked.as_ref().ok())
                .map(|p| p.digits.clone())
        });
        let slug = row.map(|r| r.slug.clone()).unwrap_or_default();
        self.toast(
            format!("Sandbox: armed {} for {slug}.", fault.label()),
            Tone::Info,
            now,
        );
        vec![Effect::InjectFault {
            company,
            phone,
            fault,
        }]
    }

    fn sandbox_only(&mut self, now: Now) -> bool {
        if !self.sandbox {
            self.toast(
                "p and f work only in a sandbox build (walink sandbox).",
                Tone::Warn,
                now,
            );
        }
        self.sandbox
    }
}
