//! /api/v1/companies (admin): list, add, remove. Adding and removing are
//! the engine's commands; the answer is read off the server's events.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::domain::{DisplayName, Slug};
use crate::engine::{Command, Update};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Company {
    slug: String,
    name: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewCompany {
    slug: String,
    name: Option<String>,
}

/// Adding companies is for tokens not bound to one.
fn unbound(who: &Principal) -> Result<(), ApiError> {
    if who.company.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a token bound to one company cannot add companies",
        ));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/companies", tag = "companies", security(("bearer" = [])),
    responses((status = 200, body = [Company]), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(State(api): State<Api>, who: Principal) -> Result<Json<Vec<Company>>, ApiError> {
    super::need(&who, Scope::Admin)?;
    Ok(Json(api.view.read(|m| {
        m.rows()
            .iter()
            .filter(|r| who.sees(r.company))
            .map(|r| Company {
                slug: r.slug.clone(),
                name: r.name.clone(),
            })
            .collect()
    })))
}

/// How long an answer is waited for before the request says what is
/// still going on.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// Send `cmd`, then wait (≤ 10 s) for the update `answer` picks; `None`
/// when that took longer (the command goes on).
pub(super) async fn ask<T>(
    api: &Api,
    cmd: Command,
    answer: impl Fn(&Update) -> Option<Result<T, ApiError>>,
) -> Result<Option<T>, ApiError> {
    let mut events = api.view.follow("an API request");
    api.engine
        .send(cmd)
        .await
        .map_err(|_| ApiError::unavailable())?;
    let waited = tokio::time::timeout(ANSWER_WAIT, async {
        while let Some(e) = events.next().await {
            if let Some(r) = answer(&e.update) {
                return r;
            }
        }
        Err(ApiError::unavailable())
    })
    .await;
    match waited {
        Ok(r) => r.map(Some),
        Err(_) => Ok(None),
    }
}

#[utoipa::path(post, path = "/api/v1/companies", tag = "companies", security(("bearer" = [])), request_body = NewCompany,
    responses((status = 201, body = Company), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody),
              (status = 504, description = "Not added within 10 s", body = super::error::ErrorBody)))]
pub async fn add(
    State(api): State<Api>,
    who: Principal,
    body: Result<Json<NewCompany>, JsonRejection>,
) -> Result<(StatusCode, Json<Company>), ApiError> {
    super::need(&who, Scope::Admin)?;
    unbound(&who)?;
    let Json(body) = body?;
    let bad = |e: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_company", e);
    let slug = Slug::parse(&body.slug).map_err(|e| bad(e.to_string()))?;
    let name = DisplayName::parse(body.name.as_deref().unwrap_or(slug.as_str()))
        .map_err(|e| bad(e.to_string()))?;
    let text = slug.to_string();
    let added = ask(&api, Command::AddCompany { slug, name }, |u| match u {
        Update::CompanyAdded(row) if row.slug == text => Some(Ok(Company {
            slug: row.slug.clone(),
            name: row.name.clone(),
        })),
        Update::CompanyNotAdded { slug, sentence } if *slug == text => Some(Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_added",
            sentence.clone(),
        ))),
        _ => None,
    })
    .await?
    .ok_or_else(|| {
        ApiError::no_answer(format!(
            "walink did not add {text:?} within 10 s; GET /api/v1/companies shows whether it did"
        ))
    })?;
    Ok((StatusCode::CREATED, Json(added)))
}

#[utoipa::path(delete, path = "/api/v1/companies/{slug}", tag = "companies", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, description = "Removed"),
              (status = 202, description = "Removing: its session is still stopping; company.removed follows on the event stream"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn remove(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    super::need(&who, Scope::Admin)?;
    let row = api.row(&who, &slug)?;
    let id = row.company;
    let done = ask(&api, Command::RemoveCompany { company: id }, |u| {
        matches!(u, Update::CompanyRemoved { company } if *company == id).then_some(Ok(()))
    })
    .await?;
    Ok(match done {
        Some(()) => (StatusCode::OK, Json(serde_json::json!({"removed": slug}))),
        None => (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({
                "removing": slug,
                "waiting_for": "its session to stop (a logout or a link attempt may take up to 30 s); company.removed follows on /api/v1/events",
            })),
        ),
    })
}
