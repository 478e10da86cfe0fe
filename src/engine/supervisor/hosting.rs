//! Several hosts over one database: the keeper's changes start and stop
//! this host's sessions. A session starts only once its lease is held here
//! and stops before the lease can run out; every company of the shared
//! registry has its lease row (added and removed with it), so the hosts
//! share them out.

use std::time::Duration;

use walink_hosts::notes::{FORWARD, NUDGE};
use walink_hosts::{Change, Heard, Keeper, Why};

use super::Supervisor;
use super::known::Known;
use crate::domain::SessionState;
use crate::engine::SessionRow;

/// This host's part with several hosts: the keeper of its leases, and a
/// look every few seconds at what the other hosts changed in the registry.
pub(super) struct Hosting {
    keeper: Keeper,
    look: tokio::time::Interval,
    /// Nudges and forwarded commands from the other hosts.
    heard: tokio::sync::mpsc::Receiver<Heard>,
    /// Each company's row as this host last announced it.
    pub(super) known: Known,
}

/// How often a host looks for companies the others added, removed, linked.
const LOOK: Duration = Duration::from_secs(5);

/// What woke the supervisor on a host among several.
pub(super) enum Tick {
    Lease(Change),
    Look,
    /// A note from another host (see `walink_hosts::notes`).
    Heard(Heard),
}

impl Supervisor {
    /// Keep this host's leases; `rows` are the companies as first announced.
    pub(super) fn start_keeper(&mut self, rows: &[SessionRow]) {
        let Some(hosted) = self.shared.hosted.clone() else {
            return;
        };
        let (leases, capacity) = (hosted.config.leases.clone(), hosted.config.capacity);
        let mut look = tokio::time::interval(LOOK);
        look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.hosting = Some(Hosting {
            heard: leases.database().listen(&[NUDGE, FORWARD]),
            keeper: Keeper::spawn(leases, capacity),
            look,
            known: Known::new(rows),
        });
    }

    /// With several hosts, a linked company this host does not run shows
    /// the state its host wrote (with that host's name); one no live host
    /// runs yet shows as run elsewhere.
    pub(super) fn elsewhere_until_held(
        &self,
        mut rows: Vec<crate::engine::SessionRow>,
    ) -> Vec<crate::engine::SessionRow> {
        let me = self.shared.hosted.as_ref().map(|h| h.config.leases.host());
        for r in &mut rows {
            let other = r.host.is_some() && r.host.as_deref() != me;
            if r.state.is_linked() && !self.shared.may_run(&r.slug) && !other {
                r.state = SessionState::Elsewhere;
            }
        }
        rows
    }

    pub(super) async fn on_lease(&mut self, change: Change) {
        let Some(hosted) = self.shared.hosted.clone() else {
            return;
        };
        match change {
            Change::Start(lease) => {
                let slug = lease.company.clone();
                hosted.hold(lease);
                if self.known_id(&slug).is_none() {
                    // Added on another host since this one last looked.
                    self.look_at_others().await;
                }
                match self.known_id(&slug) {
                    Some(company) => {
                        self.run_here(company).await;
                        self.restore_as(company, slug).await
                    }
                    None => tracing::warn!(
                        "this host holds the lease of company {slug}, which the registry does not \
                         have (removed meanwhile?)"
                    ),
                }
            }
            Change::Stop { company: slug, why } => {
                hosted.let_go(&slug);
                // Known here: stopping must not wait on the database,
                // which may be what is gone.
                if let Some(company) = self.known_id(&slug) {
                    self.stop(company).await;
                    let ctx = self.ctx(company, slug.clone());
                    let (state, sentence) = stopped(&why);
                    tracing::warn!(company, "{sentence}");
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

    /// The company `slug` names, as this host last saw the registry.
    fn known_id(&self, slug: &str) -> Option<i64> {
        self.hosting.as_ref()?.known.id(slug)
    }

    pub(super) async fn heard(&mut self, heard: Heard) {
        match heard {
            Heard::Note { channel, payload } if channel == NUDGE => self.nudged(&payload).await,
            Heard::Note { channel, payload } if channel == FORWARD => {
                self.on_forward(&payload).await
            }
            Heard::Note { .. } => {}
            // Any nudge meanwhile was missed: every running session looks.
            Heard::Again => self.nudged("").await,
        }
    }

    /// Let go of every lease once the sessions have stopped, so the other
    /// hosts take them at once instead of after they expire.
    pub(super) async fn release_leases(&mut self) {
        let Some(hosting) = self.hosting.take() else {
            return;
        };
        hosting.keeper.abort();
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

/// The keeper's next change or the next look at the others; never, on a
/// host of its own.
pub(super) async fn next(hosting: &mut Option<Hosting>) -> Tick {
    match hosting {
        Some(h) => tokio::select! {
            Some(change) = h.keeper.changes.recv() => Tick::Lease(change),
            _ = h.look.tick() => Tick::Look,
            Some(heard) = h.heard.recv() => Tick::Heard(heard),
        },
        None => std::future::pending().await,
    }
}
