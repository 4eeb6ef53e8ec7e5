//! v2: `POST /openapi/v2/media/upload/binary` and `POST /openapi/v2/query`, with the key in
//! `Authorization: Bearer <key>` and the answer shapes of RunningHub's API pages (upload:
//! `{code, message, data}`; query: flat, with `usage`). The `v2` knob turns both into 404s, as on
//! a site or relay without v2, so that the app's fall-back to v1 can be tried.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::tasks::{Outcome, TaskState};
use super::v1::failed_reason;
use super::{check_key, enter_with, host_of, parse_body, text_of, Entry, Shared, Sim};

pub use rh_api::path::{QUERY, UPLOAD_V2 as UPLOAD};

/// v2's task-not-found code (seen on RunningHub for a made-up id).
const TASK_NOT_FOUND: &str = "1004";

/// The 404 of a site without v2, when the knob took v2 away.
fn unavailable(sim: &super::Sim) -> Option<Response> {
    if sim.lock().v2 {
        None
    } else {
        Some((
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>",
        )
            .into_response())
    }
}

/// What the log says of the `Authorization` header: whether it came, never its value.
fn auth_note(headers: &HeaderMap) -> Value {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    json!({
        "authorization": headers.contains_key(header::AUTHORIZATION),
        "bearer": bearer,
    })
}

/// The answer refusing a v2 call's key, if it is refused: no header → 412 TOKEN_INVALID (as
/// RunningHub answers a call without it), a bad key → 401 as the upload page shows, the other
/// test keys with their own code.
fn key_refusal(sim: &Sim, headers: &HeaderMap) -> Option<Response> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(Json(json!({"code": 412, "msg": "TOKEN_INVALID"})).into_response());
    };
    let key = value.strip_prefix("Bearer ").unwrap_or("");
    let code = check_key(Some(key), sim.required_key()).err()?;
    let (code, message) = match code {
        802 => (401, "ApiKey verification failed: API Key不存在".to_owned()),
        other => (other, super::code_name(other).to_owned()),
    };
    Some(Json(json!({"code": code, "message": message, "data": null})).into_response())
}

/// `POST /openapi/v2/media/upload/binary`: multipart field `file`; answers
/// `{code: 0, message, data: {type, download_url, fileName, size}}`.
pub async fn upload(
    State(sim): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let mut fields = Vec::new();
    let mut file = None;
    let mut too_big = false;
    if let Ok(mut form) = form {
        loop {
            match form.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or("").to_owned();
                    let file_name = field.file_name().map(str::to_owned);
                    fields.push(name.clone());
                    match field.bytes().await {
                        Ok(bytes) if name == "file" => {
                            file = Some((file_name.unwrap_or_default(), bytes))
                        }
                        Ok(_) => {}
                        Err(_) => {
                            too_big = true;
                            break;
                        }
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    too_big = true;
                    break;
                }
            }
        }
    }
    let mut extra = auth_note(&headers);
    extra["fields"] = json!(fields);
    if let Entry::Answer(response) = enter_with(&sim, &method, &uri, Value::Null, extra).await {
        return response;
    }
    if let Some(response) = unavailable(&sim).or_else(|| key_refusal(&sim, &headers)) {
        return response;
    }
    let refuse = |code: i64, message: &str| {
        Json(json!({"code": code, "message": message, "data": null})).into_response()
    };
    if too_big {
        return refuse(1008, "file too large");
    }
    let Some((name, bytes)) = file else {
        return refuse(301, "file is required");
    };
    if bytes.len() > 30 * 1024 * 1024 {
        return refuse(1008, "file too large");
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| e.len() <= 5)
        .unwrap_or_else(|| "png".into());
    let hash = format!("{:08x}{:08x}", crc32fast::hash(&bytes), bytes.len());
    let stored = format!("{hash}.{ext}");
    let size = bytes.len().to_string();
    sim.lock().uploads.insert(stored.clone(), bytes.to_vec());
    Json(json!({
        "code": 0, "message": "success",
        "data": {
            "type": "image",
            "download_url": format!("http://{}/sim-files/uploads/{stored}", host_of(&headers)),
            "fileName": format!("openapi/{stored}"),
            "size": size,
        }
    }))
    .into_response()
}

/// `POST /openapi/v2/query {taskId}`: the flat answer, `usage` once the task has ended.
pub async fn query(
    State(sim): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = parse_body(&body);
    if let Entry::Answer(response) =
        enter_with(&sim, &method, &uri, body.clone(), auth_note(&headers)).await
    {
        return response;
    }
    if let Some(response) = unavailable(&sim).or_else(|| key_refusal(&sim, &headers)) {
        return response;
    }
    let Some(task_id) = body.get("taskId").and_then(text_of) else {
        return Json(json!({"code": 301, "message": "taskId is required", "data": null}))
            .into_response();
    };
    let flat =
        |status: &str, code: &str, message: &str, results: Value, failed: Value, usage: Value| {
            Json(json!({
                "taskId": task_id, "status": status, "errorCode": code, "errorMessage": message,
                "failedReason": failed, "usage": usage, "results": results,
                "clientId": "", "promptTips": "",
            }))
            .into_response()
        };
    let Some(task) = sim.task(&task_id) else {
        return flat(
            "FAILED",
            TASK_NOT_FOUND,
            "任务不存在 Task does not exist",
            Value::Null,
            json!({}),
            Value::Null,
        );
    };
    let now = Instant::now();
    let none = json!({
        "consumeCoins": null, "consumeMoney": null, "thirdPartyConsumeMoney": null,
        "taskCostTime": null,
    });
    let reason = |value: Value| value.get("failedReason").cloned().unwrap_or(json!({}));
    match task.state(now) {
        TaskState::Queued => flat("QUEUED", "", "", Value::Null, json!({}), none),
        TaskState::Running => flat("RUNNING", "", "", Value::Null, json!({}), none),
        TaskState::Cancelled => flat(
            "FAILED",
            "",
            "Task cancelled",
            Value::Null,
            reason(failed_reason("Task cancelled")),
            task.usage(),
        ),
        TaskState::Done => {
            let base = format!("http://{}/sim-files/{task_id}", host_of(&headers));
            let result = |name: &str, kind: &str| json!({"url": format!("{base}/{name}"), "outputType": kind, "nodeId": "160", "text": null});
            match task.outcome {
                Outcome::Success => flat(
                    "SUCCESS",
                    "",
                    "",
                    json!([result("ComfyUI_00001_.png", "png")]),
                    json!({}),
                    task.usage(),
                ),
                Outcome::Multi => flat(
                    "SUCCESS",
                    "",
                    "",
                    json!([
                        result("ComfyUI_00001_.png", "png"),
                        result("ComfyUI_00002_.png", "png"),
                        result("info.txt", "txt")
                    ]),
                    json!({}),
                    task.usage(),
                ),
                Outcome::Empty => flat("SUCCESS", "", "", json!([]), json!({}), task.usage()),
                Outcome::Fail => flat(
                    "FAILED",
                    "",
                    "",
                    Value::Null,
                    reason(failed_reason(
                        "CUDA out of memory. Tried to allocate 2.00 GiB",
                    )),
                    task.usage(),
                ),
                Outcome::NodeErrors => flat(
                    "FAILED",
                    "",
                    "",
                    Value::Null,
                    json!({
                        "node_name": "LoadImage", "node_id": "112", "exception_type": "ValidationError",
                        "exception_message": "Invalid image file: api/missing.png", "traceback": ""
                    }),
                    none,
                ),
                Outcome::StayQueued => flat("QUEUED", "", "", Value::Null, json!({}), none),
            }
        }
    }
}
