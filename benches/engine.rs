//! Engine figures on this machine, printed (not asserted), release build:
//! RSS per idle connected session, CPU at rest, time to restore every
//! session at start-up, and Enter-to-code latency (Link sent → CodeIssued).
//!
//! `cargo bench --bench engine` (N = 100), `WALINK_BENCH_N=1000 cargo bench --bench engine`.
//! The simulator runs in the same process, so RSS and CPU include its side
//! of every connection: the figures are an upper bound for walink alone.

mod common;
mod linked;
use common::rss_mib;
use linked::{all_connected, link_all, registry, shared_phone, start, stop};

use std::time::{Duration, Instant};

use walink::domain::{AttemptId, LinkMethod, Phone};
use walink::engine::{Command, Update};
use walink::sim::{SimConfig, Simulator};

const CODE_SAMPLES: usize = 20;

/// utime + stime of this process, in clock ticks (100 a second here).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

async fn bench(n: usize) {
    let sim = Simulator::start(SimConfig::default()).await.expect("sim");
    let (_tmp, data, ids) = registry(n + CODE_SAMPLES, n);
    link_all(&sim, &data, &ids).await;

    // Restore them all, as at start-up.
    let fds_before = open_fds();
    let restoring = Instant::now();
    let (engine, mut updates) = start(&sim, &data, true);
    all_connected(&mut updates, &ids, &sim, &shared_phone(0)).await;
    let restore_took = restoring.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let per_session = (open_fds().saturating_sub(fds_before)) as f64 / n as f64;
    // The simulator runs in this process: one of each session's descriptors
    // is its end of the socket.
    println!(
        "N = {n}: {per_session:.2} open files per connected session, the simulator's socket end included \
         (walink's own: {:.2}; walink::fdlimit::PER_SESSION assumes {})",
        per_session - 1.0,
        walink::fdlimit::PER_SESSION
    );
    let rss_after = rss_mib();
    // RSS grows with the first engine and is not returned to the system,
    // so the whole process over N is the honest upper bound per session.
    println!(
        "N = {n}: restored every session in {:.1} s; process RSS {:.0} MiB with {n} idle connected sessions \
         and the simulator's side of each: at most {:.2} MiB per session",
        restore_took.as_secs_f64(),
        rss_after,
        rss_after / n as f64
    );

    let ticks = cpu_ticks();
    let rest = Instant::now();
    // Drain updates while idle so nothing backs up.
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while updates.recv().await.is_some() {}
    })
    .await;
    let cpu = (cpu_ticks() - ticks) as f64 / 100.0 / rest.elapsed().as_secs_f64() * 100.0;
    println!("N = {n}: CPU at rest over 30 s: {cpu:.2} % of one core");

    // Enter-to-code: Link with a code sent → CodeIssued.
    let mut samples = Vec::new();
    for i in 0..CODE_SAMPLES {
        let company = (n + i + 1) as i64;
        let phone = Phone::parse(&format!("+7 901 {:03} {:04}", i, i), None).expect("phone");
        let sent = Instant::now();
        engine
            .send(Command::Link {
                company,
                attempt: AttemptId(1),
                method: LinkMethod::Code { phone },
                force: false,
                by: "bench".into(),
                invitation: None,
            })
            .await
            .expect("engine");
        loop {
            match tokio::time::timeout(Duration::from_secs(60), updates.recv()).await {
                Ok(Some(Update::CodeIssued { company: c, .. })) if c == company => break,
                Ok(Some(_)) => {}
                other => panic!("no code: {other:?}"),
            }
        }
        samples.push(sent.elapsed());
        engine
            .send(Command::CancelLink { company })
            .await
            .expect("engine");
    }
    samples.sort();
    println!(
        "Enter-to-code ({} samples): median {:.0} ms, p99 {:.0} ms",
        samples.len(),
        samples[samples.len() / 2].as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3
    );
    stop(&engine, &mut updates).await;
}

/// Open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

fn main() {
    let n: usize = std::env::var("WALINK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(bench(n));
}
