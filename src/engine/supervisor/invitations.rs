//! Invitations: the supervisor records them, so every client (dashboard,
//! commands, the invitation page) hears of them through the same updates.

use super::Supervisor;
use crate::engine::command::Invite;
use crate::engine::ctx::end_invitation;
use crate::engine::snapshot::unix_to_system;
use crate::engine::update::{LogEntry, Update};
use crate::store::{NewInvitation, now_unix};

impl Supervisor {
    pub(super) async fn invite(&mut self, new: Invite) {
        let hash = new.hash.clone();
        let made = self
            .db
            .run(move |s| {
                let phone = new.phone.as_ref().map(|p| p.digits.clone());
                let inv = s.add_invitation(&NewInvitation {
                    hash: &new.hash,
                    company_id: new.company,
                    phone: phone.as_deref(),
                    method: new.method.as_str(),
                    created_by: &new.by,
                    created_at: now_unix(),
                    expires_at: new.expires_at,
                })?;
                let minutes = (new.expires_at - now_unix()).max(0) / 60;
                s.log_event(
                    Some(new.company),
                    "invited",
                    &format!("invitation #{} made by {} ({minutes} min)", inv.id, new.by),
                )?;
                Ok(inv)
            })
            .await;
        match made {
            Ok(inv) => {
                let update = Update::Invited {
                    company: inv.company_id,
                    id: inv.id,
                    hash,
                    until: unix_to_system(inv.expires_at),
                };
                let _ = self.updates.send(update).await;
            }
            Err(e) => tracing::error!("cannot record an invitation: {e}"),
        }
    }

    pub(super) async fn end_invitation(&mut self, id: i64, used: bool) {
        end_invitation(&self.db, &self.updates, id, used).await;
    }

    pub(super) async fn note(&mut self, company: i64, kind: &'static str, detail: String) {
        self.db.log(company, kind, detail.clone()).await;
        let entry = LogEntry {
            at: std::time::SystemTime::now(),
            kind: kind.into(),
            detail,
            reason: None,
            raw: None,
        };
        let _ = self.updates.send(Update::Logged { company, entry }).await;
    }

    /// After the snapshot: the invitations still live.
    pub(super) async fn announce_invitations(&mut self) {
        let live = self
            .db
            .run(|s| s.live_invitations(now_unix()))
            .await
            .unwrap_or_else(|e| {
                tracing::error!("cannot read the invitations: {e}");
                Vec::new()
            });
        for inv in live {
            let update = Update::Invited {
                company: inv.company_id,
                id: inv.id,
                hash: String::new(),
                until: unix_to_system(inv.expires_at),
            };
            let _ = self.updates.send(update).await;
        }
    }
}
