//! Moving a company to another data directory or host without relinking.
//! Export stops its session, writes it and its keys to one file, deletes
//! the keys here and marks it moved; import registers it, takes the keys
//! in and connects. So one device's keys never run in two places (WhatsApp
//! would call one of them "replaced" and its Signal state would diverge).

use std::path::{Path, PathBuf};

use super::Supervisor;
use crate::company_file::{self, Card};
use crate::domain::{DisplayName, SessionState, Slug};
use crate::engine::keys::KeySource;
use crate::engine::snapshot;
use crate::engine::task::Mode;
use crate::engine::update::Update;
use crate::store::now_unix;

impl Supervisor {
    pub(super) async fn export_company(&mut self, company: i64, to: PathBuf) {
        let outcome = self.export(company, &to).await.map(|()| company);
        self.answer(to, outcome).await;
    }

    pub(super) async fn import_company(&mut self, from: PathBuf) {
        let keys = self
            .shared
            .data
            .root()
            .join(format!("import-{}.partial", std::process::id()));
        let outcome = self.import(&from, &keys).await;
        let _ = std::fs::remove_file(&keys);
        self.answer(from, outcome).await;
    }

    async fn answer(&self, file: PathBuf, outcome: Result<i64, String>) {
        if let Err(why) = &outcome {
            tracing::warn!(file = %file.display(), "company not moved: {why}");
        }
        let _ = self.updates.send(Update::MoveDone { file, outcome }).await;
    }

    async fn export(&mut self, company: i64, to: &Path) -> Result<(), String> {
        let card = self
            .db
            .run(move |s| {
                let Some(c) = s.company_by_id(company)? else {
                    return Ok(None);
                };
                let mut card = Card::new(c.slug.to_string(), c.name.to_string());
                if let Some(row) = s.session(company)? {
                    (card.phone, card.jid, card.push_name) = (row.phone, row.jid, row.push_name);
                }
                Ok(Some(card))
            })
            .await
            .map_err(|e| format!("cannot read the registry: {e}"))?
            .ok_or("there is no such company")?;
        let slug = card.slug.clone();
        if card.jid.is_none() || !self.has_keys(company, &slug).await {
            return Err(format!(
                "{slug} is not linked here, so it has no keys to move: add it where it \
                 should run and link it there"
            ));
        }
        if to.exists() {
            return Err(format!("{} exists: name a new file", to.display()));
        }
        self.stop(company).await;
        let source = self.shared.key_source(company, &slug);
        if let Err(why) = write_out(source.clone(), card, to.to_path_buf()).await {
            // Nothing left: it runs on here as before.
            self.restore(company).await;
            return Err(why);
        }
        let retired = tokio::task::spawn_blocking(move || source.retire("moved"))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        let said = retired.unwrap_or_else(|why| {
            tracing::error!(company, "exported, but its keys stay here: {why}");
            why
        });
        let ctx = self.ctx(company, slug);
        let detail = format!(
            "exported to {}; it runs where that file is imported ({said})",
            to.display()
        );
        ctx.event("moved", detail).await;
        ctx.set_state(SessionState::Moved).await;
        Ok(())
    }

    async fn import(&mut self, from: &Path, keys: &Path) -> Result<i64, String> {
        let (file, unpacked) = (from.to_path_buf(), keys.to_path_buf());
        let card = tokio::task::spawn_blocking(move || company_file::read(&file, &unpacked))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let slug = Slug::parse(&card.slug).map_err(|e| e.to_string())?;
        let name = DisplayName::parse(&card.name).map_err(|e| e.to_string())?;
        let company = match self.shared.hosted.clone() {
            Some(hosted) => {
                self.take_in_shared(&hosted, keys, &card, slug.clone(), name)
                    .await?
            }
            None => self.take_in(keys, &card, slug.clone(), name).await?,
        };
        let detail = format!("imported from {}; connecting with its keys", from.display());
        let row = self
            .db
            .run(move |s| {
                let link = (card.phone.as_deref(), card.jid.as_deref());
                s.set_session_link(company, link.0, link.1, card.push_name.as_deref())?;
                s.set_session_state(company, "connecting", None)?;
                s.log_event(Some(company), "moved", &detail)?;
                snapshot::rows(s, now_unix(), false)
                    .map(|rows| rows.into_iter().find(|r| r.company == company))
            })
            .await
            .map_err(|e| format!("cannot record it in the registry: {e}"))?;
        if let Some(row) = row {
            self.known_here(company, Some(&row));
            let _ = self.updates.send(Update::CompanyAdded(Box::new(row))).await;
        }
        // Sharing a database, this host's next renewal of its leases finds
        // the one the import took and starts the session (see `moving_shared`).
        if self.shared.hosted.is_none() {
            self.spawn(company, slug.to_string(), Mode::Restore, None);
        }
        Ok(company)
    }

    /// Registered here with its keys in `keys.db`; its id.
    async fn take_in(
        &mut self,
        keys: &Path,
        card: &Card,
        slug: Slug,
        name: DisplayName,
    ) -> Result<i64, String> {
        let (company, added) = self.register(slug.clone(), name, card.jid.clone()).await?;
        let (store, file, text) = (self.shared.keys.clone(), keys.to_path_buf(), slug.clone());
        let taken =
            tokio::task::spawn_blocking(move || store.import(&file, company, text.as_str()))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()));
        if let Err(e) = taken {
            if added {
                let s = slug.clone();
                let _ = self.db.run(move |st| st.remove_company(s.as_str())).await;
            }
            return Err(format!("cannot take in its keys: {e}"));
        }
        Ok(company)
    }

    /// The company's id here, and whether it was added for this import. A
    /// company of that slug is taken only if it is the one that moved away
    /// (it comes back); one device already running here is refused.
    pub(super) async fn register(
        &self,
        slug: Slug,
        name: DisplayName,
        jid: Option<String>,
    ) -> Result<(i64, bool), String> {
        self.db
            .run(move |s| match s.company(slug.as_str()) {
                Ok(c) => {
                    let moved = s.session(c.id)?.is_some_and(|r| r.state == "moved");
                    Ok(if moved {
                        Ok((c.id, false))
                    } else {
                        Err(format!(
                            "a company {slug} is already here: remove it first \
                                 (walink company rm {slug}) or import into another data directory"
                        ))
                    })
                }
                Err(crate::store::StoreError::NoSuchCompany(_)) => {
                    if let Some(other) = twin(s, jid.as_deref())? {
                        return Ok(Err(format!(
                            "its device already runs here as {other}: one device's keys \
                                 must not run twice"
                        )));
                    }
                    let c = s.add_company(&slug, &name)?;
                    s.log_event(Some(c.id), "company_added", name.as_str())?;
                    Ok(Ok((c.id, true)))
                }
                Err(e) => Err(e),
            })
            .await
            .map_err(|e| format!("cannot read the registry: {e}"))?
    }
}

/// The company already running this device here, if one does.
fn twin(
    s: &dyn crate::store::Registry,
    jid: Option<&str>,
) -> Result<Option<String>, crate::store::StoreError> {
    let Some(jid) = jid else { return Ok(None) };
    let digits = jid.split([':', '@']).next().unwrap_or_default();
    let running = s
        .sessions_with_phone(digits)?
        .into_iter()
        .find(|r| r.jid.as_deref() == Some(jid) && r.state != "moved" && r.state != "logged_out");
    match running {
        Some(r) => Ok(s.company_by_id(r.company_id)?.map(|c| c.slug.to_string())),
        None => Ok(None),
    }
}

/// The keys as a key file of their own, then the one file with the card.
async fn write_out(source: KeySource, card: Card, to: PathBuf) -> Result<(), String> {
    let keys = PathBuf::from(format!("{}.keys.partial", to.display()));
    let copied = match source {
        KeySource::Shared { store, device } => store.export(device, &keys).await.map(|_| ()),
        KeySource::File(file) => {
            let k = keys.clone();
            tokio::task::spawn_blocking(move || crate::backup::snapshot(&file, &k))
                .await
                .map_err(|e| crate::keystore::ImportError::Store(e.to_string()))
                .and_then(|r| r.map_err(|e| crate::keystore::ImportError::Store(e.to_string())))
        }
        KeySource::Postgres(_) => Err(crate::keystore::ImportError::Store(
            "its keys are in the hosts' database: another host takes it over there, \
             no file is needed"
                .to_owned(),
        )),
    };
    let result = match copied {
        Ok(()) => {
            let k = keys.clone();
            tokio::task::spawn_blocking(move || company_file::write(&to, &card, &k))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()))
        }
        Err(e) => Err(format!("cannot copy its keys: {e}")),
    };
    let _ = std::fs::remove_file(&keys);
    result
}
