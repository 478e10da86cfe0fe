//! Orders to the engine (App or CLI → engine). Imperative names.

use crate::domain::{AttemptId, DisplayName, LinkMethod, Slug};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start a link attempt; `force` overrides the guard (logged).
    Link {
        company: i64,
        attempt: AttemptId,
        method: LinkMethod,
        force: bool,
        /// Who asks ("dashboard (pid 812)"): another asker is refused with
        /// it while this attempt is live. The server sets it per client.
        by: String,
    },
    /// Stop the running attempt of this company, if any.
    CancelLink { company: i64 },
    /// Connect a linked session now (after a final failure, or `status --check`).
    Reconnect { company: i64 },
    /// Unlink this device from the phone and forget its keys.
    Logout { company: i64 },
    /// Register a company (the dashboard's add form).
    AddCompany { slug: Slug, name: DisplayName },
    /// Stop its session, forget it, delete its keys.
    RemoveCompany { company: i64 },
    /// Stop every session (flushing keys), then report `Update::Stopped`.
    Shutdown,
}
