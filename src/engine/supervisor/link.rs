//! A link request: the guard decides, then the live attempt goes.

use super::{Linking, Supervisor};
use crate::domain::{AttemptId, FailureReason, GuardWhy, LinkMethod, SessionState};
use crate::engine::guard::{self, Method};
use crate::engine::task::{LinkInfo, Mode};
use crate::engine::update::Update;
use crate::store::now_unix;

/// What `Command::Link` carries.
pub(super) struct Ask {
    pub attempt: AttemptId,
    pub method: LinkMethod,
    pub force: bool,
    pub by: String,
    pub invitation: Option<i64>,
}

impl Supervisor {
    pub(super) async fn link(&mut self, company: i64, ask: Ask) {
        let Ask {
            attempt,
            method,
            force,
            by,
            invitation,
        } = ask;
        let Some(slug) = self.slug(company).await else {
            return;
        };
        let refuse = |reason| Update::Failed {
            company,
            attempt: Some(attempt),
            reason,
        };
        if !self.shared.may_run(&slug) {
            let _ = self.updates.send(refuse(FailureReason::Elsewhere)).await;
            return;
        }
        let running = self.sessions.get(&company);
        // Somebody else's attempt (another dashboard on this server) is not
        // replaced: they would lose the code they are typing.
        if let Some(live) = running.and_then(|r| r.claim())
            && live.by != by
        {
            let reason = FailureReason::LinkInProgress {
                by: live.by.clone(),
                since: live.since,
            };
            let _ = self.updates.send(refuse(reason)).await;
            return;
        }
        let replacing = running.is_some();
        // A linked device's keys would log in, never pair: the attempt would
        // wait for a code that never comes. Logging out comes first.
        if self.holds_device(company, &slug).await {
            let _ = self
                .updates
                .send(refuse(FailureReason::AlreadyLinked))
                .await;
            return;
        }
        let now = now_unix();
        let (phone, kind) = match &method {
            LinkMethod::Code { phone } => (Some(phone.digits.clone()), Method::Code),
            LinkMethod::Qr => (None, Method::Qr),
        };
        // A number belongs to one company at a time; the dashboard, which
        // sees every company, asks its admin first and then forces.
        if let Some(digits) = phone.clone()
            && !force
            && self.number_taken(company, digits).await
        {
            let _ = self.updates.send(refuse(FailureReason::NumberTaken)).await;
            return;
        }
        let p = phone.clone();
        let history = self
            .db
            .run(move |s| s.attempts_since(company, p.as_deref(), now - 6 * 3600))
            .await
            .unwrap_or_default();
        let ctx = self.ctx(company, slug.clone());
        if let Err(reason) = guard::decide(
            &history,
            company,
            phone.as_deref(),
            kind,
            now,
            &self.shared.limits,
        ) {
            let sentence = reason.sentence(now, *chrono::Local::now().offset());
            if !force {
                ctx.event("guard", format!("attempt held back: {sentence}"))
                    .await;
                if let FailureReason::GuardRefused {
                    until,
                    why: GuardWhy::Cooldown,
                } = reason
                {
                    ctx.set_state(SessionState::Cooldown { until }).await;
                }
                ctx.send(refuse(reason)).await;
                return;
            }
            ctx.event("guard", format!("overridden by force: {sentence}"))
                .await;
        }
        // Decided: only now may the live attempt go (its code stays on
        // screen when the guard says no). Never two clients on one store.
        if replacing {
            self.stop(company).await;
        }
        let p = phone.clone();
        let row = match self
            .db
            .run(move |s| {
                let row = s.record_attempt(company, p.as_deref(), kind.as_str(), now, force)?;
                if let Some(id) = invitation {
                    s.set_attempt_invitation(row, id)?;
                }
                Ok(row)
            })
            .await
        {
            Ok(row) => row,
            Err(e) => {
                ctx.fail(Some(attempt), FailureReason::Internal, &e.to_string())
                    .await;
                return;
            }
        };
        // No device keys are on disk (`holds_device` said so): a device the
        // registry still names is gone, and must not refuse the next attempt.
        if let Err(e) = self
            .db
            .run(move |s| s.set_session_link(company, None, None, None))
            .await
        {
            tracing::error!(company, "cannot forget the old device: {e}");
        }
        let claim = std::sync::Arc::new(());
        let live = std::sync::Arc::downgrade(&claim);
        let what = match &phone {
            Some(p) => format!("pairing code for {}", crate::domain::mask_digits(p)),
            None => "QR".to_owned(),
        };
        ctx.event("link", format!("attempt started: {what}")).await;
        let started = Update::AttemptStarted {
            company,
            claim: crate::engine::update::Claim {
                attempt: attempt.0,
                by: by.clone(),
                since: now,
                invitation,
            },
        };
        // Told before the session can issue anything: a reader learns whose
        // attempt it is before its first code or QR.
        ctx.send(started).await;
        self.spawn(
            company,
            slug,
            Mode::Link(LinkInfo {
                attempt,
                method,
                row,
                invitation,
                claim,
            }),
            Some(Linking {
                by,
                since: now,
                live,
            }),
        );
    }
}

impl Supervisor {
    /// Another company holds a working link to this number.
    async fn number_taken(&self, company: i64, digits: String) -> bool {
        let holders = self
            .db
            .run(move |s| s.sessions_with_phone(&digits))
            .await
            .unwrap_or_default();
        holders.iter().any(|r| {
            r.company_id != company
                && crate::engine::snapshot::state_from_row(
                    &r.state,
                    r.state_detail.as_deref(),
                    now_unix(),
                    false,
                )
                .is_linked()
        })
    }

    /// This company's keys on disk belong to a paired device (whatever the
    /// registry says: its write may have been lost to a full disk).
    async fn holds_device(&self, company: i64, slug: &str) -> bool {
        let keys = self.shared.key_source(company, slug);
        tokio::task::spawn_blocking(move || keys.device_jid().is_some())
            .await
            .unwrap_or(true)
    }
}
