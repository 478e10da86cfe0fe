//! A company's news, from the host that runs it to the other hosts: its
//! codes and QR codes, its link, its state, its log and its messages, told
//! to their clients as echoes (`Update::Echo`: streamed and shown, never
//! delivered to webhooks, which the host that runs it queued). With the
//! forwarded commands (`engine::supervisor::forward`), any host's dashboard,
//! API and event stream serve every company live.
//!
//! News is live only: a host that is not listening when it is told misses
//! it, and sees the company's state at its next look at the registry.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;
use walink_hosts::notes::{MOST, RELAY};
use walink_hosts::{Database, Heard};

use super::event::Event;
use super::hub::{Publisher, View};
use super::wire::WireUpdate;
use crate::engine::Update;

/// This host on the hosts' database.
#[derive(Clone)]
pub struct Relay {
    pub db: Database,
    pub host: String,
}

/// One notification: a host's updates, in the order they happened.
#[derive(Serialize, Deserialize)]
struct News {
    from: String,
    updates: Vec<WireUpdate>,
}

/// Tell the other hosts this host's news, and tell this host's clients
/// theirs, until `stop`.
pub fn start(relay: Relay, view: &View, publisher: Publisher, stop: CancellationToken) {
    tokio::spawn(tell(relay.clone(), view.events.subscribe(), stop.clone()));
    tokio::spawn(hear(relay, view.clone(), publisher, stop));
}

/// What the host running a company tells: its news, not the companies
/// added, changed or removed (every host sees those in the registry).
fn relayed(update: &Update) -> bool {
    matches!(
        update,
        Update::StateChanged { .. }
            | Update::CodeIssued { .. }
            | Update::QrIssued { .. }
            | Update::QrExhausted { .. }
            | Update::AttemptStarted { .. }
            | Update::Linked { .. }
            | Update::Failed { .. }
            | Update::Logged { .. }
            | Update::MessageReceived { .. }
            | Update::MessageUpdated { .. }
            | Update::Invited { .. }
            | Update::InvitationEnded { .. }
    )
}

async fn tell(relay: Relay, mut events: broadcast::Receiver<Arc<Event>>, stop: CancellationToken) {
    let mut failing = false;
    loop {
        let first = tokio::select! {
            _ = stop.cancelled() => return,
            next = events.recv() => next,
        };
        let mut batch = Vec::new();
        let mut next = first;
        loop {
            match next {
                Ok(event) if !event.echo && relayed(&event.update) => batch.push(event),
                Ok(_) => {}
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(
                        "{n} updates were not told to the other hosts (too many at once)"
                    )
                }
                Err(RecvError::Closed) => return,
            }
            // Whatever else is waiting goes in the same notifications.
            next = match events.try_recv() {
                Ok(event) => Ok(event),
                Err(broadcast::error::TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
                Err(_) => break,
            };
        }
        let now = Instant::now();
        let wire: Vec<WireUpdate> = batch
            .iter()
            .filter_map(|e| WireUpdate::from_update(&e.update, now))
            .collect();
        for payload in pack(&relay.host, &wire) {
            match relay.db.note(RELAY, &payload).await {
                Ok(()) => failing = false,
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!("cannot tell the other hosts this host's news: {e}");
                }
                Err(_) => {}
            }
        }
    }
}

/// `updates` in notifications PostgreSQL takes (under `MOST` bytes each).
/// One too big alone (a long message) is left out: the registry has it.
fn pack(from: &str, updates: &[WireUpdate]) -> Vec<String> {
    let head = format!(
        r#"{{"from":{},"updates":["#,
        serde_json::to_string(from).unwrap_or_default()
    );
    let room = MOST.saturating_sub(head.len() + 2);
    let mut out = Vec::new();
    let mut body = String::new();
    for update in updates {
        let Ok(one) = serde_json::to_string(update) else {
            continue;
        };
        if one.len() > room {
            continue;
        }
        if !body.is_empty() && body.len() + 1 + one.len() > room {
            out.push(format!("{head}{body}]}}"));
            body.clear();
        }
        if !body.is_empty() {
            body.push(',');
        }
        body.push_str(&one);
    }
    if !body.is_empty() {
        out.push(format!("{head}{body}]}}"));
    }
    out
}

async fn hear(relay: Relay, view: View, publisher: Publisher, stop: CancellationToken) {
    let mut heard = relay.db.listen(&[RELAY]);
    loop {
        let heard = tokio::select! {
            _ = stop.cancelled() => return,
            heard = heard.recv() => match heard {
                Some(Heard::Note { payload, .. }) => payload,
                Some(Heard::Again) => continue,
                None => return,
            },
        };
        let news: News = match serde_json::from_str(&heard) {
            Ok(news) => news,
            Err(e) => {
                tracing::warn!("ignored another host's news that cannot be read: {e}");
                continue;
            }
        };
        if news.from == relay.host {
            continue;
        }
        let now = Instant::now();
        for wire in news.updates {
            let update = wire.into_update(now);
            // A company this host runs now is told by its own session (the
            // other host may be telling how it stopped it).
            let here = update
                .company()
                .is_some_and(|c| view.read(|m| m.host(c) == Some(relay.host.as_str())));
            if !here {
                publisher.publish(Update::Echo(Box::new(update)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(detail: &str) -> WireUpdate {
        WireUpdate::Logged {
            company: 1,
            at_ms: 0,
            kind: "link".into(),
            detail: detail.into(),
            reason: None,
            raw: None,
        }
    }

    #[test]
    fn news_is_packed_under_postgresqls_limit_in_order_and_what_cannot_fit_is_left_out() {
        let updates: Vec<WireUpdate> = (0..100)
            .map(|i| logged(&format!("{i:03}{}", "x".repeat(200))))
            .chain([logged(&"y".repeat(MOST))])
            .collect();
        let payloads = pack("host \"a\"", &updates);
        assert!(payloads.len() > 1, "split");
        let mut seen = Vec::new();
        for p in &payloads {
            assert!(p.len() <= MOST, "{} bytes", p.len());
            let news: News = serde_json::from_str(p).expect("json");
            assert_eq!(news.from, "host \"a\"");
            seen.extend(news.updates);
        }
        assert_eq!(seen, updates[..100].to_vec(), "all but the too big one");
        assert!(pack("a", &[]).is_empty());
    }
}
