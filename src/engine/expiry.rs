//! What ages out of the message store. A queued message whose ttl runs out
//! while its number is not connected ends `expired` then, with its
//! sentence, rather than at the next connect: a bot waiting on it hears in
//! time to try another way. A message older than the retention is
//! forgotten.

use std::time::Duration;

use tokio::sync::mpsc::WeakSender;

use super::outbox::EXPIRED;
use super::update::Update;
use crate::store::{Db, Registry, now_unix};

/// How often queued messages are looked at.
const EVERY: Duration = Duration::from_secs(2);
/// How often old messages are forgotten (after the start's).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Forget messages, webhook deliveries done and the journal's message
/// events, older than `keep`.
pub fn forget_old(store: &dyn Registry, keep: Duration) {
    let before = now_unix() - keep.as_secs() as i64;
    // Their bodies are messages too.
    if let Err(e) = store.prune_deliveries(before) {
        tracing::warn!("cannot forget old webhook deliveries: {e}");
    }
    if let Err(e) = store.prune_message_events(before) {
        tracing::warn!("cannot forget old message events: {e}");
    }
    match store.prune_messages(before) {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            "{n} messages older than {} h forgotten",
            keep.as_secs() / 3600
        ),
        Err(e) => tracing::warn!("cannot forget old messages: {e}"),
    }
}

/// Runs until the engine's updates are no longer read.
pub fn start(db: Db, updates: WeakSender<Update>, keep: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        let mut prune =
            tokio::time::interval_at(tokio::time::Instant::now() + PRUNE_EVERY, PRUNE_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = prune.tick() => {
                    let _ = db
                        .run(move |s| {
                            forget_old(s, keep);
                            Ok(())
                        })
                        .await;
                    continue;
                }
            }
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
