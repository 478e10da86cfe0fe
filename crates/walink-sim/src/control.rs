//! A small HTTP control API for a simulator run as its own process
//! (`walink sim`): play the phone and inject faults from scripts or curl.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{ConflictKind, FailureReason, Fault, Simulator, Target};

/// The number a bare `POST /phone/scan` links, when no `?phone=` is given.
pub const DEFAULT_PHONE: &str = "79001234567";

type Shared = Arc<Simulator>;

/// Serve the control API on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, sim: Shared) -> std::io::Result<()> {
    let app = Router::new()
        .route("/phone/scan", post(scan))
        .route("/phone/code", post(code))
        .route("/phone/unlink", post(unlink))
        .route("/fault", post(fault))
        .route("/devices", get(devices))
        .route("/routed", get(routed))
        .route("/replaced", get(replaced))
        .fallback(|| async {
            bad(
                StatusCode::NOT_FOUND,
                "no such endpoint; see the README for the control API",
            )
        })
        .with_state(sim);
    axum::serve(listener, app).await
}

fn bad(status: StatusCode, sentence: impl std::fmt::Display) -> Response {
    (status, axum::Json(json!({ "error": sentence.to_string() }))).into_response()
}

fn parse<T: for<'de> Deserialize<'de>>(body: &str, example: &str) -> Result<T, String> {
    serde_json::from_str(body).map_err(|e| format!("the body must be JSON like {example} ({e})"))
}

async fn scan(
    State(sim): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let qr = body.trim();
    if qr.is_empty() {
        return bad(
            StatusCode::BAD_REQUEST,
            "the body must be the QR text the client shows",
        );
    }
    let number = q.get("phone").map(String::as_str).unwrap_or(DEFAULT_PHONE);
    match sim.phone(number).scan_qr(qr).await {
        Ok(jid) => axum::Json(json!({ "jid": jid })).into_response(),
        Err(e) => bad(
            StatusCode::BAD_REQUEST,
            format!("the phone could not scan it: {e}"),
        ),
    }
}

#[derive(Deserialize)]
struct CodeBody {
    phone: String,
    code: String,
}

async fn code(State(sim): State<Shared>, body: String) -> Response {
    let req: CodeBody = match parse(&body, r#"{"phone":"79001234567","code":"ABCD-EFGH"}"#) {
        Ok(r) => r,
        Err(sentence) => return bad(StatusCode::BAD_REQUEST, sentence),
    };
    let code: String = req
        .code
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_uppercase();
    if code.len() != 8 {
        return bad(
            StatusCode::BAD_REQUEST,
            "a pairing code has 8 characters, like ABCD-EFGH",
        );
    }
    match sim.enter_code(&req.phone, &code).await {
        Ok(jid) => axum::Json(json!({ "jid": jid })).into_response(),
        Err(e) => bad(
            StatusCode::BAD_REQUEST,
            format!("the phone refused the code: {e}"),
        ),
    }
}

#[derive(Deserialize)]
struct UnlinkBody {
    phone: String,
    device: Option<u16>,
}

async fn unlink(State(sim): State<Shared>, body: String) -> Response {
    let req: UnlinkBody = match parse(&body, r#"{"phone":"79001234567"}"#) {
        Ok(r) => r,
        Err(sentence) => return bad(StatusCode::BAD_REQUEST, sentence),
    };
    let phone = sim.phone(&req.phone);
    let devices: Vec<u16> = match req.device {
        Some(d) => vec![d],
        None => phone.devices().iter().map(|d| d.device).collect(),
    };
    if devices.is_empty() {
        return bad(
            StatusCode::BAD_REQUEST,
            format!("{} has no linked devices", req.phone),
        );
    }
    let mut unlinked = Vec::new();
    for device in devices {
        match phone.unlink(device) {
            Ok(jid) => unlinked.push(jid),
            Err(e) => return bad(StatusCode::BAD_REQUEST, e),
        }
    }
    axum::Json(json!({ "unlinked": unlinked })).into_response()
}

/// `{"fault": NAME, "target": "all" | PHONE, "sticky": false, ...parameters}`.
#[derive(Deserialize)]
struct FaultBody {
    fault: String,
    #[serde(default = "all")]
    target: String,
    #[serde(default)]
    sticky: bool,
    code: Option<u16>,
    backoff: Option<u32>,
    count: Option<u32>,
    expire: Option<u64>,
    ms: Option<u64>,
}

fn all() -> String {
    "all".into()
}

pub const FAULT_NAMES: &str = "rate_limit, bad_request, close_handshake, stream_error, replaced, \
     device_removed, close, failure, dead, slow, bad_hmac, garble, lost_ack";

fn to_fault(b: &FaultBody) -> Result<Fault, String> {
    Ok(match b.fault.as_str() {
        "rate_limit" => Fault::pair_code_rate_limited(b.backoff),
        "bad_request" => match b.backoff {
            None => Fault::pair_code_bad_request(),
            Some(backoff) => Fault::PairCodeError {
                code: 400,
                text: "bad-request".into(),
                backoff: Some(backoff),
            },
        },
        "close_handshake" => Fault::CloseDuringHandshake(b.count.unwrap_or(1)),
        "stream_error" => {
            Fault::StreamError(b.code.ok_or("stream_error needs a code: 515, 401 or 503")?)
        }
        "replaced" => Fault::Conflict(ConflictKind::Replaced),
        "device_removed" => Fault::Conflict(ConflictKind::DeviceRemoved),
        "close" => Fault::CloseConnection,
        "failure" => Fault::Failure(match b.code {
            Some(401) => FailureReason::LoggedOut,
            Some(402) => FailureReason::TempBanned {
                code: 101,
                expire_secs: b.expire.unwrap_or(3600),
            },
            Some(405) => FailureReason::ClientOutdated,
            Some(503) => FailureReason::ServiceUnavailable,
            Some(other) => FailureReason::Other(other),
            None => return Err("failure needs a code: 401, 402, 405 or 503".into()),
        }),
        "dead" => Fault::DeadServer,
        "slow" => Fault::Slow(b.ms.ok_or("slow needs ms, the delay of every reply")?),
        "bad_hmac" => Fault::BadHmac,
        "garble" => Fault::Garble,
        "lost_ack" => Fault::LostAck,
        other => return Err(format!("there is no fault {other:?}; known: {FAULT_NAMES}")),
    })
}

async fn fault(State(sim): State<Shared>, body: String) -> Response {
    let req: FaultBody = match parse(
        &body,
        r#"{"fault":"rate_limit","target":"79001234567","sticky":false}"#,
    ) {
        Ok(r) => r,
        Err(sentence) => return bad(StatusCode::BAD_REQUEST, sentence),
    };
    let fault = match to_fault(&req) {
        Ok(f) => f,
        Err(sentence) => return bad(StatusCode::BAD_REQUEST, sentence),
    };
    let target = match req.target.as_str() {
        "all" => Target::All,
        phone if !phone.is_empty() && phone.chars().all(|c| c.is_ascii_digit() || c == '+') => {
            Target::Phone(phone.to_owned())
        }
        other => {
            return bad(
                StatusCode::BAD_REQUEST,
                format!("target must be \"all\" or a phone number, not {other:?}"),
            );
        }
    };
    sim.inject(target, fault, req.sticky);
    axum::Json(json!({ "armed": req.fault, "sticky": req.sticky })).into_response()
}

async fn devices(State(sim): State<Shared>) -> Response {
    let list: Vec<Value> = sim
        .registered_devices()
        .into_iter()
        .map(|d| {
            let presences: Vec<Value> = d
                .presences
                .iter()
                .map(|p| json!({ "type": p.kind, "name": p.name }))
                .collect();
            let shown_as = d
                .shown_as
                .as_ref()
                .map(|s| json!({ "os": s.os, "platform": s.platform }));
            json!({ "phone": d.phone, "jid": d.jid, "device": d.device,
                    "connected": d.connected, "presences": presences,
                    "shown_as": shown_as })
        })
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

async fn replaced(State(sim): State<Shared>) -> Response {
    axum::Json(json!({ "replaced": sim.replaced() })).into_response()
}

/// What the server routed lately (`?id=` one message), metadata only.
async fn routed(State(sim): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let list: Vec<Value> = sim
        .routed()
        .into_iter()
        .filter(|r| q.get("id").is_none_or(|id| *id == r.id))
        .map(|r| json!({ "id": r.id, "from": r.from, "to": r.to, "enc": r.enc }))
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

/// Only loopback may be served: the simulator skips every real check.
pub fn check_loopback(addr: &SocketAddr) -> Result<(), String> {
    if addr.ip().is_loopback() && addr.is_ipv4() {
        Ok(())
    } else {
        Err(format!(
            "the simulator only listens on 127.0.0.1 (it has no real security); {} is not allowed",
            addr.ip()
        ))
    }
}
