//! The server's fan-out: every engine update is folded into the mirror,
//! encoded once, and offered to each attached client's bounded queue. A
//! client whose queue is full has stopped reading (a frozen SSH session):
//! it is dropped, so it never slows the engine or the other clients; it
//! reattaches and gets a fresh snapshot.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use super::event::Event;
use super::mirror::Mirror;
use super::wire::WireUpdate;
use crate::engine::Update;

/// Lines waiting for one client. A snapshot of 10,000 rows is one line;
/// this bounds what a stalled client can hold to a few MiB.
pub const CLIENT_QUEUE: usize = 1024;

/// One encoded line, shared by every client's queue.
pub type Line = Arc<str>;

/// A client as the hub sees it: where its lines go, and how to cut it off.
pub struct ClientTx {
    pub id: u64,
    pub label: String,
    pub lines: mpsc::Sender<Line>,
    pub kick: CancellationToken,
}

pub enum HubMsg {
    Attach(ClientTx),
    /// News from beside the engine (webhook deliveries), told like its own.
    Publish(Update),
}

/// How in-process parts of the server (webhooks) tell every client.
#[derive(Clone)]
pub struct Publisher(pub(super) mpsc::UnboundedSender<HubMsg>);

impl Publisher {
    pub fn publish(&self, update: Update) {
        let _ = self.0.send(HubMsg::Publish(update));
    }
}

pub fn encode(update: &Update, now: Instant) -> Option<Line> {
    let wire = WireUpdate::from_update(update, now)?;
    match serde_json::to_string(&wire) {
        Ok(text) => Some(text.into()),
        Err(e) => {
            tracing::error!("cannot encode an update for clients: {e}");
            None
        }
    }
}

/// What in-process adapters read: the mirror (behind a lock held only
/// for a fold or a read, never across an await) and the live events.
#[derive(Clone)]
pub struct View {
    pub mirror: Arc<RwLock<Mirror>>,
    pub events: tokio::sync::broadcast::Sender<Arc<Event>>,
}

impl View {
    pub fn new() -> Self {
        Self {
            mirror: Arc::default(),
            events: tokio::sync::broadcast::channel(4096).0,
        }
    }

    pub fn read<T>(&self, f: impl FnOnce(&Mirror) -> T) -> T {
        f(&self.mirror.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Default for View {
    fn default() -> Self {
        Self::new()
    }
}

pub struct Hub {
    view: View,
    clients: HashMap<u64, ClientTx>,
    next_event: u64,
}

impl Hub {
    pub fn new(view: View, first_event: u64) -> Self {
        Self {
            view,
            clients: HashMap::new(),
            next_event: first_event.max(1),
        }
    }

    /// Until the engine stops (`Update::Stopped`) or its channel closes.
    pub async fn run(
        mut self,
        mut updates: mpsc::Receiver<Update>,
        mut attach: mpsc::UnboundedReceiver<HubMsg>,
    ) {
        loop {
            tokio::select! {
                biased;
                update = updates.recv() => match update {
                    None | Some(Update::Stopped) => break,
                    Some(Update::Echo(update)) => self.publish_as(&update, true),
                    Some(update) => self.publish(&update),
                },
                Some(msg) = attach.recv() => match msg {
                    HubMsg::Attach(client) => self.attach(client),
                    HubMsg::Publish(Update::Echo(update)) => self.publish_as(&update, true),
                    HubMsg::Publish(update) => self.publish(&update),
                },
            }
        }
        for client in self.clients.values() {
            client.kick.cancel();
        }
    }

    fn publish(&mut self, update: &Update) {
        self.publish_as(update, false);
    }

    fn publish_as(&mut self, update: &Update, echo: bool) {
        let mut mirror = self
            .view
            .mirror
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // Read before the fold, so a removal still finds its row.
        let slug = match update {
            Update::CompanyAdded(row) => Some(row.slug.clone()),
            _ => update.company().and_then(|c| mirror.slug(c)),
        };
        let event = Arc::new(Event {
            id: self.next_event,
            update: update.clone(),
            slug,
            echo,
        });
        self.next_event += 1;
        mirror.apply(update, &event);
        drop(mirror);
        // Nobody listening is fine.
        let _ = self.view.events.send(event);
        if let Update::Notice(text) = update {
            tracing::warn!("{text}");
        }
        let Some(line) = encode(update, Instant::now()) else {
            return;
        };
        self.clients.retain(|_, c| offer(c, &line));
    }

    fn attach(&mut self, client: ClientTx) {
        let now = Instant::now();
        let replay = self.view.read(|m| m.replay(now));
        for update in replay {
            let Some(line) = encode(&update, now) else {
                continue;
            };
            if !offer(&client, &line) {
                return;
            }
        }
        tracing::info!(client = client.id, what = %client.label, "attached");
        self.clients.insert(client.id, client);
    }
}

/// Queue a line for one client; false when it is gone or dropped.
fn offer(client: &ClientTx, line: &Line) -> bool {
    match client.lines.try_send(line.clone()) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!(
                client = client.id,
                what = %client.label,
                "dropped an attached client: it stopped reading ({CLIENT_QUEUE} updates behind)"
            );
            client.kick.cancel();
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}
