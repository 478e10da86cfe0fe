//! Simulator figures on this machine, printed (not asserted):
//! - handshake + first QR latency of a fresh real client (median, p99);
//! - how many real clients one simulator links and holds.
//!
//! `cargo bench --bench sim` (N = 100), `WALINK_BENCH_N=1000 cargo bench --bench sim`.

mod common;
use common::rss_mib;

use std::time::{Duration, Instant};

use walink::engine::client::{self, ClientOptions};
use walink::engine::server::SANDBOX_WA_VERSION;
use walink::engine::translate::ClientFact;
use walink::sim::{SimConfig, Simulator};

const LATENCY_SAMPLES: usize = 60;

fn options(sim: &Simulator) -> ClientOptions {
    ClientOptions {
        server: Some(sim.url()),
        version: Some(SANDBOX_WA_VERSION),
        offline: true,
        push_name: Some("Bench".into()),
        pair_code_phone: None,
        ..ClientOptions::default()
    }
}

/// Start a fresh client and return it with its first QR and the time taken.
/// A running client: its events, the subscription that feeds them, its handle.
struct Running {
    events: walink::engine::translate::WaEvents,
    _subscription: whatsapp_rust::prelude::Subscription,
}

async fn first_qr(
    sim: &Simulator,
    dir: &std::path::Path,
    i: usize,
) -> (Running, whatsapp_rust::bot::BotHandle, String, Duration) {
    let started = Instant::now();
    let keys = walink::engine::KeySource::File(dir.join(format!("c{i}.db")));
    let built = client::build(&keys, &options(sim), None)
        .await
        .expect("build");
    let handle = built.bot.spawn();
    let qr = loop {
        match tokio::time::timeout(Duration::from_secs(60), built.events.next_fact()).await {
            Ok(Some(ClientFact::QrCode { payload, .. })) => break payload,
            Ok(Some(_)) => {}
            other => panic!("no QR: {other:?}"),
        }
    };
    let running = Running {
        events: built.events,
        _subscription: built.subscription,
    };
    (running, handle, qr, started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

async fn latency() {
    let sim = Simulator::start(SimConfig::default()).await.expect("sim");
    let dir = tempfile::tempdir().expect("tmp");
    let mut samples = Vec::new();
    for i in 0..LATENCY_SAMPLES {
        let (_built, handle, _qr, took) = first_qr(&sim, dir.path(), i).await;
        samples.push(took);
        handle.abort();
    }
    samples.sort();
    println!(
        "handshake + first QR, fresh client ({} samples): median {:.1} ms, p99 {:.1} ms",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3
    );
}

async fn capacity(n: usize) {
    let sim = Simulator::start(SimConfig::default()).await.expect("sim");
    let dir = tempfile::tempdir().expect("tmp");
    let rss_before = rss_mib();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(64));
    for i in 0..n {
        let (built, handle, qr, _) = {
            let _permit = gate.clone().acquire_owned().await.expect("gate");
            first_qr(&sim, dir.path(), i).await
        };
        // Four companions per phone at most, as WhatsApp allows.
        let phone = sim.phone(&format!("7900{:07}", i / 4));
        tasks.spawn(async move {
            phone.scan_qr(&qr).await.expect("scan");
            loop {
                match tokio::time::timeout(Duration::from_secs(120), built.events.next_fact()).await
                {
                    Ok(Some(ClientFact::Connected)) => break,
                    Ok(Some(_)) => {}
                    other => panic!("client {i} never connected: {other:?}"),
                }
            }
            (built, handle)
        });
    }
    let mut held = Vec::new();
    while let Some(done) = tasks.join_next().await {
        held.push(done.expect("client"));
    }
    let linked_in = started.elapsed();
    tokio::time::sleep(Duration::from_secs(30)).await;
    let connected = sim
        .registered_devices()
        .iter()
        .filter(|d| d.connected)
        .count();
    println!(
        "N = {n}: all linked and Connected in {:.1} s; {connected}/{n} still connected after 30 s; \
         process RSS {:.0} MiB (+{:.0} MiB, {:.2} MiB per client incl. the client itself)",
        linked_in.as_secs_f64(),
        rss_mib(),
        rss_mib() - rss_before,
        (rss_mib() - rss_before) / n as f64
    );
    for (_built, handle) in held {
        handle.abort();
    }
}

fn main() {
    let n: usize = std::env::var("WALINK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        latency().await;
        capacity(n).await;
    });
}
