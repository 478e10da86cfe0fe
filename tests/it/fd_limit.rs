//! The open-file limit with 40 linked companies: `walink serve` raises a
//! low soft limit when the hard one allows; when both are low it says how
//! many sessions fit, the sessions that do not fit stop in a named state,
//! nothing hangs, and the rest stay connected.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use walink::domain::{AttemptId, DisplayName, LinkMethod, SessionState, Slug};
use walink::engine::Update;

use crate::common::{TempDataDir, stdout, walink};
use crate::engine_fixture::start_engine_at;
use crate::sim_process::SimProcess;

const COMPANIES: usize = 40;

/// 40 companies, each linked to its own number on `sim`.
async fn link_forty(sim: &SimProcess, dir: &TempDataDir) {
    let data = walink::config::DataDir::resolve(Some(dir.path.clone())).expect("data");
    data.ensure().expect("ensure");
    let mut store = walink::store::Store::open(&data.registry_path()).expect("registry");
    let mut phones = HashMap::new();
    for i in 0..COMPANIES {
        let slug = Slug::parse(&format!("co-{i:02}")).expect("slug");
        let c = store
            .add_company(&slug, &DisplayName::parse("Company").expect("name"))
            .expect("add");
        phones.insert(c.id, format!("7900555{i:04}"));
    }
    drop(store);
    let (engine, mut updates) = start_engine_at(&sim.ws, &data, |c| c.restore = false);
    for &company in phones.keys() {
        let link = walink::engine::Command::Link {
            company,
            attempt: AttemptId(company as u64),
            method: LinkMethod::Qr,
            force: false,
            by: "test".into(),
            invitation: None,
        };
        engine.send(link).await.expect("engine");
    }
    let mut left: std::collections::HashSet<i64> = phones.keys().copied().collect();
    let mut scanned = std::collections::HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    while !left.is_empty() {
        let u = tokio::time::timeout_at(deadline, updates.recv())
            .await
            .unwrap_or_else(|_| panic!("{} companies never connected", left.len()))
            .expect("engine");
        match u {
            Update::QrIssued {
                company, payload, ..
            } if scanned.insert(company) => {
                let path = format!("/phone/scan?phone={}", phones[&company]);
                let (status, body) =
                    tokio::task::block_in_place(|| sim.call("POST", &path, &payload));
                assert_eq!(status, 200, "{body}");
            }
            Update::StateChanged {
                company,
                state: SessionState::Connected,
                ..
            } => {
                left.remove(&company);
            }
            _ => {}
        }
    }
    engine
        .send(walink::engine::Command::Shutdown)
        .await
        .expect("engine");
    while let Some(u) = updates.recv().await {
        if u == Update::Stopped {
            break;
        }
    }
}

/// `walink serve` under `prlimit --nofile=SOFT:HARD`; its stderr.
struct Limited {
    child: std::process::Child,
    log: tempfile::NamedTempFile,
}

impl Limited {
    fn start(dir: &TempDataDir, sim: &SimProcess, soft: u32, hard: u32) -> Self {
        Self::start_with(dir, sim, soft, hard, &[])
    }

    fn start_with(
        dir: &TempDataDir,
        sim: &SimProcess,
        soft: u32,
        hard: u32,
        extra: &[&str],
    ) -> Self {
        let log = tempfile::NamedTempFile::new().expect("log");
        let child = Command::new("prlimit")
            .arg(format!("--nofile={soft}:{hard}"))
            .arg(env!("CARGO_BIN_EXE_walink"))
            .arg("--data-dir")
            .arg(&dir.path)
            .args(["--server", &sim.ws, "serve"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("log"))
            .spawn()
            .expect("prlimit (util-linux) runs walink serve");
        Self { child, log }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// The soft limit the process runs under now.
    fn soft_limit(&self) -> u64 {
        let limits = std::fs::read_to_string(format!("/proc/{}/limits", self.child.id()))
            .unwrap_or_default();
        limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .and_then(|l| l.split_whitespace().nth(3))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// Until the restore has said how it ended (≤ 120 s).
    fn restored(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let log = self.stderr();
            if log.contains("restored 40 linked sessions") {
                return log;
            }
            assert!(Instant::now() < deadline, "the restore never ended: {log}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn stop(mut self) {
        // SIGTERM: a clean stop, keys flushed.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Limited {
    /// A failed run must not leave a server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// slug → state, as `walink status --json` says.
fn rows(dir: &TempDataDir) -> Vec<(String, String)> {
    let out = walink(&dir.path, &["status", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}", crate::common::stderr(&out)));
    let field = |r: &serde_json::Value, k: &str| r[k].as_str().unwrap_or("?").to_owned();
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| (field(r, "slug"), field(r, "state")))
        .collect()
}

/// state → how many companies are in it.
fn states(dir: &TempDataDir) -> HashMap<String, usize> {
    let mut count = HashMap::new();
    for (_, state) in rows(dir) {
        *count.entry(state).or_insert(0) += 1;
    }
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_sessions_under_a_low_open_file_limit() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    link_forty(&sim, &dir).await;

    tokio::task::block_in_place(|| {
        // A low soft limit and room under the hard one: raised, all connect.
        let roomy = Limited::start(&dir, &sim, 128, 4096);
        let log = roomy.restored();
        assert_eq!(roomy.soft_limit(), 4096, "{log}");
        assert!(log.contains(": 40 connected"), "{log}");
        assert!(!log.contains("allows about"), "{log}");
        roomy.stop();

        // Both limits low: said once, the sessions that do not fit stop
        // named, the others stay connected, and nothing hangs.
        let tight = Limited::start_with(&dir, &sim, 128, 128, &["--http", "127.0.0.1:0"]);
        let log = tight.restored();
        assert!(
            log.contains("the open-file limit (128) allows about 32 sessions and 40 are linked: raise LimitNOFILE"),
            "{log}"
        );
        let count = states(&dir);
        let connected = count.get("connected").copied().unwrap_or(0);
        let failed = count.get("failed").copied().unwrap_or(0);
        assert!(connected >= 10, "{count:?}\n{log}");
        assert_eq!(connected + failed, COMPANIES, "{count:?}\n{log}");
        assert!(failed > 0, "{count:?}");
        let db = rusqlite::Connection::open(dir.path.join("walink.db")).expect("registry");
        let named: i64 = db
            .query_row(
                "SELECT COUNT(DISTINCT company_id) FROM events WHERE kind = 'failure' AND reason = 'out_of_files'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(named as usize, failed, "{count:?}");

        // Room again (a connected company removed): the API's reconnect
        // brings a stopped one back.
        let now = rows(&dir);
        let pick = |want: &str| {
            now.iter()
                .find(|(_, s)| s == want)
                .map(|(slug, _)| slug.clone())
                .expect("a row")
        };
        let (up, down) = (pick("connected"), pick("failed"));
        assert!(
            walink(&dir.path, &["company", "rm", &up, "--yes"])
                .status
                .success()
        );
        let t = crate::http::token(&dir.path, &["--scope", "link"]);
        let base = tight
            .stderr()
            .lines()
            .find_map(|l| {
                l.strip_prefix("walink serve: HTTP API on ")
                    .map(str::to_owned)
            })
            .expect("the API's address");
        let api = crate::http::Http::new(base.trim().to_owned());
        let path = format!("/api/v1/sessions/{down}/reconnect");
        assert_eq!(api.call("POST", &path, Some(&t), None).status, 202);
        let deadline = Instant::now() + Duration::from_secs(40);
        while !rows(&dir)
            .iter()
            .any(|(slug, s)| *slug == down && s == "connected")
        {
            assert!(
                Instant::now() < deadline,
                "{down} never came back: {:?}",
                rows(&dir)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        tight.stop();
    });
}
