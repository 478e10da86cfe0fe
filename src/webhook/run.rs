//! The two tasks of `walink serve`: one puts every wanted event in the
//! outbox, one sends what is due.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{GIVE_UP_AFTER, SIGNATURE_HEADER, backoff, envelope, sign};
use std::collections::HashMap;

use crate::engine::{LogEntry, Update};
use crate::events::{Sight, redact};
use crate::service::hub::{Publisher, View};
use crate::store::{Db, Delivery, Registry, now_unix};

/// Start both tasks on `store` (a registry connection of their own, used on
/// the blocking pool); `tell` carries what dashboards should see of the
/// deliveries.
pub fn start(store: impl Into<Db>, view: &View, tell: Publisher, stop: CancellationToken) {
    let store: Db = store.into();
    let due = Arc::new(Notify::new());
    tokio::spawn(enqueue(
        store.clone(),
        view.clone(),
        due.clone(),
        stop.clone(),
    ));
    tokio::spawn(deliver(store, due, tell, stop));
}

/// What dashboards are told: each outcome in the company's log, and a
/// standing notice when a webhook starts failing and when it recovers.
struct Teller {
    tell: Publisher,
    /// Webhooks failing now, and since when.
    failing: Mutex<HashMap<i64, i64>>,
}

impl Teller {
    fn log(&self, company: Option<i64>, detail: &str) {
        let Some(company) = company else { return };
        self.tell.publish(Update::Logged {
            company,
            entry: LogEntry {
                at: std::time::SystemTime::now(),
                kind: "webhook".into(),
                detail: detail.to_owned(),
                reason: None,
                raw: None,
            },
        });
    }

    fn failed(&self, d: &Delivery, why: &str, now: i64) {
        let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        if failing.insert(d.webhook_id, now).is_some() {
            return;
        }
        let since = chrono::Local::now().format("%H:%M");
        self.tell.publish(Update::Notice(format!(
            "webhook {} failing since {since}: {why}",
            d.url
        )));
    }

    fn delivered(&self, d: &Delivery) {
        let was = self
            .failing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&d.webhook_id);
        if was.is_some() {
            self.tell
                .publish(Update::Notice(format!("webhook {} delivers again", d.url)));
        }
    }
}

async fn enqueue(store: Db, view: View, due: Arc<Notify>, stop: CancellationToken) {
    let mut events = view.follow("webhooks");
    catch_up(&store, &due).await;
    loop {
        let (batch, missed) = tokio::select! {
            _ = stop.cancelled() => return,
            b = events.next_batch(ENQUEUE_BATCH) => b,
        };
        if batch.is_empty() {
            return;
        }
        // Messages are never lost to a slow reader: the ones it missed are
        // found unannounced in the registry.
        if missed {
            catch_up(&store, &due).await;
        }
        let queued = store
            .run(move |s| {
                // Every event is queued: no short cut once one was.
                let mut queued = false;
                for e in &batch {
                    queued |= enqueue_one(s, e);
                }
                Ok(queued)
            })
            .await
            .unwrap_or_else(|e| {
                tracing::error!("cannot queue a webhook delivery: {e}");
                false
            });
        if queued {
            due.notify_one();
        }
    }
}

/// Events read and queued in one hop to the registry.
const ENQUEUE_BATCH: usize = 200;

/// Queue one event's deliveries; says whether any were.
fn enqueue_one(s: &dyn Registry, event: &crate::service::hub::Event) -> bool {
    // Another host's change: that host queued its deliveries.
    if event.echo {
        return false;
    }
    // Deliveries are not themselves delivered (a "log" webhook would loop).
    if let Update::Logged { entry, .. } = &event.update
        && entry.kind == "webhook"
    {
        return false;
    }
    let Some((company, name, data)) = crate::events::shape(event) else {
        return false;
    };
    let slug = event.slug.as_deref();
    let queue = |s: &dyn Registry| queue(s, company, name, slug, &data);
    match &event.update {
        // Once per message (and status), though the start's catch-up may
        // have found it first.
        Update::MessageReceived { message, .. } | Update::MessageUpdated { message, .. } => {
            match s.announce(company, message, queue) {
                Ok(queued) => queued.unwrap_or(false),
                Err(e) => {
                    tracing::error!("cannot queue a webhook delivery: {e}");
                    false
                }
            }
        }
        _ => queue(s),
    }
}

/// Messages kept, or whose status moved, before the last stop and whose
/// deliveries never reached the outbox (the process died between the two)
/// are queued now: an outbound one with the status it has now.
async fn catch_up(store: &Db, due: &Notify) {
    let since = now_unix() - GIVE_UP_AFTER;
    let caught = store
        .run(move |s| {
            let mut caught = 0;
            for (company, slug, m) in s.unannounced(since)? {
                let data = crate::events::message_data(&slug, &m);
                let name = crate::events::message_name(&m);
                let queue = |s: &dyn Registry| queue(s, company, name, Some(&slug), &data);
                if s.announce(company, &m, queue)?.is_some() {
                    caught += 1;
                }
            }
            Ok(caught)
        })
        .await;
    match caught {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!("{n} messages from before the last stop were handed to webhooks");
            due.notify_one();
        }
        Err(e) => tracing::error!("cannot read the messages not yet announced: {e}"),
    }
}

/// Put the event in the outbox once for each webhook that wants it; says
/// whether any did.
fn queue(
    s: &dyn Registry,
    company: i64,
    name: &'static str,
    slug: Option<&str>,
    data: &serde_json::Value,
) -> bool {
    let now = now_unix();
    let hooks = match s.webhooks() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("cannot read the webhooks: {e}");
            return false;
        }
    };
    let mut queued = false;
    for hook in hooks.iter().filter(|h| h.wants(name, company)) {
        let id = crate::auth::new_token()
            .map(|t| format!("evt_{}", &t[4..28]))
            .unwrap_or_default();
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // An admin made the webhook and named its events (codes and QRs
        // among them); whole numbers only when it said so.
        let sight = Sight {
            secrets: true,
            whole_numbers: hook.whole_numbers,
        };
        let mut data = data.clone();
        redact(name, &mut data, sight);
        let body = envelope(&id, name, slug.unwrap_or(""), &at, &data);
        match s.enqueue_delivery(hook.id, Some(company), name, &body, now) {
            Ok(()) => queued = true,
            Err(e) => tracing::error!("cannot queue a webhook delivery: {e}"),
        }
    }
    queued
}

async fn deliver(store: Db, due: Arc<Notify>, tell: Publisher, stop: CancellationToken) {
    let teller = Arc::new(Teller {
        tell,
        failing: Mutex::default(),
    });
    // One pool of kept-alive connections for every delivery.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    loop {
        let batch = store
            .run(|s| s.due_deliveries(now_unix(), BATCH))
            .await
            .unwrap_or_else(|e| {
                tracing::error!("cannot read the webhook outbox: {e}");
                Vec::new()
            });
        let full = batch.len() == BATCH;
        let tries = futures::future::join_all(super::lanes::lanes(batch).into_iter().map(|lane| {
            let agent = agent.clone();
            tokio::task::spawn_blocking(move || {
                lane.into_iter()
                    .map(|d| {
                        let answer = post(&agent, &d);
                        (d, answer)
                    })
                    .collect::<Vec<_>>()
            })
        }))
        .await;
        let tries: Vec<_> = tries.into_iter().flatten().flatten().collect();
        if !tries.is_empty() {
            let teller = teller.clone();
            let _ = store
                .run(move |s| {
                    s.in_one_step(|s| {
                        for (d, answer) in tries {
                            settle(s, &d, answer, &teller);
                        }
                    })
                })
                .await;
        }
        if full && !stop.is_cancelled() {
            continue;
        }
        // Asleep until the next try falls due or a new delivery is queued:
        // polling twice a second was 7 % of serve's samples at rest (2,000
        // idle sessions, no webhook at all).
        let wait = store
            .run(|s| Ok(next_wait(s, now_unix())))
            .await
            .unwrap_or(Duration::from_secs(1));
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = due.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Deliveries sent per look at the outbox.
const BATCH: usize = 200;
/// How long the sender may sleep: until the earliest pending try, at most a
/// minute (the outbox keeps wall-clock times; the clock may be set), at
/// least a second (a try whose outcome could not be stored stays due, and
/// must not be sent again in a tight loop).
fn next_wait(store: &dyn Registry, now: i64) -> Duration {
    const AT_MOST: i64 = 60;
    let secs = match store.next_delivery_at() {
        Ok(Some(at)) => (at - now).clamp(1, AT_MOST),
        Ok(None) => AT_MOST,
        Err(e) => {
            tracing::error!("cannot read the webhook outbox: {e}");
            AT_MOST
        }
    };
    Duration::from_secs(secs as u64)
}

/// One try: the receiver's status, or why it could not be reached.
fn post(agent: &ureq::Agent, d: &Delivery) -> Result<u16, String> {
    let signature = sign(&d.secret, now_unix(), &d.body);
    agent
        .post(&d.url)
        .header("Content-Type", "application/json")
        .header("X-Walink-Event", &d.event)
        .header(SIGNATURE_HEADER, &signature)
        .send(d.body.as_str())
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

/// Record a try in the outbox and, for outcomes, the company's event log.
fn settle(s: &dyn Registry, d: &Delivery, answer: Result<u16, String>, teller: &Teller) {
    let now = now_unix();
    let log = |detail: String| {
        if let Err(e) = s.log_event(d.company_id, "webhook", &detail) {
            tracing::error!("cannot log a webhook delivery: {e}");
        }
        teller.log(d.company_id, &detail);
    };
    let result = match answer {
        Ok(status) if (200..300).contains(&status) => {
            // A busy number's every message would bury the rest of its
            // log (and double the events); failures of those are logged.
            if !d.event.starts_with("message.") {
                log(format!("{} delivered to {}", d.event, d.url));
            }
            teller.delivered(d);
            s.record_delivery(d.id, now, Ok("delivered"))
        }
        Ok(410) => {
            log(format!("{} answered 410: unsubscribed", d.url));
            s.record_delivery(d.id, now, Ok("gone"))
                .and_then(|()| s.disable_webhook(d.webhook_id, now, "the receiver answered 410"))
        }
        other => {
            let why = match other {
                Ok(status) => format!("answered {status}"),
                Err(e) => format!("could not be reached ({e})"),
            };
            teller.failed(d, &why, now);
            if now - d.created_at >= GIVE_UP_AFTER {
                log(format!(
                    "{} {why}; gave up on {} after 24 h",
                    d.url, d.event
                ));
                s.record_delivery(d.id, now, Ok("gave_up"))
            } else {
                let wait = backoff(d.attempts, jitter(d.id, d.attempts));
                tracing::warn!(
                    webhook = d.webhook_id,
                    "webhook {why}; retrying in {wait} s"
                );
                if d.attempts == 0 {
                    log(format!("{} {why}; retrying", d.url));
                }
                s.record_delivery(d.id, now, Err(now + wait))
            }
        }
    };
    if let Err(e) = result {
        tracing::error!("cannot record a webhook delivery: {e}");
    }
}

/// A spread in 0..1 that differs between deliveries and tries.
fn jitter(id: i64, attempts: i64) -> f64 {
    let x = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (attempts as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x >> 11) as f64 / (1u64 << 53) as f64
}
