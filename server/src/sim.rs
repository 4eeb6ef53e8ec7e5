//! The RunningHub simulator: the v1 endpoints the app uses, with the real answer shapes and codes,
//! in-memory tasks that go QUEUED → RUNNING → done over a configurable time, and test knobs that
//! switch outcomes and inject faults per test without a restart (see README.md).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::png;
use crate::SimConfig;

/// The SketchUp app of the seed document.
pub const SU_APP: &str = "1983061233110790146";
/// A second app, with every kind of field, for the generated form.
pub const RESTYLE_APP: &str = "1937084629516193794";

/// How a task ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    Multi,
    Empty,
    Fail,
    NodeErrors,
    StayQueued,
}

impl Outcome {
    fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "success" => Outcome::Success,
            "multi" => Outcome::Multi,
            "empty" => Outcome::Empty,
            "fail" => Outcome::Fail,
            "node_errors" => Outcome::NodeErrors,
            "stay_queued" => Outcome::StayQueued,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Multi => "multi",
            Outcome::Empty => "empty",
            Outcome::Fail => "fail",
            Outcome::NodeErrors => "node_errors",
            Outcome::StayQueued => "stay_queued",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FaultKind {
    Http500,
    Html,
    Truncated,
    NotJson,
    Stall,
    Code(i64),
    Drop,
}

#[derive(Debug, Clone)]
struct Fault {
    path: String,
    kind: FaultKind,
    remaining: u32,
    stall_ms: u64,
}

#[derive(Debug, Clone)]
struct Task {
    key: String,
    created: Instant,
    queue_ms: u64,
    run_ms: u64,
    outcome: Outcome,
    cancelled: bool,
    finished_counted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskState {
    Queued,
    Running,
    Done,
    Cancelled,
}

impl Task {
    fn state(&self, now: Instant) -> TaskState {
        let ms = now.duration_since(self.created).as_millis() as u64;
        if self.cancelled {
            TaskState::Cancelled
        } else if self.outcome == Outcome::NodeErrors {
            TaskState::Done
        } else if self.outcome == Outcome::StayQueued || ms < self.queue_ms {
            TaskState::Queued
        } else if ms < self.queue_ms + self.run_ms {
            TaskState::Running
        } else {
            TaskState::Done
        }
    }
}

struct Inner {
    queue_ms: u64,
    run_ms: u64,
    outcome: Outcome,
    next_outcomes: VecDeque<Outcome>,
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
}

/// The simulator's shared state.
pub struct Sim {
    inner: Mutex<Inner>,
    start: Instant,
    config: SimConfig,
}

type Shared = Arc<Sim>;

impl Sim {
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
        }
    }

    /// The key every call must carry, when the simulator is set to require one.
    fn required_key(&self) -> Option<&str> {
        self.config.require_key.as_deref()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking handler must not take the simulator down for the other tests.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, method: &Method, uri: &Uri, body: Value) {
        let at = self.start.elapsed().as_millis() as u64;
        self.lock().log.push(json!({
            "method": method.as_str(), "uri": uri.to_string(), "path": uri.path(), "body": body, "at": at,
        }));
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

    /// Counts tasks that are queued or running per key, and finished ones, as time goes by.
    fn observe(inner: &mut Inner) {
        let now = Instant::now();
        let mut active: HashMap<&str, u64> = HashMap::new();
        let mut newly_finished = Vec::new();
        for (id, task) in &inner.tasks {
            match task.state(now) {
                TaskState::Queued | TaskState::Running => {
                    *active.entry(task.key.as_str()).or_default() += 1
                }
                _ if !task.finished_counted => newly_finished.push(id.clone()),
                _ => {}
            }
        }
        let most = active.values().copied().max().unwrap_or(0);
        inner.max_concurrent = inner.max_concurrent.max(most);
        for id in newly_finished {
            if let Some(task) = inner.tasks.get_mut(&id) {
                task.finished_counted = true;
                inner.finished += 1;
            }
        }
    }
}

/// The simulator's routes: RunningHub's paths plus `/__sim/*` knobs and `/sim-files/*`.
pub fn routes(sim: Shared) -> Router {
    Router::new()
        .route("/task/openapi/ai-app/run", post(run))
        .route("/task/openapi/outputs", post(outputs))
        .route("/task/openapi/status", post(status))
        .route("/task/openapi/cancel", post(cancel))
        .route(
            "/task/openapi/upload",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(40 * 1024 * 1024)),
        )
        .route("/uc/openapi/accountStatus", post(account))
        .route(
            "/api/webapp/apiCallDemo",
            get(app_demo_get).post(app_demo_post),
        )
        .route("/__sim/control", post(control))
        .route("/__sim/faults", post(add_fault))
        .route("/__sim/expire", post(expire))
        .route("/__sim/log", get(log))
        .route("/__sim/reset", post(reset))
        .route("/__sim/stats", get(stats))
        .route("/sim-files/uploads/{name}", get(uploaded_file))
        .route("/sim-files/{task}/{name}", get(result_file))
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

/// Applies a fault. `None` means "answer normally" (after a stall, or for a kind this path
/// handles itself).
async fn fault_response(fault: Fault) -> Option<Response> {
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
    sim.record(method, uri, redact(body));
    match sim.take_fault(uri.path()) {
        Some(fault) if fault.kind == FaultKind::Drop => Entry::Go { drop_answer: true },
        Some(fault) => match fault_response(fault).await {
            Some(response) => Entry::Answer(response),
            None => Entry::Go { drop_answer: false },
        },
        None => Entry::Go { drop_answer: false },
    }
}

fn prompt_tips_ok() -> String {
    r#"{"result": true, "error": null, "outputs_to_execute": ["160"], "node_errors": {}}"#
        .to_owned()
}

fn prompt_tips_node_errors() -> String {
    json!({
        "result": false,
        "error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}},
        "outputs_to_execute": [],
        "node_errors": {"112": {"errors": [{"type": "custom_validation_failed", "message": "Invalid image file", "details": "image: api/missing.png", "extra_info": {}}], "dependent_outputs": ["160"], "class_type": "LoadImage"}}
    })
    .to_string()
}

/// The inputs each known app takes (node id, field name).
fn app_nodes(webapp: &str) -> Option<&'static [(&'static str, &'static str)]> {
    match webapp {
        SU_APP => Some(&[("112", "image"), ("158", "image")]),
        RESTYLE_APP => Some(&[
            ("10", "image"),
            ("20", "text"),
            ("30", "seed"),
            ("31", "denoise"),
            ("40", "style"),
            ("50", "upscale"),
        ]),
        _ => None,
    }
}

async fn run(State(sim): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
    let body = parse_body(&body);
    let drop_answer = match enter(&sim, &method, &uri, body.clone()).await {
        Entry::Go { drop_answer } => drop_answer,
        Entry::Answer(response) => return response,
    };
    let key = match check_key(
        body.get("apiKey").and_then(Value::as_str),
        sim.required_key(),
    ) {
        Ok(key) => key,
        Err(code) => return coded(code),
    };
    let Some(webapp) = body.get("webappId").and_then(text_of) else {
        return coded(301);
    };
    if webapp.is_empty() || webapp == "0" || !webapp.bytes().all(|b| b.is_ascii_digit()) {
        return coded(901);
    }
    if let Some(list) = body.get("nodeInfoList") {
        let Some(items) = list.as_array() else {
            return coded(301);
        };
        for item in items {
            let (Some(node), Some(field)) = (
                item.get("nodeId").and_then(text_of),
                item.get("fieldName").and_then(Value::as_str),
            ) else {
                return coded(301);
            };
            if let Some(known) = app_nodes(&webapp) {
                if !known.iter().any(|(n, f)| *n == node && *f == field) {
                    return coded(803);
                }
            }
        }
    }
    let (task_id, outcome) = {
        let mut inner = sim.lock();
        Sim::observe(&mut inner);
        inner.next_id += 1;
        // 19 digits, above 2^53, like RunningHub's.
        let task_id = format!("{}", 1_983_070_826_507_472_898u64 + inner.next_id * 7919);
        let outcome = inner.next_outcomes.pop_front().unwrap_or(inner.outcome);
        let task = Task {
            key,
            created: Instant::now(),
            queue_ms: inner.queue_ms,
            run_ms: inner.run_ms,
            outcome,
            cancelled: false,
            finished_counted: false,
        };
        inner.tasks.insert(task_id.clone(), task);
        inner.runs += 1;
        Sim::observe(&mut inner);
        (task_id, outcome)
    };
    if drop_answer {
        // The task exists but the answer is lost on the way: a gateway error, never a silently
        // closed connection (Chromium would send the POST again).
        tokio::time::sleep(Duration::from_millis(100)).await;
        return (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response();
    }
    let (status, tips) = if outcome == Outcome::NodeErrors {
        ("FAILED", prompt_tips_node_errors())
    } else {
        ("QUEUED", prompt_tips_ok())
    };
    Json(json!({
        "code": 0, "msg": "success", "errorMessages": null,
        "data": {
            "netWssUrl": null, "taskId": task_id, "clientId": "4c8a885af070060139abecdbffc97978",
            "taskStatus": status, "promptTips": tips,
        }
    }))
    .into_response()
}

fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

fn failed_reason(message: &str) -> Value {
    json!({"failedReason": {
        "node_name": "KSampler", "node_id": "3", "exception_type": "torch.OutOfMemoryError",
        "exception_message": message,
        "traceback": "[\"Traceback (most recent call last):\\n\", \"  File \\\"execution.py\\\", line 151, in recursive_execute\\n\", \"torch.OutOfMemoryError: CUDA out of memory\\n\"]",
        "current_inputs": "", "current_outputs": ""
    }})
}

async fn outputs(
    State(sim): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let task_id = match task_request(&sim, &method, &uri, &body).await {
        Ok(task_id) => task_id,
        Err(response) => return response,
    };
    let now = Instant::now();
    let mut inner = sim.lock();
    Sim::observe(&mut inner);
    let Some(task) = inner.tasks.get(&task_id).cloned() else {
        return coded(807);
    };
    let ms = now.duration_since(task.created).as_millis() as u64;
    match task.state(now) {
        TaskState::Cancelled => envelope(
            805,
            "APIKEY_TASK_STATUS_ERROR",
            failed_reason("Task cancelled"),
        ),
        TaskState::Queued => coded(813),
        // The first running moment answers code 0 with null data, as the real service sometimes does.
        TaskState::Running if ms < task.queue_ms + task.run_ms / 4 => {
            envelope(0, "success", Value::Null)
        }
        TaskState::Running => envelope(804, "APIKEY_TASK_IS_RUNNING", json!({"netWssUrl": null})),
        TaskState::Done => {
            let base = format!("http://{}/sim-files/{task_id}", host_of(&headers));
            let cost = ((task.queue_ms + task.run_ms) / 1000).max(1).to_string();
            let file = |name: &str, kind: &str| {
                json!({
                    "fileUrl": format!("{base}/{name}"), "fileType": kind, "taskCostTime": cost,
                    "nodeId": "160", "consumeCoins": "12", "consumeMoney": null,
                })
            };
            match task.outcome {
                Outcome::Success => {
                    envelope(0, "success", json!([file("ComfyUI_00001_.png", "png")]))
                }
                Outcome::Multi => envelope(
                    0,
                    "success",
                    json!([
                        file("ComfyUI_00001_.png", "png"),
                        file("ComfyUI_00002_.png", "png"),
                        file("info.txt", "txt")
                    ]),
                ),
                Outcome::Empty => envelope(0, "success", json!([])),
                Outcome::Fail => envelope(
                    805,
                    "APIKEY_TASK_STATUS_ERROR",
                    failed_reason("CUDA out of memory. Tried to allocate 2.00 GiB"),
                ),
                Outcome::NodeErrors => envelope(
                    805,
                    "APIKEY_TASK_STATUS_ERROR",
                    json!({"failedReason": {
                        "node_name": "LoadImage", "node_id": "112", "exception_type": "ValidationError",
                        "exception_message": "Invalid image file: api/missing.png", "traceback": ""
                    }}),
                ),
                Outcome::StayQueued => coded(813),
            }
        }
    }
}

async fn status(State(sim): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
    let task_id = match task_request(&sim, &method, &uri, &body).await {
        Ok(task_id) => task_id,
        Err(response) => return response,
    };
    let inner = sim.lock();
    let Some(task) = inner.tasks.get(&task_id) else {
        return coded(807);
    };
    let status = match task.state(Instant::now()) {
        TaskState::Queued => "QUEUED",
        TaskState::Running => "RUNNING",
        TaskState::Cancelled => "FAILED",
        TaskState::Done => match task.outcome {
            Outcome::Fail | Outcome::NodeErrors => "FAILED",
            _ => "SUCCESS",
        },
    };
    envelope(0, "success", json!(status))
}

async fn cancel(State(sim): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
    let task_id = match task_request(&sim, &method, &uri, &body).await {
        Ok(task_id) => task_id,
        Err(response) => return response,
    };
    let mut inner = sim.lock();
    let now = Instant::now();
    match inner.tasks.get_mut(&task_id) {
        None => coded(807),
        Some(task) => {
            if matches!(task.state(now), TaskState::Queued | TaskState::Running) {
                task.cancelled = true;
            }
            envelope(0, "success", Value::Null)
        }
    }
}

async fn upload(
    State(sim): State<Shared>,
    method: Method,
    uri: Uri,
    mut form: Multipart,
) -> Response {
    if let Entry::Answer(response) = enter(&sim, &method, &uri, Value::Null).await {
        return response;
    }
    let (mut key, mut file, mut file_type) = (None, None, None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                let file_name = field.file_name().map(str::to_owned);
                match field.bytes().await {
                    Ok(bytes) if name == "file" => {
                        file = Some((file_name.unwrap_or_default(), bytes))
                    }
                    Ok(bytes) if name == "apiKey" => {
                        key = Some(String::from_utf8_lossy(&bytes).into_owned())
                    }
                    Ok(bytes) if name == "fileType" => {
                        file_type = Some(String::from_utf8_lossy(&bytes).into_owned())
                    }
                    Ok(_) => {}
                    // Over the body limit (or a cut upload): the real service says 809 for size.
                    Err(_) => return coded(809),
                }
            }
            Ok(None) => break,
            Err(_) => return coded(809),
        }
    }
    if let Err(code) = check_key(key.as_deref(), sim.required_key()) {
        return coded(code);
    }
    let Some((name, bytes)) = file else {
        return coded(301);
    };
    if !matches!(file_type.as_deref(), Some("input" | "image") | None) {
        return coded(301);
    }
    if bytes.len() > 30 * 1024 * 1024 {
        return coded(809);
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| e.len() <= 5)
        .unwrap_or_else(|| "png".into());
    let hash = format!("{:08x}{:08x}", crc32fast::hash(&bytes), bytes.len());
    let stored = format!("{hash}.{ext}");
    sim.lock().uploads.insert(stored.clone(), bytes.to_vec());
    envelope(
        0,
        "success",
        json!({"fileName": format!("api/{stored}"), "fileType": "input"}),
    )
}

async fn account(State(sim): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
    let body = parse_body(&body);
    if let Entry::Answer(response) = enter(&sim, &method, &uri, body.clone()).await {
        return response;
    }
    let lower = body.get("apikey").and_then(Value::as_str);
    if lower.is_none() && body.get("apiKey").is_some() {
        // This endpoint spells the field `apikey`; `apiKey` is reported to fail.
        return coded(301);
    }
    let key = match check_key(lower, sim.required_key()) {
        Ok(key) => key,
        Err(code) => return coded(code),
    };
    let mut inner = sim.lock();
    Sim::observe(&mut inner);
    let now = Instant::now();
    let running = inner
        .tasks
        .values()
        .filter(|t| t.key == key && matches!(t.state(now), TaskState::Queued | TaskState::Running))
        .count();
    envelope(
        0,
        "success",
        json!({
            "remainCoins": "1234", "currentTaskCounts": running.to_string(),
            "remainMoney": null, "currency": null, "apiType": "NORMAL",
        }),
    )
}

fn app_demo(sim: &Sim, key: Option<&str>, webapp: Option<&str>) -> Response {
    if let Err(code) = check_key(key, sim.required_key()) {
        return coded(code);
    }
    match webapp.unwrap_or("") {
        SU_APP => envelope(
            0,
            "success",
            json!({
                "webappName": "SU截图转效果图",
                "nodeInfoList": [
                    {"nodeId": "112", "nodeName": "LoadImage", "fieldName": "image", "fieldValue": "aada02b02fa42dee7f9366e0d1771d63fa85501de3c3190f1cb76a8617121584.jpg", "fieldType": "IMAGE", "description": "SU截图", "descriptionEn": "SU screenshot"},
                    {"nodeId": "158", "nodeName": "LoadImage", "fieldName": "image", "fieldValue": "48bd97d8f8e97ab953a356afd474c4a095a4d38466da9a5962e5bd34f0b1adc0.jpg", "fieldType": "IMAGE", "description": "参考图（只参考色温、色调）", "descriptionEn": "Reference (colour temperature and tone only)"}
                ],
                "covers": [{"thumbnailUri": "/sim-files/cover.png"}]
            }),
        ),
        RESTYLE_APP => envelope(
            0,
            "success",
            json!({
                "webappName": "Interior restyle",
                "nodeInfoList": [
                    {"nodeId": "10", "nodeName": "LoadImage", "fieldName": "image", "fieldValue": "example.jpg", "fieldType": "IMAGE", "description": "室内照片", "descriptionEn": "Room photo"},
                    {"nodeId": "20", "nodeName": "CLIPTextEncode", "fieldName": "text", "fieldValue": "a bright modern living room", "fieldType": "STRING", "description": "提示词", "descriptionEn": "Prompt"},
                    {"nodeId": "30", "nodeName": "KSampler", "fieldName": "seed", "fieldValue": "42", "fieldType": "INT", "description": "随机种子", "descriptionEn": "Seed"},
                    {"nodeId": "31", "nodeName": "KSampler", "fieldName": "denoise", "fieldValue": "0.75", "fieldType": "FLOAT", "description": "重绘幅度", "descriptionEn": "Denoise"},
                    {"nodeId": "40", "nodeName": "StyleSelect", "fieldName": "style", "fieldValue": "modern", "fieldType": "LIST", "fieldData": "[[\"modern\",\"nordic\",\"wabi-sabi\"],{\"default\":\"modern\"}]", "description": "风格", "descriptionEn": "Style"},
                    {"nodeId": "50", "nodeName": "Upscale", "fieldName": "upscale", "fieldValue": "true", "fieldType": "SWITCH", "description": "放大", "descriptionEn": "Upscale"}
                ],
                "covers": []
            }),
        ),
        _ => coded(901),
    }
}

async fn app_demo_get(
    State(sim): State<Shared>,
    method: Method,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Entry::Answer(response) = enter(&sim, &method, &uri, Value::Null).await {
        return response;
    }
    app_demo(
        &sim,
        query.get("apiKey").map(String::as_str),
        query.get("webappId").map(String::as_str),
    )
}

/// The same call with the key in a JSON body (the project's own server takes this form, so the
/// app can keep keys out of URLs).
async fn app_demo_post(
    State(sim): State<Shared>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let body = parse_body(&body);
    if let Entry::Answer(response) = enter(&sim, &method, &uri, body.clone()).await {
        return response;
    }
    let webapp = body.get("webappId").and_then(text_of);
    app_demo(
        &sim,
        body.get("apiKey").and_then(Value::as_str),
        webapp.as_deref(),
    )
}

async fn control(State(sim): State<Shared>, Json(body): Json<Value>) -> Response {
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
    Json(json!({
        "queueMs": inner.queue_ms, "runMs": inner.run_ms, "outcome": inner.outcome.name(),
        "nextOutcomes": inner.next_outcomes.iter().map(|o| o.name()).collect::<Vec<_>>(),
    }))
    .into_response()
}

async fn add_fault(State(sim): State<Shared>, Json(body): Json<Value>) -> Response {
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

async fn expire(State(sim): State<Shared>, body: Bytes) -> Response {
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

async fn log(State(sim): State<Shared>) -> Response {
    Json(Value::Array(sim.lock().log.clone())).into_response()
}

async fn reset(State(sim): State<Shared>) -> Response {
    *sim.lock() = Sim::fresh(&sim.config);
    StatusCode::NO_CONTENT.into_response()
}

async fn stats(State(sim): State<Shared>) -> Response {
    let mut inner = sim.lock();
    Sim::observe(&mut inner);
    Json(json!({
        "runs": inner.runs, "tasksFinished": inner.finished,
        "faultsInjected": inner.faults_injected, "maxConcurrentRunning": inner.max_concurrent,
    }))
    .into_response()
}

async fn uploaded_file(State(sim): State<Shared>, Path(name): Path<String>) -> Response {
    match sim.lock().uploads.get(&name) {
        Some(bytes) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn result_file(
    State(sim): State<Shared>,
    Path((task, name)): Path<(String, String)>,
) -> Response {
    let mut inner = sim.lock();
    if inner.expired.contains(&task) || (!inner.tasks.contains_key(&task) && task != "cover.png") {
        return StatusCode::NOT_FOUND.into_response();
    }
    if name.ends_with(".txt") {
        return (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("task {task}: rendered by the SU Render simulator\n"),
        )
            .into_response();
    }
    let cache_key = format!("{task}/{name}");
    let seed = task
        .bytes()
        .chain(name.bytes())
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let bytes = inner
        .images
        .entry(cache_key)
        .or_insert_with(|| png::rendering(960, 600, seed))
        .clone();
    ([(header::CONTENT_TYPE, "image/png")], bytes).into_response()
}
