//! The RunningHub simulator over plain HTTP: every endpoint's answer shapes, the special keys,
//! each outcome, each fault kind and the test knobs.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

async fn control(base: &str, body: Value) -> Value {
    let answer = post(base, "/__sim/control", &body).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()
}

async fn fault(base: &str, body: Value) {
    let answer = post(base, "/__sim/faults", &body).await;
    assert_eq!(answer.status, 204, "{}", answer.text());
}

async fn stats(base: &str) -> Value {
    get(base, "/__sim/stats").await.json()
}

async fn outputs(base: &str, task: &str) -> Answer {
    post(base, OUTPUTS, &json!({"apiKey": KEY, "taskId": task})).await
}

async fn status(base: &str, task: &str) -> Answer {
    post(base, STATUS, &json!({"apiKey": KEY, "taskId": task})).await
}

/// Polls `outputs` until the task is done; returns the final answer.
async fn finish(base: &str, task: &str) -> Answer {
    let started = Instant::now();
    loop {
        let answer = outputs(base, task).await;
        let code = answer.code();
        let pending = code == 813 || code == 804 || (code == 0 && answer.data().is_null());
        if !pending {
            return answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "task never finished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn info_and_static_files() {
    let sim = simulator().await;
    let info = get(&sim.base, "/__su/info").await;
    assert_eq!(info.status, 200);
    assert_eq!(
        info.json(),
        json!({
            "server": "su-render", "version": env!("CARGO_PKG_VERSION"), "mode": "simulator",
            "upstream": null, "sites": null, "fileProxy": "/__su/file",
            "pollFirstMs": 200, "pollSteadyMs": 300, "socketHiddenCloseMs": null,
            "keyRequired": false, "inbox": false,
        })
    );
    let page = get(&sim.base, "/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains("SU Render test page"),
        "{}",
        page.text()
    );
    assert_eq!(get(&sim.base, "/no-such-file.js").await.status, 404);
}

#[tokio::test]
async fn default_poll_intervals_are_left_to_the_app() {
    let server = start(
        su_render_server::Mode::Simulator,
        su_render_server::SimConfig::default(),
    )
    .await;
    let info = get(&server.base, "/__su/info").await.json();
    assert_eq!(info["pollFirstMs"], Value::Null);
    assert_eq!(info["pollSteadyMs"], Value::Null);
}

#[tokio::test]
async fn run_answers_with_the_real_shape() {
    let sim = simulator().await;
    let run = post(
        &sim.base,
        RUN,
        &json!({"apiKey": KEY, "webappId": SU_APP, "nodeInfoList": [
            {"nodeId": "112", "fieldName": "image", "fieldValue": "api/a.png"},
            {"nodeId": 158, "fieldName": "image", "fieldValue": "api/b.png", "description": "reference"}
        ], "instanceType": "plus"}),
    )
    .await;
    assert_eq!(run.status, 200);
    assert!(run.content_type.starts_with("application/json"));
    let body = run.json();
    assert_eq!(body["code"], 0);
    assert_eq!(body["msg"], "success");
    let data = &body["data"];
    let task = data["taskId"].as_str().expect("taskId is a string");
    assert!(
        task.len() >= 19 && task.bytes().all(|b| b.is_ascii_digit()),
        "{task}"
    );
    assert!(task.parse::<u64>().expect("digits") > 1 << 53, "above 2^53");
    // A machine was free (queueMs 0): running at once, with its progress socket.
    assert_eq!(data["taskStatus"], "RUNNING");
    assert!(data["clientId"].is_string());
    assert!(data["netWssUrl"]
        .as_str()
        .is_some_and(|u| u.starts_with("ws://") && u.contains("/ws/c_instance?")));
    let tips: Value =
        serde_json::from_str(data["promptTips"].as_str().expect("promptTips is a string"))
            .expect("promptTips holds JSON");
    assert_eq!(tips["result"], true);
    assert_eq!(tips["node_errors"], json!({}));
    assert_eq!(tips["outputs_to_execute"], json!(["160"]));

    // A webappId sent as a JSON number is accepted too; each run gets its own id.
    let again = post(
        &sim.base,
        RUN,
        &json!({"apiKey": KEY, "webappId": 1983061233110790146u64}),
    )
    .await;
    assert_eq!(again.code(), 0, "{}", again.text());
    assert_ne!(again.data()["taskId"], data["taskId"]);
    assert_eq!(stats(&sim.base).await["runs"], 2);
    // A task that waits for a machine: queued, no socket yet (the seed's answer).
    control(&sim.base, json!({"queueMs": 500})).await;
    let queued = post(&sim.base, RUN, &json!({"apiKey": KEY, "webappId": SU_APP})).await;
    assert_eq!(queued.data()["taskStatus"], "QUEUED");
    assert!(queued.data()["netWssUrl"].is_null());
}

#[tokio::test]
async fn run_refusals() {
    let sim = simulator().await;
    let cases = [
        (json!({"webappId": SU_APP}), 802, "no key"),
        (
            json!({"apiKey": "not-a-key", "webappId": SU_APP}),
            802,
            "malformed key",
        ),
        (
            json!({"apiKey": KEY.to_uppercase().replace('A', "G"), "webappId": SU_APP}),
            802,
            "not hex",
        ),
        (json!({"apiKey": KEY}), 301, "no webappId"),
        (json!({"apiKey": KEY, "webappId": "0"}), 901, "webappId 0"),
        (
            json!({"apiKey": KEY, "webappId": "12ab"}),
            901,
            "webappId not digits",
        ),
        (
            json!({"apiKey": KEY, "webappId": SU_APP, "nodeInfoList": {"nodeId": "112"}}),
            301,
            "nodeInfoList not a list",
        ),
        (
            json!({"apiKey": KEY, "webappId": SU_APP, "nodeInfoList": [{"nodeId": "112", "fieldValue": "x"}]}),
            301,
            "no fieldName",
        ),
        (
            json!({"apiKey": KEY, "webappId": SU_APP, "nodeInfoList": [{"nodeId": "999", "fieldName": "image", "fieldValue": "x"}]}),
            803,
            "unknown node",
        ),
        (
            json!({"apiKey": KEY, "webappId": RESTYLE_APP, "nodeInfoList": [{"nodeId": "112", "fieldName": "image", "fieldValue": "x"}]}),
            803,
            "another app's node",
        ),
    ];
    for (body, code, why) in cases {
        let answer = post(&sim.base, RUN, &body).await;
        assert_eq!(answer.status, 200, "{why}");
        assert_eq!(answer.code(), code, "{why}: {}", answer.text());
        assert!(answer.data().is_null(), "{why}: {}", answer.text());
    }
    // Any other app id is taken with any nodes (the simulator does not know its graph).
    let other = post(
        &sim.base,
        RUN,
        &json!({"apiKey": KEY, "webappId": "1234567890123456789", "nodeInfoList": [{"nodeId": "5", "fieldName": "text", "fieldValue": "x"}]}),
    )
    .await;
    assert_eq!(other.code(), 0, "{}", other.text());
    assert_eq!(
        stats(&sim.base).await["runs"],
        1,
        "refused runs create no task"
    );
}

#[tokio::test]
async fn special_keys_answer_their_code_everywhere() {
    let sim = simulator().await;
    let task = start_task(&sim.base).await;
    for code in [801, 802, 806, 810, 416, 421, 415, 500] {
        let key = bad_key(code);
        let run = post(&sim.base, RUN, &json!({"apiKey": key, "webappId": SU_APP})).await;
        assert_eq!(run.code(), i64::from(code), "run: {}", run.text());
        let out = post(&sim.base, OUTPUTS, &json!({"apiKey": key, "taskId": task})).await;
        assert_eq!(out.code(), i64::from(code), "outputs: {}", out.text());
        let st = post(&sim.base, STATUS, &json!({"apiKey": key, "taskId": task})).await;
        assert_eq!(st.code(), i64::from(code), "status: {}", st.text());
        let cancel = post(&sim.base, CANCEL, &json!({"apiKey": key, "taskId": task})).await;
        assert_eq!(cancel.code(), i64::from(code), "cancel: {}", cancel.text());
        let account = post(&sim.base, ACCOUNT, &json!({"apikey": key})).await;
        assert_eq!(
            account.code(),
            i64::from(code),
            "account: {}",
            account.text()
        );
        let demo = get(
            &sim.base,
            &format!("{APP_DEMO}?apiKey={key}&webappId={SU_APP}"),
        )
        .await;
        assert_eq!(demo.code(), i64::from(code), "apiCallDemo: {}", demo.text());
        let up = upload(&sim.base, &key, "a.png", vec![1, 2, 3]).await;
        assert_eq!(up.code(), i64::from(code), "upload: {}", up.text());
    }
    // The message is RunningHub's name for the code.
    let answer = post(
        &sim.base,
        RUN,
        &json!({"apiKey": bad_key(806), "webappId": SU_APP}),
    )
    .await;
    assert_eq!(answer.json()["msg"], "APIKEY_USER_NOT_FOUND");
    assert_eq!(stats(&sim.base).await["runs"], 1);
}

#[tokio::test]
async fn a_task_goes_queued_running_done() {
    let sim = simulator().await;
    control(&sim.base, json!({"queueMs": 600, "runMs": 2000})).await;
    let task = start_task(&sim.base).await;
    // The distinct answers of outputs and of status, each in order.
    let mut shapes: Vec<&'static str> = Vec::new();
    let mut states: Vec<String> = Vec::new();
    let started = Instant::now();
    loop {
        let st = status(&sim.base, &task).await;
        assert_eq!(st.code(), 0, "{}", st.text());
        let state = st.data().as_str().expect("status is a string").to_owned();
        if states.last() != Some(&state) {
            states.push(state);
        }
        let out = outputs(&sim.base, &task).await;
        let shape = match (out.code(), out.data()) {
            (813, Value::Null) => "queued",
            (0, Value::Null) => "null",
            (804, Value::Object(_)) => "running",
            (0, Value::Array(_)) => "done",
            _ => panic!("unexpected outputs answer {}", out.text()),
        };
        if shapes.last() != Some(&shape) {
            shapes.push(shape);
        }
        if shape == "done" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{shapes:?} {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert_eq!(shapes, vec!["queued", "null", "running", "done"]);
    // Status was asked just before outputs, so it may not have seen SUCCESS yet.
    assert_eq!(&states[..2], &["QUEUED", "RUNNING"], "{states:?}");
    assert_eq!(status(&sim.base, &task).await.data(), "SUCCESS");
    let done = outputs(&sim.base, &task).await.data();
    let files = done.as_array().expect("a list");
    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(file["fileType"], "png");
    assert_eq!(file["nodeId"], "160");
    assert_eq!(file["taskCostTime"], "2");
    assert!(file["consumeCoins"].is_string());
    let url = file["fileUrl"].as_str().expect("fileUrl");
    assert!(
        url.starts_with(&format!("{}/sim-files/{task}/", sim.base)),
        "{url}"
    );
    // The file is a real PNG.
    let png = client().get(url).send().await.expect("get");
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.expect("bytes");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let stats = stats(&sim.base).await;
    assert_eq!(stats["tasksFinished"], 1);
    assert_eq!(stats["maxConcurrentRunning"], 1);
}

#[tokio::test]
async fn outcomes() {
    let sim = simulator().await;

    control(&sim.base, json!({"outcome": "multi"})).await;
    let multi = finish(&sim.base, &start_task(&sim.base).await).await;
    let files = multi.data();
    let kinds: Vec<&str> = files
        .as_array()
        .expect("list")
        .iter()
        .map(|f| f["fileType"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, vec!["png", "png", "txt"]);
    let txt = client()
        .get(files[2]["fileUrl"].as_str().expect("url"))
        .send()
        .await
        .expect("txt");
    assert!(txt.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/plain"));

    control(&sim.base, json!({"outcome": "empty"})).await;
    let empty = finish(&sim.base, &start_task(&sim.base).await).await;
    assert_eq!((empty.code(), empty.data()), (0, json!([])));

    control(&sim.base, json!({"outcome": "fail"})).await;
    let task = start_task(&sim.base).await;
    let failed = finish(&sim.base, &task).await;
    assert_eq!(failed.code(), 805);
    assert_eq!(failed.json()["msg"], "APIKEY_TASK_STATUS_ERROR");
    let reason = &failed.data()["failedReason"];
    assert_eq!(reason["node_name"], "KSampler");
    assert!(reason["exception_type"].is_string());
    assert!(reason["exception_message"]
        .as_str()
        .unwrap_or("")
        .contains("CUDA out of memory"));
    let traceback: Value =
        serde_json::from_str(reason["traceback"].as_str().expect("traceback is a string"))
            .expect("traceback holds JSON");
    assert!(traceback.as_array().is_some_and(|t| !t.is_empty()));
    assert_eq!(status(&sim.base, &task).await.data(), "FAILED");

    control(&sim.base, json!({"outcome": "node_errors"})).await;
    let run = post(&sim.base, RUN, &json!({"apiKey": KEY, "webappId": SU_APP})).await;
    assert_eq!(run.code(), 0);
    let data = run.data();
    assert_eq!(data["taskStatus"], "FAILED");
    let tips: Value =
        serde_json::from_str(data["promptTips"].as_str().expect("tips")).expect("json");
    assert_eq!(tips["result"], false);
    assert!(tips["node_errors"]["112"]["errors"][0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("Invalid image file"));
    let task = data["taskId"].as_str().expect("id").to_owned();
    let out = outputs(&sim.base, &task).await;
    assert_eq!(out.code(), 805);
    assert_eq!(out.data()["failedReason"]["node_id"], "112");

    control(&sim.base, json!({"outcome": "stay_queued"})).await;
    let task = start_task(&sim.base).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(outputs(&sim.base, &task).await.code(), 813);
    assert_eq!(status(&sim.base, &task).await.data(), "QUEUED");

    control(&sim.base, json!({"outcome": "success"})).await;
    let ok = finish(&sim.base, &start_task(&sim.base).await).await;
    assert_eq!(ok.data().as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn next_outcomes_apply_in_order_then_the_default_returns() {
    let sim = simulator().await;
    let state = control(&sim.base, json!({"nextOutcomes": ["fail", "empty"]})).await;
    assert_eq!(state["nextOutcomes"], json!(["fail", "empty"]));
    assert_eq!(state["outcome"], "success");
    let a = finish(&sim.base, &start_task(&sim.base).await).await;
    let b = finish(&sim.base, &start_task(&sim.base).await).await;
    let c = finish(&sim.base, &start_task(&sim.base).await).await;
    assert_eq!(a.code(), 805);
    assert_eq!(b.data(), json!([]));
    assert_eq!(c.data().as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn control_rejects_unknown_outcomes() {
    let sim = simulator().await;
    let answer = post(&sim.base, "/__sim/control", &json!({"outcome": "explode"})).await;
    assert_eq!(answer.status, 400);
    let answer = post(
        &sim.base,
        "/__sim/control",
        &json!({"nextOutcomes": ["success", "explode"]}),
    )
    .await;
    assert_eq!(answer.status, 400);
    let state = control(&sim.base, json!({"queueMs": 5, "runMs": 7})).await;
    assert_eq!(state["queueMs"], 5);
    assert_eq!(state["runMs"], 7);
}

#[tokio::test]
async fn status_outputs_and_cancel_of_unknown_tasks() {
    let sim = simulator().await;
    for path in [OUTPUTS, STATUS, CANCEL] {
        let missing = post(
            &sim.base,
            path,
            &json!({"apiKey": KEY, "taskId": "1983070826507472899"}),
        )
        .await;
        assert_eq!(missing.code(), 807, "{path}: {}", missing.text());
        // Task ids come as strings or numbers.
        let numeric = post(
            &sim.base,
            path,
            &json!({"apiKey": KEY, "taskId": 1983070826507472899u64}),
        )
        .await;
        assert_eq!(numeric.code(), 807, "{path}: {}", numeric.text());
        let no_id = post(&sim.base, path, &json!({"apiKey": KEY})).await;
        assert_eq!(no_id.code(), 301, "{path}: {}", no_id.text());
    }
}

#[tokio::test]
async fn cancel_ends_a_task_as_failed_with_a_reason() {
    let sim = simulator().await;
    control(&sim.base, json!({"queueMs": 20_000})).await;
    let task = start_task(&sim.base).await;
    assert_eq!(outputs(&sim.base, &task).await.code(), 813);
    let cancel = post(&sim.base, CANCEL, &json!({"apiKey": KEY, "taskId": task})).await;
    assert_eq!((cancel.code(), cancel.data()), (0, Value::Null));
    let out = outputs(&sim.base, &task).await;
    assert_eq!(out.code(), 805, "{}", out.text());
    assert!(out.data()["failedReason"]["exception_message"]
        .as_str()
        .unwrap_or("")
        .contains("cancelled"));
    assert_eq!(status(&sim.base, &task).await.data(), "FAILED");
    // Cancelling again (or a finished task) is harmless.
    let again = post(&sim.base, CANCEL, &json!({"apiKey": KEY, "taskId": task})).await;
    assert_eq!(again.code(), 0);

    control(&sim.base, json!({"queueMs": 0, "runMs": 0})).await;
    let done = start_task(&sim.base).await;
    let cancel = post(&sim.base, CANCEL, &json!({"apiKey": KEY, "taskId": done})).await;
    assert_eq!(cancel.code(), 0);
    assert_eq!(
        outputs(&sim.base, &done).await.code(),
        0,
        "a finished task keeps its outputs"
    );
}

#[tokio::test]
async fn account_status() {
    let sim = simulator().await;
    let account = post(&sim.base, ACCOUNT, &json!({"apikey": KEY})).await;
    assert_eq!(account.code(), 0, "{}", account.text());
    assert_eq!(
        account.data(),
        json!({"remainCoins": "1234", "currentTaskCounts": "0", "remainMoney": null, "currency": null, "apiType": "NORMAL"})
    );
    // The field is spelt `apikey` here; `apiKey` fails as it is reported to on the real service.
    let upper = post(&sim.base, ACCOUNT, &json!({"apiKey": KEY})).await;
    assert_eq!(upper.code(), 301);
    let none = post(&sim.base, ACCOUNT, &json!({})).await;
    assert_eq!(none.code(), 802);
    // Tasks that are queued or running count for their key only.
    control(&sim.base, json!({"queueMs": 20_000})).await;
    start_task(&sim.base).await;
    start_task(&sim.base).await;
    let busy = post(&sim.base, ACCOUNT, &json!({"apikey": KEY})).await;
    assert_eq!(busy.data()["currentTaskCounts"], "2");
    let other = post(
        &sim.base,
        ACCOUNT,
        &json!({"apikey": "fedcba9876543210fedcba9876543210"}),
    )
    .await;
    assert_eq!(other.data()["currentTaskCounts"], "0");
    assert_eq!(stats(&sim.base).await["maxConcurrentRunning"], 2);
}

#[tokio::test]
async fn upload_stores_the_file_and_names_it() {
    let sim = simulator().await;
    let png = su_render_server::png::rendering(64, 40, 3);
    let answer = upload(&sim.base, KEY, "Screen Shot.PNG", png.clone()).await;
    assert_eq!(answer.code(), 0, "{}", answer.text());
    let data = answer.data();
    assert_eq!(data["fileType"], "input");
    let name = data["fileName"].as_str().expect("fileName");
    let stored = name.strip_prefix("api/").expect("api/ prefix");
    assert!(stored.ends_with(".png"), "{name}");
    let bytes = get(&sim.base, &format!("/sim-files/uploads/{stored}")).await;
    assert_eq!(bytes.status, 200);
    assert_eq!(bytes.bytes, png);
    // The same bytes get the same name; other bytes another.
    let again = upload(&sim.base, KEY, "b.png", png.clone()).await;
    assert_eq!(again.data()["fileName"], name);
    let other = upload(&sim.base, KEY, "c.jpg", vec![0xff, 0xd8, 0xff, 0xe0]).await;
    let other_name = other.data()["fileName"].as_str().expect("name").to_owned();
    assert!(other_name.ends_with(".jpg") && other_name != name);
    assert_eq!(
        get(&sim.base, "/sim-files/uploads/nothing.png")
            .await
            .status,
        404
    );
    // The log has the upload, without its body.
    let log = sim_log(&sim.base).await;
    let uploads = entries(&log, UPLOAD);
    assert_eq!(uploads.len(), 3);
    assert_eq!(uploads[0]["method"], "POST");
    assert!(uploads[0]["body"].is_null());
}

#[tokio::test]
async fn upload_refusals() {
    let sim = simulator().await;
    let send = |form: reqwest::multipart::Form| {
        let url = format!("{}{UPLOAD}", sim.base);
        async move {
            answer(
                client()
                    .post(url)
                    .multipart(form)
                    .send()
                    .await
                    .expect("send"),
            )
            .await
        }
    };
    let file = || reqwest::multipart::Part::bytes(vec![1u8, 2, 3]).file_name("a.png");
    // No file.
    let no_file = send(
        reqwest::multipart::Form::new()
            .text("apiKey", KEY)
            .text("fileType", "input"),
    )
    .await;
    assert_eq!(no_file.code(), 301, "{}", no_file.text());
    // An unknown fileType.
    let video = send(
        reqwest::multipart::Form::new()
            .text("apiKey", KEY)
            .part("file", file())
            .text("fileType", "video"),
    )
    .await;
    assert_eq!(video.code(), 301, "{}", video.text());
    // The older fileType `image` is still taken, and so is none.
    let image = send(
        reqwest::multipart::Form::new()
            .text("apiKey", KEY)
            .part("file", file())
            .text("fileType", "image"),
    )
    .await;
    assert_eq!(image.code(), 0, "{}", image.text());
    let untyped = send(
        reqwest::multipart::Form::new()
            .text("apiKey", KEY)
            .part("file", file()),
    )
    .await;
    assert_eq!(untyped.code(), 0, "{}", untyped.text());
    // No key.
    let bad = upload(&sim.base, "", "a.png", vec![1, 2, 3]).await;
    assert_eq!(bad.code(), 802);
}

#[tokio::test]
async fn upload_over_30_mb_answers_809() {
    let sim = simulator().await;
    const MB: usize = 1024 * 1024;
    let mut at_limit = vec![0u8; 30 * MB];
    at_limit[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let ok = upload(&sim.base, KEY, "limit.png", at_limit).await;
    assert_eq!(ok.code(), 0, "exactly 30 MB is allowed: {}", ok.text());

    let mut over = vec![0u8; 31 * MB];
    over[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let refused = upload(&sim.base, KEY, "big.png", over).await;
    assert_eq!(refused.status, 200);
    assert_eq!(refused.code(), 809, "{}", refused.text());
    assert_eq!(refused.json()["msg"], "APIKEY_FILE_SIZE_EXCEEDED");

    // Far over the limit: still a clean 809, not a dropped connection.
    let huge = upload(&sim.base, KEY, "huge.png", vec![7u8; 45 * MB]).await;
    assert_eq!(huge.code(), 809, "{}", huge.text());
}

#[tokio::test]
async fn app_demo_describes_both_apps() {
    let sim = simulator().await;
    let su = get(
        &sim.base,
        &format!("{APP_DEMO}?apiKey={KEY}&webappId={SU_APP}"),
    )
    .await;
    assert_eq!(su.code(), 0, "{}", su.text());
    let data = su.data();
    assert!(data["webappName"].is_string());
    let nodes = data["nodeInfoList"].as_array().expect("list");
    let ids: Vec<(&str, &str, &str)> = nodes
        .iter()
        .map(|n| {
            (
                n["nodeId"].as_str().unwrap_or(""),
                n["fieldName"].as_str().unwrap_or(""),
                n["fieldType"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        ids,
        vec![("112", "image", "IMAGE"), ("158", "image", "IMAGE")]
    );
    for node in nodes {
        for field in ["nodeName", "fieldValue", "description", "descriptionEn"] {
            assert!(node[field].is_string(), "{field} in {node}");
        }
    }

    let restyle = post(
        &sim.base,
        APP_DEMO,
        &json!({"apiKey": KEY, "webappId": RESTYLE_APP}),
    )
    .await;
    assert_eq!(restyle.code(), 0, "the JSON form answers the same");
    let nodes = restyle.data()["nodeInfoList"].clone();
    let types: Vec<&str> = nodes
        .as_array()
        .expect("list")
        .iter()
        .map(|n| n["fieldType"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        types,
        vec!["IMAGE", "STRING", "INT", "FLOAT", "LIST", "SWITCH"]
    );
    let list = &nodes[4];
    let choices: Value =
        serde_json::from_str(list["fieldData"].as_str().expect("fieldData is a string"))
            .expect("fieldData holds JSON");
    assert_eq!(choices[0], json!(["modern", "nordic", "wabi-sabi"]));
    // Defaults are strings, as the real service sends them.
    for node in nodes.as_array().expect("list") {
        assert!(node["fieldValue"].is_string(), "{node}");
    }
    // A numeric webappId in the JSON form works too.
    let numeric = post(
        &sim.base,
        APP_DEMO,
        &json!({"apiKey": KEY, "webappId": 1937084629516193794u64}),
    )
    .await;
    assert_eq!(numeric.code(), 0, "{}", numeric.text());

    let unknown = get(
        &sim.base,
        &format!("{APP_DEMO}?apiKey={KEY}&webappId=1111111111111111111"),
    )
    .await;
    assert_eq!(unknown.code(), 901);
    let no_key = get(&sim.base, &format!("{APP_DEMO}?webappId={SU_APP}")).await;
    assert_eq!(no_key.code(), 802);
    let key_806 = post(
        &sim.base,
        APP_DEMO,
        &json!({"apiKey": bad_key(806), "webappId": SU_APP}),
    )
    .await;
    assert_eq!(key_806.code(), 806);
}

#[tokio::test]
async fn the_log_masks_keys() {
    let sim = simulator().await;
    let task = start_task(&sim.base).await;
    post(&sim.base, OUTPUTS, &json!({"apiKey": KEY, "taskId": task})).await;
    post(&sim.base, ACCOUNT, &json!({"apikey": KEY})).await;
    get(&sim.base, "/__sim/stats").await;
    let log = sim_log(&sim.base).await;
    let paths: Vec<&str> = log
        .iter()
        .map(|e| e["path"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        paths,
        vec![RUN, OUTPUTS, ACCOUNT],
        "API calls only, in order"
    );
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["uri"], RUN);
    assert_eq!(log[0]["body"]["apiKey"], "***");
    assert_eq!(log[0]["body"]["webappId"], SU_APP);
    assert_eq!(log[1]["body"]["taskId"], task.as_str());
    assert_eq!(log[2]["body"]["apikey"], "***");
    assert!(log[0]["at"].is_u64());
    let text = Value::Array(log).to_string();
    assert!(!text.contains(KEY), "a key in the log: {text}");
}

/// With `require_key`, the simulator takes one key only, on every API path and in every
/// spelling of the field, and says so at `/__su/info` (the page then asks for the key).
#[tokio::test]
async fn a_required_key_is_the_only_one_accepted() {
    let other = "fedcba9876543210fedcba9876543210";
    let sim = start(
        su_render_server::Mode::Simulator,
        su_render_server::SimConfig {
            queue_ms: 0,
            run_ms: 0,
            require_key: Some(KEY.to_owned()),
            ..su_render_server::SimConfig::default()
        },
    )
    .await;
    assert_eq!(
        get(&sim.base, "/__su/info").await.json()["keyRequired"],
        true
    );
    let run = |key: &'static str| {
        let base = sim.base.clone();
        async move {
            post(
                &base,
                RUN,
                &json!({"apiKey": key, "webappId": SU_APP, "nodeInfoList": []}),
            )
            .await
        }
    };
    for key in [other, "", "short"] {
        assert_eq!(run(key).await.code(), 802, "run with {key:?}");
    }
    assert_eq!(stats(&sim.base).await["runs"], 0, "no task for a wrong key");
    let task = run(KEY).await.data()["taskId"]
        .as_str()
        .expect("taskId")
        .to_owned();
    let with = |key: &str| json!({"apiKey": key, "taskId": task});
    for path in [OUTPUTS, STATUS, CANCEL] {
        assert_eq!(
            post(&sim.base, path, &with(other)).await.code(),
            802,
            "{path}"
        );
    }
    assert_eq!(post(&sim.base, OUTPUTS, &with(KEY)).await.code(), 0);
    assert_eq!(
        post(&sim.base, ACCOUNT, &json!({"apikey": other}))
            .await
            .code(),
        802
    );
    assert_eq!(
        post(&sim.base, ACCOUNT, &json!({"apikey": KEY}))
            .await
            .code(),
        0
    );
    let png = su_render_server::png::rendering(16, 10, 1);
    assert_eq!(
        upload(&sim.base, other, "a.png", png.clone()).await.code(),
        802
    );
    assert_eq!(upload(&sim.base, KEY, "a.png", png).await.code(), 0);
    let demo = |key: &str| json!({"apiKey": key, "webappId": SU_APP});
    assert_eq!(post(&sim.base, APP_DEMO, &demo(other)).await.code(), 802);
    assert_eq!(post(&sim.base, APP_DEMO, &demo(KEY)).await.code(), 0);
    // The log masks keys, but shows an empty one as it came.
    let log = sim_log(&sim.base).await;
    let keys: Vec<&Value> = entries(&log, RUN)
        .iter()
        .map(|e| &e["body"]["apiKey"])
        .collect();
    assert_eq!(
        keys,
        [&json!("***"), &json!(""), &json!("***"), &json!("***")]
    );
}

#[tokio::test]
async fn reset_forgets_everything() {
    let sim = simulator().await;
    control(&sim.base, json!({"outcome": "fail", "queueMs": 9000})).await;
    fault(
        &sim.base,
        json!({"path": RUN, "kind": "code500", "count": 5}),
    )
    .await;
    let task = post(&sim.base, OUTPUTS, &json!({"apiKey": KEY, "taskId": "1"})).await;
    assert_eq!(task.code(), 807);
    let reset = post(&sim.base, "/__sim/reset", &json!({})).await;
    assert_eq!(reset.status, 204);
    assert!(sim_log(&sim.base).await.is_empty());
    let state = control(&sim.base, json!({})).await;
    assert_eq!(state["outcome"], "success");
    assert_eq!(state["queueMs"], 0, "back to the configured timing");
    let task = start_task(&sim.base).await;
    assert_eq!(finish(&sim.base, &task).await.code(), 0);
    let stats = stats(&sim.base).await;
    assert_eq!(stats["runs"], 1);
    assert_eq!(stats["faultsInjected"], 0);
}

#[tokio::test]
async fn expired_result_files_are_gone() {
    let sim = simulator().await;
    let a = start_task(&sim.base).await;
    let b = start_task(&sim.base).await;
    let url_of = |answer: &Answer| {
        answer.data()[0]["fileUrl"]
            .as_str()
            .expect("url")
            .to_owned()
    };
    let url_a = url_of(&finish(&sim.base, &a).await);
    let url_b = url_of(&finish(&sim.base, &b).await);
    assert_eq!(client().get(&url_a).send().await.expect("a").status(), 200);
    let expire = post(&sim.base, "/__sim/expire", &json!({"taskId": a})).await;
    assert_eq!(expire.status, 204);
    assert_eq!(client().get(&url_a).send().await.expect("a").status(), 404);
    assert_eq!(client().get(&url_b).send().await.expect("b").status(), 200);
    post(&sim.base, "/__sim/expire", &json!({})).await;
    assert_eq!(client().get(&url_b).send().await.expect("b").status(), 404);
    // Files of tasks that never existed are not served.
    assert_eq!(
        get(&sim.base, "/sim-files/123/ComfyUI_00001_.png")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn fault_http500_html_truncated_notjson() {
    let sim = simulator().await;
    for kind in ["http500", "html", "truncated", "notjson"] {
        fault(&sim.base, json!({"path": OUTPUTS, "kind": kind})).await;
    }
    let task = start_task(&sim.base).await;

    let a = outputs(&sim.base, &task).await;
    assert_eq!(a.status, 500);
    assert!(a.content_type.starts_with("text/html"), "{a:?}");

    let b = outputs(&sim.base, &task).await;
    assert_eq!(b.status, 200);
    assert!(b.content_type.starts_with("text/html"));
    assert!(b.text().contains("502 Bad Gateway"));

    let c = outputs(&sim.base, &task).await;
    assert_eq!(c.status, 200);
    assert!(c.content_type.starts_with("application/json"));
    assert!(
        serde_json::from_slice::<Value>(&c.bytes).is_err(),
        "cut JSON: {}",
        c.text()
    );

    let d = outputs(&sim.base, &task).await;
    assert_eq!(d.status, 200);
    assert!(d.content_type.starts_with("text/plain"));
    assert!(serde_json::from_slice::<Value>(&d.bytes).is_err());

    // Then the path answers normally again; every fault was counted and logged.
    assert_eq!(outputs(&sim.base, &task).await.code(), 0);
    assert_eq!(stats(&sim.base).await["faultsInjected"], 4);
    assert_eq!(entries(&sim_log(&sim.base).await, OUTPUTS).len(), 5);
}

#[tokio::test]
async fn fault_stall_delays_then_answers() {
    let sim = simulator().await;
    fault(
        &sim.base,
        json!({"path": ACCOUNT, "kind": "stall", "stallMs": 800}),
    )
    .await;
    let started = Instant::now();
    let answer = post(&sim.base, ACCOUNT, &json!({"apikey": KEY})).await;
    assert!(started.elapsed() >= Duration::from_millis(800));
    assert_eq!(answer.code(), 0, "answers normally after the stall");
    let started = Instant::now();
    post(&sim.base, ACCOUNT, &json!({"apikey": KEY})).await;
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "one stall only"
    );
}

#[tokio::test]
async fn fault_drop_loses_the_run_answer_but_keeps_the_task() {
    let sim = simulator().await;
    fault(&sim.base, json!({"path": RUN, "kind": "drop"})).await;
    let lost = post(&sim.base, RUN, &json!({"apiKey": KEY, "webappId": SU_APP})).await;
    assert_eq!(lost.status, 502, "an answer, never a closed connection");
    assert!(lost.content_type.starts_with("text/html"));
    assert_eq!(
        stats(&sim.base).await["runs"],
        1,
        "the task was created all the same"
    );
    let next = post(&sim.base, RUN, &json!({"apiKey": KEY, "webappId": SU_APP})).await;
    assert_eq!(next.code(), 0);
}

#[tokio::test]
async fn fault_codes_and_counts() {
    let sim = simulator().await;
    fault(
        &sim.base,
        json!({"path": RUN, "kind": "code421", "count": 2}),
    )
    .await;
    fault(&sim.base, json!({"path": RUN, "kind": "code415"})).await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        let run = post(&sim.base, RUN, &json!({"apiKey": KEY, "webappId": SU_APP})).await;
        codes.push(run.code());
        if run.code() != 0 {
            assert!(run.data().is_null());
        }
    }
    assert_eq!(codes, vec![421, 421, 415, 0]);
    let first = post(&sim.base, RUN, &json!({"apiKey": KEY, "webappId": SU_APP})).await;
    assert_eq!(first.code(), 0);
    let stats = stats(&sim.base).await;
    assert_eq!(stats["runs"], 2, "busy answers create no task");
    assert_eq!(stats["faultsInjected"], 3);
    let log = sim_log(&sim.base).await;
    assert_eq!(entries(&log, RUN).len(), 5);

    // Faults stay on their own path, and each code has its name.
    for code in [803, 805, 807, 808, 812, 813, 814, 901] {
        fault(
            &sim.base,
            json!({"path": STATUS, "kind": format!("code{code}")}),
        )
        .await;
        let answer = post(&sim.base, STATUS, &json!({"apiKey": KEY, "taskId": "1"})).await;
        assert_eq!(answer.code(), code);
        assert_ne!(answer.json()["msg"], "ERROR", "{code} has a name");
    }
    fault(&sim.base, json!({"path": UPLOAD, "kind": "code808"})).await;
    let up = upload(&sim.base, KEY, "a.png", vec![1, 2, 3]).await;
    assert_eq!(up.code(), 808);
    fault(&sim.base, json!({"path": APP_DEMO, "kind": "code500"})).await;
    let demo = get(
        &sim.base,
        &format!("{APP_DEMO}?apiKey={KEY}&webappId={SU_APP}"),
    )
    .await;
    assert_eq!(demo.code(), 500);
}

#[tokio::test]
async fn bad_fault_requests_are_refused() {
    let sim = simulator().await;
    let no_path = post(&sim.base, "/__sim/faults", &json!({"kind": "http500"})).await;
    assert_eq!(no_path.status, 400);
    let bad_kind = post(
        &sim.base,
        "/__sim/faults",
        &json!({"path": RUN, "kind": "meteor"}),
    )
    .await;
    assert_eq!(bad_kind.status, 400);
    let bad_code = post(
        &sim.base,
        "/__sim/faults",
        &json!({"path": RUN, "kind": "codeXYZ"}),
    )
    .await;
    assert_eq!(bad_code.status, 400);
}

#[tokio::test]
async fn cors_is_open_for_pages_served_elsewhere() {
    let sim = simulator().await;
    let preflight = client()
        .request(reqwest::Method::OPTIONS, format!("{}{RUN}", sim.base))
        .header("Origin", "https://example.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert!(preflight
        .headers()
        .contains_key("access-control-allow-origin"));
    let run = client()
        .post(format!("{}{RUN}", sim.base))
        .header("Origin", "https://example.com")
        .json(&json!({"apiKey": KEY, "webappId": SU_APP}))
        .send()
        .await
        .expect("run");
    assert!(run.headers().contains_key("access-control-allow-origin"));
}
