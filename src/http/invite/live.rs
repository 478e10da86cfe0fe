//! The page's live view: Server-Sent Events of its own invitation's
//! attempts only (a new QR ref, the link, a failure, the connection).

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as Sse, KeepAlive, Sse as SseBody};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt, stream};
use serde::{Deserialize, Serialize};

use super::{Api, Lang, text};
use crate::domain::{SessionState, mask_digits};
use crate::engine::Update;
use crate::engine::update::Claim;
use crate::http::link::Issued;

/// A code or a QR as the page draws it.
#[derive(Serialize)]
pub struct Shown {
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    /// The QR as an SVG document.
    #[serde(skip_serializing_if = "Option::is_none")]
    svg: Option<String>,
    /// Seconds left, counted by the server (the browser's clock may be off).
    expires_in: u64,
    /// The number a code is for, as the page writes it (+7 900 123-45-67).
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
}

fn svg(payload: &str) -> Option<String> {
    crate::qr::qr_svg(payload)
        .inspect_err(|e| tracing::error!("cannot draw a QR for the invitation page: {e}"))
        .ok()
}

fn left(deadline: Instant) -> u64 {
    deadline.saturating_duration_since(Instant::now()).as_secs()
}

impl Shown {
    pub fn from_issued(issued: &Issued, phone: Option<String>) -> Self {
        Self {
            method: issued.method,
            code: issued.code.clone(),
            svg: issued.qr.as_deref().and_then(svg),
            expires_in: left(issued.deadline),
            phone,
        }
    }
}

#[derive(Deserialize)]
pub struct Params {
    lang: Option<String>,
    tz: Option<i32>,
}

/// What one stream remembers: whose it is, its attempts (the engine says
/// which attempt came through which invitation), and the number it linked.
struct Follow {
    rx: crate::service::follow::Follower,
    invitation: i64,
    attempts: HashSet<u64>,
    company: i64,
    lang: Lang,
    tz: chrono::FixedOffset,
    linked: Option<String>,
}

impl Follow {
    fn mine(&self, attempt: crate::domain::AttemptId) -> bool {
        self.attempts.contains(&attempt.0)
    }

    fn claims(&mut self, claim: Option<&Claim>) {
        if let Some(claim) = claim.filter(|c| c.invitation == Some(self.invitation)) {
            self.attempts.insert(claim.attempt);
        }
    }

    /// The page's event for one update, if it is this page's business.
    fn shape(&mut self, update: &Update) -> Option<Sse> {
        let json = |name: &str, data: serde_json::Value| {
            Some(Sse::default().event(name).data(data.to_string()))
        };
        match update {
            Update::AttemptStarted { company, claim } if *company == self.company => {
                self.claims(Some(claim));
                None
            }
            Update::CodeIssued {
                company,
                attempt,
                code,
                expires_at,
            } if *company == self.company && self.mine(*attempt) => json(
                "shown",
                serde_json::json!({"attempt": attempt.0.to_string(), "method": "code", "code": code.to_string(), "expires_in": left(*expires_at)}),
            ),
            Update::QrIssued {
                company,
                attempt,
                payload,
                expires_at,
            } if *company == self.company && self.mine(*attempt) => json(
                "shown",
                serde_json::json!({"attempt": attempt.0.to_string(), "method": "qr", "svg": svg(payload), "expires_in": left(*expires_at)}),
            ),
            Update::Linked {
                company,
                attempt,
                phone,
                ..
            } if *company == self.company && self.mine(*attempt) => {
                let masked = mask_digits(phone);
                let message = text::linked(self.lang, &masked);
                self.linked = Some(masked);
                json("linked", serde_json::json!({"message": message}))
            }
            // Linking is over once the link is made: the follower forgets
            // the attempt, so the connection is matched by company.
            Update::StateChanged {
                company,
                state: SessionState::Connected,
                ..
            } if *company == self.company => {
                let phone = self.linked.take()?;
                let message = text::connected(self.lang, &phone);
                json("connected", serde_json::json!({"message": message}))
            }
            Update::Failed {
                company,
                attempt: Some(attempt),
                reason,
            } if *company == self.company && self.mine(*attempt) => {
                let now = crate::store::now_unix();
                let message = reason.page_sentence(self.lang, now, self.tz);
                json(
                    "failed",
                    serde_json::json!({"attempt": attempt.0.to_string(), "message": message}),
                )
            }
            Update::QrExhausted { company, attempt }
                if *company == self.company && self.mine(*attempt) =>
            {
                let now = crate::store::now_unix();
                let reason = crate::domain::FailureReason::QrExhausted;
                let message = reason.page_sentence(self.lang, now, self.tz);
                json(
                    "failed",
                    serde_json::json!({"attempt": attempt.0.to_string(), "message": message}),
                )
            }
            _ => None,
        }
    }
}

pub async fn events(
    State(api): State<Api>,
    Path(token): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let lang = super::lang::pick(p.lang.as_deref(), &headers);
    let Some(inv) = api.invitation(&token).await else {
        return super::page::invalid(lang);
    };
    // Subscribed before the attempt live now is read: none slips between.
    let rx = api.view.follow("an invitation page");
    let live = api.view.read(|m| {
        m.rows()
            .iter()
            .find(|r| r.company == inv.company_id)
            .and_then(|r| r.linking.clone())
    });
    let mut follow = Follow {
        rx,
        invitation: inv.id,
        attempts: HashSet::new(),
        company: inv.company_id,
        lang,
        tz: super::offset(p.tz),
        linked: None,
    };
    follow.claims(live.as_ref());
    let events = stream::unfold(follow, |mut f| async move {
        while let Some(e) = f.rx.next().await {
            if let Some(s) = f.shape(&e.update) {
                return Some((s, f));
            }
        }
        None
    });
    let events: std::pin::Pin<Box<dyn Stream<Item = Result<Sse, Infallible>> + Send>> =
        Box::pin(events.map(Ok));
    SseBody::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
