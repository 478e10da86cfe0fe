//! `walink serve` as its own process, for the benchmarks that measure it
//! from outside: its RSS, descriptors and CPU from /proc.
#![allow(dead_code)] // each bench uses its part

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use walink::sim::Simulator;

pub struct Serve {
    child: Child,
    log: tempfile::NamedTempFile,
}

impl Serve {
    /// `walink serve`; it raises its soft descriptor limit to the hard one.
    pub fn start(data: &walink::config::DataDir, sim: &Simulator) -> Self {
        Self::start_with(data, sim, &[])
    }

    /// `walink serve ARGS…`.
    pub fn start_with(data: &walink::config::DataDir, sim: &Simulator, args: &[&str]) -> Self {
        let log = tempfile::NamedTempFile::new().expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_walink"))
            .arg("--data-dir")
            .arg(data.root())
            // The restore's own line (with its key-store calls) at info.
            .args(["--log-level", "warn,walink::engine::restore=info"])
            .args(["--server", &sim.url(), "serve"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("log"))
            .envs(extra_env())
            .spawn()
            .expect("walink serve");
        Self { child, log }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    pub fn proc(&self, file: &str) -> String {
        std::fs::read_to_string(format!("/proc/{}/{file}", self.child.id())).unwrap_or_default()
    }

    pub fn rss_mib(&self) -> f64 {
        self.proc("status")
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    pub fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).map_or(0, Iterator::count)
    }

    /// User + system CPU seconds so far.
    pub fn cpu_secs(&self) -> f64 {
        cpu_secs(&self.proc("stat"))
    }

    /// Until serve says how the restore ended.
    pub fn restored(&self, within: Duration) -> String {
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

    /// The restore's calls into the key store, from serve's restore line:
    /// (writes, reads, device stores opened).
    pub fn key_store_calls(&self) -> Option<(u64, u64, u64)> {
        let log = self.stderr();
        let line = log.lines().find(|l| l.contains("the key store took"))?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let before = |word: &str| {
            let at = words.iter().position(|w| *w == word)?;
            words.get(at.checked_sub(1)?)?.parse().ok()
        };
        Some((before("writes")?, before("reads")?, before("stores")?))
    }

    /// The restore's progress as serve announced it every 2 s ("restoring
    /// linked sessions: X / N…"): seconds from `since`, settled.
    pub fn progress(&self, since: std::time::SystemTime) -> Vec<(f64, usize)> {
        let since = chrono::DateTime::<chrono::Utc>::from(since);
        self.stderr()
            .lines()
            .filter_map(|l| {
                let (_, rest) = l.split_once("restoring linked sessions: ")?;
                let settled = rest.split_whitespace().next()?.parse().ok()?;
                let at = chrono::DateTime::parse_from_rfc3339(l.split_whitespace().next()?).ok()?;
                Some(((at.to_utc() - since).as_seconds_f64(), settled))
            })
            .collect()
    }

    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// `WALINK_BENCH_SERVE_ENV=K=V,K=V`: more environment for serve alone, to
/// try a setting (`TOKIO_WORKER_THREADS=1`, say) without the simulator's.
fn extra_env() -> Vec<(String, String)> {
    std::env::var("WALINK_BENCH_SERVE_ENV")
        .unwrap_or_default()
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

impl Drop for Serve {
    /// A failed run must not leave a server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User + system CPU seconds in a /proc/PID/stat line.
pub fn cpu_secs(stat: &str) -> f64 {
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat: 11 and 12 here.
    (ticks(11) + ticks(12)) / 100.0
}

/// This process: the simulator, once the linking is over.
pub fn own_cpu_secs() -> f64 {
    cpu_secs(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default())
}

pub fn own_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}
