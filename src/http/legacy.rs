//! The old system's endpoint, unchanged in shape:
//! `POST /api/whatsapp/sessions/{companyId}/pairing-code` with
//! `{"phoneNumber": "79001234567"}` → the code, once WhatsApp gave it.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};

use serde::{Deserialize, Serialize};

use super::error::ErrorBody;
use super::link::{phone, start_link};
use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::domain::LinkMethod;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    phone_number: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    success: bool,
    code: String,
    expires_at: String,
    phone_number: String,
}

#[utoipa::path(post, path = "/api/whatsapp/sessions/{company_id}/pairing-code", tag = "legacy", security(("bearer" = [])),
    params(("company_id" = String, Path, description = "The company's slug")), request_body = Body,
    responses((status = 200, body = Answer), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody),
              (status = 502, description = "WhatsApp refused or failed the attempt", body = ErrorBody),
              (status = 504, description = "No code came within 30 s", body = ErrorBody)))]
pub async fn pairing_code(
    State(api): State<Api>,
    who: Principal,
    Path(company_id): Path<String>,
    body: Result<Json<Body>, JsonRejection>,
) -> Result<Json<Answer>, ApiError> {
    super::need(&who, Scope::Link)?;
    // The old system's companyId is walink's slug.
    let row = api.row(&who, &company_id)?;
    let Json(body) = body?;
    let phone = phone(&api, row.company, &body.phone_number).await?;
    let formatted = phone.formatted.clone();
    let issued = start_link(
        &api,
        who.by(),
        row.company,
        LinkMethod::Code { phone },
        false,
    );
    let issued = api.while_valid(&who, issued).await?;
    Ok(Json(Answer {
        success: true,
        code: issued.code.unwrap_or_default(),
        expires_at: issued.expires_at,
        phone_number: formatted,
    }))
}
