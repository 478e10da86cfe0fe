//! GET /api/v1/sessions and /api/v1/sessions/{slug}: what the dashboard's
//! table shows, as JSON.

use axum::Json;
use axum::extract::{Path, State};

use serde::Serialize;

use super::error::ErrorBody;
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
    }
}

#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", security(("bearer" = [])),
    responses((status = 200, description = "The sessions this token may see", body = [Session]),
              (status = 401, body = ErrorBody)))]
pub async fn list(State(api): State<Api>, who: Principal) -> Result<Json<Vec<Session>>, ApiError> {
    super::need(&who, Scope::Read)?;
    let all = api.view.read(|m| {
        m.rows()
            .iter()
            .filter(|r| who.sees(r.company))
            .map(|r| session(r, m, &who))
            .collect()
    });
    Ok(Json(all))
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
