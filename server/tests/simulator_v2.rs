//! The simulator's API v2 (upload and query with `Authorization: Bearer`), the knob that takes
//! v2 away, the cost it reports, and the progress socket each task hands out (with its knobs:
//! a socket that drops, one that sends garbage, one that lies).

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use rh_api::path::{QUERY as V2_QUERY, UPLOAD_V2 as V2_UPLOAD};

async fn control(base: &str, body: Value) -> Value {
    let answer = post(base, "/__sim/control", &body).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()
}

async fn query(base: &str, key: Option<&str>, task: &str) -> Answer {
    let mut request = client()
        .post(format!("{base}{V2_QUERY}"))
        .json(&json!({ "taskId": task }));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    answer(request.send().await.expect("query")).await
}

async fn upload_v2(base: &str, key: Option<&str>, bytes: Vec<u8>) -> Answer {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("room.png")
        .mime_str("image/png")
        .expect("mime");
    let mut request = client()
        .post(format!("{base}{V2_UPLOAD}"))
        .multipart(reqwest::multipart::Form::new().part("file", part));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    answer(request.send().await.expect("upload")).await
}

/// Queries until the task leaves QUEUED/RUNNING; returns the last answer.
async fn finish_v2(base: &str, task: &str) -> Value {
    let started = Instant::now();
    loop {
        let answer = query(base, Some(KEY), task).await.json();
        if !matches!(answer["status"].as_str(), Some("QUEUED" | "RUNNING")) {
            return answer;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{answer}");
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

#[tokio::test]
async fn v2_upload_takes_the_key_from_the_header_only() {
    let sim = simulator().await;
    let png = su_render_server::png::rendering(64, 40, 3);
    let ok = upload_v2(&sim.base, Some(KEY), png.clone()).await;
    assert_eq!(ok.code(), 0, "{}", ok.text());
    let json = ok.json();
    assert_eq!(json["message"], "success");
    let name = json["data"]["fileName"].as_str().expect("fileName");
    assert!(
        name.starts_with("openapi/") && name.ends_with(".png"),
        "{name}"
    );
    assert_eq!(json["data"]["type"], "image");
    assert_eq!(json["data"]["size"], png.len().to_string());
    let stored = name.trim_start_matches("openapi/");
    let back = get(&sim.base, &format!("/sim-files/uploads/{stored}")).await;
    assert_eq!(back.bytes, png);

    // Without the header: RunningHub's 412; with a malformed key: 401.
    let none = upload_v2(&sim.base, None, png.clone()).await;
    assert_eq!(
        (none.code(), none.json()["msg"].clone()),
        (412, json!("TOKEN_INVALID"))
    );
    let bad = upload_v2(&sim.base, Some("not-a-key"), png.clone()).await;
    assert_eq!(bad.code(), 401, "{}", bad.text());
    let free = upload_v2(&sim.base, Some(&bad_key(801)), png).await;
    assert_eq!(free.code(), 801);

    // The log tells whether the header came, never the key.
    let log = sim_log(&sim.base).await;
    let uploads = entries(&log, V2_UPLOAD);
    assert_eq!(uploads.len(), 4);
    assert_eq!(uploads[0]["authorization"], true);
    assert_eq!(uploads[0]["bearer"], true);
    assert_eq!(uploads[0]["fields"], json!(["file"]));
    assert_eq!(uploads[1]["authorization"], false);
    let text = serde_json::to_string(&log).expect("log");
    assert!(!text.contains(KEY), "the key leaked into the log: {text}");
}

#[tokio::test]
async fn v2_query_answers_flat_with_usage() {
    let sim = simulator().await;
    control(
        &sim.base,
        json!({"queueMs": 200, "runMs": 400, "usage": {"consumeMoney": "0.35"}}),
    )
    .await;
    let task = start_task(&sim.base).await;
    let first = query(&sim.base, Some(KEY), &task).await.json();
    assert_eq!(first["status"], "QUEUED");
    assert_eq!(first["taskId"], task.as_str());
    assert_eq!(first["results"], Value::Null);
    let done = finish_v2(&sim.base, &task).await;
    assert_eq!(done["status"], "SUCCESS", "{done}");
    assert_eq!(done["errorCode"], "");
    let results = done["results"].as_array().expect("results");
    assert_eq!(results[0]["outputType"], "png");
    assert!(results[0]["url"]
        .as_str()
        .is_some_and(|u| u.contains(&format!("/sim-files/{task}/"))));
    assert_eq!(
        done["usage"],
        json!({"consumeCoins": "12", "consumeMoney": "0.35", "thirdPartyConsumeMoney": null, "taskCostTime": "1"})
    );
    // v1 reports the same cost on each file.
    let v1 = post(&sim.base, OUTPUTS, &json!({"apiKey": KEY, "taskId": task})).await;
    assert_eq!(v1.data()[0]["consumeMoney"], "0.35");
    assert_eq!(v1.data()[0]["consumeCoins"], "12");

    let missing = query(&sim.base, Some(KEY), "1").await.json();
    assert_eq!(
        (missing["status"].clone(), missing["errorCode"].clone()),
        (json!("FAILED"), json!("1004"))
    );
    let no_token = query(&sim.base, None, &task).await;
    assert_eq!(no_token.code(), 412);
}

#[tokio::test]
async fn v2_query_failures() {
    let sim = simulator().await;
    control(&sim.base, json!({"nextOutcomes": ["fail"]})).await;
    let task = start_task(&sim.base).await;
    let failed = finish_v2(&sim.base, &task).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["failedReason"]["node_name"], "KSampler");
    assert!(failed["failedReason"]["exception_message"]
        .as_str()
        .is_some_and(|m| m.contains("CUDA out of memory")));
}

#[tokio::test]
async fn without_v2_both_paths_answer_404_and_v1_goes_on() {
    let sim = simulator().await;
    assert_eq!(control(&sim.base, json!({"v2": false})).await["v2"], false);
    let task = start_task(&sim.base).await;
    let gone = query(&sim.base, Some(KEY), &task).await;
    assert_eq!(gone.status, 404);
    assert!(
        gone.content_type.starts_with("text/html"),
        "{}",
        gone.content_type
    );
    let gone = upload_v2(&sim.base, Some(KEY), vec![1, 2, 3]).await;
    assert_eq!(gone.status, 404);
    let v1 = upload(
        &sim.base,
        KEY,
        "a.png",
        su_render_server::png::rendering(8, 8, 1),
    )
    .await;
    assert_eq!(v1.code(), 0);
    // Back on after a reset.
    post(&sim.base, "/__sim/reset", &json!({})).await;
    assert_eq!(query(&sim.base, Some(KEY), "1").await.status, 200);
}

/// The `netWssUrl` a running task's v1 `outputs` answer names.
async fn socket_url(base: &str, task: &str) -> String {
    let started = Instant::now();
    loop {
        let out = post(base, OUTPUTS, &json!({"apiKey": KEY, "taskId": task})).await;
        if out.code() == 804 {
            return out.data()["netWssUrl"]
                .as_str()
                .expect("a running task names its socket")
                .to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            out.text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every text frame until the socket closes (or `limit` passes), and whether it closed with a
/// close frame.
async fn frames(url: &str, limit: Duration) -> (Vec<String>, usize, bool) {
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let mut texts = Vec::new();
    let mut binary = 0;
    let mut closed = false;
    let deadline = tokio::time::Instant::now() + limit;
    while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, socket.next()).await {
        match frame {
            Ok(Message::Text(text)) => texts.push(text.to_string()),
            Ok(Message::Binary(_)) => binary += 1,
            Ok(Message::Close(_)) => {
                closed = true;
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    (texts, binary, closed)
}

#[tokio::test]
async fn the_socket_sends_comfyui_messages_over_the_run() {
    let sim = simulator().await;
    control(&sim.base, json!({"queueMs": 100, "runMs": 1500})).await;
    let task = start_task(&sim.base).await;
    let url = socket_url(&sim.base, &task).await;
    let host = sim.base.trim_start_matches("http://");
    assert!(
        url.starts_with(&format!("ws://{host}/ws/c_instance?")),
        "{url}"
    );
    for part in ["c_host=", "clientId=", "workflowId=", "Rh-Comfy-Auth="] {
        assert!(url.contains(part), "{url}");
    }
    assert!(
        !url.contains(KEY),
        "the key is never in the socket's URL: {url}"
    );
    let (texts, _, closed) = frames(&url, Duration::from_secs(5)).await;
    let kinds = frame_types(&texts);
    assert_ran_to_success(&kinds);
    let steps: Vec<Value> = texts
        .iter()
        .filter_map(|t| serde_json::from_str::<Value>(t).ok())
        .filter(|v| v["type"] == "progress")
        .collect();
    assert!(!steps.is_empty());
    assert_eq!(steps.last().expect("a step")["data"]["value"], 20);
    assert_eq!(steps.last().expect("a step")["data"]["max"], 20);
    assert!(
        closed,
        "the instance closes the socket once the task is done"
    );
    // The log has the connection, with the token hidden.
    let log = sim_log(&sim.base).await;
    let sockets = entries(&log, "/ws/c_instance");
    assert_eq!(sockets.len(), 1);
    let logged = sockets[0]["uri"].as_str().expect("uri");
    assert!(logged.contains("Rh-Comfy-Auth=***"), "{logged}");
    assert_eq!(
        get(&sim.base, "/__sim/stats").await.json()["socketsOpened"],
        1
    );
}

#[tokio::test]
async fn a_wrong_token_or_a_finished_task_gets_no_socket() {
    let sim = simulator().await;
    control(&sim.base, json!({"queueMs": 0, "runMs": 800})).await;
    let task = start_task(&sim.base).await;
    let url = socket_url(&sim.base, &task).await;
    let forged = format!("{}x", url);
    assert!(tokio_tungstenite::connect_async(&forged).await.is_err());
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(
        tokio_tungstenite::connect_async(&url).await.is_err(),
        "the task is done"
    );
}

#[tokio::test]
async fn socket_knobs_drop_garbage_and_lie() {
    let sim = simulator().await;
    // Drops at 40% of the run, then refuses to come back.
    control(
        &sim.base,
        json!({"queueMs": 0, "runMs": 1500, "socket": "drop"}),
    )
    .await;
    let task = start_task(&sim.base).await;
    let url = socket_url(&sim.base, &task).await;
    let (texts, _, closed) = frames(&url, Duration::from_secs(5)).await;
    assert!(!closed, "a dropped socket sends no close frame");
    assert!(!frame_types(&texts).contains(&"execution_success".to_owned()));
    assert!(tokio_tungstenite::connect_async(&url).await.is_err());

    // Nothing but nonsense.
    control(&sim.base, json!({"socket": "garbage"})).await;
    let task = start_task(&sim.base).await;
    let url = socket_url(&sim.base, &task).await;
    let (texts, binary, _) = frames(&url, Duration::from_secs(5)).await;
    assert!(binary > 0);
    assert!(texts
        .iter()
        .any(|t| serde_json::from_str::<Value>(t).is_err()));
    // Shapes of known types are wrong (an object for a node, a string for a step).
    assert!(!frame_types(&texts)
        .iter()
        .any(|k| k == "execution_success" || k == "execution_start"));

    // "Success" half-way through the run; the task itself still runs to the end.
    control(&sim.base, json!({"socket": "lie", "runMs": 2000})).await;
    let task = start_task(&sim.base).await;
    let url = socket_url(&sim.base, &task).await;
    let started = Instant::now();
    let (mut socket, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    loop {
        let Some(Ok(Message::Text(text))) = socket.next().await else {
            panic!("the lying socket ended before it lied");
        };
        if text.contains("execution_success") {
            break;
        }
    }
    assert!(started.elapsed() < Duration::from_millis(1300));
    let out = post(&sim.base, OUTPUTS, &json!({"apiKey": KEY, "taskId": task})).await;
    assert_eq!(out.code(), 804, "the task still runs: {}", out.text());

    // No socket at all.
    control(&sim.base, json!({"socket": "none"})).await;
    let task = start_task(&sim.base).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let out = post(&sim.base, OUTPUTS, &json!({"apiKey": KEY, "taskId": task})).await;
    assert_eq!(out.code(), 804);
    assert_eq!(out.data()["netWssUrl"], Value::Null);
}
