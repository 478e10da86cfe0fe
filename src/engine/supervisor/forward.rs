//! A command for a company another host runs goes to that host, which does
//! it as if asked there; its answer comes back with that host's news (see
//! `service::relay`). Only the host holding the lease may start a session
//! on the company's keys, so a link or a logout cannot be done anywhere else.

use serde::{Deserialize, Serialize};
use walink_hosts::notes::FORWARD;

use super::Supervisor;
use crate::domain::{AttemptId, LinkMethod, Phone};
use crate::engine::Command;

/// What travels: the host meant ("*": every host) and the command.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Forward {
    to: String,
    asked: Asked,
}

/// The commands another host can be asked to do for a company it runs.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Asked {
    Link {
        company: i64,
        attempt: u64,
        phone: Option<Phone>,
        force: bool,
        by: String,
        invitation: Option<i64>,
    },
    CancelLink {
        company: i64,
    },
    Reconnect {
        company: i64,
    },
    Logout {
        company: i64,
    },
    /// A client of the asking host left: the attempts it started anywhere
    /// end with it.
    ClientGone {
        by: String,
    },
    /// Its settings changed: its running session dials the new way (its
    /// proxy), now when `reconnect`.
    Reroute {
        company: i64,
        reconnect: bool,
    },
}

impl Asked {
    /// Who asks, as the host that does it names them: "dashboard (pid 9)
    /// on host b" (another host's pids and tokens are not this one's).
    fn from_command(cmd: &Command, host: &str) -> Option<Self> {
        let by_there = |by: &str| format!("{by} on host {host}");
        Some(match cmd {
            Command::Link {
                company,
                attempt,
                method,
                force,
                by,
                invitation,
            } => Self::Link {
                company: *company,
                attempt: attempt.0,
                phone: method.phone().cloned(),
                force: *force,
                by: by_there(by),
                invitation: *invitation,
            },
            Command::CancelLink { company } => Self::CancelLink { company: *company },
            Command::Reconnect { company } => Self::Reconnect { company: *company },
            Command::Logout { company } => Self::Logout { company: *company },
            Command::ClientGone { by } => Self::ClientGone { by: by_there(by) },
            _ => return None,
        })
    }

    /// The command to do; `None` for what is not one (a reroute).
    fn into_command(self) -> Option<Command> {
        Some(match self {
            Self::Link {
                company,
                attempt,
                phone,
                force,
                by,
                invitation,
            } => Command::Link {
                company,
                attempt: AttemptId(attempt),
                method: LinkMethod::for_phone(phone),
                force,
                by,
                invitation,
            },
            Self::CancelLink { company } => Command::CancelLink { company },
            Self::Reconnect { company } => Command::Reconnect { company },
            Self::Logout { company } => Command::Logout { company },
            Self::ClientGone { by } => Command::ClientGone { by },
            Self::Reroute { .. } => return None,
        })
    }

    fn company(&self) -> Option<i64> {
        match self {
            Self::Link { company, .. }
            | Self::CancelLink { company }
            | Self::Reconnect { company }
            | Self::Logout { company }
            | Self::Reroute { company, .. } => Some(*company),
            Self::ClientGone { .. } => None,
        }
    }
}

impl Supervisor {
    /// The live host, not this one, that runs `company`.
    fn run_by_other(&self, company: i64) -> Option<String> {
        let me = self.shared.hosted.as_ref()?.config.leases.host();
        let row = self.hosting.as_ref()?.known.get(company)?;
        let host = row.host.as_deref()?;
        (host != me && !self.shared.may_run(&row.slug)).then(|| host.to_owned())
    }

    /// Send `cmd` to the host that runs its company; true when it went
    /// there, false when it is this host's to do. A client that left
    /// is told to every host as well.
    pub(super) async fn forwarded(&mut self, cmd: &Command) -> bool {
        let (Some(hosted), Some(_)) = (&self.shared.hosted, &self.hosting) else {
            return false;
        };
        let Some(asked) = Asked::from_command(cmd, hosted.config.leases.host()) else {
            return false;
        };
        let to = match asked.company() {
            None => "*".to_owned(),
            Some(company) => match self.run_by_other(company) {
                Some(host) => host,
                None => return false,
            },
        };
        let everyone = to == "*";
        self.pass_on(to, asked).await;
        !everyone
    }

    /// A company's settings changed here: the host that runs it, if
    /// another does, is told to dial the new way. Its name, if so.
    pub(super) async fn reroute_there(&self, company: i64, reconnect: bool) -> Option<String> {
        let host = self.run_by_other(company)?;
        let asked = Asked::Reroute { company, reconnect };
        self.pass_on(host.clone(), asked).await;
        Some(host)
    }

    async fn pass_on(&self, to: String, asked: Asked) {
        let Some(hosted) = &self.shared.hosted else {
            return;
        };
        let payload = match serde_json::to_string(&Forward { to, asked }) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!("cannot write a command for another host: {e}");
                return;
            }
        };
        let database = hosted.config.leases.database();
        if let Err(e) = database.note(FORWARD, &payload).await {
            // The asker hears nothing back and says so after its wait.
            tracing::warn!("cannot pass a command on to the host that runs its company: {e}");
        }
    }

    /// A command another host passed on: done here, never passed on again
    /// (a company that moved meanwhile is refused as run elsewhere).
    pub(super) async fn on_forward(&mut self, payload: &str) {
        let Some(me) = self.shared.hosted.as_ref().map(|h| h.config.leases.host()) else {
            return;
        };
        let forward: Forward = match serde_json::from_str(payload) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!("ignored a command from another host that cannot be read: {e}");
                return;
            }
        };
        let everyone = forward.to == "*" && forward.asked.company().is_none();
        if forward.to != me && !everyone {
            return;
        }
        match forward.asked {
            Asked::Reroute { company, reconnect } => self.reroute(company, reconnect).await,
            asked => {
                if let Some(cmd) = asked.into_command() {
                    self.execute(cmd).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forwarded_link_names_the_asker_with_its_host_and_keeps_the_rest() {
        let phone = Phone::parse("+7 900 123 45 67", None).expect("phone");
        let link = Command::Link {
            company: 7,
            attempt: AttemptId(41),
            method: LinkMethod::Code {
                phone: phone.clone(),
            },
            force: true,
            by: "dashboard (pid 9)".into(),
            invitation: Some(3),
        };
        let asked = Asked::from_command(&link, "b").expect("forwarded");
        let text = serde_json::to_string(&Forward {
            to: "a".into(),
            asked,
        })
        .expect("json");
        let back: Forward = serde_json::from_str(&text).expect("read");
        assert_eq!(back.to, "a");
        assert_eq!(
            back.asked.into_command(),
            Some(Command::Link {
                company: 7,
                attempt: AttemptId(41),
                method: LinkMethod::Code { phone },
                force: true,
                by: "dashboard (pid 9) on host b".into(),
                invitation: Some(3),
            })
        );
    }

    #[test]
    fn only_a_companys_commands_and_a_client_leaving_are_forwarded() {
        let cases = [
            (Command::Logout { company: 1 }, Some(Some(1))),
            (Command::CancelLink { company: 2 }, Some(Some(2))),
            (Command::Reconnect { company: 3 }, Some(Some(3))),
            (Command::ClientGone { by: "x".into() }, Some(None)),
            (Command::SendQueued { company: 4 }, None),
            (Command::RemoveCompany { company: 5 }, None),
            (Command::Shutdown, None),
        ];
        for (cmd, want) in cases {
            let got = Asked::from_command(&cmd, "b").map(|a| a.company());
            assert_eq!(got, want, "{cmd:?}");
        }
        let reroute = Asked::Reroute {
            company: 6,
            reconnect: true,
        };
        assert_eq!(reroute.company(), Some(6));
        assert_eq!(reroute.into_command(), None, "a reroute is not a command");
    }
}
