//! `walink serve`'s figures on this machine, printed (not asserted):
//! attach to first frame with 10,000 companies, one state change to the
//! screens of 10 attached dashboards, memory per attached client, and the
//! server's RSS per idle session.
//!
//! `cargo bench --bench serve` (N = 100 linked), `WALINK_BENCH_N=1000 cargo bench --bench serve`.
//! Server, clients and simulator share this process: memory figures are
//! upper bounds for the server alone.

mod common;
mod linked;
use common::{figures, rss_mib};
use linked::{link_all, registry, start};

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use walink::domain::{AttemptId, LinkMethod, SessionState};
use walink::engine::update::fold_rows;
use walink::engine::{Command, SessionRow, Update};
use walink::service::attach::{self, OnLoss};
use walink::sim::{SimConfig, Simulator};
use walink::tui::view::theme::Theme;
use walink::tui::{App, Msg};

const COMPANIES: usize = 10_000;
const DASHBOARDS: usize = 10;
const SAMPLES: usize = 50;
const IDLE_CLIENTS: usize = 50;

fn dashboard_app() -> App {
    App::new(Theme::from_no_color(None), true, None)
}

/// A dashboard as the real one: every update folded, then a frame drawn.
async fn dashboard(socket: &Path, id: usize, seen: mpsc::UnboundedSender<(usize, i64, Instant)>) {
    let conn = attach::connect(socket, "bench").await.expect("attach");
    let (_engine, mut updates) = attach::bridge(conn, socket.into(), "bench".into(), OnLoss::End);
    let mut app = dashboard_app();
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    while let Some(u) = updates.recv().await {
        let changed = match &u {
            Update::StateChanged { company, .. } => Some(*company),
            _ => None,
        };
        let now = walink::tui::run::now();
        app.update(Msg::Engine(u), now);
        term.draw(|f| walink::tui::render(&app, now, f))
            .expect("draw");
        if let Some(company) = changed {
            let _ = seen.send((id, company, Instant::now()));
        }
    }
}

/// Attach, take the snapshot, draw the first frame.
async fn first_frame(socket: &Path) -> Duration {
    let began = Instant::now();
    let conn = attach::connect(socket, "bench").await.expect("attach");
    let (_engine, mut updates) = attach::bridge(conn, socket.into(), "bench".into(), OnLoss::End);
    let mut app = dashboard_app();
    loop {
        let u = updates.recv().await.expect("updates");
        let snapshot = matches!(u, Update::Snapshot(_));
        app.update(Msg::Engine(u), walink::tui::run::now());
        if snapshot {
            break;
        }
    }
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let now = walink::tui::run::now();
    term.draw(|f| walink::tui::render(&app, now, f))
        .expect("draw");
    began.elapsed()
}

/// A client that reads and drops every line, holding nothing.
async fn idle_client(socket: &Path) {
    let mut s = tokio::net::UnixStream::connect(socket)
        .await
        .expect("connect");
    s.write_all(b"{\"protocol\":1,\"pid\":1,\"client\":\"idle\"}\n")
        .await
        .expect("hello");
    let mut lines = BufReader::new(s).lines();
    while let Ok(Some(_)) = lines.next_line().await {}
}

async fn until_connected(updates: &mut mpsc::Receiver<Update>, ids: &HashSet<i64>) {
    let mut rows: Vec<SessionRow> = Vec::new();
    let done = |rows: &[SessionRow]| {
        rows.iter()
            .filter(|r| ids.contains(&r.company) && r.state == SessionState::Connected)
            .count()
            == ids.len()
    };
    while !done(&rows) {
        match tokio::time::timeout(Duration::from_secs(300), updates.recv()).await {
            Ok(Some(u)) => {
                fold_rows(&mut rows, &u);
            }
            other => panic!("sessions never connected: {other:?}"),
        }
    }
}

async fn bench(n: usize) {
    let sim = Simulator::start(SimConfig::default()).await.expect("sim");
    let (_tmp, data, ids) = registry(COMPANIES, n);
    link_all(&sim, &data, &ids).await;

    let rss_empty = rss_mib();
    let (engine, updates) = start(&sim, &data, true);
    let socket = data.socket_path();
    let serving = walink::service::start(socket.clone(), engine.clone(), updates).expect("serve");
    let conn = attach::connect(&socket, "bench").await.expect("attach");
    let (control, mut control_updates) =
        attach::bridge(conn, socket.clone(), "bench".into(), OnLoss::End);
    until_connected(&mut control_updates, &ids).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss = rss_mib();
    println!(
        "{COMPANIES} companies, {n} restored idle sessions: process RSS {rss:.0} MiB \
         ({:.2} MiB per session over the {rss_empty:.0} MiB before, the simulator's side included)",
        (rss - rss_empty) / n as f64
    );

    let mut frames = Vec::new();
    for _ in 0..20 {
        frames.push(first_frame(&socket).await);
    }
    println!(
        "attach to first frame, {COMPANIES} companies: {}",
        figures(frames)
    );

    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    for id in 0..DASHBOARDS {
        let socket = socket.clone();
        let tx = seen_tx.clone();
        tokio::spawn(async move { dashboard(&socket, id, tx).await });
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut latencies = Vec::new();
    for i in 0..SAMPLES {
        let company = (n + i + 1) as i64;
        let sent = Instant::now();
        let link = Command::Link {
            company,
            attempt: AttemptId(1 + i as u64),
            method: LinkMethod::Qr,
            force: true,
            by: "bench".into(),
            invitation: None,
        };
        control.send(link).await.expect("send");
        // The first state change of this company on each dashboard.
        let mut got = HashSet::new();
        while got.len() < DASHBOARDS {
            let (dash, c, at) = seen.recv().await.expect("dashboards");
            if c == company && got.insert(dash) {
                latencies.push(at - sent);
            }
        }
        control
            .send(Command::CancelLink { company })
            .await
            .expect("send");
        tokio::time::sleep(Duration::from_millis(100)).await;
        while seen.try_recv().is_ok() {}
    }
    println!(
        "link command → state change on the screens of {DASHBOARDS} dashboards: {}",
        figures(latencies)
    );

    let before = rss_mib();
    for _ in 0..IDLE_CLIENTS {
        let socket = socket.clone();
        tokio::spawn(async move { idle_client(&socket).await });
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    println!(
        "memory per attached client: {:.2} MiB ({IDLE_CLIENTS} clients, each sent the {COMPANIES}-row snapshot)",
        (rss_mib() - before) / IDLE_CLIENTS as f64
    );
    engine.send(Command::Shutdown).await.expect("engine");
    let _ = tokio::time::timeout(Duration::from_secs(30), serving.hub).await;
}

fn main() {
    let n: usize = std::env::var("WALINK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(bench(n));
}
