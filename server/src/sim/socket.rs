//! The progress socket a task hands out as `netWssUrl`, at RunningHub's path on this (the API's)
//! host: `GET /ws/c_instance?c_host&c_port&clientId&workflowId&Rh-Comfy-Auth`, upgraded to a
//! WebSocket that sends ComfyUI's own messages over the task's run time: `status` while it
//! waits, then `execution_start`, `execution_cached`, `executing` per node, `progress` steps of
//! the sampler, `executed`, `executing` with no node and `execution_success`. A client that comes
//! late gets `status` and the node executing now (as ComfyUI does on a reconnect), then what
//! follows.
//!
//! The `socket` knob makes new tasks' sockets drop mid-run (and refuse reconnects), send only
//! garbage, or claim success half-way through the run. The token (`Rh-Comfy-Auth`) is checked
//! and never logged. The log notes each connection's `Origin` (a page's own, or the upstream's
//! own when our relay opened it), and the statistics count sockets opened, ended, and closed by
//! the client (a page that stops listening, or the relay passing that on).

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::tasks::{SocketKind, Task, TaskState};
use super::Shared;

/// Where the sockets are, as on RunningHub.
pub const PATH: &str = "/ws/c_instance";

/// The task's `netWssUrl` on `host` (this server: RunningHub's sockets are on its API host),
/// shaped like RunningHub's: `…/ws/c_instance?c_host&c_port&clientId&workflowId&Rh-Comfy-Auth`.
pub fn url_for(task: &Task, host: &str) -> Option<String> {
    (task.socket != SocketKind::None).then(|| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("c_host", "10.129.240.44")
            .append_pair("c_port", "80")
            .append_pair("clientId", &task.client_id)
            .append_pair("workflowId", &task.webapp)
            .append_pair("Rh-Comfy-Auth", &task.socket_token)
            .finish();
        format!("ws://{host}{PATH}?{query}")
    })
}

/// Sampler steps the simulated graph reports.
const STEPS: u32 = 20;

/// One thing the socket sends, `at` ms after the task was made.
#[derive(Debug, Clone)]
enum Frame {
    Text(String),
    Binary(Vec<u8>),
    /// Close without a word (the TCP connection just ends).
    Drop,
}

/// `uri` with the token's value hidden, for the log.
fn masked(uri: &Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return path.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("Rh-Comfy-Auth") => format!("{name}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

pub async fn connect(
    State(sim): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    sim.record(
        &Method::GET,
        &masked(&uri),
        PATH,
        Value::Null,
        json!({ "websocket": true, "origin": origin }),
    );
    let Ok(upgrade) = upgrade else {
        return (StatusCode::BAD_REQUEST, "WebSocket upgrade expected").into_response();
    };
    let found = query
        .get("clientId")
        .and_then(|client| sim.task_by_client(client));
    let Some((task_id, task)) = found else {
        return (StatusCode::NOT_FOUND, "no such instance").into_response();
    };
    if query.get("Rh-Comfy-Auth") != Some(&task.socket_token) {
        return (StatusCode::FORBIDDEN, "bad token").into_response();
    }
    let now = std::time::Instant::now();
    let ended = matches!(task.state(now), TaskState::Done | TaskState::Cancelled);
    let dropped = task.socket == SocketKind::Drop && task.age_ms(now) >= drop_at(&task);
    if ended || dropped || task.socket == SocketKind::None {
        // The instance is gone (or, for `drop`, its socket broke for good).
        return (StatusCode::SERVICE_UNAVAILABLE, "instance not available").into_response();
    }
    upgrade
        .max_frame_size(crate::relay::socket::FRAME_LIMIT)
        .max_message_size(crate::relay::socket::FRAME_LIMIT)
        .on_upgrade(move |socket| stream(sim, task_id, task, socket))
}

/// When a `drop` socket breaks: 40% into the run.
fn drop_at(task: &Task) -> u64 {
    task.queue_ms + task.run_ms * 2 / 5
}

/// Counts a socket as ended when it goes, however it ends.
struct Ended {
    sim: Shared,
    by_client: bool,
}

impl Drop for Ended {
    fn drop(&mut self) {
        let mut inner = self.sim.lock();
        inner.sockets_closed += 1;
        if self.by_client {
            inner.sockets_closed_by_client += 1;
        }
    }
}

/// Waits until the client closes the socket or its connection ends (what it sends is ignored).
async fn client_gone(socket: &mut WebSocket) {
    loop {
        match socket.recv().await {
            Some(Ok(Message::Close(_)) | Err(_)) | None => return,
            Some(Ok(_)) => {}
        }
    }
}

/// Sends the task's frames at their times, from now on, until the task ends or the client goes.
async fn stream(sim: Shared, task_id: String, task: Task, mut socket: WebSocket) {
    sim.lock().sockets_opened += 1;
    let mut ended = Ended {
        sim: sim.clone(),
        by_client: false,
    };
    let now = task.age_ms(std::time::Instant::now());
    let mut frames = timeline(&task);
    // Catch up as ComfyUI does for a client that connects late: the queue, and the node
    // executing now.
    let current = frames
        .iter()
        .rfind(|(at, frame)| *at <= now && is_executing(frame))
        .cloned();
    frames.retain(|(at, _)| *at > now);
    let mut first = vec![(now, status(u32::from(now < task.queue_ms)))];
    if task.socket != SocketKind::Garbage {
        first.extend(current);
    }
    for (at, frame) in first.into_iter().chain(frames) {
        let wait = at.saturating_sub(task.age_ms(std::time::Instant::now()));
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(wait)) => {}
            () = client_gone(&mut socket) => {
                ended.by_client = true;
                return;
            }
        }
        let cancelled = sim
            .task(&task_id)
            .is_none_or(|t| t.state(std::time::Instant::now()) == TaskState::Cancelled);
        if cancelled {
            let interrupted = json!({"type": "execution_interrupted", "data": {"prompt_id": task_id, "node_id": "3", "node_type": "KSampler", "executed": []}});
            let _ = socket
                .send(Message::Text(interrupted.to_string().into()))
                .await;
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
        let sent = match frame {
            Frame::Text(text) => socket.send(Message::Text(text.into())).await,
            Frame::Binary(bytes) => socket.send(Message::Binary(bytes.into())).await,
            Frame::Drop => return,
        };
        if sent.is_err() {
            return;
        }
    }
    // The instance is released once the task is done.
    let end = task.queue_ms + task.run_ms + 300;
    let wait = end.saturating_sub(task.age_ms(std::time::Instant::now()));
    tokio::select! {
        () = tokio::time::sleep(Duration::from_millis(wait)) => {}
        () = client_gone(&mut socket) => {
            ended.by_client = true;
            return;
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

fn is_executing(frame: &Frame) -> bool {
    matches!(frame, Frame::Text(text) if text.contains("\"executing\"") && !text.contains("\"node\":null"))
}

fn message(kind: &str, data: Value) -> Frame {
    Frame::Text(json!({ "type": kind, "data": data }).to_string())
}

fn status(queue_remaining: u32) -> Frame {
    message(
        "status",
        json!({"status": {"exec_info": {"queue_remaining": queue_remaining}}, "sid": "sim"}),
    )
}

/// Everything a task's socket sends, with the time (ms after the task was made).
fn timeline(task: &Task) -> Vec<(u64, Frame)> {
    let start = task.queue_ms;
    let run = task.run_ms.max(1);
    let at = |fraction: f64| start + (run as f64 * fraction) as u64;
    let prompt = json!(task.client_id);
    let executing = |node: Value| {
        message(
            "executing",
            json!({"node": node, "display_node": node, "prompt_id": prompt}),
        )
    };
    let mut frames = Vec::new();
    match task.socket {
        SocketKind::Garbage => {
            let junk: [Frame; 9] = [
                Frame::Text("not json at all".into()),
                Frame::Text("{\"type\":\"progress\",\"data\":{\"value\":".into()),
                Frame::Text(
                    json!({"type": "progress", "data": {"value": "7", "max": null}}).to_string(),
                ),
                Frame::Text(json!({"type": "oracle", "data": {"says": "done"}}).to_string()),
                Frame::Binary(vec![0, 0, 0, 1, 0, 0, 0, 2, 137, 80, 78, 71]),
                Frame::Text("[1,2,3]".into()),
                Frame::Text(
                    json!({"type": "progress", "data": {"value": 50, "max": 10}}).to_string(),
                ),
                Frame::Text(json!({"type": "executing", "data": {"node": {"id": 3}}}).to_string()),
                Frame::Text(json!({"data": {"value": 1, "max": 2}}).to_string()),
            ];
            let count = 24u64;
            for i in 0..count {
                frames.push((
                    start + run * i / count,
                    junk[i as usize % junk.len()].clone(),
                ));
            }
        }
        SocketKind::Lie => {
            frames.push((
                at(0.02),
                message("execution_start", json!({"prompt_id": prompt})),
            ));
            frames.push((at(0.28), executing(json!("3"))));
            for step in 1..=STEPS {
                let fraction = 0.3 + 0.15 * f64::from(step) / f64::from(STEPS);
                frames.push((
                    at(fraction),
                    message(
                        "progress",
                        json!({"value": step, "max": STEPS, "prompt_id": prompt, "node": "3"}),
                    ),
                ));
            }
            frames.push((at(0.47), executing(Value::Null)));
            frames.push((
                at(0.5),
                message("execution_success", json!({"prompt_id": prompt})),
            ));
        }
        SocketKind::Normal | SocketKind::Drop | SocketKind::None => {
            // A client that opens the socket as soon as the run answer names it hears the start.
            frames.push((at(0.04), status(0)));
            frames.push((
                at(0.05),
                message("execution_start", json!({"prompt_id": prompt})),
            ));
            frames.push((
                at(0.06),
                message(
                    "execution_cached",
                    json!({"nodes": ["4", "7"], "prompt_id": prompt}),
                ),
            ));
            frames.push((at(0.07), executing(json!("112"))));
            frames.push((at(0.1), executing(json!("10"))));
            // The sampler's steps: after the model is loaded, a good part into the run.
            frames.push((at(0.28), executing(json!("3"))));
            for step in 1..=STEPS {
                let fraction = 0.3 + 0.55 * f64::from(step) / f64::from(STEPS);
                frames.push((
                    at(fraction),
                    message(
                        "progress",
                        json!({"value": step, "max": STEPS, "prompt_id": prompt, "node": "3"}),
                    ),
                ));
            }
            frames.push((at(0.87), executing(json!("8"))));
            frames.push((at(0.92), executing(json!("160"))));
            frames.push((at(0.95), message("executed", json!({"node": "160", "display_node": "160", "output": {"images": []}, "prompt_id": prompt}))));
            frames.push((at(0.96), executing(Value::Null)));
            frames.push((
                at(0.97),
                message("execution_success", json!({"prompt_id": prompt})),
            ));
            if task.socket == SocketKind::Drop {
                let cut = drop_at(task);
                frames.retain(|(at, _)| *at < cut);
                frames.push((cut, Frame::Drop));
            }
        }
    }
    frames.sort_by_key(|(at, _)| *at);
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(socket: SocketKind) -> Task {
        Task {
            key: String::new(),
            created: std::time::Instant::now(),
            queue_ms: 1_000,
            run_ms: 10_000,
            outcome: super::super::tasks::Outcome::Success,
            cancelled: false,
            finished_counted: false,
            socket,
            webapp: "1".into(),
            client_id: "c".into(),
            socket_token: "t".into(),
            usage: Value::Null,
        }
    }

    #[test]
    fn a_normal_socket_reports_every_step_within_the_run() {
        let frames = timeline(&task(SocketKind::Normal));
        let steps = frames
            .iter()
            .filter(|(_, f)| matches!(f, Frame::Text(t) if t.contains("\"progress\"")))
            .count();
        assert_eq!(steps, STEPS as usize);
        assert!(frames.iter().all(|(at, _)| *at >= 1_000 && *at < 11_000));
        assert!(
            matches!(&frames.last().expect("frames").1, Frame::Text(t) if t.contains("execution_success"))
        );
    }

    #[test]
    fn a_dropping_socket_stops_at_forty_percent() {
        let frames = timeline(&task(SocketKind::Drop));
        let (at, last) = frames.last().expect("frames");
        assert_eq!(*at, 5_000);
        assert!(matches!(last, Frame::Drop));
    }

    #[test]
    fn a_lying_socket_claims_success_half_way() {
        let frames = timeline(&task(SocketKind::Lie));
        let success = frames
            .iter()
            .find(|(_, f)| matches!(f, Frame::Text(t) if t.contains("execution_success")))
            .map(|(at, _)| *at);
        assert_eq!(success, Some(6_000));
    }

    #[test]
    fn the_token_is_masked_in_the_log() {
        let uri: Uri = "/ws/c_instance?c_host=1&clientId=ab&Rh-Comfy-Auth=secret&x=1"
            .parse()
            .expect("uri");
        assert_eq!(
            masked(&uri),
            "/ws/c_instance?c_host=1&clientId=ab&Rh-Comfy-Auth=***&x=1"
        );
    }
}
