//! The client's commands to the wire and back (a command carries no
//! deadline; updates are in `convert`, rows in `convert_row`).

use super::wire::WireCommand;
use crate::domain::{AttemptId, DisplayName, LinkMethod, Slug};
use crate::engine::{Command, Update};

impl WireCommand {
    /// `None` for `Shutdown`: a client never stops the server's sessions.
    pub fn from_command(cmd: &Command) -> Option<Self> {
        Some(match cmd {
            Command::Link {
                company,
                attempt,
                method,
                force,
                // Only the server's own invitation page links through one.
                by: _,
                invitation: _,
            } => Self::Link {
                company: *company,
                attempt: attempt.0,
                phone: method.phone().cloned(),
                force: *force,
            },
            Command::CancelLink { company } => Self::CancelLink { company: *company },
            Command::Reconnect { company } => Self::Reconnect { company: *company },
            Command::Logout { company } => Self::Logout { company: *company },
            Command::SendQueued { company } => Self::SendQueued { company: *company },
            Command::AddCompany { slug, name } => Self::AddCompany {
                slug: slug.to_string(),
                name: name.to_string(),
            },
            Command::RemoveCompany { company } => Self::RemoveCompany { company: *company },
            Command::ChangeCompany {
                company,
                change,
                reconnect,
            } => Self::ChangeCompany {
                company: *company,
                change: change.to_raw(),
                reconnect: *reconnect,
            },
            Command::ExportCompany { company, to } => Self::ExportCompany {
                company: *company,
                to: to.clone(),
            },
            Command::ImportCompany { from } => Self::ImportCompany { from: from.clone() },
            Command::Invite(i) => Self::Invite {
                company: i.company,
                hash: i.hash.clone(),
                phone: i.phone.clone(),
                method: i.method,
                expires_at: i.expires_at,
            },
            Command::RevokeInvitation { id } => Self::RevokeInvitation { id: *id },
            // Only the server's own adapters use these.
            Command::Note { .. } | Command::ClientGone { .. } | Command::Shutdown => {
                return None;
            }
        })
    }

    /// The names are checked again here: the socket is a boundary. A bad
    /// one comes back as the update the client would have waited for.
    /// `client` is who the server knows this client as (never what it
    /// says of itself).
    pub fn into_command(self, client: &str) -> Result<Command, Box<Update>> {
        Ok(match self {
            Self::Link {
                company,
                attempt,
                phone,
                force,
            } => Command::Link {
                company,
                attempt: AttemptId(attempt),
                method: LinkMethod::for_phone(phone),
                force,
                by: client.to_owned(),
                invitation: None,
            },
            Self::CancelLink { company } => Command::CancelLink { company },
            Self::Reconnect { company } => Command::Reconnect { company },
            Self::Logout { company } => Command::Logout { company },
            Self::SendQueued { company } => Command::SendQueued { company },
            Self::AddCompany { slug, name } => {
                let not_added = |sentence: String| {
                    Box::new(Update::CompanyNotAdded {
                        slug: slug.clone(),
                        sentence,
                    })
                };
                let s = Slug::parse(&slug).map_err(|e| not_added(e.to_string()))?;
                let n = DisplayName::parse(&name).map_err(|e| not_added(e.to_string()))?;
                Command::AddCompany { slug: s, name: n }
            }
            Self::RemoveCompany { company } => Command::RemoveCompany { company },
            Self::ChangeCompany {
                company,
                change,
                reconnect,
            } => Command::ChangeCompany {
                company,
                change: crate::domain::SettingsChange::parse(&change).map_err(|e| {
                    Box::new(Update::CompanyNotChanged {
                        company,
                        sentence: e.to_string(),
                    })
                })?,
                reconnect,
            },
            Self::ExportCompany { company, to } => Command::ExportCompany { company, to },
            Self::ImportCompany { from } => Command::ImportCompany { from },
            Self::Invite {
                company,
                hash,
                phone,
                method,
                expires_at,
            } => Command::Invite(crate::engine::command::Invite {
                company,
                hash,
                phone,
                method,
                expires_at,
                by: client.to_owned(),
            }),
            Self::RevokeInvitation { id } => Command::RevokeInvitation { id },
        })
    }
}
