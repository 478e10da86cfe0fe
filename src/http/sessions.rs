//! GET /api/v1/sessions and /api/v1/sessions/{slug}: what the dashboard's
//! table shows, as JSON.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use serde::Serialize;

use super::error::ErrorBody;
use super::sessions_page::{Key, Made, Page, window};
use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::domain::{SessionState, mask_digits, mask_jid};
use crate::engine::{SessionRow, Update};
use crate::events::{Sight, rfc3339, utc, wall};
use crate::service::mirror::Mirror;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Session {
    slug: String,
    name: String,
    state: &'static str,
    since: String,
    /// Masked (`+7900•••4567`) unless the token is admin.
    phone: Option<String>,
    /// Its number masked (`7900•••4567:1@s.whatsapp.net`) unless admin.
    jid: Option<String>,
    push_name: Option<String>,
    last_event: Option<String>,
    last_failure: Option<Failure>,
    live_attempt: Option<Live>,
    /// With several hosts (`serve --database`): the one that runs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Failure {
    reason: String,
    message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Live {
    method: &'static str,
    expires_at: String,
    /// Whose attempt it is: "dashboard (pid 9)", "walink pair (pid 12)",
    /// "HTTP token #4", "the invitation page (#3)".
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<String>,
    /// When it started (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
}

fn session(row: &SessionRow, m: &Mirror, who: &Principal) -> Session {
    let live = m.live(row.company);
    // A final state names its reason; otherwise the last failure told,
    // until the company is connected again.
    let failed = match &row.state {
        SessionState::Failed { reason } => Some(reason),
        _ => m.last_failure(row.company),
    };
    let last_failure = failed.map(|reason| Failure {
        reason: reason.key(),
        message: reason.sentence(crate::store::now_unix(), utc()),
    });
    let (method, expires_at) = match live {
        Some(Update::CodeIssued { expires_at, .. }) => ("code", Some(expires_at)),
        Some(Update::QrIssued { expires_at, .. }) => ("qr", Some(expires_at)),
        _ => ("", None),
    };
    let claim = row.linking.as_ref();
    let live_attempt = expires_at.map(|at| Live {
        method,
        expires_at: wall(*at),
        by: claim.map(|c| c.by.clone()),
        since: claim.map(|c| rfc3339(crate::engine::snapshot::unix_to_system(c.since))),
    });
    let whole = Sight::of(who).whole_numbers;
    Session {
        slug: row.slug.clone(),
        name: row.name.clone(),
        state: row.state.key(),
        since: rfc3339(row.since),
        phone: row.phone.as_deref().map(|p| {
            if whole {
                format!("+{p}")
            } else {
                mask_digits(p)
            }
        }),
        jid: row
            .jid
            .as_deref()
            .map(|j| if whole { j.to_owned() } else { mask_jid(j) }),
        push_name: row.push_name.clone(),
        last_event: row.last_event.clone(),
        last_failure,
        live_attempt,
        host: row.host.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", security(("bearer" = [])),
    params(Page),
    responses((status = 200, description = "The sessions this token may see, in slug order; \
                when more follow the page, a `Link: <…>; rel=\"next\"` header gives the next page's URL",
                body = [Session],
                headers(("Link" = String, description = "The next page, when there is one"))),
              (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn list(
    State(api): State<Api>,
    who: Principal,
    Query(page): Query<Page>,
) -> Result<Response, ApiError> {
    super::need(&who, Scope::Read)?;
    let limit = page
        .limit()
        .map_err(|e| ApiError::new(axum::http::StatusCode::BAD_REQUEST, "bad_limit", e))?;
    let key = Key {
        company: who.company,
        whole_numbers: Sight::of(&who).whole_numbers,
        limit,
        after: page.after.clone(),
        minute: crate::store::now_unix() / 60,
    };
    let made = api.view.read(|m| {
        api.sessions_cache.get(m.version(), key, || {
            let seen: Vec<&SessionRow> = m.rows().iter().filter(|r| who.sees(r.company)).collect();
            let slugs: Vec<&str> = seen.iter().map(|r| r.slug.as_str()).collect();
            let (start, end, more) = window(&slugs, limit, page.after.as_deref());
            let rows: Vec<Session> = seen[start..end]
                .iter()
                .map(|r| session(r, m, &who))
                .collect();
            Made {
                body: serde_json::to_vec(&rows).unwrap_or_default().into(),
                next: more.then(|| slugs[end - 1].to_owned()),
            }
        })
    });
    let mut response = ([(header::CONTENT_TYPE, "application/json")], made.body).into_response();
    if let (Some(next), Some(limit)) = (&made.next, limit) {
        let after: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let link = format!("</api/v1/sessions?limit={limit}&after={after}>; rel=\"next\"");
        // Slugs and numbers only, percent-encoded: always a valid header.
        if let Ok(link) = header::HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, link);
        }
    }
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/sessions/{slug}", tag = "sessions", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The company's slug")),
    responses((status = 200, body = Session), (status = 404, body = ErrorBody)))]
pub async fn one(
    State(api): State<Api>,
    who: Principal,
    Path(slug): Path<String>,
) -> Result<Json<Session>, ApiError> {
    super::need(&who, Scope::Read)?;
    let row = api.row(&who, &slug)?;
    let one = api.view.read(|m| session(&row, m, &who));
    Ok(Json(one))
}
