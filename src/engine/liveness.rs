//! Whether the socket a session believes up still is. whatsapp-rust emits
//! no `Disconnected` when it closes a socket itself (its keepalive calling
//! one dead, a failed write): its `reconnect_immediately` marks that
//! disconnect as expected. Every such close goes through the transport's
//! `disconnect`, so the session's transports are numbered and each says
//! when it is closed: the session hears the drop at once, and a connected
//! session wakes only when one of its own sockets closes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;
use whatsapp_rust::bytes::Bytes;
use whatsapp_rust::transport::{Transport, TransportEvent};

use super::translate::ClientFact;

type Opened = (Arc<dyn Transport>, async_channel::Receiver<TransportEvent>);

/// One session's sockets: how many whatsapp-rust opened (numbered from 1)
/// and the highest number it closed itself.
#[derive(Clone)]
pub struct Sockets(Arc<Counts>);

struct Counts {
    opened: AtomicU64,
    closed: watch::Sender<u64>,
}

impl Default for Sockets {
    fn default() -> Self {
        Self(Arc::new(Counts {
            opened: AtomicU64::new(0),
            closed: watch::Sender::new(0),
        }))
    }
}

impl Sockets {
    /// Number a transport whatsapp-rust is about to use.
    pub fn watch(&self, (transport, events): Opened) -> Opened {
        let number = self.0.opened.fetch_add(1, Ordering::AcqRel) + 1;
        let watched = Watched {
            inner: transport,
            number,
            counts: Arc::clone(&self.0),
        };
        (Arc::new(watched), events)
    }

    /// The number of the socket opened last.
    pub fn opened(&self) -> u64 {
        self.0.opened.load(Ordering::Acquire)
    }

    /// The highest number whatsapp-rust closed.
    pub fn closed(&self) -> u64 {
        *self.0.closed.borrow()
    }
}

/// A transport that says when whatsapp-rust closes it.
struct Watched {
    inner: Arc<dyn Transport>,
    number: u64,
    counts: Arc<Counts>,
}

#[whatsapp_rust::async_trait]
impl Transport for Watched {
    async fn send(&self, data: Bytes) -> Result<(), whatsapp_rust::anyhow::Error> {
        self.inner.send(data).await
    }

    async fn disconnect(&self) {
        self.counts.closed.send_if_modified(|closed| {
            let newer = self.number > *closed;
            if newer {
                *closed = self.number;
            }
            newer
        });
        self.inner.disconnect().await;
    }

    fn resource_report(&self) -> Option<whatsapp_rust::wacore::stats::TransportResourceReport> {
        self.inner.resource_report()
    }
}

/// What the session saw when its socket was last reported up.
#[derive(Clone, Copy)]
struct Up {
    /// The client's reconnect count.
    reconnects: u64,
    /// The socket that came up: the one opened last.
    socket: u64,
}

/// `None` while the session does not believe it is connected.
#[derive(Default)]
pub struct Liveness {
    up: Option<Up>,
}

impl Liveness {
    /// A `Connected` fact. True when the client replaced its socket since
    /// the last one without a word: the drop happened, unseen.
    pub fn connected(&mut self, client: &whatsapp_rust::Client, sockets: &Sockets) -> bool {
        let now = client.stats().reconnects;
        let missed = self.up.is_some_and(|seen| now > seen.reconnects);
        self.up = Some(Up {
            reconnects: now,
            socket: sockets.opened(),
        });
        missed
    }

    /// Any fact that ends or precedes a socket.
    pub fn down(&mut self) {
        self.up = None;
    }

    /// Pending while the believed socket is up; the `Disconnected` fact once
    /// it is not.
    pub async fn lost(&self, client: &whatsapp_rust::Client, sockets: &Sockets) -> ClientFact {
        let Some(up) = self.up else {
            return std::future::pending().await;
        };
        let mut closed = sockets.0.closed.subscribe();
        // Dropped between the fact and now: no close will come to wake it.
        if !client.is_connected() || client.stats().reconnects > up.reconnects {
            return silent_drop();
        }
        // No socket of ours came up (none numbered): nothing will say.
        if up.socket == 0 || closed.wait_for(|c| *c >= up.socket).await.is_err() {
            return std::future::pending().await;
        }
        silent_drop()
    }
}

/// whatsapp-rust closed the socket itself, as it happened.
pub fn silent_drop() -> ClientFact {
    ClientFact::Disconnected {
        raw: "whatsapp-rust closed its socket without an event (the server stopped \
              answering its keepalive, a write failed, or a reconnect)"
            .into(),
    }
}

/// A socket came up with no close seen for the one before: known only now.
pub fn missed_drop() -> ClientFact {
    ClientFact::Disconnected {
        raw: "whatsapp-rust replaced its socket without an event, seen only once the new \
              one was up"
            .into(),
    }
}
