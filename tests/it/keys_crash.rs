//! `walink serve` killed (-9) while it moves the old layout's key files
//! into `keys.db`: the next start finishes the move, and every company's
//! keys read back as they were written.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use walink::keystore::KeyStore;
use whatsapp_rust::prelude::SqliteStore;
use whatsapp_rust::wacore::store::traits::{DeviceStore, SignalStore};

use crate::common::TempDataDir;
use crate::serve::Serve;
use crate::sim_process::SimProcess;

const COMPANIES: usize = 120;

/// `COMPANIES` companies, each with a key file of the old layout holding
/// one device and a session record that names its company.
fn old_layout(dir: &TempDataDir) -> Vec<(i64, String)> {
    let data = walink::config::DataDir::resolve(Some(dir.path.clone())).expect("data dir");
    data.ensure().expect("ensure");
    let mut store = walink::store::Store::open(&data.registry_path()).expect("registry");
    let companies: Vec<(i64, String)> = (0..COMPANIES)
        .map(|i| {
            let slug = format!("c{i:03}");
            let id = store
                .add_company(
                    &walink::domain::Slug::parse(&slug).expect("slug"),
                    &walink::domain::DisplayName::parse(&slug).expect("name"),
                )
                .expect("add")
                .id;
            (id, slug)
        })
        .collect();
    std::fs::create_dir_all(data.sessions_dir()).expect("sessions");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        for (_, slug) in &companies {
            let path = data.session_file(slug);
            let keys = SqliteStore::new(&path.to_string_lossy())
                .await
                .expect("store");
            keys.create().await.expect("device");
            keys.put_session("peer.0", slug.as_bytes())
                .await
                .expect("session");
        }
    });
    companies
}

fn moved(dir: &TempDataDir) -> i64 {
    let Ok(db) = rusqlite::Connection::open(dir.path.join("walink.db")) else {
        return 0;
    };
    db.query_row(
        "SELECT COUNT(*) FROM events WHERE detail LIKE 'keys moved into%'",
        [],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

fn left(dir: &TempDataDir) -> usize {
    std::fs::read_dir(dir.path.join("sessions"))
        .expect("sessions")
        .filter(|e| {
            let name = e.as_ref().expect("entry").file_name();
            name.to_string_lossy().ends_with(".db")
        })
        .count()
}

#[test]
fn a_kill_mid_move_is_finished_by_the_next_start_with_nothing_lost() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    let companies = old_layout(&dir);

    let mut serve = Command::new(env!("CARGO_BIN_EXE_walink"))
        .arg("--data-dir")
        .arg(&dir.path)
        .args(["--server", &sim.ws, "serve"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start walink serve");
    let deadline = Instant::now() + Duration::from_secs(60);
    while moved(&dir) == 0 {
        assert!(Instant::now() < deadline, "no key file was moved");
        std::thread::sleep(Duration::from_millis(5));
    }
    serve.kill().expect("kill -9");
    serve.wait().expect("wait");
    let remaining = left(&dir);
    assert!(
        remaining > 0 && remaining < COMPANIES,
        "the kill landed mid-move ({remaining} of {COMPANIES} files left)"
    );

    let serve = Serve::start(&dir.path, &sim);
    let deadline = Instant::now() + Duration::from_secs(120);
    while left(&dir) > 0 {
        assert!(
            Instant::now() < deadline,
            "the move never finished: {}",
            serve.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(serve.terminate(), 0);

    let keys = KeyStore::new(dir.path.join("keys.db"));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        for (id, slug) in &companies {
            let view = SqliteStore::new_for_device(&keys.url(), *id as i32)
                .await
                .expect("view");
            let record = view.get_session("peer.0").await.expect("read");
            assert_eq!(
                record.as_deref(),
                Some(slug.as_bytes()),
                "{slug}'s keys came through whole"
            );
        }
    });
    let migrated = std::fs::read_dir(dir.path.join("sessions").join("migrated"))
        .expect("migrated")
        .count();
    assert!(migrated >= COMPANIES, "each old file is kept: {migrated}");
}
