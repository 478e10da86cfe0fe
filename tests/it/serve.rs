//! `walink serve` and the clients that attach to it, against `walink sim`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use walink::domain::SessionState;
use walink::engine::{EngineHandle, ServerLink, Update};
use walink::service::attach::{self, OnLoss};

use crate::cli_pair::Pairing;
use crate::common::{TempDataDir, stderr, stdout, walink};
use crate::sim_process::SimProcess;
use crate::wa::PHONE;

/// A `walink serve` process; killed when dropped.
pub struct Serve {
    pub child: Child,
    pub socket: PathBuf,
    log: tempfile::NamedTempFile,
}

impl Serve {
    pub fn start(data: &Path, sim: &SimProcess) -> Self {
        Self::start_with(data, sim, &[])
    }

    /// With more `serve` options (e.g. `--http 127.0.0.1:0`).
    pub fn start_with(data: &Path, sim: &SimProcess, extra: &[&str]) -> Self {
        let log = tempfile::NamedTempFile::new().expect("log file");
        let socket = data.join("walink.sock");
        let child = Command::new(env!("CARGO_BIN_EXE_walink"))
            .arg("--data-dir")
            .arg(data)
            .args(["--server", &sim.ws, "serve"])
            .args(extra)
            .env_remove("WALINK_DATABASE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("log file"))
            .spawn()
            .expect("start walink serve");
        let s = Self { child, socket, log };
        s.wait_listening();
        s
    }

    /// Until a client can connect (≤ 15 s).
    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::os::unix::net::UnixStream::connect(&self.socket).is_err() {
            assert!(
                Instant::now() < deadline,
                "walink serve did not listen: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Its stderr and every log file in the data directory `data`.
    pub fn all_logs(&self, data: &Path) -> String {
        let mut logs = self.log();
        for file in std::fs::read_dir(data)
            .expect("the data directory")
            .flatten()
        {
            if file.file_name().to_string_lossy().ends_with(".log") {
                logs += &std::fs::read_to_string(file.path()).unwrap_or_default();
            }
        }
        logs
    }

    /// `http://ADDR` of the HTTP API, as serve printed it (≤ 15 s): the
    /// control socket may accept clients before the line is written.
    pub fn http(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let log = self.log();
            if let Some(addr) = log
                .lines()
                .find_map(|l| l.strip_prefix("walink serve: HTTP API on "))
            {
                return addr.trim().to_owned();
            }
            assert!(Instant::now() < deadline, "no HTTP API: {log}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status (≤ 30 s).
    pub fn terminate(mut self) -> i32 {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "serve ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client attached from the test, as the dashboard attaches.
pub struct Attached {
    /// Dropping the handle detaches, as a dashboard that quits.
    pub engine: EngineHandle,
    pub updates: mpsc::Receiver<Update>,
}

impl Attached {
    pub async fn to(socket: &Path, on_loss: OnLoss) -> Self {
        Self::named(socket, "test", on_loss).await
    }

    /// `name` is what the server will call this client.
    pub async fn named(socket: &Path, name: &str, on_loss: OnLoss) -> Self {
        let conn = attach::connect(socket, name).await.expect("attach");
        let (engine, updates) = attach::bridge(conn, socket.to_path_buf(), "test".into(), on_loss);
        Self { engine, updates }
    }

    /// The first update `want` picks, within `secs`.
    pub async fn until<T>(&mut self, secs: u64, want: impl Fn(&Update) -> Option<T>) -> T {
        let mut seen = Vec::new();
        let found = tokio::time::timeout(Duration::from_secs(secs), async {
            while let Some(u) = self.updates.recv().await {
                if let Some(t) = want(&u) {
                    return Some(t);
                }
                seen.push(format!("{u:?}"));
            }
            None
        })
        .await;
        match found {
            Ok(Some(t)) => t,
            _ => panic!("no such update within {secs} s; saw {seen:#?}"),
        }
    }
}

fn connected(company: &str) -> impl Fn(&Update) -> Option<()> {
    let company = company.to_owned();
    move |u| match u {
        Update::Snapshot(rows) => rows
            .iter()
            .any(|r| r.slug == company && r.state == SessionState::Connected)
            .then_some(()),
        Update::StateChanged {
            state: SessionState::Connected,
            ..
        } => Some(()),
        _ => None,
    }
}

fn device_connected(sim: &SimProcess) -> bool {
    let (_, devices) = sim.call("GET", "/devices", "");
    devices[0]["connected"] == true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_keeps_sessions_for_every_client_and_survives_them() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    let added = walink(&dir.path, &["company", "add", "acme", "--name", "Acme"]);
    assert!(added.status.success(), "{}", stderr(&added));
    let mut serve = Serve::start(&dir.path, &sim);

    // A watcher attaches first; `walink pair` attaches beside it.
    let mut watcher = Attached::to(&serve.socket, OnLoss::Reattach).await;
    let pid = serve.pid();
    watcher
        .until(5, |u| match u {
            Update::Server(ServerLink::Attached { pid: p, .. }) => (*p == pid).then_some(()),
            _ => None,
        })
        .await;
    let data = dir.path.clone();
    let mut pair = tokio::task::spawn_blocking(move || {
        Pairing::start(&data, &["pair", "acme", "--phone", &format!("+{PHONE}")])
    })
    .await
    .expect("pair starts");
    let printed = tokio::task::block_in_place(|| pair.line(|l| l.starts_with("Pairing code:")));
    let code = printed.split_whitespace().nth(2).expect("code").to_owned();

    // The code reached the watcher too, not only the client that asked.
    let seen = watcher
        .until(10, |u| match u {
            Update::CodeIssued { code, .. } => Some(code.to_string()),
            _ => None,
        })
        .await;
    assert_eq!(seen, code);

    let body = format!(r#"{{"phone":"{PHONE}","code":"{code}"}}"#);
    let (status, answer) = sim.call("POST", "/phone/code", &body);
    assert_eq!(status, 200, "{answer}");
    watcher.until(40, connected("acme")).await;
    let (code_exit, out, err) = tokio::task::block_in_place(|| pair.finish());
    assert_eq!(code_exit, 0, "{out}\n{err}");
    assert!(out.contains("Connected."), "{out}");

    // The client that linked is gone; the session is not.
    assert!(device_connected(&sim), "the phone lists the device");
    let status = walink(&dir.path, &["status", "--json"]);
    assert!(status.status.success(), "{}", stderr(&status));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&status)).expect("json");
    assert_eq!(rows[0]["state"], "connected", "{rows}");

    // kill -9: the watcher hears it and reattaches to a new server on its
    // own, which restores the session.
    serve.kill_9();
    watcher
        .until(5, |u| {
            (*u == Update::Server(ServerLink::Lost)).then_some(())
        })
        .await;
    let serve = Serve::start(&dir.path, &sim);
    let pid = serve.pid();
    watcher
        .until(10, |u| match u {
            Update::Server(ServerLink::Attached { pid: p, .. }) => (*p == pid).then_some(()),
            _ => None,
        })
        .await;
    watcher.until(40, connected("acme")).await;
    assert!(device_connected(&sim));
    assert_eq!(serve.terminate(), 0);
}

#[test]
fn a_second_server_or_an_embedded_holder_refuses_serve_with_the_pid() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );

    // An embedded walink holds the directory: `pair --qr` waits for a scan.
    let mut pair = Pairing::start(&dir.path, &["--server", &sim.ws, "pair", "acme", "--qr"]);
    pair.line(|l| l.contains("Scan with WhatsApp"));
    let out = walink(&dir.path, &["--server", &sim.ws, "serve"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("another walink (pid {})", pair.pid())),
        "{err}"
    );
    drop(pair);

    let serve = Serve::start(&dir.path, &sim);
    let out = walink(&dir.path, &["--server", &sim.ws, "serve"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("another walink (pid {})", serve.pid())),
        "{err}"
    );
    // The socket is 0600 and stays the first server's.
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&serve.socket)
            .expect("socket")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    assert!(walink(&dir.path, &["status"]).status.success());
}

#[test]
fn an_attached_command_whose_server_dies_exits_1_with_a_sentence() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    assert!(
        walink(&dir.path, &["company", "add", "acme"])
            .status
            .success()
    );
    let mut serve = Serve::start(&dir.path, &sim);
    let mut pair = Pairing::start(&dir.path, &["pair", "acme", "--qr"]);
    pair.line(|l| l.contains("Scan with WhatsApp"));
    serve.kill_9();
    let (code, out, err) = pair.finish();
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("walink serve went away"), "{err}");
}
