//! Keeps every API event in the registry (a week of them), so an event
//! stream resumes after `Last-Event-ID` across restarts without a gap.
//! They are kept as an admin sees them; each reader's fence is applied
//! when they are sent.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::hub::View;
use crate::store::{Store, now_unix};

const KEEP_FOR: i64 = 7 * 86_400;

pub fn start(store: Arc<Mutex<Store>>, view: &View, stop: CancellationToken) {
    let mut events = view.follow("the event journal");
    tokio::spawn(async move {
        let mut prune = tokio::time::interval(Duration::from_secs(3600));
        loop {
            let event = tokio::select! {
                _ = stop.cancelled() => return,
                _ = prune.tick() => {
                    let s = store.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Err(e) = s.prune_api_events(now_unix() - KEEP_FOR) {
                        tracing::warn!("cannot prune the event journal: {e}");
                    }
                    continue;
                }
                e = events.next() => match e {
                    Some(e) => e,
                    None => return,
                },
            };
            let Some((company, name, data)) = crate::events::shape(&event) else {
                continue;
            };
            let s = store.lock().unwrap_or_else(PoisonError::into_inner);
            let kept = s.keep_api_event(
                event.id as i64,
                company,
                name,
                &data.to_string(),
                now_unix(),
            );
            if let Err(e) = kept {
                tracing::warn!("cannot keep an event: {e}");
            }
        }
    });
}
