//! Orders to the engine (App or CLI → engine). Imperative names.

use crate::domain::{AttemptId, DisplayName, InviteMethod, LinkMethod, Phone, Slug};

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
        /// The invitation a page asked through: the engine uses it up when
        /// the attempt links (kept with the attempt, so across a restart).
        invitation: Option<i64>,
    },
    /// Stop the running attempt of this company, if any.
    CancelLink { company: i64 },
    /// A client of the server left (`by` as in `Link`): the attempts it
    /// started end with it, since nobody else holds their codes.
    ClientGone { by: String },
    /// Connect a linked session now (after a final failure, or `status --check`).
    Reconnect { company: i64 },
    /// Unlink this device from the phone and forget its keys.
    Logout { company: i64 },
    /// Messages wait in the registry's queue for this company: send them
    /// now if its session is connected (else they go when it is).
    SendQueued { company: i64 },
    /// Register a company (the dashboard's add form).
    AddCompany { slug: Slug, name: DisplayName },
    /// Change its name or settings; answered by `Update::CompanyChanged`
    /// (or `CompanyNotChanged`). A proxy change applies at the session's
    /// next connect, now when `reconnect`.
    ChangeCompany {
        company: i64,
        change: crate::domain::SettingsChange,
        reconnect: bool,
    },
    /// Stop its session, forget it, delete its keys.
    RemoveCompany { company: i64 },
    /// Stop its session, write it and its keys to the file `to`, delete
    /// its keys here and mark it moved; answered by `Update::MoveDone`.
    ExportCompany {
        company: i64,
        to: std::path::PathBuf,
    },
    /// Bring up the company of an export file on its keys; answered by
    /// `Update::MoveDone`.
    ImportCompany { from: std::path::PathBuf },
    /// Record an invitation (only its token's hash), reported as
    /// `Update::Invited` with the same hash.
    Invite(Invite),
    /// Revoke a live invitation.
    RevokeInvitation { id: i64 },
    /// Write a line in the company's event log (kept, and told to every
    /// client): what an adapter such as the invitation page did.
    Note {
        company: i64,
        kind: &'static str,
        detail: String,
    },
    /// Stop every session (flushing keys), then report `Update::Stopped`.
    Shutdown,
}

/// A new invitation: only its token's hash travels and is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub company: i64,
    pub hash: String,
    /// The one number it may link, if named.
    pub phone: Option<Phone>,
    pub method: InviteMethod,
    pub expires_at: crate::domain::UnixTime,
    /// Who made it (set by the server for its clients).
    pub by: String,
}
