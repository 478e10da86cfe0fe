//! Restoring the linked sessions at start, a few at a time: each holds a
//! slot of the gate until WhatsApp accepts its login (or it gives up), and
//! the admin is told how far the restore got. A slot paces handshakes, not
//! the wait after them: whatsapp-rust may sit 10 s after login waiting for
//! an app-state key, and a gate full of such waits must not hold everyone
//! else.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, mpsc};

use super::update::Update;
use crate::keystore::tally;

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

/// A restoring session's slot (given back at login) and its place in the
/// progress (settled when it connects or ends).
pub struct Ticket {
    permit: Option<OwnedSemaphorePermit>,
    progress: Option<Arc<Progress>>,
}

impl Ticket {
    pub fn new(permit: OwnedSemaphorePermit, progress: Option<Arc<Progress>>) -> Self {
        Self {
            permit: Some(permit),
            progress,
        }
    }

    /// A restore that ends before it ever needs a slot (no descriptors
    /// for it): it still counts as settled.
    pub fn without_slot(progress: Option<Arc<Progress>>) -> Self {
        Self {
            permit: None,
            progress,
        }
    }

    /// Logged in: the slot goes to the next session; the progress waits
    /// for `Connected`.
    pub fn logged_in(&mut self) {
        self.permit = None;
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
    // The process's key-store calls so far are the restore's: its load on
    // keys.db (the scale bench reports it).
    let (reads, writes, opens) = (tally::READS.get(), tally::WRITES.get(), tally::OPENS.get());
    tracing::info!(
        "{text}; the key store took {writes} writes and {reads} reads ({:.0} writes/s), \
         {opens} stores opened",
        writes as f64 / began.elapsed().as_secs_f64().max(0.001)
    );
    let _ = updates.send(Update::Notice(text)).await;
}
