//! GET /metrics (read scope): Prometheus text. Sessions by state come from
//! the server's view at scrape time; the counters from its events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::{Api, ApiError};
use crate::auth::{Principal, Scope};
use crate::domain::{FailureReason, SessionState};
use crate::engine::Update;
use crate::service::hub::View;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ByState {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ByOutcome {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ByAttempt {
    method: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ByMessage {
    company: String,
    direction: String,
    outcome: String,
}

/// Every state a session can be in, so a vanished one reads 0.
const STATES: &[&str] = &[
    "not_linked",
    "connecting",
    "linking_code",
    "linking_qr",
    "finishing_sync",
    "connected",
    "disconnected",
    "logged_out",
    "replaced",
    "banned",
    "cooldown",
    "passkey_required",
    "failed",
    "moved",
    "elsewhere",
];

pub struct Metrics {
    registry: Registry,
    sessions: Family<ByState, Gauge>,
    attempts: Family<ByAttempt, Counter>,
    refusals: Counter,
    disconnects: Counter,
    webhooks: Family<ByOutcome, Gauge>,
    messages: Family<ByMessage, Counter>,
    /// The method of each attempt seen, until its outcome.
    methods: Mutex<HashMap<u64, &'static str>>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("walink");
        let sessions = Family::<ByState, Gauge>::default();
        let attempts = Family::<ByAttempt, Counter>::default();
        let refusals = Counter::default();
        let disconnects = Counter::default();
        let webhooks = Family::<ByOutcome, Gauge>::default();
        let messages = Family::<ByMessage, Counter>::default();
        registry.register("sessions", "Company sessions by state", sessions.clone());
        registry.register(
            "link_attempts",
            "Link attempts by method and outcome",
            attempts.clone(),
        );
        registry.register(
            "guard_refusals",
            "Link attempts the guard held back",
            refusals.clone(),
        );
        registry.register(
            "disconnects",
            "Sessions that lost their connection",
            disconnects.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Webhook deliveries in the outbox by outcome (pending: not done yet)",
            webhooks.clone(),
        );
        registry.register(
            "messages",
            "Messages by company, direction (in, out) and outcome (received, undecryptable; \
             sent, delivered, read, expired, failed)",
            messages.clone(),
        );
        registry.register(
            "key_store_reads",
            "Calls of the WhatsApp client that read the key store",
            crate::keystore::tally::READS.clone(),
        );
        registry.register(
            "key_store_writes",
            "Calls of the WhatsApp client that write the key store",
            crate::keystore::tally::WRITES.clone(),
        );
        registry.register(
            "key_store_opens",
            "Device key stores opened (each a SQLite connection, its schema read)",
            crate::keystore::tally::OPENS.clone(),
        );
        Self {
            registry,
            sessions,
            attempts,
            refusals,
            disconnects,
            webhooks,
            messages,
            methods: Mutex::default(),
        }
    }

    /// Count what one update of company `slug` says.
    pub fn count(&self, update: &Update, slug: Option<&str>) {
        let message = |direction: &str, outcome: &str| {
            self.messages
                .get_or_create(&ByMessage {
                    company: slug.unwrap_or_default().into(),
                    direction: direction.into(),
                    outcome: outcome.into(),
                })
                .inc();
        };
        let mut methods = self.methods.lock().unwrap_or_else(PoisonError::into_inner);
        let mut outcome = |attempt: u64, what: &str| {
            let method = methods.remove(&attempt).unwrap_or("unknown");
            self.attempts
                .get_or_create(&ByAttempt {
                    method: method.into(),
                    outcome: what.into(),
                })
                .inc();
        };
        match update {
            Update::CodeIssued { attempt, .. } => {
                methods.insert(attempt.0, "code");
            }
            Update::QrIssued { attempt, .. } => {
                methods.entry(attempt.0).or_insert("qr");
            }
            Update::Linked { attempt, .. } => outcome(attempt.0, "linked"),
            Update::QrExhausted { attempt, .. } => outcome(attempt.0, "qr_exhausted"),
            Update::Failed {
                attempt, reason, ..
            } => {
                if matches!(reason, FailureReason::GuardRefused { .. }) {
                    self.refusals.inc();
                } else if let Some(a) = attempt {
                    outcome(a.0, "failed");
                }
            }
            Update::StateChanged {
                state: SessionState::Disconnected { .. },
                ..
            } => {
                self.disconnects.inc();
            }
            Update::MessageReceived { message: m, .. } => {
                message(m.direction.key(), m.status.key())
            }
            Update::MessageUpdated { message: m, .. } => message("out", m.status.key()),
            _ => {}
        }
    }

    async fn text(&self, view: &View, store: &crate::store::Db) -> String {
        let counts = store.run(|s| s.delivery_counts()).await.unwrap_or_default();
        for (outcome, n) in counts {
            self.webhooks.get_or_create(&ByOutcome { outcome }).set(n);
        }
        let mut counts: HashMap<&str, i64> = STATES.iter().map(|s| (*s, 0)).collect();
        view.read(|m| {
            for r in m.rows() {
                *counts.entry(r.state.key()).or_default() += 1;
            }
        });
        for (state, n) in counts {
            self.sessions
                .get_or_create(&ByState {
                    state: state.into(),
                })
                .set(n);
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!("cannot encode the metrics: {e}");
        }
        out
    }
}

/// Count every event the server publishes, for as long as it runs.
pub fn follow(metrics: Arc<Metrics>, view: &View) {
    let mut events = view.follow("metrics");
    tokio::spawn(async move {
        while let Some(e) = events.next().await {
            metrics.count(&e.update, e.slug.as_deref());
        }
    });
}

#[utoipa::path(get, path = "/metrics", tag = "service", security(("bearer" = [])),
    responses((status = 200, description = "Prometheus text", content_type = "text/plain")))]
pub async fn metrics(
    State(api): State<Api>,
    who: Principal,
) -> Result<impl IntoResponse, ApiError> {
    super::need(&who, Scope::Read)?;
    // Totals over every company are not one tenant's to read.
    if who.company.is_some() {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            "metrics cover every company: use a token not bound to one",
        ));
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        api.metrics.text(&api.view, &api.store).await,
    ))
}
