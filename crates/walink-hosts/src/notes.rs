//! Notes between hosts, over PostgreSQL's LISTEN/NOTIFY:
//! - a nudge: a host took work for a company another host runs (a message
//!   queued through its API). The work is in the database already; the
//!   nudge only says where to look, so one that is lost delays, never loses;
//! - a forward: a command for a company another host runs (a link, a
//!   logout), carried to that host;
//! - a relay: what happened to a company on the host that runs it (a code,
//!   a QR, a link), told to the others for their clients.
//!
//! A note is heard only by hosts listening when it is sent: forwards and
//! relays are live news, and their askers time out with a sentence.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::{Database, Error};

/// Work queued for a company (payload: its slug).
pub const NUDGE: &str = "walink_nudge";
/// A command for the host that runs a company.
pub const FORWARD: &str = "walink_forward";
/// A company's news from the host that runs it.
pub const RELAY: &str = "walink_relay";

/// PostgreSQL refuses a payload of 8,000 bytes or more.
pub const MOST: usize = 7_999;

/// How long a host waits before listening again after losing the connection.
const AGAIN: Duration = Duration::from_secs(2);

/// What a listening host heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Note {
        channel: String,
        payload: String,
    },
    /// Listening again after the connection was lost: whatever was sent
    /// meanwhile was missed.
    Again,
}

impl Database {
    /// Tell every host that `company` has work; the one that runs it acts.
    pub async fn nudge(&self, company: &str) -> Result<(), Error> {
        self.note(NUDGE, company).await
    }

    /// Send `payload` (under `MOST` bytes) on `channel` to every listening host.
    pub async fn note(&self, channel: &str, payload: &str) -> Result<(), Error> {
        self.client()
            .await?
            .execute("SELECT pg_notify($1, $2)", &[&channel, &payload])
            .await?;
        Ok(())
    }

    /// Every note on `channels`, and `Heard::Again` each time listening
    /// starts again after the connection was lost. Ends when the receiver
    /// is dropped.
    pub fn listen(&self, channels: &'static [&'static str]) -> mpsc::Receiver<Heard> {
        let (tx, rx) = mpsc::channel(1024);
        let config = self.config.clone();

        tokio::spawn(async move {
            let mut first = true;
            while !tx.is_closed() {
                if let Err(e) = listen(&config, channels, &tx, first).await {
                    tracing::warn!("cannot hear the other hosts: {e}");
                }
                first = false;
                tokio::time::sleep(AGAIN).await;
            }
        });
        rx
    }
}

/// Listen on one connection until it ends or the receiver goes.
async fn listen(
    config: &tokio_postgres::Config,
    channels: &[&str],
    tx: &mpsc::Sender<Heard>,
    first: bool,
) -> Result<(), Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (heard, mut hear) = mpsc::unbounded_channel();
    // The connection yields notifications only while it is polled.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    let _ = heard.send(Heard::Note {
                        channel: n.channel().to_owned(),
                        payload: n.payload().to_owned(),
                    });
                }
                Ok(_) => {}
                Err(e) => return Some(e),
            }
        }
        None
    });
    let statements: String = channels.iter().map(|c| format!("LISTEN {c};")).collect();
    client.batch_execute(&statements).await?;
    if !first && tx.send(Heard::Again).await.is_err() {
        return Ok(());
    }
    while let Some(note) = hear.recv().await {
        if tx.send(note).await.is_err() {
            break;
        }
    }
    drop(client);
    match driver.await {
        Ok(Some(e)) => Err(e.into()),
        _ => Ok(()),
    }
}
