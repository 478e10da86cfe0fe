//! GET /api/v1/sessions/{slug}/qr: the live QR as PNG (default), SVG
//! (`?format=svg` or `Accept: image/svg+xml`) or its text
//! (`?format=raw`). A QR links a phone to this session: `link` scope.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::engine::Update;
use crate::events::wall;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct Format {
    format: Option<String>,
}

/// `?format=raw`: what the QR encodes.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RawQr {
    value: String,
    expires_at: String,
}

#[utoipa::path(get, path = "/api/v1/sessions/{slug}/qr", tag = "link", security(("bearer" = [])),
    params(("slug" = String, Path), ("format" = Option<String>, Query, description = "png (default), svg or raw")),
    responses((status = 200, description = "The live QR: PNG, SVG, or with format=raw its text",
                content(("image/png"), ("image/svg+xml"), (RawQr = "application/json"))),
              (status = 404, body = super::error::ErrorBody),
              (status = 500, description = "The QR could not be drawn", body = super::error::ErrorBody)))]
pub async fn qr(
    State(api): State<Api>,
    who: Principal,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<Format>,
) -> Result<Response, ApiError> {
    super::need(&who, Scope::Link)?;
    let row = api.row(&who, &slug)?;
    let live = api.view.read(|m| m.live(row.company).cloned());
    let Some(Update::QrIssued {
        payload,
        expires_at,
        ..
    }) = live
    else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_qr",
            format!(
                "no QR is live for {slug}: start one with POST /api/v1/sessions/{slug}/link {{\"method\": \"qr\"}}"
            ),
        ));
    };
    let wants_svg = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("image/svg+xml"));
    let format = q
        .format
        .unwrap_or_else(|| if wants_svg { "svg" } else { "png" }.into());
    let drawn = |e: crate::qr::QrError| {
        tracing::error!("cannot draw a QR: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the QR could not be drawn; the log says why",
        )
    };
    Ok(match format.as_str() {
        "raw" => Json(RawQr {
            value: payload,
            expires_at: wall(expires_at),
        })
        .into_response(),
        "svg" => (
            [(header::CONTENT_TYPE, "image/svg+xml")],
            crate::qr::qr_svg(&payload).map_err(drawn)?,
        )
            .into_response(),
        "png" => (
            [(header::CONTENT_TYPE, "image/png")],
            crate::qr::qr_png(&payload).map_err(drawn)?,
        )
            .into_response(),
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_format",
                format!("format is png, svg or raw, not {other:?}"),
            ));
        }
    })
}
