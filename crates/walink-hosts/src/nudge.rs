//! Nudges between hosts, over PostgreSQL's LISTEN/NOTIFY: a host that took
//! work for a company another host runs (a message queued through its API)
//! tells the owner at once. The work itself is in the database already; a
//! nudge only says where to look, so one that is lost delays, never loses.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::{Database, Error};

const CHANNEL: &str = "walink_nudge";

/// How long a host waits before listening again after losing the connection.
const AGAIN: Duration = Duration::from_secs(2);

impl Database {
    /// Tell every host that `company` has work; the one that runs it acts.
    pub async fn nudge(&self, company: &str) -> Result<(), Error> {
        self.client()
            .await?
            .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &company])
            .await?;
        Ok(())
    }

    /// Every nudge, as its company; an empty one each time listening starts
    /// again after the connection was lost (any nudge in between was
    /// missed: look at every company). Ends when the receiver is dropped.
    pub fn nudges(&self) -> mpsc::Receiver<String> {
        let (tx, rx) = mpsc::channel(256);
        let config = self.config.clone();

        tokio::spawn(async move {
            let mut first = true;
            while !tx.is_closed() {
                if let Err(e) = listen(&config, &tx, first).await {
                    tracing::warn!("cannot hear the other hosts' nudges: {e}");
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
    tx: &mpsc::Sender<String>,
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
                    let _ = heard.send(n.payload().to_owned());
                }
                Ok(_) => {}
                Err(e) => return Some(e),
            }
        }
        None
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    if !first && tx.send(String::new()).await.is_err() {
        return Ok(());
    }
    while let Some(company) = hear.recv().await {
        if tx.send(company).await.is_err() {
            break;
        }
    }
    drop(client);
    match driver.await {
        Ok(Some(e)) => Err(e.into()),
        _ => Ok(()),
    }
}
