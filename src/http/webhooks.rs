//! /api/v1/webhooks (admin, tokens not bound to a company): what
//! `walink webhook` does, over HTTP.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::ErrorBody;
use super::{Api, ApiError};
use crate::auth::{Principal, Scope};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Hook {
    id: i64,
    url: String,
    company: Option<String>,
    /// Empty: every event.
    events: Vec<String>,
    active: bool,
    stopped_why: Option<String>,
    /// Bodies carry whole numbers and JIDs (else masked).
    whole_numbers: bool,
    /// Only in the answer that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewHook {
    url: String,
    company: Option<String>,
    #[serde(default)]
    events: Vec<String>,
    /// The signing key [default: a new one, in the answer only]
    secret: Option<String>,
    /// Carry whole numbers and JIDs (a company's own bot) [default: false]
    #[serde(default)]
    whole_numbers: bool,
}

fn admin(who: &Principal) -> Result<(), ApiError> {
    super::need(who, Scope::Admin)?;
    if who.company.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "webhooks are managed with a token not bound to one company",
        ));
    }
    Ok(())
}

fn store_error(e: crate::store::StoreError) -> ApiError {
    tracing::error!("webhooks: {e}");
    ApiError::unavailable()
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = [Hook]), (status = 403, body = ErrorBody)))]
pub async fn list(State(api): State<Api>, who: Principal) -> Result<Json<Vec<Hook>>, ApiError> {
    admin(&who)?;
    let hooks = api.store.run(|s| s.webhooks()).await.map_err(store_error)?;
    Ok(Json(
        hooks
            .into_iter()
            .map(|h| Hook {
                id: h.id,
                url: h.url,
                company: h.company_slug,
                events: h
                    .events
                    .split(',')
                    .filter(|e| !e.is_empty())
                    .map(str::to_owned)
                    .collect(),
                active: h.disabled_at.is_none(),
                stopped_why: h.disabled_why,
                whole_numbers: h.whole_numbers,
                secret: None,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])), request_body = NewHook,
    responses((status = 201, body = Hook), (status = 422, body = ErrorBody)))]
pub async fn add(
    State(api): State<Api>,
    who: Principal,
    body: Result<Json<NewHook>, JsonRejection>,
) -> Result<(StatusCode, Json<Hook>), ApiError> {
    admin(&who)?;
    let Json(body) = body?;
    let bad = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_webhook", m);
    let url = crate::events::check_url(&body.url).map_err(bad)?;
    crate::events::check_names(body.events.iter().map(String::as_str)).map_err(bad)?;
    let company_id = match &body.company {
        Some(slug) => Some(api.row(&who, slug)?.company),
        None => None,
    };
    let secret = match body.secret {
        Some(s) => s,
        None => crate::auth::new_token().map_err(|_| ApiError::unavailable())?,
    };
    let events = body.events.join(",");
    let (at, key, whole) = (url.to_string(), secret.clone(), body.whole_numbers);
    let now = crate::store::now_unix();
    let id = api
        .store
        .run(move |s| s.add_webhook(&at, company_id, &events, &key, whole, now))
        .await
        .map_err(store_error)?;
    Ok((
        StatusCode::CREATED,
        Json(Hook {
            id,
            url: url.to_string(),
            company: body.company,
            events: body.events,
            active: true,
            stopped_why: None,
            whole_numbers: body.whole_numbers,
            secret: Some(secret),
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(api): State<Api>,
    who: Principal,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    admin(&who)?;
    let removed = api
        .store
        .run(move |s| s.remove_webhook(id))
        .await
        .map_err(store_error)?;
    if !removed {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("there is no webhook #{id}"),
        ));
    }
    Ok(Json(serde_json::json!({"removed": id})))
}
