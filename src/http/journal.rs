//! Keeps every API event in the registry (a week of them), so an event
//! stream resumes after `Last-Event-ID` across restarts without a gap.
//! They are kept as an admin sees them; each reader's fence is applied
//! when they are sent.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::hub::View;
use crate::store::{Db, now_unix};

const KEEP_FOR: i64 = 7 * 86_400;

pub fn start(store: Db, view: &View, stop: CancellationToken) {
    let mut events = view.follow("the event journal");
    tokio::spawn(async move {
        let mut prune = tokio::time::interval(Duration::from_secs(3600));
        loop {
            let event = tokio::select! {
                _ = stop.cancelled() => return,
                _ = prune.tick() => {
                    let pruned = store
                        .run(|s| s.prune_api_events(now_unix() - KEEP_FOR))
                        .await;
                    if let Err(e) = pruned {
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
            let (id, data) = (event.id as i64, data.to_string());
            let kept = store
                .run(move |s| s.keep_api_event(id, company, name, &data, now_unix()))
                .await;
            if let Err(e) = kept {
                tracing::warn!("cannot keep an event: {e}");
            }
        }
    });
}
