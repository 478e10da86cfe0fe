//! `walink serve` with N linked sessions, measured as its own process
//! (the simulator runs in this one): time to restore all at start, RSS
//! and descriptors per idle session, CPU at rest over 60 s, and a
//! dashboard's keypress-to-redraw latency while the restore runs.
//!
//! `cargo bench --bench scale` (N = 1,000), `WALINK_BENCH_N=10000 cargo
//! bench --bench scale`: serve holds a descriptor a session and its open
//! key stores, this process the simulator's N, all under the hard limit
//! (`ulimit -Hn`). Past it, `WALINK_BENCH_SERVES=K` splits them over K
//! serve processes (K registries on one simulator). `WALINK_BENCH_HTTP=1`
//! runs serve with its HTTP API; `WALINK_BENCH_REST_MINUTES` sets how long
//! it is watched at rest.
//! This machine's two cores are shared by walink, the simulator and the
//! measuring dashboard: the figures are a ceiling.

mod common;
use common::figures;
use common::rss_mib;
mod linked;
use linked::{link_all_from, registry};
mod serve_proc;
use serve_proc::{Serve, own_cpu_secs, own_fds};

use std::time::{Duration, Instant};

use walink::service::attach::{self, OnLoss};
use walink::sim::{SimConfig, Simulator};
use walink::tui::msg::{Action, Msg};

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
    // Paced as the dashboard's own loop paces it: keys at once, updates
    // at most once a frame.
    let mut pace = walink::tui::pace::Pace::default();
    let mut draw_at: Option<tokio::time::Instant> = None;
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
            _ = tokio::time::sleep_until(draw_at.unwrap_or_else(tokio::time::Instant::now)), if draw_at.is_some() => Vec::new(),
        };
        let now = walink::tui::run::now();
        for msg in msgs {
            app.update(msg, now);
        }
        if app.dirty {
            draw_at = pace.hold(now.instant, pressed.is_some());
            if draw_at.is_none() {
                terminal
                    .draw(|f| walink::tui::view::render(&app, now, f))
                    .expect("draw");
                app.dirty = false;
            }
        }
        if let Some(at) = pressed {
            latencies.push(at.elapsed());
        }
    }
    latencies
}

/// What this box charges for `n` bare timers at whatsapp-rust's keepalive
/// cadence (each task wakes every 15–30 s and does nothing), in a runtime
/// like serve's: the floor under walink's CPU at rest, before any protocol
/// work. Seconds of CPU over 60 s.
fn timer_floor(n: usize) -> f64 {
    use whatsapp_rust::wacore::protocol::keepalive::{
        KEEP_ALIVE_INTERVAL_MAX, KEEP_ALIVE_INTERVAL_MIN,
    };
    let (min, span) = (
        KEEP_ALIVE_INTERVAL_MIN.as_millis() as u64,
        (KEEP_ALIVE_INTERVAL_MAX - KEEP_ALIVE_INTERVAL_MIN).as_millis() as u64,
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        for i in 0..n {
            tokio::spawn(async move {
                // xorshift: each timer its own spread over the interval.
                let mut x = (i as u64).wrapping_mul(2_654_435_761) | 1;
                loop {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    tokio::time::sleep(Duration::from_millis(min + x % (span + 1))).await;
                }
            });
        }
        // None wakes before the shortest interval.
        tokio::time::sleep(KEEP_ALIVE_INTERVAL_MIN).await;
        let cpu0 = own_cpu_secs();
        tokio::time::sleep(Duration::from_secs(60)).await;
        own_cpu_secs() - cpu0
    })
}

/// `n` sessions in `k` registries (one `walink serve` each), as even as
/// they split.
fn shares(n: usize, k: usize) -> Vec<usize> {
    (0..k).map(|i| n / k + usize::from(i < n % k)).collect()
}

/// Companies linked by one engine before it stops (its sockets and the
/// simulator's end of them are both in this process). At 2,500 at once on
/// this 2-core box, 1 or 2 of a batch ended logged out in 3 of 4 runs,
/// most likely because the simulated phone waits 30 s for a companion's
/// pair-device-sign and never registers a device whose answer came later.
const LINK_AT_ONCE: usize = 1000;

fn main() {
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = env("WALINK_BENCH_N", 1000);
    let k = env("WALINK_BENCH_SERVES", 1).max(1);
    let shares = shares(n, k);
    let largest = shares[0];
    // This process holds the simulator's side of every connection (N once
    // the serves run); while it links, the linking engine's socket a
    // session too, `LINK_AT_ONCE` at a time. Each serve holds one a session
    // and its open key stores. All under the same hard limit.
    let limit = walink::fdlimit::raise().expect("the open-file limit");
    let budget = limit.soft.saturating_sub(walink::fdlimit::MARGIN) as usize;
    let stores = (walink::fdlimit::KEY_STORE * limit.key_stores()) as usize;
    let linking = 2 * LINK_AT_ONCE.min(largest) + 2 * walink::keystore::OPEN_AT_MOST;
    let each = largest * walink::fdlimit::PER_SESSION as usize + stores;
    assert!(
        n <= budget && linking <= budget && each <= budget,
        "N = {n} over {k} serve(s) needs about {} descriptors in this process and {each} in each \
         walink serve; the hard limit here is {}: raise WALINK_BENCH_SERVES",
        n.max(linking),
        limit.hard
    );
    let floor = timer_floor(n);
    println!(
        "N = {n}: the floor here: {n} bare tokio timers at the keepalive cadence cost {:.2} s \
         over 60 s, {:.1} % of one core",
        floor,
        floor / 60.0 * 100.0
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt
        .block_on(Simulator::start(SimConfig::default()))
        .expect("simulator");
    let (sim_rss0, sim_fds0) = (rss_mib(), own_fds());

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

    let mut registries = Vec::new();
    let mut offset = 0;
    for &share in &shares {
        let (tmp, data, ids) = registry(share, share);
        let mut ids: Vec<i64> = ids.into_iter().collect();
        ids.sort_unstable();
        for chunk in ids.chunks(LINK_AT_ONCE) {
            let chunk = chunk.iter().copied().collect();
            rt.block_on(link_all_from(&sim, &data, &chunk, offset));
        }
        offset += share as i64;
        registries.push((tmp, data));
    }

    // WALINK_BENCH_HTTP=1: the API on too, its journal writing every event.
    let args: &[&str] = if env("WALINK_BENCH_HTTP", 0) == 1 {
        &["--http", "127.0.0.1:0"]
    } else {
        &[]
    };
    let began = Instant::now();
    let began_wall = std::time::SystemTime::now();
    let own_cpu0 = own_cpu_secs();
    let serves: Vec<Serve> = registries
        .iter()
        .map(|(_, data)| Serve::start_with(data, &sim, args))
        .collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watch = rt.spawn(dashboard_latency(
        registries[0].1.socket_path(),
        stop.clone(),
    ));
    // Descriptors sampled while it restores: sockets plus the key stores
    // open at that moment, which only idle ones bound. Twice a second:
    // listing 20,000 descriptors takes 21 ms of CPU on this box, so ten
    // times a second took a fifth of a core from the restore it measured.
    let done = std::sync::atomic::AtomicBool::new(false);
    let peak_fds = std::sync::atomic::AtomicUsize::new(0);
    let lines: Vec<String> = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let fds = serves.iter().map(Serve::fds).sum();
                peak_fds.fetch_max(fds, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(500));
            }
        });
        let lines = serves
            .iter()
            .map(|s| s.restored(Duration::from_secs(1800)))
            .collect();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        lines
    });
    let restore = began.elapsed();
    let peak_fds = peak_fds.into_inner();
    // What the restore cost walink itself: the simulator and the measuring
    // dashboard share this box's two cores with it.
    let restore_cpu: f64 = serves.iter().map(Serve::cpu_secs).sum();
    let beside = own_cpu_secs() - own_cpu0;
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let during = rt.block_on(watch).expect("dashboard");
    let what = if k == 1 {
        "walink serve".to_string()
    } else {
        format!("{k} walink serve processes ({largest} sessions at most each)")
    };
    println!(
        "N = {n}: {what} restored them in {:.1} s from the start",
        restore.as_secs_f64()
    );
    for line in lines {
        println!("  {line}");
    }
    // The restore's shape: a slow start or a long tail shows here.
    let steps: Vec<String> = serves[0]
        .progress(began_wall)
        .iter()
        .map(|(at, settled)| format!("{at:.1} s {settled}"))
        .collect();
    println!(
        "N = {n}: settled, as serve announced it every 2 s (from the start): {}",
        steps.join(", ")
    );
    println!(
        "N = {n}: walink's CPU for it: {restore_cpu:.1} s ({:.1} ms a session); the simulator \
         and the dashboard beside it: {beside:.1} s; the box's {cores} cores were {:.0} % busy with both",
        restore_cpu * 1000.0 / n as f64,
        (restore_cpu + beside) * 100.0 / (cores as f64 * restore.as_secs_f64())
    );
    let calls: Vec<(u64, u64, u64)> = serves.iter().filter_map(Serve::key_store_calls).collect();
    if calls.len() == serves.len() {
        let (writes, reads, opens) = calls.iter().fold((0, 0, 0), |(w, r, o), (cw, cr, co)| {
            (w + cw, r + cr, o + co)
        });
        let secs = restore.as_secs_f64();
        println!(
            "N = {n}: key store during it: {writes} writes ({:.0}/s, {:.1} a session), {reads} reads \
             ({:.0}/s), {opens} device stores opened ({:.2} a session)",
            writes as f64 / secs,
            writes as f64 / n as f64,
            reads as f64 / secs,
            opens as f64 / n as f64
        );
    } else {
        println!("N = {n}: key store during it: not in serve's log");
    }
    println!(
        "N = {n}: walink's descriptors during it: {peak_fds} at most ({:.2} a session)",
        peak_fds as f64 / n as f64
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
    let rss: f64 = serves.iter().map(Serve::rss_mib).sum();
    let fds: usize = serves.iter().map(Serve::fds).sum();
    let (empty_rss, empty_fds) = (base_rss * k as f64, base_fds * k);
    println!(
        "N = {n}: walink RSS {rss:.0} MiB ({empty_rss:.0} MiB empty): {:.3} MiB per idle session",
        (rss - empty_rss) / n as f64
    );
    println!(
        "N = {n}: walink's descriptors {fds} ({empty_fds} empty): {:.2} per session",
        (fds - empty_fds) as f64 / n as f64
    );
    let (sim_rss, sim_fds) = (rss_mib(), own_fds());
    println!(
        "N = {n}: the simulator holds {} descriptors ({:.2} a connection) and {:.0} MiB more RSS \
         ({:.3} MiB a connection)",
        sim_fds - sim_fds0,
        (sim_fds - sim_fds0) as f64 / n as f64,
        sim_rss - sim_rss0,
        (sim_rss - sim_rss0) / n as f64
    );
    // Each minute after the restore separately: a session's first minutes
    // still carry its post-login work; rest is where the figures flatten.
    let minutes = env("WALINK_BENCH_REST_MINUTES", 1).max(1);
    for minute in 1..=minutes {
        let cpu0: f64 = serves.iter().map(Serve::cpu_secs).sum();
        let sim_cpu0 = own_cpu_secs();
        std::thread::sleep(Duration::from_secs(60));
        let cpu = serves.iter().map(Serve::cpu_secs).sum::<f64>() - cpu0;
        let sim_cpu = own_cpu_secs() - sim_cpu0;
        println!(
            "N = {n}: minute {minute} at rest: walink's CPU {:.2} s, {:.1} % of one core; \
             the simulator's {:.2} s, {:.1} %",
            cpu,
            cpu / 60.0 * 100.0,
            sim_cpu,
            sim_cpu / 60.0 * 100.0
        );
    }
    // Key stores unused for `IDLE` are closed by now: what a session
    // holds at rest.
    let fds: usize = serves.iter().map(Serve::fds).sum();
    println!(
        "N = {n}: at rest, walink's descriptors {fds} ({empty_fds} empty): {:.2} per session \
         (target ≤ 1.1)",
        (fds - empty_fds) as f64 / n as f64
    );
    let rss: f64 = serves.iter().map(Serve::rss_mib).sum();
    println!(
        "N = {n}: at rest, walink RSS {rss:.0} MiB: {:.0} KiB per idle session (target ≤ 150)",
        (rss - empty_rss) * 1024.0 / n as f64
    );
    for serve in serves {
        serve.stop();
    }
}
