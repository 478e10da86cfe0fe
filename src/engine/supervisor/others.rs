//! What the other hosts changed in the shared registry: a company added or
//! removed there, or linked, renamed or logged out by the host that runs
//! it. This host's clients see every company, so it announces those as if
//! they had happened here.

use std::collections::HashSet;

use super::Supervisor;
use crate::engine::SessionRow;
use crate::engine::snapshot;
use crate::engine::task::SessionCmd;
use crate::engine::update::Update;
use crate::store::now_unix;

impl Supervisor {
    pub(super) async fn look_at_others(&mut self) {
        if self.hosting.is_none() {
            return;
        }
        let rows = match self.db.run(|s| snapshot::rows(s, now_unix(), false)).await {
            Ok(rows) => self.elsewhere_until_held(rows),
            Err(e) => {
                tracing::warn!("cannot read the shared registry for the other hosts' changes: {e}");
                return;
            }
        };
        let shared = self.shared.clone();
        let Some(hosting) = self.hosting.as_mut() else {
            return;
        };
        let mut gone: HashSet<i64> = hosting.known.ids().collect();
        let mut updates = Vec::new();
        for row in rows {
            gone.remove(&row.company);
            // A company this host runs announces its own changes.
            let here = shared.may_run(&row.slug);
            match hosting.known.get(row.company) {
                None => updates.push(echo(Update::CompanyAdded(Box::new(row.clone())))),
                Some(old) if !here && changed(old, &row) => {
                    updates.push(echo(Update::CompanyChanged(Box::new(row.clone()))))
                }
                _ => {}
            }
            hosting.known.insert(row);
        }
        for company in &gone {
            hosting.known.remove(*company);
        }
        for company in gone {
            self.stop(company).await;
            updates.push(echo(Update::CompanyRemoved { company }));
        }
        for update in updates {
            let _ = self.updates.send(update).await;
        }
    }

    /// This host runs `company` now: every client sees so before its
    /// session's own updates.
    pub(super) async fn run_here(&mut self, company: i64) {
        let Some(me) = self
            .shared
            .hosted
            .as_ref()
            .map(|h| h.config.leases.host().to_owned())
        else {
            return;
        };
        let Some(row) = self.hosting.as_mut().and_then(|h| h.known.get_mut(company)) else {
            return;
        };
        if row.host.as_deref() == Some(me.as_str()) {
            return;
        }
        row.host = Some(me);
        let update = Update::CompanyChanged(Box::new(row.clone()));
        let _ = self.updates.send(update).await;
    }

    /// A company added or removed here: announced already.
    pub(super) fn known_here(&mut self, company: i64, row: Option<&SessionRow>) {
        if let Some(h) = self.hosting.as_mut() {
            match row {
                Some(row) => h.known.insert(row.clone()),
                None => h.known.remove(company),
            }
        }
    }
}

fn echo(update: Update) -> Update {
    Update::Echo(Box::new(update))
}

/// What a client sees of a company run elsewhere changed.
fn changed(old: &SessionRow, new: &SessionRow) -> bool {
    seen(old) != seen(new)
}

type Seen<'a> = (
    &'a String,
    &'a Option<String>,
    &'a Option<String>,
    &'a Option<String>,
    &'a crate::domain::SessionState,
    &'a Option<String>,
    &'a Option<String>,
);

fn seen(r: &SessionRow) -> Seen<'_> {
    (
        &r.name,
        &r.phone,
        &r.jid,
        &r.push_name,
        &r.state,
        &r.last_event,
        &r.host,
    )
}

impl Supervisor {
    /// Send `company`'s queue: here if its session runs here; if another
    /// host runs it, that host is told; else it goes at the next connect.
    pub(super) async fn send_queued(&mut self, company: i64) {
        if let Some(running) = self.sessions.get(&company) {
            let _ = running.tx.send(SessionCmd::SendQueued).await;
            return;
        }
        let (Some(hosted), Some(hosting)) = (&self.shared.hosted, &self.hosting) else {
            return;
        };
        let Some(slug) = hosting.known.get(company).map(|r| r.slug.clone()) else {
            return;
        };
        if !self.shared.may_run(&slug)
            && let Err(e) = hosted.config.leases.database().nudge(&slug).await
        {
            // Its host sends the queue when it next connects it.
            tracing::warn!(company, "cannot tell the host that runs it to send: {e}");
        }
    }

    /// Another host queued work for `slug` ("": perhaps for any company).
    pub(super) async fn nudged(&mut self, slug: &str) {
        let running: Vec<i64> = match self.hosting.as_ref() {
            Some(h) => h
                .known
                .rows()
                .filter(|r| slug.is_empty() || r.slug == slug)
                .map(|r| r.company)
                .filter(|c| self.sessions.contains_key(c))
                .collect(),
            None => return,
        };
        for company in running {
            if let Some(r) = self.sessions.get(&company) {
                let _ = r.tx.send(SessionCmd::SendQueued).await;
            }
        }
    }
}
