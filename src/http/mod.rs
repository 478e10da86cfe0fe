//! The HTTP API of `walink serve --http ADDR`: thin adapters over the
//! engine's commands and the server's view of its updates. Every route
//! but /health needs a token; a company token sees only its company.

mod companies;
mod company_settings;
mod conns;
mod doc;
mod error;
mod events;
mod gate;
use gate::need;
pub mod invite;
mod journal;
mod legacy;
mod link;
mod log;
mod messages;
mod metrics;
mod qr;
mod send;
mod sessions;
mod sessions_page;
pub mod tls;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::routing::get;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use conns::{HEADER_WAIT, PER_ADDRESS};
pub use error::ApiError;

use crate::auth::{Principal, Scope};
use crate::engine::{EngineHandle, SessionRow};
use crate::service::hub::View;
use crate::store::Db;

/// Bodies above this are refused with 413.
pub const MAX_BODY: usize = 64 * 1024;

#[derive(Clone)]
pub struct Api {
    pub engine: EngineHandle,
    pub view: View,
    /// Tokens are read here (a registry connection of the API's own, used
    /// on the blocking pool).
    pub store: Db,
    /// Attempt ids of the API's link requests.
    pub attempts: Arc<AtomicU64>,
    pub stopping: CancellationToken,
    pub metrics: Arc<metrics::Metrics>,
    /// A proxy is in front: the client's address is its X-Forwarded-For.
    pub behind_proxy: bool,
    /// Open connections one client address may hold (not behind a proxy).
    pub per_address: usize,
    /// `walink serve --country` (or WALINK_COUNTRY): the country of numbers
    /// typed without `+` on invitation pages. The locale is not asked: a
    /// service's is rarely its companies'.
    pub country: Option<String>,
    /// `GET /api/v1/sessions` bodies of the view's current version.
    pub sessions_cache: Arc<sessions_page::Cache>,
}

impl Api {
    pub fn new(
        engine: EngineHandle,
        view: View,
        store: impl Into<Db>,
        stopping: CancellationToken,
    ) -> Self {
        let first = crate::service::first_attempt().0;
        let metrics = Arc::new(metrics::Metrics::new());
        metrics::follow(metrics.clone(), &view);
        let store: Db = store.into();
        journal::start(store.clone(), &view, stopping.clone());
        Self {
            metrics,
            behind_proxy: false,
            per_address: PER_ADDRESS,
            country: None,
            sessions_cache: Arc::default(),
            engine,
            view,
            store,
            attempts: Arc::new(AtomicU64::new(first)),
            stopping,
        }
    }

    /// The caller's token: `Authorization: Bearer T` or `X-Api-Key: T`.
    /// Every guarded route reads it first (see `gate::door`).
    pub async fn principal(&self, headers: &HeaderMap) -> Result<Principal, ApiError> {
        let token = gate::presented(headers).ok_or_else(ApiError::unauthorized)?;
        let hash = crate::auth::hash(token);
        let now = crate::store::now_unix();
        let row = self
            .store
            .run(move |s| {
                // Only a token that still works counts as used, once a
                // minute at most (precise enough for "last used").
                let row = s
                    .token_by_hash(&hash)?
                    .filter(|r| r.revoked_at.is_none() && r.expires_at.is_none_or(|t| t > now));
                if let Some(row) = &row
                    && row.last_used_at.is_none_or(|t| now - t >= 60)
                {
                    let _ = s.touch_token(row.id, now);
                }
                Ok(row)
            })
            .await
            .map_err(|e| {
                tracing::error!("cannot read the tokens: {e}");
                ApiError::registry_unreachable()
            })?
            .ok_or_else(ApiError::unauthorized)?;
        let scope = Scope::parse(&row.scope).map_err(|_| ApiError::unauthorized())?;
        Ok(Principal {
            token_id: row.id,
            scope,
            company: row.company_id,
        })
    }

    /// The row of `slug`, if this principal may see it (else 404 either way).
    /// The company's own country for numbers typed without `+`, if set (a
    /// registry that cannot be read gives none: the number then needs its +).
    pub async fn company_country(&self, company: i64) -> Option<String> {
        self.store
            .run(move |s| s.company_settings(company))
            .await
            .ok()
            .and_then(|s| s.country)
    }

    pub fn row(&self, who: &Principal, slug: &str) -> Result<SessionRow, ApiError> {
        self.view
            .read(|m| m.rows().iter().find(|r| r.slug == slug).cloned())
            .filter(|r| who.sees(r.company))
            .ok_or_else(|| ApiError::no_company(slug))
    }
}

/// CORS: off unless origins are named; then exactly those, never `*`.
fn cors(origins: &[HeaderValue]) -> CorsLayer {
    use axum::http::{Method, header};
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("last-event-id"),
            HeaderName::from_static("idempotency-key"),
        ])
}

#[utoipa::path(get, path = "/health", tag = "service", responses((status = 200, description = "{\"status\": \"ok\"}")))]
async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// Every route and the OpenAPI document, built together so they cannot
/// drift: a route exists only through its annotated handler.
pub fn routes() -> (Router<Api>, utoipa::openapi::OpenApi) {
    use utoipa::OpenApi;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    let (router, mut doc) = OpenApiRouter::with_openapi(doc::Doc::openapi())
        .routes(routes!(health))
        .routes(routes!(sessions::list))
        .routes(routes!(sessions::one))
        .routes(routes!(link::start, link::cancel))
        .routes(routes!(link::reconnect))
        .routes(routes!(link::logout))
        .routes(routes!(qr::qr))
        .routes(routes!(log::log))
        .routes(routes!(messages::messages, send::send))
        .routes(routes!(events::stream))
        .routes(routes!(companies::list, companies::add))
        .routes(routes!(
            companies::remove,
            company_settings::show,
            company_settings::change
        ))
        .routes(routes!(metrics::metrics))
        .routes(routes!(legacy::pairing_code))
        .routes(routes!(webhooks::list, webhooks::add))
        .routes(routes!(webhooks::remove))
        .split_for_parts();
    doc::complete(&mut doc);
    doc.openapi = utoipa::openapi::OpenApiVersion::Version31;
    let json = doc.to_json().unwrap_or_default();
    let router = router.route(
        "/api/openapi.json",
        get(move || {
            let json = json.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    json,
                )
            }
        }),
    );
    (router, doc)
}

pub fn router(api: Api, origins: &[HeaderValue]) -> Router {
    let routes = routes()
        .0
        .merge(invite::routes())
        .fallback(|| async { ApiError::not_found() })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            api.clone(),
            gate::door,
        ))
        .layer(axum::middleware::from_fn(declared_size));
    let routes = if origins.is_empty() {
        routes
    } else {
        routes.layer(cors(origins))
    };
    routes.with_state(api)
}

/// `--cors-origin` values: whole origins like https://admin.example.com.
pub fn parse_origin(raw: &str) -> Result<HeaderValue, String> {
    let url = url::Url::parse(raw)
        .map_err(|_| format!("{raw:?} is not an origin like https://admin.example.com"))?;
    let origin = url.origin().ascii_serialization();
    if origin == "null" || raw == "*" {
        return Err(format!(
            "{raw:?} is not an origin like https://admin.example.com"
        ));
    }
    HeaderValue::from_str(&origin).map_err(|e| e.to_string())
}

/// A body declared larger than the limit is refused before it is read.
async fn declared_size(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return ApiError::too_large().into_response();
    }
    next.run(req).await
}

/// Why an address may not be listened on: plain HTTP leaves this machine
/// only behind a TLS proxy.
pub fn check_addr(addr: SocketAddr, behind_proxy: bool, tls: bool) -> Result<(), String> {
    if addr.ip().is_loopback() || behind_proxy || tls {
        return Ok(());
    }
    Err(format!(
        "--http {addr} is reachable from other machines, and tokens would cross the network in clear: \
         give --tls-cert and --tls-key, or listen on 127.0.0.1 behind a TLS proxy \
         (say --behind-proxy if one is in front)"
    ))
}

/// The address a request came from (plain or TLS), for the logs.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Serve until `stop` on a plain or a TLS listener; in-flight requests
/// are finished.
pub async fn serve<L>(
    listener: L,
    api: Api,
    origins: Vec<HeaderValue>,
    stop: CancellationToken,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
    L::Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let limit = (!api.behind_proxy).then_some(api.per_address);
    conns::run(listener, router(api, &origins), limit, stop).await
}
