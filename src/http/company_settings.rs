//! /api/v1/companies/{slug} (admin): a company's settings, shown and
//! changed. A change is the engine's command, as the CLI's is; the proxy's
//! password is never in an answer.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::domain::{RawChange, SettingsChange, SettingsView};
use crate::engine::{Command, Update};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct Apply {
    /// Reconnect its session now, so a new proxy applies at once (else at
    /// its next connect)
    #[serde(default)]
    reconnect: bool,
}

async fn view(api: &Api, slug: String) -> Result<SettingsView, ApiError> {
    api.store
        .run(move |s| s.settings_view(&slug))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "store", e.to_string()))
}

#[utoipa::path(get, path = "/api/v1/companies/{slug}", tag = "companies", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = SettingsView), (status = 404, body = super::error::ErrorBody)))]
pub async fn show(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
) -> Result<Json<SettingsView>, ApiError> {
    super::need(&who, Scope::Admin)?;
    api.row(&who, &slug)?;
    Ok(Json(view(&api, slug).await?))
}

#[utoipa::path(patch, path = "/api/v1/companies/{slug}", tag = "companies", security(("bearer" = [])),
    params(("slug" = String, Path), Apply), request_body = RawChange,
    responses((status = 200, body = SettingsView), (status = 404, body = super::error::ErrorBody),
              (status = 422, description = "A setting that does not parse: the message names it", body = super::error::ErrorBody),
              (status = 504, description = "Not changed within 10 s", body = super::error::ErrorBody)))]
pub async fn change(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
    Query(apply): Query<Apply>,
    body: Result<Json<RawChange>, JsonRejection>,
) -> Result<Json<SettingsView>, ApiError> {
    super::need(&who, Scope::Admin)?;
    let id = api.row(&who, &slug)?.company;
    let Json(raw) = body?;
    let change = SettingsChange::parse(&raw).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_setting",
            e.to_string(),
        )
    })?;
    let cmd = Command::ChangeCompany {
        company: id,
        change,
        reconnect: apply.reconnect,
    };
    super::companies::ask(&api, cmd, |u| match u {
        Update::CompanyChanged(row) if row.company == id => Some(Ok(())),
        Update::CompanyNotChanged { company, sentence } if *company == id => Some(Err(
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "not_changed", sentence.clone()),
        )),
        _ => None,
    })
    .await?
    .ok_or_else(|| {
        ApiError::no_answer(format!(
            "walink did not change {slug:?} within 10 s; GET /api/v1/companies/{slug} shows whether it did"
        ))
    })?;
    Ok(Json(view(&api, slug).await?))
}
