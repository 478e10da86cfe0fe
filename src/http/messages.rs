//! GET /api/v1/sessions/{slug}/messages?chat=&limit=&before=: what the
//! number received, newest first, shaped as `message.received` is; `before`
//! (a message id) pages back.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::{Api, ApiError};
use crate::auth::{Principal, Scope};

#[derive(Deserialize)]
pub struct Page {
    chat: Option<String>,
    limit: Option<usize>,
    before: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/sessions/{slug}/messages", tag = "sessions", security(("bearer" = [])),
    params(("slug" = String, Path), ("chat" = Option<String>, Query, description = "a chat JID"),
           ("limit" = Option<usize>, Query), ("before" = Option<String>, Query, description = "a message id: older ones")),
    responses((status = 200, description = "messages, newest first, as the data of `message.received`"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn messages(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
    Query(page): Query<Page>,
) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    super::need(&who, Scope::Read)?;
    let row = api.row(&who, &slug)?;
    let limit = page.limit.unwrap_or(50).clamp(1, 500);
    let company = row.company;
    let messages = api
        .store
        .run(move |s| s.messages(company, page.chat.as_deref(), page.before.as_deref(), limit))
        .await
        .map_err(|e| {
            tracing::error!("cannot read the messages: {e}");
            ApiError::unavailable()
        })?;
    Ok(Json(
        messages
            .iter()
            .map(|m| crate::events::message_data(&row.slug, m))
            .collect(),
    ))
}
