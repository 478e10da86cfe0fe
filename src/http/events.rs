//! GET /api/v1/events: Server-Sent Events of every update the token may
//! see, each with an id; `Last-Event-ID` resumes while the server still
//! holds the events after it (the last 4,096), else the stream says so.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as Sse, KeepAlive, Sse as SseBody};
use futures::Stream;
use futures::stream::{self, StreamExt};
use serde_json::json;
use tokio::sync::broadcast;

use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::events::{Sight, fence, shape};
use crate::service::hub::Event;

/// The event as `who` may see it, if at all.
pub fn shape_for(event: &Event, who: &Principal) -> Option<(&'static str, serde_json::Value)> {
    let (company, name, mut data) = shape(event)?;
    if !who.sees(company) {
        return None;
    }
    fence::redact(name, &mut data, Sight::of(who));
    Some((name, data))
}

fn sse(event: &Event, who: &Principal) -> Option<Sse> {
    let (name, data) = shape_for(event, who)?;
    Some(
        Sse::default()
            .id(event.id.to_string())
            .event(name)
            .data(data.to_string()),
    )
}

/// What came after `id`: from the registry while it is older than what
/// memory holds, then from memory. The last id covered comes back too.
async fn missed(api: &Api, who: &Principal, id: u64) -> (Vec<Sse>, u64) {
    let mut out = Vec::new();
    let mut seen = id;
    let oldest = api.view.read(|m| m.oldest_event());
    if oldest.is_none_or(|o| o > id.saturating_add(1)) {
        let after = i64::try_from(id).unwrap_or(i64::MAX);
        let kept = api
            .store
            .run(move |s| s.api_events_after(after, 100_000))
            .await
            .unwrap_or_else(|e| {
                tracing::error!("cannot read the event journal: {e}");
                Vec::new()
            });
        for (kid, company, name, data) in kept {
            seen = kid as u64;
            if !who.sees(company) {
                continue;
            }
            let mut data: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
            fence::redact(&name, &mut data, Sight::of(who));
            out.push(
                Sse::default()
                    .id(kid.to_string())
                    .event(name)
                    .data(data.to_string()),
            );
        }
    }
    match api.view.read(|m| m.events_after(seen)) {
        Some(events) => {
            seen = events.last().map_or(seen, |e| e.id);
            out.extend(events.iter().filter_map(|e| sse(e, who)));
        }
        None => out.push(
            Sse::default()
                .event("gap")
                .data(r#"{"message":"events after that id are no longer kept; read GET /api/v1/sessions again"}"#),
        ),
    }
    (out, seen)
}

#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")),
    responses((status = 200, description = "text/event-stream of session.status, link.code, link.qr, link.linked, session.failure, log, company.added, company.changed, company.removed", content_type = "text/event-stream")))]
pub async fn stream(
    State(api): State<Api>,
    who: Principal,
    headers: HeaderMap,
) -> Result<SseBody<impl Stream<Item = Result<Sse, Infallible>>>, ApiError> {
    super::need(&who, Scope::Read)?;
    let live = api.view.events.subscribe();
    let after: Option<u64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let mut first: Vec<Sse> = Vec::new();
    let mut seen = 0;
    if let Some(id) = after {
        (first, seen) = missed(&api, &who, id).await;
    }
    // Revoked, expired, or its company removed: the stream ends.
    let ended = {
        let (api, who) = (api.clone(), who.clone());
        Box::pin(async move { api.revoked(&who).await })
    };
    let who = Arc::new(who);
    let rest = stream::unfold((live, who, seen), |(mut rx, who, seen)| async move {
        loop {
            match rx.recv().await {
                Ok(e) if e.id <= seen => continue,
                Ok(e) => {
                    if let Some(s) = sse(&e, &who) {
                        return Some((s, (rx, who, seen)));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    let gap = Sse::default()
                        .event("gap")
                        .data(json!({"message": format!("{n} events were missed (this client read too slowly)")}).to_string());
                    return Some((gap, (rx, who, seen)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let all = stream::iter(first).chain(rest).map(Ok).take_until(ended);
    Ok(SseBody::new(all).keep_alive(KeepAlive::default()))
}
