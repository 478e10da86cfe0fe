//! Unlinking a company's device: through its running session, or one
//! started on its keys for the purpose; never for a company never linked.

use super::Supervisor;
use crate::domain::FailureReason;
use crate::engine::task::{Mode, SessionCmd};
use crate::engine::update::Update;

impl Supervisor {
    pub(super) async fn logout(&mut self, company: i64) {
        let not_linked = Update::Failed {
            company,
            attempt: None,
            reason: FailureReason::NotLinked,
        };
        // Never linked (a live or a cancelled attempt): nothing to unlink.
        // Asking WhatsApp would wait 20 s and then say the device is
        // still linked.
        if !self.was_linked(company).await {
            let _ = self.updates.send(not_linked).await;
            return;
        }
        if let Some(r) = self.sessions.get(&company) {
            let _ = r.tx.send(SessionCmd::Logout).await;
            return;
        }
        let Some(slug) = self.slug(company).await else {
            return;
        };
        if !self.shared.may_run(&slug) {
            let elsewhere = Update::Failed {
                company,
                attempt: None,
                reason: FailureReason::Elsewhere,
            };
            let _ = self.updates.send(elsewhere).await;
            return;
        }
        if !self.has_keys(company, &slug).await {
            let _ = self.updates.send(not_linked).await;
            return;
        }
        self.spawn(company, slug, Mode::Restore, None);
        if let Some(r) = self.sessions.get(&company) {
            let _ = r.tx.send(SessionCmd::Logout).await;
        }
    }

    /// The registry names the device this company was linked as.
    async fn was_linked(&self, company: i64) -> bool {
        let row = self.db.run(move |s| s.session(company)).await;
        // Unreadable: let WhatsApp's answer decide.
        row.map_or(true, |r| r.is_some_and(|r| r.jid.is_some()))
    }
}
