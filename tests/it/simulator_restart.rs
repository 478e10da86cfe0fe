//! `--state`: a simulator restarted on the same port and state file keeps
//! every device, so the sessions it held log in again on their own keys: no
//! relink, no logout, no storm. Without it every one was logged out.

use std::collections::{HashMap, HashSet};

use walink::config::DataDir;
use walink::domain::{AttemptId, DisplayName, LinkMethod, SessionState, Slug};
use walink::engine::{Command, Update};
use walink::sim::{SimConfig, SimEvent};
use walink::store::Store;

use crate::common::TempDataDir;
use crate::engine_fixture::start_engine_at;
use crate::wa::{secs, sim_with};

const COMPANIES: usize = 50;

fn phone_of(i: usize) -> String {
    format!("7900200{i:04}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_simulator_keeps_every_device_and_all_sessions_come_back() {
    let state = tempfile::tempdir().expect("temp dir");
    let file = state.path().join("sim.json");
    let sim = sim_with(SimConfig::default().with_state_file(file.clone())).await;
    let port = sim.addr().port();

    let dir = TempDataDir::new();
    let data = DataDir::resolve(Some(dir.path.clone())).expect("data dir");
    data.ensure().expect("ensure");
    let mut store = Store::open(&data.registry_path()).expect("registry");
    let mut phones = HashMap::new();
    for i in 0..COMPANIES {
        let slug = Slug::parse(&format!("c{i:02}")).expect("slug");
        let name = DisplayName::parse(&format!("Company {i}")).expect("name");
        let id = store.add_company(&slug, &name).expect("add").id;
        phones.insert(id, phone_of(i));
    }
    drop(store);
    let (engine, mut updates) = start_engine_at(&sim.url(), &data, |_| {});
    for (n, &company) in phones.keys().enumerate() {
        let link = Command::Link {
            company,
            attempt: AttemptId(n as u64 + 1),
            method: LinkMethod::Qr,
            force: false,
            by: "test".into(),
            invitation: None,
        };
        engine.send(link).await.expect("engine");
    }
    let mut connected = HashSet::new();
    let deadline = tokio::time::Instant::now() + secs(120);
    while connected.len() < COMPANIES {
        let u = tokio::time::timeout_at(deadline, updates.recv())
            .await
            .unwrap_or_else(|_| panic!("{} of {COMPANIES} linked in time", connected.len()))
            .expect("engine runs");
        match u {
            Update::QrIssued {
                company, payload, ..
            } if !connected.contains(&company) => {
                let phone = sim.phone(&phones[&company]);
                phone.set_push_name(Some("Shop"));
                // Each ref rotates; a scan of one that moved on is retried
                // with the next.
                tokio::spawn(async move {
                    let _ = phone.scan_qr(&payload).await;
                });
            }
            Update::StateChanged {
                company,
                state: SessionState::Connected,
                ..
            } => {
                connected.insert(company);
            }
            _ => {}
        }
    }
    assert!(file.exists(), "the state file is written");

    sim.shutdown().await;
    let sim = sim_with(
        SimConfig::default()
            .with_port(port)
            .with_state_file(file.clone()),
    )
    .await;
    let mut logins = sim.events();
    let mut back = HashSet::new();
    let mut refused = 0;
    let deadline = tokio::time::Instant::now() + secs(120);
    while back.len() < COMPANIES {
        let u = tokio::time::timeout_at(deadline, updates.recv())
            .await
            .unwrap_or_else(|_| panic!("{} of {COMPANIES} came back", back.len()))
            .expect("engine runs");
        match u {
            Update::StateChanged { company, state, .. } => match state {
                SessionState::Connected => {
                    back.insert(company);
                }
                SessionState::LoggedOut | SessionState::NotLinked => {
                    panic!("company {company} became {state:?} after the restart")
                }
                _ => {}
            },
            Update::QrIssued { .. } | Update::CodeIssued { .. } => {
                panic!("a relink was asked for")
            }
            _ => {}
        }
    }
    let mut logged_in = 0;
    while let Ok(e) = logins.try_recv() {
        match e {
            SimEvent::LoggedIn { .. } => logged_in += 1,
            SimEvent::LoginRejected { .. } => refused += 1,
            _ => {}
        }
    }
    assert_eq!(refused, 0, "no login was refused as an unknown device");
    // One login each, and a few retries at most: not a storm.
    assert!(
        (COMPANIES..=COMPANIES + COMPANIES / 5).contains(&logged_in),
        "{logged_in} logins for {COMPANIES} sessions"
    );
    engine.send(Command::Shutdown).await.expect("engine");
}
