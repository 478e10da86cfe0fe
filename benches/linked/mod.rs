//! Linked sessions for the benchmarks that need them: a registry of
//! companies, QR links played by the simulated phones, restore.
#![allow(dead_code)] // each bench uses its part

use std::collections::HashSet;
use std::time::{Duration, Instant};

use walink::config::DataDir;
use walink::domain::{AttemptId, DisplayName, FailureReason, LinkMethod, SessionState, Slug};
use walink::engine::server::ServerTarget;
use walink::engine::{Command, Engine, EngineConfig, EngineHandle, Update};
use walink::sim::Simulator;
use walink::store::Store;

/// `companies` in a fresh registry; the ids of the first `linked` of them.
pub fn registry(companies: usize, linked: usize) -> (tempfile::TempDir, DataDir, HashSet<i64>) {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = DataDir::resolve(Some(tmp.path().join("data"))).expect("data");
    data.ensure().expect("ensure");
    let mut ids = HashSet::new();
    let mut store = Store::open(&data.registry_path()).expect("registry");
    for i in 0..companies {
        let slug = Slug::parse(&format!("c{i}")).expect("slug");
        let name = DisplayName::parse(&format!("Company {i}")).expect("name");
        let c = store.add_company(&slug, &name).expect("add");
        if i < linked {
            ids.insert(c.id);
        }
    }
    (tmp, data, ids)
}

/// Link every company in `ids` by QR through an engine, then stop it.
pub async fn link_all(sim: &Simulator, data: &DataDir, ids: &HashSet<i64>) {
    link_all_from(sim, data, ids, 0).await;
}

/// `link_all` for one of several registries on the same simulator: their
/// company ids repeat, so each takes its phones from `offset` on.
pub async fn link_all_from(sim: &Simulator, data: &DataDir, ids: &HashSet<i64>, offset: i64) {
    link_with(sim, data, ids, &shared_phone(offset)).await;
}

/// Four companies to an account: company `id` is a companion of phone
/// `(offset + id) / 4` (a phone holds four companions, as WhatsApp allows).
pub fn shared_phone(offset: i64) -> impl Fn(i64) -> String {
    move |company| format!("7900{:07}", (offset + company) / 4)
}

/// Each company its own account, for benches where a message to one
/// number must reach one company: phone `7901` + the id.
pub fn own_phone(company: i64) -> String {
    format!("7901{company:07}")
}

/// Link every company in `ids`, company `id` by the phone `phone_of(id)`.
pub async fn link_with(
    sim: &Simulator,
    data: &DataDir,
    ids: &HashSet<i64>,
    phone_of: &dyn Fn(i64) -> String,
) {
    let (engine, mut updates) = start(sim, data, false);
    let linking = Instant::now();
    ask_links(&engine, ids).await;
    let again = all_connected_asking(&mut updates, ids, sim, phone_of, Some(&engine)).await;
    println!(
        "N = {}: linked through the engine in {:.1} s{}",
        ids.len(),
        linking.elapsed().as_secs_f64(),
        again.said()
    );
    stop(&engine, &mut updates).await;
}

/// Ask `engine` to link each company by QR.
pub async fn ask_links(engine: &EngineHandle, ids: &HashSet<i64>) {
    for &company in ids {
        let link = Command::Link {
            company,
            attempt: AttemptId(1),
            method: LinkMethod::Qr,
            force: false,
            by: "bench".into(),
            invitation: None,
        };
        engine.send(link).await.expect("engine");
    }
}

pub fn start(
    sim: &Simulator,
    data: &DataDir,
    restore: bool,
) -> (EngineHandle, tokio::sync::mpsc::Receiver<Update>) {
    let store = Store::open(&data.registry_path()).expect("registry");
    let mut config = EngineConfig::new(
        data.clone(),
        ServerTarget::parse(Some(&sim.url())).expect("server"),
    );
    config.restore = restore;
    Engine::start(store, config)
}

pub async fn stop(engine: &EngineHandle, updates: &mut tokio::sync::mpsc::Receiver<Update>) {
    engine.send(Command::Shutdown).await.expect("engine");
    while let Some(u) = updates.recv().await {
        if u == Update::Stopped {
            break;
        }
    }
}

/// Wait until every company in `ids` reports Connected.
pub async fn all_connected(
    updates: &mut tokio::sync::mpsc::Receiver<Update>,
    ids: &HashSet<i64>,
    sim: &Simulator,
    phone_of: &dyn Fn(i64) -> String,
) {
    all_connected_asking(updates, ids, sim, phone_of, None).await;
}

/// Sessions that ended during the link phase and were started again.
#[derive(Debug, Default)]
pub struct Again {
    /// Ended `Replaced`: restarted on their keys.
    pub replaced: Vec<i64>,
    /// Ended logged out: linked anew.
    pub logged_out: Vec<i64>,
    /// Replaced connections the simulator saw closed by a login that
    /// finished later on an older socket of the same client.
    pub by_older: usize,
}

impl Again {
    /// For the bench's line: nothing when none ended.
    pub fn said(&self) -> String {
        if self.replaced.is_empty() && self.logged_out.is_empty() {
            return String::new();
        }
        format!(
            "; under that load {} ended replaced (started again on their keys: {:?}; the \
             simulator saw {} replaced by a login that finished later on an older socket) and {} \
             logged out (linked again: {:?})",
            self.replaced.len(),
            self.replaced,
            self.by_older,
            self.logged_out.len(),
            self.logged_out
        )
    }
}

/// `all_connected`; with `engine`, a link refused because the engine does
/// not hold the company's lease yet is asked again, and a session that
/// ended replaced or logged out is started again (and counted).
pub async fn all_connected_asking(
    updates: &mut tokio::sync::mpsc::Receiver<Update>,
    ids: &HashSet<i64>,
    sim: &Simulator,
    phone_of: &dyn Fn(i64) -> String,
    engine: Option<&EngineHandle>,
) -> Again {
    let mut again = Again::default();
    let by_older = sim.replaced_by_older();
    let mut left = ids.clone();
    // What each one not yet connected last said, for the panic below.
    let mut last: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    // And the last few lines of its event log, for the same.
    let mut logs: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    while !left.is_empty() {
        match tokio::time::timeout(Duration::from_secs(300), updates.recv()).await {
            Ok(Some(Update::QrIssued {
                payload, company, ..
            })) => {
                let sim_phone = sim.phone(&phone_of(company));
                // Real accounts have a push name (from their first app-state
                // sync); without one every reconnect waits 10 s for a key.
                sim_phone.set_push_name(Some("Bench"));
                tokio::spawn(async move {
                    let _ = sim_phone.scan_qr(&payload).await;
                });
            }
            Ok(Some(Update::StateChanged {
                company,
                state: SessionState::Connected,
                ..
            })) => {
                left.remove(&company);
            }
            Ok(Some(Update::StateChanged { company, state, .. })) => {
                last.insert(company, format!("{state:?}"));
            }
            Ok(Some(Update::Logged { company, entry })) if left.contains(&company) => {
                let lines = logs.entry(company).or_default();
                lines.push(format!(
                    "{}: {} ({})",
                    entry.kind,
                    entry.detail,
                    entry.raw.as_deref().unwrap_or("-")
                ));
                if lines.len() > 8 {
                    lines.remove(0);
                }
            }
            Ok(Some(Update::Failed {
                company,
                reason: reason @ (FailureReason::Replaced | FailureReason::LoggedOut),
                ..
            })) if engine.is_some() && left.contains(&company) => {
                // Replaced: its keys are good, start it again; logged out: link anew.
                let replaced = reason == FailureReason::Replaced;
                let seen = match replaced {
                    true => &mut again.replaced,
                    false => &mut again.logged_out,
                };
                seen.push(company);
                let engine = engine.expect("engine").clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    match replaced {
                        true => drop(engine.send(Command::Reconnect { company }).await),
                        false => ask_links(&engine, &HashSet::from([company])).await,
                    }
                });
            }
            Ok(Some(Update::Failed {
                company,
                reason: FailureReason::Elsewhere,
                ..
            })) if engine.is_some() => {
                let engine = engine.expect("engine").clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    ask_links(&engine, &HashSet::from([company])).await;
                });
            }
            Ok(Some(_)) => {}
            other => {
                let said: Vec<String> = left
                    .iter()
                    .take(5)
                    .map(|c| format!("{c}: {}", last.get(c).map_or("no state", |s| s)))
                    .collect();
                for c in left.iter().take(5) {
                    eprintln!("company {c}'s last events:");
                    for line in logs.get(c).into_iter().flatten() {
                        eprintln!("  {line}");
                    }
                }
                panic!(
                    "{} sessions never connected ({other:?}); last states: {}",
                    left.len(),
                    said.join(", ")
                )
            }
        }
    }
    again.by_older = sim.replaced_by_older() - by_older;
    again
}
