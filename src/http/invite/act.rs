//! The page's one action: start a link for its own company, by the method
//! and number the invitation allows, through the engine like any client.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{Api, text};
use crate::domain::{InviteMethod, LinkMethod, Phone};
use crate::engine::Command;
use crate::http::link::start_attempt;

#[derive(Deserialize)]
pub struct StartBody {
    method: String,
    phone: Option<String>,
    /// "en" or "ru": the language of the answer's sentences.
    lang: Option<String>,
    /// The browser's offset from UTC in minutes (east positive), so times
    /// in sentences are the company's own.
    tz: Option<i32>,
}

/// What the page draws next.
#[derive(Serialize)]
pub struct Started {
    /// A string: JavaScript numbers cannot hold every id.
    attempt: String,
    #[serde(flatten)]
    shown: super::live::Shown,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({"error": {"message": message.into()}});
    (status, Json(body)).into_response()
}

pub async fn start(
    State(api): State<Api>,
    Path(token): Path<String>,
    body: Result<Json<StartBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "send {\"method\": \"code\" or \"qr\"}",
        );
    };
    let lang = super::lang::pick(body.lang.as_deref(), &Default::default());
    let Some(inv) = api.invitation(&token).await else {
        return error(StatusCode::NOT_FOUND, text::page(lang).invalid);
    };
    let allowed = InviteMethod::parse(&inv.method).unwrap_or(InviteMethod::Any);
    if !allowed.allows(&body.method) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, text::method_refused(lang));
    }
    let method = if body.method == "qr" {
        LinkMethod::Qr
    } else {
        // A number the invitation names wins over anything typed.
        let raw = inv
            .phone
            .as_deref()
            .map(|d| format!("+{d}"))
            .or(body.phone.clone())
            .unwrap_or_default();
        // The company's own country, else the admin's --country, else the
        // one the page's language suggests.
        let own = api.company_country(inv.company_id).await;
        let country = own.as_deref().or(api.country.as_deref()).or(lang.country());
        match Phone::parse(&raw, country) {
            Ok(phone) => LinkMethod::Code { phone },
            Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e.page_sentence(lang)),
        }
    };
    let (what, phone) = match &method {
        LinkMethod::Qr => ("QR", None),
        LinkMethod::Code { phone } => ("code", Some(phone.formatted.clone())),
    };
    let note = Command::Note {
        company: inv.company_id,
        kind: "invitation",
        detail: format!("{what} requested through invitation #{}", inv.id),
    };
    let _ = api.engine.send(note).await;
    let by = format!("the invitation page (#{})", inv.id);
    let tz = super::offset(body.tz);
    match start_attempt(&api, by, inv.company_id, method, false, Some(inv.id)).await {
        Ok(issued) => {
            let shown = super::live::Shown::from_issued(&issued, phone);
            Json(Started {
                attempt: issued.attempt.to_string(),
                shown,
            })
            .into_response()
        }
        Err(e) => {
            let message = match e.reason {
                Some(reason) => reason.page_sentence(lang, crate::store::now_unix(), tz),
                None if e.code == "no_answer" => text::no_answer(lang).to_owned(),
                None => text::restarting(lang).to_owned(),
            };
            error(e.status, message)
        }
    }
}
