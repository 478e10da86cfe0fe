//! The first `walink serve --database` on a directory that ran without one:
//! the companies of its own registry join the database, each linked one
//! with its keys (from `keys.db` into the database, with its lease for this
//! host, in one transaction), so it connects here without a new link. Each
//! is then marked `moved` in the directory's own registry and its keys
//! there are deleted: one device's keys are never in two places. A restart
//! after a crash finishes what was begun; a company whose name the database
//! has already is left behind, and said so.

use std::path::Path;

use walink_hosts::Leases;

use super::Context;
use crate::domain::{ProxyChoice, SettingsChange};
use crate::keystore::KeyStore;
use crate::keystore::bundle::Reader;
use crate::store::{Store, StoreError};

/// How often a long bring-along says how far it is.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// What became of the directory's companies.
#[derive(Debug, Default)]
struct Tally {
    brought: usize,
    with_keys: usize,
    left: Vec<(String, String)>,
}

/// Bring the directory's own companies into the database; `capacity`
/// of them at most stay leased to this host (the others are let go to
/// whichever host has room).
pub fn bring_along(ctx: &mut Context, leases: &Leases, capacity: u32) {
    let path = ctx.data.registry_path();
    if !path.exists() {
        return;
    }
    let mut own = match Store::open(&path) {
        Ok(own) => own,
        Err(e) => {
            say(&format!(
                "cannot read {} to bring its companies into the database: {e}",
                path.display()
            ));
            return;
        }
    };
    // Every start comes here: once all are moved, nothing more is done.
    let companies: Vec<_> = own
        .companies()
        .unwrap_or_default()
        .into_iter()
        .filter(|c| {
            let row = own.session(c.id).ok().flatten();
            row.is_none_or(|r| r.state != "moved")
        })
        .collect();
    if companies.is_empty() {
        return;
    }
    // The leases it takes name this host: it joins first.
    if let Err(e) = ctx.rt.block_on(leases.join(capacity)) {
        say(&format!(
            "cannot join the database to bring the companies of {} into it: {e}",
            path.display()
        ));
        return;
    }
    let keys = KeyStore::new(ctx.data.keys_path());
    // Opened once for every company, and only if one is linked.
    let mut reader = None;
    let mut tally = Tally::default();
    let (total, mut said) = (companies.len(), std::time::Instant::now());
    for (done, c) in companies.into_iter().enumerate() {
        // A long bring-along says how far it is, every few seconds.
        if said.elapsed() >= PROGRESS_EVERY {
            said = std::time::Instant::now();
            let line = format!(
                "bringing the companies of {} into the database: {done} of {total}",
                path.display()
            );
            tracing::info!("{line}");
            eprintln!("walink serve: {line}");
        }
        let slug = c.slug.to_string();
        let keep = tally.with_keys < capacity as usize;
        let mut from = Keys {
            store: &keys,
            reader: &mut reader,
        };
        match bring(ctx, &mut own, &mut from, leases, &c, keep) {
            Ok(Brought::Already) => {}
            Ok(Brought::Done { keys }) => {
                tally.brought += 1;
                tally.with_keys += usize::from(keys);
                tracing::info!(slug, keys, "brought into the database");
            }
            Err(why) => tally.left.push((slug, why)),
        }
    }
    report(&path, &tally);
}

/// The directory's key store, and a reader of its devices once one is read.
struct Keys<'a> {
    store: &'a KeyStore,
    reader: &'a mut Option<Result<Reader, String>>,
}

impl Keys<'_> {
    fn reader(&mut self, rt: &tokio::runtime::Runtime) -> Result<&Reader, String> {
        let path = self.store.path().to_path_buf();
        self.reader
            .get_or_insert_with(|| {
                rt.block_on(Reader::open(&path))
                    .map_err(|e| format!("cannot open {}: {e}", path.display()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

enum Brought {
    /// Moved before (or exported): nothing to do.
    Already,
    Done {
        keys: bool,
    },
}

fn bring(
    ctx: &mut Context,
    own: &mut Store,
    keys: &mut Keys<'_>,
    leases: &Leases,
    c: &crate::domain::Company,
    keep: bool,
) -> Result<Brought, String> {
    let slug = c.slug.as_str();
    let row = own.session(c.id).map_err(|e| e.to_string())?;
    let (state, jid) = row
        .as_ref()
        .map_or(("not_linked", None), |r| (r.state.as_str(), r.jid.clone()));
    if state == "moved" {
        return Ok(Brought::Already);
    }
    let held = keys.store.holds(c.id).unwrap_or(false);
    let linked = jid.is_some() && state != "logged_out";
    match ctx.store.company(slug) {
        Ok(there) => {
            // Brought by a start that stopped before marking it here.
            let same = linked
                && ctx
                    .store
                    .session(there.id)
                    .ok()
                    .flatten()
                    .and_then(|r| r.jid)
                    == jid;
            if !same {
                return Err("the database has a company of that name".to_owned());
            }
            finish(own, keys.store, c.id, held);
            return Ok(Brought::Already);
        }
        Err(StoreError::NoSuchCompany(_)) => {}
        Err(e) => return Err(e.to_string()),
    }
    if linked && !held {
        return Err(
            "its keys are not in keys.db: start walink serve once without --database, which \
             moves them there, then with it"
                .to_owned(),
        );
    }
    if linked {
        let reader = keys.reader(&ctx.rt)?;
        let bundle = ctx
            .rt
            .block_on(reader.read(Some(c.id)))
            .map_err(|e| format!("cannot read its keys: {e}"))?;
        ctx.rt
            .block_on(leases.import_keys(slug, &bundle))
            .map_err(|e| format!("cannot take in its keys: {e}"))?;
    }
    let registered = register(ctx, own, c, row.as_ref(), linked);
    if let Err(why) = registered {
        if linked && let Err(e) = ctx.rt.block_on(leases.withdraw_import(slug)) {
            tracing::error!(slug, "cannot take the refused keys back out: {e}");
        }
        return Err(why);
    }
    if linked && !keep {
        // Over this host's capacity: another host (or this one, later) takes it.
        let _ = ctx.rt.block_on(leases.release(slug));
    }
    finish(own, keys.store, c.id, linked);
    Ok(Brought::Done { keys: linked })
}

/// The company, its settings and its link in the database's registry.
fn register(
    ctx: &mut Context,
    own: &Store,
    c: &crate::domain::Company,
    row: Option<&crate::store::SessionRow>,
    linked: bool,
) -> Result<(), String> {
    let settings = own.company_settings(c.id).map_err(|e| e.to_string())?;
    let s = &mut ctx.store;
    let new = s.add_company(&c.slug, &c.name).map_err(|e| e.to_string())?;
    let change = SettingsChange {
        proxy: (settings.proxy != ProxyChoice::Default).then_some(settings.proxy),
        country: Some(settings.country),
        note: Some(settings.note),
        send_per_minute: Some(settings.send_per_minute),
        new_chats_per_day: Some(settings.new_chats_per_day),
        ..SettingsChange::default()
    };
    s.change_company(new.id, &change)
        .map_err(|e| e.to_string())?;
    let detail = if let (true, Some(r)) = (linked, row) {
        s.set_session_link(
            new.id,
            r.phone.as_deref(),
            r.jid.as_deref(),
            r.push_name.as_deref(),
        )
        .map_err(|e| e.to_string())?;
        s.set_session_state(new.id, "connecting", None)
            .map_err(|e| e.to_string())?;
        "brought from this host's own registry with its keys; connecting with them"
    } else {
        "brought from this host's own registry; not linked"
    };
    s.log_event(Some(new.id), "moved", detail)
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Here it is moved, and its keys are gone from `keys.db`.
fn finish(own: &mut Store, keys: &KeyStore, company: i64, had_keys: bool) {
    if had_keys && let Err(e) = keys.forget(company) {
        tracing::error!(
            company,
            "brought into the database, but its keys stay in keys.db: {e}"
        );
    }
    let detail = "brought into the hosts' database";
    let _ = own.set_session_state(company, "moved", Some(detail));
    let _ = own.log_event(Some(company), "moved", detail);
}

fn report(path: &Path, tally: &Tally) {
    if tally.brought > 0 {
        let sentence = format!(
            "brought {} compan{} of {} into the database ({} with {} keys: {} connect{} on them, \
             without a new link)",
            tally.brought,
            if tally.brought == 1 { "y" } else { "ies" },
            path.display(),
            tally.with_keys,
            if tally.with_keys == 1 { "its" } else { "their" },
            if tally.with_keys == 1 { "it" } else { "they" },
            if tally.with_keys == 1 { "s" } else { "" },
        );
        tracing::info!("{sentence}");
        eprintln!("walink serve: {sentence}");
    }
    for (slug, why) in &tally.left {
        say(&format!(
            "company {slug} of {} is not brought into the database, so not served here: {why}",
            path.display()
        ));
    }
}

fn say(sentence: &str) {
    tracing::warn!("{sentence}");
    eprintln!("walink serve: {sentence}");
}
