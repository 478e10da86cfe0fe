//! Keeps every API event in the registry (a week of them), so an event
//! stream resumes after `Last-Event-ID` across restarts without a gap.
//! They are kept as an admin sees them; each reader's fence is applied
//! when they are sent.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::hub::View;
use crate::store::{Db, now_unix};

const KEEP_FOR: i64 = 7 * 86_400;
/// Events kept per hop to the registry.
const BATCH: usize = 500;

pub fn start(store: Db, view: &View, stop: CancellationToken) {
    let mut events = view.follow("the event journal");
    tokio::spawn(async move {
        let mut prune = tokio::time::interval(Duration::from_secs(3600));
        loop {
            let batch = tokio::select! {
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
                b = events.next_batch(BATCH) => b.0,
            };
            if batch.is_empty() {
                return;
            }
            // One hop and one commit for all that waited: one per event
            // could not keep up with a restore or a busy hour.
            let rows: Vec<_> = batch
                .iter()
                .filter_map(|event| {
                    let (company, name, data) = crate::events::shape(event)?;
                    Some((event.id as i64, company, name, data.to_string()))
                })
                .collect();
            let kept = store
                .run(move |s| {
                    let now = now_unix();
                    s.in_one_step(|s| {
                        rows.iter().try_for_each(|(id, company, name, data)| {
                            s.keep_api_event(*id, *company, name, data, now)
                        })
                    })?
                })
                .await;
            if let Err(e) = kept {
                tracing::warn!("cannot keep events: {e}");
            }
        }
    });
}
