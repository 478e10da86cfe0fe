//! GET /api/v1/sessions/{slug}/events?limit=&before=: the company's event
//! log from the registry, newest first; `before` pages back by id.

use axum::Json;
use axum::extract::{Path, Query, State};

use serde::{Deserialize, Serialize};

use super::{Api, ApiError};
use crate::auth::{Principal, Scope};

#[derive(Deserialize)]
pub struct Page {
    limit: Option<usize>,
    before: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Entry {
    id: i64,
    at: String,
    kind: String,
    /// What a person reads.
    detail: String,
    /// A failure's reason key, as `session.failure` gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// A failure's raw cause, as the client library said it (admin tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/sessions/{slug}/events", tag = "sessions", security(("bearer" = [])),
    params(("slug" = String, Path), ("limit" = Option<usize>, Query), ("before" = Option<i64>, Query)),
    responses((status = 200, body = [Entry]), (status = 404, body = super::error::ErrorBody)))]
pub async fn log(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
    Query(page): Query<Page>,
) -> Result<Json<Vec<Entry>>, ApiError> {
    super::need(&who, Scope::Read)?;
    let row = api.row(&who, &slug)?;
    let limit = page.limit.unwrap_or(50).clamp(1, 500);
    let admin = who.may(Scope::Admin);
    let (company, before) = (row.company, page.before);
    let events = api
        .store
        .run(move |s| s.events_before(company, before, limit))
        .await
        .map_err(|e| {
            tracing::error!("cannot read the event log: {e}");
            ApiError::unavailable()
        })?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| Entry {
                id: e.id,
                at: chrono::DateTime::from_timestamp(e.at, 0)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default(),
                kind: e.kind,
                detail: e.detail,
                reason: e.reason,
                raw: e.raw.filter(|_| admin),
            })
            .collect(),
    ))
}
