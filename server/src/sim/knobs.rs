//! The test knobs at `/__sim/*`: timings and outcomes of new tasks, how v2 and the progress
//! socket behave, faults armed per path, expired result files, the request log, statistics and
//! a reset. None needs a restart.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::tasks::{Outcome, SocketKind};
use super::{coded, parse_body, text_of, Shared, Sim};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Http500,
    Html,
    Truncated,
    NotJson,
    Stall,
    Code(i64),
    Drop,
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub path: String,
    pub kind: FaultKind,
    pub remaining: u32,
    pub stall_ms: u64,
}

/// Applies a fault. `None` means "answer normally" (after a stall, or for a kind this path
/// handles itself).
pub(super) async fn fault_response(fault: Fault) -> Option<Response> {
    Some(match fault.kind {
        FaultKind::Http500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>500 Internal Server Error</h1></body></html>",
        )
            .into_response(),
        FaultKind::Html => (
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
        )
            .into_response(),
        FaultKind::Truncated => (
            [(header::CONTENT_TYPE, "application/json")],
            "{\"code\":0,\"msg\":\"succ",
        )
            .into_response(),
        FaultKind::NotJson => (
            [(header::CONTENT_TYPE, "text/plain")],
            "service temporarily unavailable",
        )
            .into_response(),
        FaultKind::Code(code) => coded(code),
        FaultKind::Stall => {
            tokio::time::sleep(Duration::from_millis(fault.stall_ms)).await;
            return None;
        }
        FaultKind::Drop => return None,
    })
}

pub async fn control(State(sim): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut inner = sim.lock();
    if let Some(ms) = body.get("queueMs").and_then(Value::as_u64) {
        inner.queue_ms = ms;
    }
    if let Some(ms) = body.get("runMs").and_then(Value::as_u64) {
        inner.run_ms = ms;
    }
    if let Some(outcome) = body.get("outcome").and_then(Value::as_str) {
        match Outcome::parse(outcome) {
            Some(o) => inner.outcome = o,
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("unknown outcome {outcome}"),
                )
                    .into_response()
            }
        }
    }
    if let Some(list) = body.get("nextOutcomes").and_then(Value::as_array) {
        for item in list {
            match item.as_str().and_then(Outcome::parse) {
                Some(o) => inner.next_outcomes.push_back(o),
                None => {
                    return (StatusCode::BAD_REQUEST, format!("unknown outcome {item}"))
                        .into_response()
                }
            }
        }
    }
    if let Some(socket) = body.get("socket").and_then(Value::as_str) {
        match SocketKind::parse(socket) {
            Some(kind) => inner.socket = kind,
            None => {
                return (StatusCode::BAD_REQUEST, format!("unknown socket {socket}"))
                    .into_response()
            }
        }
    }
    if let Some(v2) = body.get("v2").and_then(Value::as_bool) {
        inner.v2 = v2;
    }
    if let Some(usage) = body.get("usage") {
        inner.usage = usage.clone();
    }
    if let Some(currency) = body.get("currency") {
        inner.currency = currency.as_str().map(str::to_owned);
    }
    Json(json!({
        "queueMs": inner.queue_ms, "runMs": inner.run_ms, "outcome": inner.outcome.name(),
        "nextOutcomes": inner.next_outcomes.iter().map(|o| o.name()).collect::<Vec<_>>(),
        "socket": inner.socket.name(), "v2": inner.v2, "usage": inner.usage,
        "currency": inner.currency,
    }))
    .into_response()
}

pub async fn add_fault(State(sim): State<Shared>, Json(body): Json<Value>) -> Response {
    let Some(path) = body.get("path").and_then(Value::as_str) else {
        return (StatusCode::BAD_REQUEST, "path is required").into_response();
    };
    let kind = match body.get("kind").and_then(Value::as_str).unwrap_or("") {
        "http500" => FaultKind::Http500,
        "html" => FaultKind::Html,
        "truncated" => FaultKind::Truncated,
        "notjson" => FaultKind::NotJson,
        "stall" => FaultKind::Stall,
        "drop" => FaultKind::Drop,
        other => match other.strip_prefix("code").and_then(|c| c.parse().ok()) {
            Some(code) => FaultKind::Code(code),
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("unknown fault kind {other}"),
                )
                    .into_response()
            }
        },
    };
    let fault = Fault {
        path: path.to_owned(),
        kind,
        remaining: body.get("count").and_then(Value::as_u64).unwrap_or(1) as u32,
        stall_ms: body
            .get("stallMs")
            .and_then(Value::as_u64)
            .unwrap_or(30_000),
    };
    sim.lock().faults.push(fault);
    StatusCode::NO_CONTENT.into_response()
}

pub async fn expire(State(sim): State<Shared>, body: Bytes) -> Response {
    let body = parse_body(&body);
    let mut inner = sim.lock();
    match body.get("taskId").and_then(text_of) {
        Some(id) => {
            inner.expired.insert(id);
        }
        None => {
            let all: Vec<String> = inner.tasks.keys().cloned().collect();
            inner.expired.extend(all);
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

pub async fn log(State(sim): State<Shared>) -> Response {
    Json(Value::Array(sim.lock().log.clone())).into_response()
}

pub async fn reset(State(sim): State<Shared>) -> Response {
    *sim.lock() = Sim::fresh(&sim.config);
    StatusCode::NO_CONTENT.into_response()
}

pub async fn stats(State(sim): State<Shared>) -> Response {
    let mut inner = sim.lock();
    Sim::observe(&mut inner);
    Json(json!({
        "runs": inner.runs, "tasksFinished": inner.finished,
        "faultsInjected": inner.faults_injected, "maxConcurrentRunning": inner.max_concurrent,
        "socketsOpened": inner.sockets_opened, "socketsClosed": inner.sockets_closed,
        "socketsClosedByClient": inner.sockets_closed_by_client,
    }))
    .into_response()
}
