//! Whether the socket a session believes up still is. whatsapp-rust emits
//! no `Disconnected` when its keepalive declares a socket dead: its
//! `reconnect_immediately` marks that disconnect as expected. So a session
//! that is Connected watches the client's own flag and reconnect count.

use std::time::Duration;

use tokio::sync::watch;

use super::translate::ClientFact;

/// How often a connected session looks: well below the 35–50 s the
/// keepalive takes to call a socket dead.
const EVERY: Duration = Duration::from_secs(5);

/// One beat for every session of the engine: each session looks when it
/// comes. A timer a session woke the process once per session per look
/// (2,000 thread wakeups a second at 10,000 sessions); on one beat the
/// sessions run one after another on a worker that is awake anyway.
pub fn beat() -> watch::Receiver<()> {
    let (tx, rx) = watch::channel(());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Ends with the engine, whose `Shared` holds the last receiver.
            if tx.send(()).is_err() {
                return;
            }
        }
    });
    rx
}

/// The client's reconnect count when its socket was last reported up;
/// `None` while the session does not believe it is connected.
#[derive(Default)]
pub struct Liveness {
    up: Option<u64>,
}

impl Liveness {
    /// A `Connected` fact. True when the client replaced its socket since
    /// the last one without a word: the drop happened, unseen.
    pub fn connected(&mut self, client: &whatsapp_rust::Client) -> bool {
        let now = client.stats().reconnects;
        let missed = self.up.is_some_and(|seen| now > seen);
        self.up = Some(now);
        missed
    }

    /// Any fact that ends or precedes a socket.
    pub fn down(&mut self) {
        self.up = None;
    }

    /// Pending while the believed socket is up; the `Disconnected` fact once
    /// it is not.
    pub async fn lost(
        &self,
        client: &whatsapp_rust::Client,
        beat: &watch::Receiver<()>,
    ) -> ClientFact {
        let Some(seen) = self.up else {
            return std::future::pending().await;
        };
        let mut beat = beat.clone();
        beat.borrow_and_update();
        // A look costs no wakeup when the session's loop comes round anyway.
        loop {
            if !client.is_connected() || client.stats().reconnects > seen {
                return silent_drop();
            }
            if beat.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }
}

pub fn silent_drop() -> ClientFact {
    ClientFact::Disconnected {
        raw: "the client replaced its socket without an event (the server stopped \
              answering its keepalive, or a reconnect)"
            .into(),
    }
}
