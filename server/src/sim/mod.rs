//! The RunningHub simulator: the endpoints the app uses, with the real answer shapes and codes,
//! in-memory tasks that go QUEUED → RUNNING → done over a configurable time, and test knobs that
//! switch outcomes and inject faults per test without a restart (see README.md).
//!
//! One module per endpoint family, around the one task table in [`tasks`]:
//! - [`v1`]: `/task/openapi/*` (run, outputs, status, cancel, upload), `/uc/openapi/accountStatus`,
//!   `/api/webapp/apiCallDemo`;
//! - [`v2`]: `/openapi/v2/media/upload/binary` and `/openapi/v2/query` (key in `Authorization`);
//! - [`socket`]: the ComfyUI progress WebSocket at the `netWssUrl` the tasks hand out;
//! - [`knobs`]: `/__sim/*` (timings, outcomes, faults, v2 and socket behaviour, log, stats);
//! - [`files`]: `/sim-files/*` (uploads and generated result pictures).
//!
//! Keys are checked in one place, [`check_key`], for every family.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::SimConfig;

pub mod files;
pub mod knobs;
pub mod socket;
pub mod tasks;
pub mod v1;
pub mod v2;

use knobs::{Fault, FaultKind};
use tasks::{Outcome, SocketKind, Task};

/// The SketchUp app of the seed document.
pub const SU_APP: &str = "1983061233110790146";
/// A second app, with every kind of field, for the generated form.
pub const RESTYLE_APP: &str = "1937084629516193794";

/// Everything the simulator holds, behind one lock.
struct Inner {
    queue_ms: u64,
    run_ms: u64,
    outcome: Outcome,
    next_outcomes: VecDeque<Outcome>,
    /// How the progress socket of new tasks behaves.
    socket: SocketKind,
    /// v2's paths answer (false: they answer 404, as where v2 is not deployed).
    v2: bool,
    /// What new tasks report in `usage` (and v1's per-file cost), over the defaults.
    usage: Value,
    /// The wallet currency `accountStatus` reports (null by default, as for coin accounts).
    currency: Option<String>,
    tasks: HashMap<String, Task>,
    faults: Vec<Fault>,
    log: Vec<Value>,
    uploads: HashMap<String, Vec<u8>>,
    images: HashMap<String, Vec<u8>>,
    expired: HashSet<String>,
    next_id: u64,
    runs: u64,
    finished: u64,
    faults_injected: u64,
    max_concurrent: u64,
    sockets_opened: u64,
    /// Sockets that ended, and of those the ones the client closed.
    sockets_closed: u64,
    sockets_closed_by_client: u64,
}

/// The simulator's shared state.
pub struct Sim {
    inner: Mutex<Inner>,
    start: Instant,
    config: SimConfig,
}

type Shared = Arc<Sim>;

impl Sim {
    /// The key every call must carry, when the simulator is set to require one.
    fn required_key(&self) -> Option<&str> {
        self.config.require_key.as_deref()
    }

    pub fn new(config: SimConfig) -> Shared {
        Arc::new(Sim {
            inner: Mutex::new(Sim::fresh(&config)),
            start: Instant::now(),
            config,
        })
    }

    fn fresh(config: &SimConfig) -> Inner {
        Inner {
            queue_ms: config.queue_ms,
            run_ms: config.run_ms,
            outcome: Outcome::Success,
            next_outcomes: VecDeque::new(),
            socket: SocketKind::Normal,
            v2: true,
            usage: Value::Null,
            currency: None,
            tasks: HashMap::new(),
            faults: Vec::new(),
            log: Vec::new(),
            uploads: HashMap::new(),
            images: HashMap::new(),
            expired: HashSet::new(),
            next_id: 0,
            runs: 0,
            finished: 0,
            faults_injected: 0,
            max_concurrent: 0,
            sockets_opened: 0,
            sockets_closed: 0,
            sockets_closed_by_client: 0,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking handler must not take the simulator down for the other tests.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Logs a request. `extra` fields (what was sent besides a JSON body: the presence of an
    /// `Authorization` header, multipart field names) go into the entry as they are; keys never
    /// do (see [`redact`] and [`redact_query`]).
    fn record(&self, method: &Method, uri: &str, path: &str, body: Value, extra: Value) {
        let at = self.start.elapsed().as_millis() as u64;
        let uri = redact_query(uri);
        let mut entry = json!({
            "method": method.as_str(), "uri": uri, "path": path, "body": body, "at": at,
        });
        if let (Some(entry), Value::Object(extra)) = (entry.as_object_mut(), extra) {
            entry.extend(extra);
        }
        self.lock().log.push(entry);
    }

    /// The next fault for this path, if one is armed.
    fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut inner = self.lock();
        let index = inner
            .faults
            .iter()
            .position(|f| f.path == path && f.remaining > 0)?;
        let fault = inner.faults[index].clone();
        inner.faults[index].remaining -= 1;
        inner.faults.retain(|f| f.remaining > 0);
        inner.faults_injected += 1;
        Some(fault)
    }
}

/// The simulator's routes: RunningHub's paths plus `/__sim/*` knobs and `/sim-files/*`.
pub fn routes(sim: Shared) -> Router {
    Router::new()
        .route("/task/openapi/ai-app/run", post(v1::run))
        .route("/task/openapi/outputs", post(v1::outputs))
        .route("/task/openapi/status", post(v1::status))
        .route("/task/openapi/cancel", post(v1::cancel))
        .route(
            "/task/openapi/upload",
            post(v1::upload).layer(axum::extract::DefaultBodyLimit::max(40 * 1024 * 1024)),
        )
        .route("/uc/openapi/accountStatus", post(v1::account))
        .route(
            "/api/webapp/apiCallDemo",
            get(v1::app_demo_get).post(v1::app_demo_post),
        )
        .route(
            v2::UPLOAD,
            any(v2::upload).layer(axum::extract::DefaultBodyLimit::max(40 * 1024 * 1024)),
        )
        .route(v2::QUERY, any(v2::query))
        .route(socket::PATH, get(socket::connect))
        .route("/__sim/control", post(knobs::control))
        .route("/__sim/faults", post(knobs::add_fault))
        .route("/__sim/expire", post(knobs::expire))
        .route("/__sim/reset", post(knobs::reset))
        .route("/__sim/stats", get(knobs::stats))
        .route("/sim-files/uploads/{name}", get(files::uploaded_file))
        .route("/sim-files/{task}/{name}", get(files::result_file))
        .with_state(sim)
}

/// `/__sim/log`, apart from [`routes`]: it shows what pages sent, so it is not open to every
/// origin as the rest of the simulator is.
pub fn log_routes(sim: Shared) -> Router {
    Router::new()
        .route("/__sim/log", get(knobs::log))
        .with_state(sim)
}

fn envelope(code: i64, msg: &str, data: Value) -> Response {
    Json(json!({ "code": code, "msg": msg, "data": data })).into_response()
}

/// RunningHub's name for a code, as it appears in `msg`.
fn code_name(code: i64) -> &'static str {
    match code {
        0 => "success",
        301 => "PARAMS_INVALID",
        380 => "WORKFLOW_NOT_EXISTS",
        412 => "TOKEN_INVALID",
        415 => "TASK_INSTANCE_MAXED",
        416 => "TASK_CREATE_FAILED_BY_NOT_ENOUGH_WALLET",
        421 => "TASK_QUEUE_MAXED",
        423 => "TASK_NOT_FOUNED",
        433 => "VALIDATE_PROMPT_FAILED",
        435 => "TASK_USER_EXCLAPI_INSTANCE_NOT_FOUND",
        436 => "TASK_USER_EXCLAPI_REQUIRED",
        500 => "UNKNOWN_ERROR",
        801 => "APIKEY_UNSUPPORTED_FREE_USER",
        802 => "APIKEY_UNAUTHORIZED",
        803 => "APIKEY_INVALID_NODE_INFO",
        804 => "APIKEY_TASK_IS_RUNNING",
        805 => "APIKEY_TASK_STATUS_ERROR",
        806 => "APIKEY_USER_NOT_FOUND",
        807 => "APIKEY_TASK_NOT_FOUND",
        808 => "APIKEY_UPLOAD_FAILED",
        809 => "APIKEY_FILE_SIZE_EXCEEDED",
        810 => "WORKFLOW_NOT_SAVED_OR_NOT_RUNNING",
        811 => "CORPAPIKEY_INVALID",
        812 => "CORPAPIKEY_INSUFFICIENT_FUNDS",
        813 => "APIKEY_TASK_IS_QUEUED",
        814 => "PERSONAL_QUEUE_COUNT_LIMIT",
        901 => "WEBAPP_NOT_EXISTS",
        _ => "ERROR",
    }
}

fn coded(code: i64) -> Response {
    envelope(code, code_name(code), Value::Null)
}

/// Checks a key: missing or malformed → 802; `bad000…0NNN` → code NNN (a test knob); with a
/// key `required` ([`SimConfig::require_key`]), any other key → 802.
fn check_key(key: Option<&str>, required: Option<&str>) -> Result<String, i64> {
    let key = key.unwrap_or("").trim();
    if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(802);
    }
    if required.is_some_and(|required| required != key) {
        return Err(802);
    }
    if let Some(code) = key
        .strip_prefix("bad")
        .filter(|rest| rest.trim_start_matches('0').len() <= 3)
    {
        if let Ok(code) = code.trim_start_matches('0').parse::<i64>() {
            return Err(code);
        }
    }
    Ok(key.to_owned())
}

fn redact(mut body: Value) -> Value {
    if let Some(map) = body.as_object_mut() {
        for name in ["apiKey", "apikey"] {
            // An empty key is no secret: it shows as it came, so tests can see one was sent.
            if map.get(name).is_some_and(|k| k.as_str() != Some("")) {
                map.insert(name.into(), json!("***"));
            }
        }
    }
    body
}

/// `uri` with the value of every `apiKey` in its query (whatever its case or encoding of the
/// name) shown as `***`, as [`redact`] does for bodies: a key sent in a URL (RunningHub's own
/// `GET apiCallDemo`) must not end up in the log either. An empty value stays, so tests can see
/// that none was sent.
pub fn redact_query(uri: &str) -> String {
    let Some((path, query)) = uri.split_once('?') else {
        return uri.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_key_name(name) => format!("{name}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

/// True for `apiKey` as a query name, also percent-encoded (`api%4Bey`) or in another case.
fn is_key_name(name: &str) -> bool {
    let mut decoded = Vec::new();
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| name.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                decoded.push(b);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    decoded.eq_ignore_ascii_case(b"apikey")
}

fn parse_body(bytes: &Bytes) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

/// What to do with a request once it is logged and faults are applied.
enum Entry {
    /// Answer normally; `drop_answer` asks to lose the answer on the way (run only).
    Go { drop_answer: bool },
    /// Send this instead (an injected fault).
    Answer(Response),
}

/// What `outputs`, `status` and `cancel` check first, in RunningHub's order: logged (and any
/// armed fault applied), then the key, then the task id. `Err` is the answer to send instead.
async fn task_request(
    sim: &Sim,
    method: &Method,
    uri: &Uri,
    body: &Bytes,
) -> Result<String, Response> {
    let body = parse_body(body);
    if let Entry::Answer(response) = enter(sim, method, uri, body.clone()).await {
        return Err(response);
    }
    check_key(
        body.get("apiKey").and_then(Value::as_str),
        sim.required_key(),
    )
    .map_err(coded)?;
    body.get("taskId")
        .and_then(text_of)
        .ok_or_else(|| coded(301))
}

/// Logs the request and applies an armed fault.
async fn enter(sim: &Sim, method: &Method, uri: &Uri, body: Value) -> Entry {
    enter_with(sim, method, uri, body, Value::Null).await
}

/// [`enter`], with more to log than the JSON body (see [`Sim::record`]).
async fn enter_with(sim: &Sim, method: &Method, uri: &Uri, body: Value, extra: Value) -> Entry {
    sim.record(method, &uri.to_string(), uri.path(), redact(body), extra);
    match sim.take_fault(uri.path()) {
        Some(fault) if fault.kind == FaultKind::Drop => Entry::Go { drop_answer: true },
        Some(fault) => match knobs::fault_response(fault).await {
            Some(response) => Entry::Answer(response),
            None => Entry::Go { drop_answer: false },
        },
        None => Entry::Go { drop_answer: false },
    }
}

#[cfg(test)]
mod tests {
    use super::redact_query;

    #[test]
    fn keys_in_queries_are_hidden() {
        let key = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            redact_query(&format!("/api/webapp/apiCallDemo?apiKey={key}&webappId=1")),
            "/api/webapp/apiCallDemo?apiKey=***&webappId=1"
        );
        for uri in [
            format!("/x?APIKEY={key}"),
            format!("/x?webappId=1&apikey={key}"),
            format!("/x?api%4Bey={key}"),
            format!("/x?a=1&apiKey={key}&apiKey={key}"),
        ] {
            assert!(!redact_query(&uri).contains(key), "{uri}");
        }
        assert_eq!(
            redact_query("/x?apiKey=&webappId=1"),
            "/x?apiKey=&webappId=1"
        );
        assert_eq!(redact_query("/x"), "/x");
        assert_eq!(redact_query("/x?webappId=1"), "/x?webappId=1");
    }
}
