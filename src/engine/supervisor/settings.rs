//! A company's settings changed: kept, logged, told to every client and
//! to its running session, which dials the new way at its next connect
//! (now, when asked to reconnect).

use super::Supervisor;
use crate::domain::SettingsChange;
use crate::engine::snapshot;
use crate::engine::task::SessionCmd;
use crate::engine::update::Update;
use crate::store::now_unix;

impl Supervisor {
    pub(super) async fn change_company(
        &mut self,
        company: i64,
        change: SettingsChange,
        reconnect: bool,
    ) {
        let said = describe(&change);
        let changed = self
            .db
            .run(move |s| {
                s.change_company(company, &change)?;
                snapshot::rows(s, now_unix(), false)
                    .map(|rows| rows.into_iter().find(|r| r.company == company))
            })
            .await;
        let row = match changed {
            Ok(Some(row)) => row,
            Ok(None) => return,
            Err(e) => {
                let update = Update::CompanyNotChanged {
                    company,
                    sentence: format!("cannot change the settings: {e}"),
                };
                let _ = self.updates.send(update).await;
                return;
            }
        };
        let there = self.reroute_there(company, reconnect).await;
        let when = match (reconnect, there) {
            (true, Some(host)) => format!("host {host} reconnects it now to apply them"),
            (true, None) if self.sessions.contains_key(&company) => {
                "reconnecting now to apply them".to_owned()
            }
            _ => "they apply at the next connect".to_owned(),
        };
        self.note(company, "settings", format!("{said}; {when}"))
            .await;
        self.reroute(company, reconnect).await;
        let _ = self
            .updates
            .send(Update::CompanyChanged(Box::new(row)))
            .await;
    }
}

impl Supervisor {
    /// The running session dials the way the settings say now.
    pub(super) async fn reroute(&self, company: i64, reconnect: bool) {
        if let Some(running) = self.sessions.get(&company) {
            let _ = running.tx.send(SessionCmd::Reroute { reconnect }).await;
        }
    }
}

/// "proxy socks5://user:•••@host:1080, country DE": what was set, with no
/// password and no note text (it may be long).
fn describe(change: &SettingsChange) -> String {
    let or_default = |v: Option<String>| v.unwrap_or_else(|| "default".into());
    let mut parts = Vec::new();
    if let Some(n) = &change.name {
        parts.push(format!("name {n}"));
    }
    if let Some(p) = &change.proxy {
        parts.push(format!("proxy {p}"));
    }
    if let Some(c) = &change.country {
        parts.push(format!("country {}", or_default(c.clone())));
    }
    if change.note.is_some() {
        parts.push("note".into());
    }
    if let Some(l) = change.send_per_minute {
        parts.push(format!(
            "sends a minute {}",
            or_default(l.map(|n| n.to_string()))
        ));
    }
    if let Some(l) = change.new_chats_per_day {
        parts.push(format!(
            "new chats a day {}",
            or_default(l.map(|n| n.to_string()))
        ));
    }
    format!("settings changed: {}", parts.join(", "))
}
