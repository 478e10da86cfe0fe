//! `walink serve` with N linked sessions, measured as its own process
//! (the simulator runs in this one): time to restore all at start, RSS
//! and descriptors per idle session, CPU at rest over 60 s, and a
//! dashboard's keypress-to-redraw latency while the restore runs.
//!
//! `cargo bench --bench scale` (N = 1,000), `WALINK_BENCH_N=3500 cargo
//! bench --bench scale`: N sessions need 4 N descriptors in serve and 5 N
//! here while linking, under each process's hard limit (`ulimit -Hn`).
//! This machine's two cores are shared by walink, the simulator and the
//! measuring dashboard: the figures are a ceiling.

mod common;
use common::figures;
mod linked;
use linked::{link_all, registry};

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use walink::service::attach::{self, OnLoss};
use walink::sim::{SimConfig, Simulator};
use walink::tui::msg::{Action, Msg};

struct Serve {
    child: Child,
    log: tempfile::NamedTempFile,
}

impl Serve {
    /// `walink serve`; it raises its soft descriptor limit to the hard one.
    fn start(data: &walink::config::DataDir, sim: &Simulator) -> Self {
        let log = tempfile::NamedTempFile::new().expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_walink"))
            .arg("--data-dir")
            .arg(data.root())
            .args(["--log-level", "warn", "--server", &sim.url(), "serve"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("log"))
            .spawn()
            .expect("walink serve");
        Self { child, log }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    fn proc(&self, file: &str) -> String {
        std::fs::read_to_string(format!("/proc/{}/{file}", self.child.id())).unwrap_or_default()
    }

    fn rss_mib(&self) -> f64 {
        self.proc("status")
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).map_or(0, Iterator::count)
    }

    /// User + system CPU seconds so far.
    fn cpu_secs(&self) -> f64 {
        let stat = self.proc("stat");
        // Fields after the command name, which is in parentheses.
        let rest = stat.rsplit(')').next().unwrap_or_default();
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        // utime and stime are fields 14 and 15 of stat: 11 and 12 here.
        (ticks(11) + ticks(12)) / 100.0
    }

    /// Until serve says how the restore ended.
    fn restored(&self, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let log = self.stderr();
            if let Some(line) = log.lines().find(|l| l.contains("restored ")) {
                return line.to_owned();
            }
            assert!(Instant::now() < deadline, "no end of the restore: {log}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    /// A failed run must not leave a server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A dashboard (the real App and view, drawn into a test terminal) attached
/// to serve, pressing a key every 50 ms until `stop`: key → drawn, as the
/// dashboard's own loop would take it between the updates it folds.
async fn dashboard_latency(
    socket: std::path::PathBuf,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<Duration> {
    let conn = loop {
        match attach::connect(&socket, "bench").await {
            Ok(c) => break c,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let (_engine, mut updates) = attach::bridge(conn, socket, "bench".into(), OnLoss::End);
    let theme = walink::tui::view::theme::Theme::colored();
    let mut app = walink::tui::App::new(theme, false, None);
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("terminal");
    let mut keys = tokio::time::interval(Duration::from_millis(50));
    let mut batch = Vec::with_capacity(64);
    let mut latencies = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let mut pressed = None;
        let msgs: Vec<Msg> = tokio::select! {
            n = updates.recv_many(&mut batch, 64) => {
                if n == 0 { break; }
                batch.drain(..).map(Msg::Engine).collect()
            }
            _ = keys.tick() => {
                pressed = Some(Instant::now());
                vec![Msg::Action(Action::SelectNext)]
            }
        };
        let now = walink::tui::run::now();
        for msg in msgs {
            app.update(msg, now);
        }
        if app.dirty {
            terminal
                .draw(|f| walink::tui::view::render(&app, now, f))
                .expect("draw");
            app.dirty = false;
        }
        if let Some(at) = pressed {
            latencies.push(at.elapsed());
        }
    }
    latencies
}

fn main() {
    let n: usize = std::env::var("WALINK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    // This process holds the simulator's side of every connection, and the
    // linking engine's four descriptors a session while it links: five a
    // session under one hard limit.
    let limit = walink::fdlimit::raise().expect("the open-file limit");
    let fits = (limit.soft.saturating_sub(walink::fdlimit::MARGIN) / 5) as usize;
    assert!(
        n <= fits,
        "N = {n} needs about {} descriptors in this process (linking) and {} in walink serve; \
         the hard limit here is {}: at most N = {fits}",
        n * 5,
        n * 4,
        limit.hard
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt
        .block_on(Simulator::start(SimConfig::default()))
        .expect("simulator");

    // An empty serve first: what walink costs before any session.
    let (_empty_tmp, empty, _) = registry(0, 0);
    let base = Serve::start(&empty, &sim);
    // Nothing to restore: settled once it listens.
    while std::os::unix::net::UnixStream::connect(empty.socket_path()).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(2));
    let (base_rss, base_fds) = (base.rss_mib(), base.fds());
    base.stop();

    let (_tmp, data, ids) = registry(n, n);
    rt.block_on(link_all(&sim, &data, &ids));

    let began = Instant::now();
    let serve = Serve::start(&data, &sim);
    let socket = data.socket_path();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watch = rt.spawn(dashboard_latency(socket, stop.clone()));
    let line = serve.restored(Duration::from_secs(1800));
    let restore = began.elapsed();
    // What the restore cost walink itself: the simulator and the measuring
    // dashboard share this box's two cores with it.
    let restore_cpu = serve.cpu_secs();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let during = rt.block_on(watch).expect("dashboard");
    println!(
        "N = {n}: walink serve restored them in {:.1} s from its start ({line})",
        restore.as_secs_f64()
    );
    println!(
        "N = {n}: walink serve's CPU for it: {restore_cpu:.1} s ({:.1} ms a session)",
        restore_cpu * 1000.0 / n as f64
    );
    if during.is_empty() {
        println!("N = {n}: no keypress measured (the restore ended before a dashboard attached)");
    } else {
        println!(
            "N = {n}: keypress → redraw on a dashboard attached during the restore (target p99 < 50 ms): {}",
            figures(during)
        );
    }

    std::thread::sleep(Duration::from_secs(5));
    let (rss, fds) = (serve.rss_mib(), serve.fds());
    println!(
        "N = {n}: walink serve RSS {rss:.0} MiB ({base_rss:.0} MiB empty): {:.3} MiB per idle session",
        (rss - base_rss) / n as f64
    );
    println!(
        "N = {n}: descriptors {fds} ({base_fds} empty): {:.2} per session",
        (fds - base_fds) as f64 / n as f64
    );
    let cpu0 = serve.cpu_secs();
    std::thread::sleep(Duration::from_secs(60));
    let cpu = serve.cpu_secs() - cpu0;
    println!(
        "N = {n}: CPU at rest over 60 s: {:.2} s, {:.1} % of one core",
        cpu,
        cpu / 60.0 * 100.0
    );
    serve.stop();
}
