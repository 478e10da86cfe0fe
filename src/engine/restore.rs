//! Restoring the linked sessions at start, a few at a time: each holds a
//! ticket (a slot of the gate) until it first connects or gives up, and
//! the admin is told how far it got.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, mpsc};

use super::update::Update;

/// How the start-up restore is going.
#[derive(Debug)]
pub struct Progress {
    pub total: usize,
    settled: AtomicUsize,
    connected: AtomicUsize,
}

impl Progress {
    pub fn new(total: usize) -> Arc<Self> {
        Arc::new(Self {
            total,
            settled: AtomicUsize::new(0),
            connected: AtomicUsize::new(0),
        })
    }
}

/// A restoring session's slot; given back when it connects or ends.
pub struct Ticket {
    _permit: OwnedSemaphorePermit,
    progress: Option<Arc<Progress>>,
}

impl Ticket {
    pub fn new(permit: OwnedSemaphorePermit, progress: Option<Arc<Progress>>) -> Self {
        Self {
            _permit: permit,
            progress,
        }
    }

    /// The session connected: count it, then give the slot back.
    pub fn connected(self) {
        if let Some(p) = &self.progress {
            p.connected.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(p) = &self.progress {
            p.settled.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Say "restoring N / M…" every `every` until all are settled, then how
/// it ended.
pub async fn announce(progress: Arc<Progress>, updates: mpsc::Sender<Update>, every: Duration) {
    let began = Instant::now();
    loop {
        let settled = progress.settled.load(Ordering::Relaxed);
        if settled >= progress.total {
            break;
        }
        let text = format!("restoring linked sessions: {settled} / {}…", progress.total);
        if updates.send(Update::Notice(text)).await.is_err() {
            return;
        }
        tokio::time::sleep(every).await;
    }
    let connected = progress.connected.load(Ordering::Relaxed);
    let text = format!(
        "restored {} linked sessions in {:.0} s: {connected} connected{}",
        progress.total,
        began.elapsed().as_secs_f64().ceil(),
        match progress.total - connected.min(progress.total) {
            0 => String::new(),
            n => format!(", {n} not (their rows say why)"),
        }
    );
    tracing::info!("{text}");
    let _ = updates.send(Update::Notice(text)).await;
}
