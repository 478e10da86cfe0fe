//! `walink serve`'s local side: the control socket that dashboards and
//! commands attach to. The engine stays the only owner of sessions; this
//! carries its `Command`s in and its `Update`s out.

pub mod attach;
pub mod convert;
mod convert_command;
mod convert_row;
pub mod event;
pub mod follow;
pub mod hub;
pub mod listen;
pub mod mirror;
pub mod relay;
pub mod wire;

use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::engine::{EngineHandle, Update};
use wire::{Greeting, PROTOCOL};

/// A server at work: its fan-out ends when the engine reports `Stopped`.
pub struct Serving {
    pub socket: PathBuf,
    pub hub: JoinHandle<()>,
    /// For in-process adapters (the HTTP API).
    pub view: hub::View,
    pub engine: EngineHandle,
    pub publisher: hub::Publisher,
    stop: CancellationToken,
}

/// Listen on `socket` and serve the engine's updates to every client.
pub fn start(
    socket: PathBuf,
    engine: EngineHandle,
    updates: mpsc::Receiver<Update>,
) -> std::io::Result<Serving> {
    start_at(socket, engine, updates, 1)
}

/// As `start`, numbering events from `first_event` (after the ones a
/// previous server kept in the registry).
pub fn start_at(
    socket: PathBuf,
    engine: EngineHandle,
    updates: mpsc::Receiver<Update>,
    first_event: u64,
) -> std::io::Result<Serving> {
    let listener = listen::bind(&socket)?;
    let (hub_tx, hub_rx) = mpsc::unbounded_channel();
    let view = hub::View::new();
    let hub = tokio::spawn(hub::Hub::new(view.clone(), first_event).run(updates, hub_rx));
    let stop = CancellationToken::new();
    let publisher = hub::Publisher(hub_tx.clone());
    let accept = listen::Accept {
        engine: engine.clone(),
        hub: hub_tx,
        welcome: Greeting::Welcome {
            protocol: PROTOCOL,
            pid: std::process::id(),
            started_at: crate::store::now_unix(),
        },
        stop: stop.clone(),
    };
    tokio::spawn(listen::accept_loop(listener, accept));
    Ok(Serving {
        socket,
        hub,
        view,
        engine,
        publisher,
        stop,
    })
}

impl Serving {
    /// Stops when the socket closes (and every client is dropped).
    pub fn stopping(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Close the socket and drop every client (after the engine stopped).
    pub fn close(self) {
        self.stop.cancel();
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// The first attempt id of this process: several clients of one server
/// each number their attempts, and an update must find only its own.
pub fn first_attempt() -> crate::domain::AttemptId {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or_default();
    crate::domain::AttemptId((u64::from(std::process::id()) << 32) | nanos)
}
