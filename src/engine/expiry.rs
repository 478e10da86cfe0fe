//! A message whose ttl runs out while its number is not connected ends
//! `expired` then, with its sentence, rather than at the next connect: a
//! bot waiting on it hears in time to try another way.

use std::time::Duration;

use tokio::sync::mpsc::WeakSender;

use super::outbox::EXPIRED;
use super::update::Update;
use crate::store::{Db, now_unix};

/// How often queued messages are looked at.
const EVERY: Duration = Duration::from_secs(2);

/// Runs until the engine's updates are no longer read.
pub fn start(db: Db, updates: WeakSender<Update>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            let Some(tx) = updates.upgrade() else { return };
            let expired = match db.run(|s| s.expire_queued(now_unix(), EXPIRED)).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!("cannot expire stale messages: {e}");
                    continue;
                }
            };
            for (company, m) in expired {
                let message = Box::new(m);
                let _ = tx.send(Update::MessageUpdated { company, message }).await;
            }
        }
    });
}
