//! v1: `/task/openapi/*` (run, outputs, status, cancel, upload), `/uc/openapi/accountStatus` and
//! `/api/webapp/apiCallDemo`, with the key in the body and `{code, msg, data}` answers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::socket;
use super::tasks::{Outcome, TaskState};
use super::{
    check_key, coded, enter, enter_with, envelope, host_of, parse_body, task_request, text_of,
    Entry, Shared, Sim, RESTYLE_APP, SU_APP,
};

fn prompt_tips_ok() -> String {
    r#"{"result": true, "error": null, "outputs_to_execute": ["160"], "node_errors": {}}"#
        .to_owned()
}

pub(super) fn prompt_tips_node_errors() -> String {
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

pub async fn run(
    State(sim): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
    let (task_id, outcome) = sim.create_task(key, webapp);
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
    let Some(task) = sim.task(&task_id) else {
        return coded(500);
    };
    // A task that waits for a machine has no socket yet (as in the seed's answer: QUEUED, null;
    // a running task's `outputs` answer names it); one that starts at once answers RUNNING with
    // its socket, as in RunningHub's docs.
    let (status, tips, socket) = if outcome == Outcome::NodeErrors {
        ("FAILED", prompt_tips_node_errors(), None)
    } else if task.state(Instant::now()) != TaskState::Queued {
        (
            "RUNNING",
            prompt_tips_ok(),
            socket::url_for(&task, &host_of(&headers)),
        )
    } else {
        ("QUEUED", prompt_tips_ok(), None)
    };
    Json(json!({
        "code": 0, "msg": "success", "errorMessages": null,
        "data": {
            "netWssUrl": socket, "taskId": task_id, "clientId": task.client_id,
            "taskStatus": status, "promptTips": tips,
        }
    }))
    .into_response()
}

pub(super) fn failed_reason(message: &str) -> Value {
    json!({"failedReason": {
        "node_name": "KSampler", "node_id": "3", "exception_type": "torch.OutOfMemoryError",
        "exception_message": message,
        "traceback": "[\"Traceback (most recent call last):\\n\", \"  File \\\"execution.py\\\", line 151, in recursive_execute\\n\", \"torch.OutOfMemoryError: CUDA out of memory\\n\"]",
        "current_inputs": "", "current_outputs": ""
    }})
}

pub async fn outputs(
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
    let Some(task) = sim.task(&task_id) else {
        return coded(807);
    };
    let ms = task.age_ms(now);
    match task.state(now) {
        TaskState::Cancelled => envelope(
            805,
            "APIKEY_TASK_STATUS_ERROR",
            failed_reason("Task cancelled"),
        ),
        TaskState::Queued => coded(813),
        // The first running moment (a quarter of the run, at most half a second) answers code
        // 0 with null data, as the real service sometimes does.
        TaskState::Running if ms < task.queue_ms + (task.run_ms / 4).min(500) => {
            envelope(0, "success", Value::Null)
        }
        // A running task's answer names its progress socket, as RunningHub's does.
        TaskState::Running => envelope(
            804,
            "APIKEY_TASK_IS_RUNNING",
            json!({"netWssUrl": socket::url_for(&task, &host_of(&headers))}),
        ),
        TaskState::Done => {
            let base = format!("http://{}/sim-files/{task_id}", host_of(&headers));
            // v1 repeats the task's cost on every file.
            let usage = task.usage();
            let file = |name: &str, kind: &str| {
                let mut file = json!({
                    "fileUrl": format!("{base}/{name}"), "fileType": kind, "nodeId": "160",
                });
                if let (Some(file), Some(usage)) = (file.as_object_mut(), usage.as_object()) {
                    file.extend(usage.clone());
                }
                file
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

pub async fn status(State(sim): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
    let task_id = match task_request(&sim, &method, &uri, &body).await {
        Ok(task_id) => task_id,
        Err(response) => return response,
    };
    let Some(task) = sim.task(&task_id) else {
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

pub async fn cancel(State(sim): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
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

pub async fn upload(
    State(sim): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let (mut key, mut file, mut file_type) = (None, None, None);
    let mut fields = Vec::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                fields.push(name.clone());
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
    // Logged once the form is read, with its field names (the key's value never).
    let extra =
        json!({ "fields": fields, "authorization": headers.contains_key(header::AUTHORIZATION) });
    if let Entry::Answer(response) = enter_with(&sim, &method, &uri, Value::Null, extra).await {
        return response;
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

pub async fn account(State(sim): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
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
    let currency = inner.currency.clone();
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
            "remainMoney": currency.as_ref().map(|_| "1000.00"), "currency": currency,
            "apiType": "NORMAL",
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

pub async fn app_demo_get(
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
pub async fn app_demo_post(
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
