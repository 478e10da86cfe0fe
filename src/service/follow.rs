//! Reading the live events in-process: every adapter that follows them
//! (the journal, metrics, webhooks, invitation pages, the API's waits)
//! does it through one reader that steps past what it fell behind on.

use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};

use super::hub::{Event, View};

/// Events from the moment it was made, in order.
pub struct Follower {
    rx: broadcast::Receiver<Arc<Event>>,
    /// Who reads, for the log line when it falls behind.
    who: &'static str,
}

impl View {
    /// Follow the events from now on; `who` names the reader in the log.
    pub fn follow(&self, who: &'static str) -> Follower {
        Follower {
            rx: self.events.subscribe(),
            who,
        }
    }
}

impl Follower {
    /// The next event, past any this reader was too slow for (said in the
    /// log); `None` once the server stops publishing.
    pub async fn next(&mut self) -> Option<Arc<Event>> {
        self.next_batch(1).await.0.pop()
    }

    /// The next event and every other one already waiting (at most `max`),
    /// and whether events were missed since the last call (said in the
    /// log): a reader that must not lose some of them looks them up again.
    /// An empty batch once the server stops publishing.
    pub async fn next_batch(&mut self, max: usize) -> (Vec<Arc<Event>>, bool) {
        let mut missed = false;
        let mut batch = Vec::new();
        loop {
            match self.rx.recv().await {
                Ok(e) => {
                    batch.push(e);
                    break;
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!("{} missed {n} events", self.who);
                    missed = true;
                }
                Err(RecvError::Closed) => return (batch, missed),
            }
        }
        while batch.len() < max {
            match self.rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    tracing::warn!("{} missed {n} events", self.who);
                    missed = true;
                }
                Err(_) => break,
            }
        }
        (batch, missed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Update;

    fn publish(view: &View, id: u64) {
        let _ = view.events.send(Arc::new(Event {
            id,
            update: Update::Notice(format!("n{id}")),
            slug: None,
            echo: false,
        }));
    }

    #[tokio::test]
    async fn a_slow_reader_steps_past_what_it_missed_and_ends_with_the_server() {
        let view = View::new();
        let mut f = view.follow("test");
        publish(&view, 1);
        assert_eq!(f.next().await.map(|e| e.id), Some(1));
        // More than the channel keeps: the oldest are gone for this reader.
        for id in 2..5000 {
            publish(&view, id);
        }
        let next = f.next().await.expect("an event").id;
        assert!(next > 2, "the reader skipped what it lost, got {next}");
        drop(view);
        let mut rest = 0;
        while f.next().await.is_some() {
            rest += 1;
        }
        assert_eq!(rest as u64, 4999 - next, "then read the rest and ended");
    }

    #[tokio::test]
    async fn a_batch_takes_what_waits_and_says_when_some_were_missed() {
        let view = View::new();
        let mut f = view.follow("test");
        for id in 1..=3 {
            publish(&view, id);
        }
        let (batch, missed) = f.next_batch(2).await;
        let ids: Vec<u64> = batch.iter().map(|e| e.id).collect();
        assert_eq!((ids, missed), (vec![1, 2], false));
        let (batch, missed) = f.next_batch(10).await;
        assert_eq!((batch.len(), missed), (1, false));
        for id in 4..5000 {
            publish(&view, id);
        }
        let (batch, missed) = f.next_batch(10).await;
        assert!(missed, "a reader that fell behind is told");
        assert_eq!(batch.len(), 10);
        drop(view);
        while !f.next_batch(usize::MAX).await.0.is_empty() {}
    }
}
