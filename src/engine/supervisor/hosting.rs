//! Several hosts over one database: the keeper's changes start and stop
//! this host's sessions. A session starts only once its lease is held here
//! and stops before the lease can run out; every company of the registry
//! has its lease row, so the hosts share them out.

use walink_hosts::{Change, Keeper, Why};

use super::Supervisor;
use crate::domain::SessionState;

impl Supervisor {
    /// Give every company of the registry its lease row, then keep this
    /// host's leases.
    pub(super) async fn start_keeper(&mut self) {
        let Some(hosted) = self.shared.hosted.clone() else {
            return;
        };
        let companies = self.db.run(|s| s.companies()).await.unwrap_or_else(|e| {
            tracing::error!("cannot read the companies to share with the other hosts: {e}");
            Vec::new()
        });
        let db = hosted.config.leases.database();
        for c in companies {
            if let Err(e) = db.add_company(c.slug.as_str()).await {
                tracing::error!(
                    company = c.id,
                    "cannot share the company with the other hosts: {e}"
                );
            }
        }
        let (leases, capacity) = (hosted.config.leases.clone(), hosted.config.capacity);
        self.keeper = Some(Keeper::spawn(leases, capacity));
    }

    /// With several hosts, a linked company shows as run elsewhere until
    /// this host holds its lease.
    pub(super) fn elsewhere_until_held(
        &self,
        mut rows: Vec<crate::engine::SessionRow>,
    ) -> Vec<crate::engine::SessionRow> {
        for r in &mut rows {
            if r.state.is_linked() && !self.shared.may_run(&r.slug) {
                r.state = SessionState::Elsewhere;
            }
        }
        rows
    }

    /// A company added here is one the hosts share.
    pub(super) async fn share_company(&self, slug: &str) {
        if let Some(hosted) = &self.shared.hosted
            && let Err(e) = hosted.config.leases.database().add_company(slug).await
        {
            tracing::error!("cannot share company {slug} with the other hosts: {e}");
        }
    }

    pub(super) async fn on_lease(&mut self, change: Change) {
        let Some(hosted) = self.shared.hosted.clone() else {
            return;
        };
        match change {
            Change::Start(lease) => {
                let slug = lease.company.clone();
                hosted.hold(lease);
                match self.company_of(&slug).await {
                    Some(company) => self.restore_as(company, slug).await,
                    None => tracing::warn!(
                        "this host holds the lease of company {slug}, which its registry does not \
                         have: add it here (walink company add) for this host to run it"
                    ),
                }
            }
            Change::Stop { company: slug, why } => {
                hosted.let_go(&slug);
                if let Some(company) = self.company_of(&slug).await {
                    self.stop(company).await;
                    let ctx = self.ctx(company, slug.clone());
                    let (state, sentence) = stopped(&why);
                    ctx.event("lease", sentence).await;
                    ctx.set_state(state).await;
                }
                if matches!(why, Why::Moved { .. })
                    && let Err(e) = hosted.config.leases.release(&slug).await
                {
                    tracing::warn!("cannot hand company {slug} over yet: {e}");
                }
            }
        }
    }

    async fn company_of(&self, slug: &str) -> Option<i64> {
        let slug = slug.to_owned();
        let found = self.db.run(move |s| s.company(&slug)).await.ok()?;
        Some(found.id)
    }

    /// Let go of every lease once the sessions have stopped, so the other
    /// hosts take them at once instead of after they expire.
    pub(super) async fn release_leases(&mut self) {
        let Some(keeper) = self.keeper.take() else {
            return;
        };
        keeper.abort();
        if let Some(hosted) = &self.shared.hosted
            && let Err(e) = hosted.config.leases.leave().await
        {
            tracing::warn!("cannot let go of the leases; they expire on their own: {e}");
        }
    }
}

/// Where a stopped session stands, and the sentence that says why.
fn stopped(why: &Why) -> (SessionState, String) {
    match why {
        Why::Lost => (
            SessionState::Elsewhere,
            "stopped: another host holds its lease now (this one missed its renewals), so that \
             host runs it"
                .to_owned(),
        ),
        Why::Moved { to } => (
            SessionState::Elsewhere,
            format!("stopped here and handed over to host {to}"),
        ),
        Why::Unreachable { cause } => (
            SessionState::Disconnected { retry_at: None },
            format!(
                "stopped: the hosts' database could not be reached to renew its lease ({cause}); \
                 stopping before the lease runs out keeps two hosts from running it. It starts \
                 again once this host holds the lease again"
            ),
        ),
    }
}

/// The keeper's next change; never, on a host of its own.
pub(super) async fn next_change(keeper: &mut Option<Keeper>) -> Option<Change> {
    match keeper {
        Some(k) => k.changes.recv().await,
        None => std::future::pending().await,
    }
}
