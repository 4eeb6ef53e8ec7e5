//! The relay over plain HTTP: what reaches the upstream (method, path, query, body, content
//! type), what comes back, and how upstream failures are answered.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use su_render_server::relay::upstream_for;

#[test]
fn site_names() {
    assert_eq!(upstream_for("cn"), "https://www.runninghub.cn");
    assert_eq!(upstream_for("ai"), "https://www.runninghub.ai");
    assert_eq!(
        upstream_for("http://127.0.0.1:9000/"),
        "http://127.0.0.1:9000"
    );
}

#[tokio::test]
async fn info_and_the_app_are_served_locally() {
    let up = recorder().await;
    let relay = relay(&up.base_url).await;
    let info = get(&relay.base, "/__su/info").await;
    assert_eq!(
        info.json(),
        json!({
            "server": "su-render", "version": env!("CARGO_PKG_VERSION"), "mode": "relay",
            "upstream": up.base_url, "sites": {"cn": "/cn", "ai": "/ai"},
            "fileProxy": "/__su/file", "pollFirstMs": null, "pollSteadyMs": null,
            "socketHiddenCloseMs": null,
            "keyRequired": false,
            // A relay started in process (like a team relay) has no SketchUp inbox.
            "inbox": false,
        })
    );
    let page = get(&relay.base, "/").await;
    assert!(page.text().contains("SU Render test page"));
    // The simulator's knobs and files are not relayed.
    assert_eq!(get(&relay.base, "/__sim/log").await.status, 404);
    let control = post(&relay.base, "/__sim/control", &json!({})).await;
    assert!(
        [404, 405].contains(&control.status),
        "static files only: {control:?}"
    );
    assert!(
        up.seen().is_empty(),
        "nothing reached upstream: {:?}",
        up.seen()
    );
}

#[tokio::test]
async fn post_bodies_pass_through_unchanged() {
    let up = recorder().await;
    let relay = relay(&up.base_url).await;
    // Byte for byte, odd spacing and the key included.
    let body = format!(
        "{{ \"apiKey\" : \"{KEY}\", \"webappId\":\"{SU_APP}\",\"nodeInfoList\":[{{\"nodeId\":\"112\",\"fieldName\":\"image\",\"fieldValue\":\"api/x.png\"}}] }}"
    );
    let response = client()
        .post(relay.url(RUN))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("run");
    let answer = answer(response).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/json;charset=UTF-8");
    assert_eq!(answer.headers["cache-control"], "no-store");
    assert_eq!(answer.data()["method"], "POST");
    assert_eq!(answer.data()["target"], RUN);

    for (path, body) in [
        (
            OUTPUTS,
            json!({"apiKey": KEY, "taskId": "1983070826507480817"}),
        ),
        (
            CANCEL,
            json!({"apiKey": KEY, "taskId": "1983070826507480817"}),
        ),
        (ACCOUNT, json!({"apikey": KEY})),
    ] {
        let answer = post(&relay.base, path, &body).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.data()["target"], path);
    }

    let seen = up.seen();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].target, RUN);
    assert_eq!(seen[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(seen[0].body, body.as_bytes());
    let account: Value = serde_json::from_slice(&seen[3].body).expect("json");
    assert_eq!(account, json!({"apikey": KEY}));
}

#[tokio::test]
async fn multipart_uploads_pass_through_unchanged() {
    let up = recorder().await;
    let relay = relay(&up.base_url).await;
    let boundary = "----su-render-test-boundary-7MA4YWxkTrZu0gW";
    // A few MB, so that the body goes through in many pieces.
    let picture: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut body = Vec::new();
    write!(
        body,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"apiKey\"\r\n\r\n{KEY}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"screen.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .expect("write");
    body.extend_from_slice(&picture);
    write!(
        body,
        "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"fileType\"\r\n\r\ninput\r\n--{boundary}--\r\n"
    )
    .expect("write");
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let response = client()
        .post(relay.url(UPLOAD))
        .header("content-type", &content_type)
        .body(body.clone())
        .send()
        .await
        .expect("upload");
    let answer = answer(response).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.data()["bytes"], body.len());
    let seen = up.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].target, UPLOAD);
    assert_eq!(seen[0].content_type.as_deref(), Some(content_type.as_str()));
    assert!(seen[0].body == body, "the multipart body arrived changed");
}

#[tokio::test]
async fn app_demo_post_becomes_a_get_with_the_key_in_the_query() {
    let up = recorder().await;
    let relay = relay(&up.base_url).await;
    let answer = post(
        &relay.base,
        APP_DEMO,
        &json!({"apiKey": KEY, "webappId": RESTYLE_APP}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    // A numeric webappId and a key needing escapes are carried as text.
    post(
        &relay.base,
        APP_DEMO,
        &json!({"apiKey": "a b&c", "webappId": 1937084629516193794u64}),
    )
    .await;
    // A GET with its own query goes through as it is.
    get(
        &relay.base,
        &format!("{APP_DEMO}?apiKey={KEY}&webappId={SU_APP}"),
    )
    .await;
    let seen = up.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0].method, "GET");
    assert_eq!(
        seen[0].target,
        format!("{APP_DEMO}?apiKey={KEY}&webappId={RESTYLE_APP}")
    );
    assert!(seen[0].body.is_empty(), "a GET has no body");
    assert_eq!(seen[1].method, "GET");
    // Form-encoded, as a browser's GET form sends it (a space is `+`).
    assert_eq!(
        seen[1].target,
        format!("{APP_DEMO}?apiKey=a+b%26c&webappId=1937084629516193794")
    );
    assert_eq!(seen[2].method, "GET");
    assert_eq!(
        seen[2].target,
        format!("{APP_DEMO}?apiKey={KEY}&webappId={SU_APP}")
    );
}

#[tokio::test]
async fn queries_on_other_paths_are_kept() {
    let up = recorder().await;
    let relay = relay(&up.base_url).await;
    let answer = post(&relay.base, &format!("{OUTPUTS}?lang=en"), &json!({})).await;
    assert_eq!(answer.status, 200);
    assert_eq!(up.seen()[0].target, format!("{OUTPUTS}?lang=en"));
}

#[tokio::test]
async fn upstream_errors_keep_their_status_and_become_json_of_ours() {
    let up = recorder().await;
    let relay = relay(&up.base_url).await;
    let answer = post(&relay.base, STATUS, &json!({"apiKey": KEY, "taskId": "1"})).await;
    assert_eq!(answer.status, 500);
    // Never the upstream's HTML on this origin: a JSON object of ours that says what came.
    assert_eq!(answer.content_type, "application/json");
    let body = answer.json();
    assert!(body["code"].is_null(), "no RunningHub code: {body}");
    assert_eq!(
        body["msg"],
        "relay: RunningHub answered HTTP 500 with text/html, not JSON"
    );
    assert_eq!(answer.headers["x-su-relay"], "not-json");
    assert!(!answer.text().contains("<html"), "{}", answer.text());
}

#[tokio::test]
async fn an_unreachable_upstream_answers_502_json() {
    let port = dead_port().await;
    let relay = relay(&format!("http://127.0.0.1:{port}")).await;
    for path in [RUN, OUTPUTS, UPLOAD, ACCOUNT] {
        let answer = post(&relay.base, path, &json!({"apiKey": KEY})).await;
        assert_eq!(answer.status, 502, "{path}");
        assert!(answer.content_type.starts_with("application/json"));
        let body = answer.json();
        assert_eq!(body["code"], 502);
        assert!(body["data"].is_null());
        assert!(
            body["msg"].as_str().unwrap_or("").starts_with("relay:"),
            "{body}"
        );
        // No connection: nothing was forwarded, and the page may say so.
        assert_eq!(
            answer
                .headers
                .get("x-su-relay")
                .and_then(|v| v.to_str().ok()),
            Some("unreachable"),
            "{path}"
        );
    }
    let demo = post(
        &relay.base,
        APP_DEMO,
        &json!({"apiKey": KEY, "webappId": SU_APP}),
    )
    .await;
    assert_eq!(demo.status, 502);
}

#[tokio::test]
async fn a_cut_answer_becomes_one_502_and_is_not_sent_again() {
    let up = cut_upstream().await;
    let relay = relay(&up.base_url).await;
    let answer = post(
        &relay.base,
        RUN,
        &json!({"apiKey": KEY, "webappId": SU_APP}),
    )
    .await;
    assert_eq!(answer.status, 502, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["code"], 502);
    assert!(
        body["msg"].as_str().unwrap_or("").starts_with("relay:"),
        "{body}"
    );
    // The request went out: this answer must not claim nothing was sent.
    assert!(answer.headers.get("x-su-relay").is_none());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        up.requests(),
        vec![format!("POST {RUN} HTTP/1.1")],
        "the relay must not send a POST twice"
    );
}

/// Over one kept-alive connection, as a browser does: the cut answer must arrive as an answer,
/// and the connection must still serve the next request.
#[tokio::test]
async fn a_cut_answer_still_answers_on_a_kept_alive_connection() {
    let up = cut_upstream().await;
    let relay = relay(&up.base_url).await;
    let addr = relay.base.trim_start_matches("http://").to_owned();
    let requests = up.requests.clone();
    let (first, second) = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let body = format!("{{\"apiKey\":\"{KEY}\",\"webappId\":\"{SU_APP}\"}}");
        let request = format!(
            "POST {RUN} HTTP/1.1\r\nHost: {addr}\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        let first = read_response(&mut stream);
        let again = format!("GET /__su/info HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        stream.write_all(again.as_bytes()).expect("send again");
        let second = read_response(&mut stream);
        (first, second)
    })
    .await
    .expect("thread");
    assert!(first.starts_with("HTTP/1.1 502"), "{first}");
    assert!(first.contains("\"code\":502"), "{first}");
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    assert_eq!(requests.lock().expect("lock").len(), 1);
}

/// Reads one response with a Content-Length body from a blocking stream.
fn read_response(stream: &mut std::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            other => panic!(
                "connection ended before the headers ({other:?}): {:?}",
                String::from_utf8_lossy(&buf)
            ),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or_else(|| panic!("no content-length: {head}"));
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("body");
    format!("{head}{}", String::from_utf8_lossy(&body))
}

#[tokio::test]
async fn relaying_to_the_simulator() {
    let sim = simulator().await;
    let relay = relay(&sim.base).await;

    let demo = post(
        &relay.base,
        APP_DEMO,
        &json!({"apiKey": KEY, "webappId": RESTYLE_APP}),
    )
    .await;
    assert_eq!(demo.code(), 0, "{}", demo.text());
    assert_eq!(
        demo.data()["nodeInfoList"].as_array().map(Vec::len),
        Some(6)
    );

    let png = su_render_server::png::rendering(80, 50, 11);
    let up = upload(&relay.base, KEY, "shot.png", png.clone()).await;
    assert_eq!(up.code(), 0, "{}", up.text());
    let name = up.data()["fileName"].as_str().expect("name").to_owned();
    let stored = get(
        &sim.base,
        &format!("/sim-files/uploads/{}", name.trim_start_matches("api/")),
    )
    .await;
    assert_eq!(stored.bytes, png, "the upload arrived whole");

    let run = post(
        &relay.base,
        RUN,
        &json!({"apiKey": KEY, "webappId": SU_APP, "nodeInfoList": [
            {"nodeId": "112", "fieldName": "image", "fieldValue": name}
        ]}),
    )
    .await;
    assert_eq!(run.code(), 0, "{}", run.text());
    let task = run.data()["taskId"].as_str().expect("id").to_owned();
    let out = post(
        &relay.base,
        OUTPUTS,
        &json!({"apiKey": KEY, "taskId": task}),
    )
    .await;
    assert_eq!(out.code(), 0, "{}", out.text());
    let account = post(&relay.base, ACCOUNT, &json!({"apikey": KEY})).await;
    assert_eq!(account.data()["remainCoins"], "1234");
    let refused = post(
        &relay.base,
        RUN,
        &json!({"apiKey": bad_key(806), "webappId": SU_APP}),
    )
    .await;
    assert_eq!(
        (refused.status, refused.code()),
        (200, 806),
        "codes pass as they are"
    );

    let log = sim_log(&sim.base).await;
    let calls: Vec<(&str, &str)> = log
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or(""),
                e["path"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        calls,
        vec![
            ("GET", APP_DEMO),
            ("POST", UPLOAD),
            ("POST", RUN),
            ("POST", OUTPUTS),
            ("POST", ACCOUNT),
            ("POST", RUN)
        ]
    );
    // The relay asked with the key in the query, as RunningHub wants; the log never shows it.
    assert_eq!(
        log[0]["uri"],
        format!("{APP_DEMO}?apiKey=***&webappId={RESTYLE_APP}")
    );
    assert_eq!(log[2]["body"]["nodeInfoList"][0]["fieldValue"], name);
}

// The default relay's two sites, the paths it refuses, and its body limit.

#[tokio::test]
async fn each_site_goes_to_its_own_upstream() {
    let cn = recorder().await;
    let ai = recorder().await;
    let relay = sites(&cn.base_url, &ai.base_url).await;
    let info = get(&relay.base, "/__su/info").await.json();
    assert_eq!(info["mode"], "relay");
    assert_eq!(info["upstream"], Value::Null, "{info}");
    assert_eq!(info["sites"], json!({"cn": "/cn", "ai": "/ai"}));

    let run = post(&relay.base, &format!("/cn{RUN}"), &json!({"apiKey": KEY})).await;
    assert_eq!(
        (run.status, run.data()["target"].clone()),
        (200, json!(RUN))
    );
    let out = post(&relay.base, &format!("/ai{OUTPUTS}?lang=en"), &json!({})).await;
    assert_eq!(out.status, 200, "{}", out.text());
    // Root-level paths are the China site's (plain-base-URL relays, older links).
    let account = post(&relay.base, ACCOUNT, &json!({"apikey": KEY})).await;
    assert_eq!(account.status, 200);
    let demo = post(
        &relay.base,
        &format!("/ai{APP_DEMO}"),
        &json!({"apiKey": KEY, "webappId": SU_APP}),
    )
    .await;
    assert_eq!(demo.status, 200);

    let targets = |r: &Recorder| {
        r.seen()
            .into_iter()
            .map(|s| format!("{} {}", s.method, s.target))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        targets(&cn),
        vec![format!("POST {RUN}"), format!("POST {ACCOUNT}")]
    );
    assert_eq!(
        targets(&ai),
        vec![
            format!("POST {OUTPUTS}?lang=en"),
            format!("GET {APP_DEMO}?apiKey={KEY}&webappId={SU_APP}")
        ]
    );
}

#[tokio::test]
async fn one_upstream_takes_both_sites() {
    let up = recorder().await;
    let relay = relay(&up.base_url).await;
    for path in [format!("/cn{RUN}"), format!("/ai{RUN}"), RUN.to_owned()] {
        let answer = post(&relay.base, &path, &json!({})).await;
        assert_eq!(answer.status, 200, "{path}");
    }
    assert_eq!(up.seen().len(), 3);
    assert!(up.seen().iter().all(|s| s.target == RUN));
}

#[tokio::test]
async fn paths_that_are_not_runninghub_api_are_refused_and_reach_nobody() {
    let cn = recorder().await;
    let ai = recorder().await;
    let relay = sites(&cn.base_url, &ai.base_url).await;
    let envelope = json!({"code": 404, "msg": "relay: not a RunningHub API path", "data": null});
    for path in [
        "/cn",
        "/cn/",
        "/cn/index.html",
        "/ai/__su/info",
        "/cn/task/openapi",
        "/ai/openapi/v3/query",
        "/cn/admin/task/openapi/run",
    ] {
        let answer = get(&relay.base, path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.json(), envelope, "{path}");
        let answer = post(&relay.base, path, &json!({"apiKey": KEY})).await;
        assert_eq!(answer.status, 404, "{path}");
    }
    // Sent as they are: a client library would have resolved the dots.
    for path in [
        "/cn/task/openapi/../../admin",
        "/ai/task/openapi/%2e%2e/%2e%2e/admin",
        "/task/openapi/../../etc/passwd",
        "/cn//evil.example/task/openapi/run",
        "/cn/task/openapi/run@evil.example",
    ] {
        let (status, body) = raw(&relay.base, &format!("GET {path} HTTP/1.1"), Vec::new()).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body.contains("not a RunningHub API path"), "{path}: {body}");
    }
    assert!(cn.seen().is_empty(), "{:?}", cn.seen());
    assert!(ai.seen().is_empty(), "{:?}", ai.seen());
}

#[tokio::test]
async fn v2_calls_carry_the_authorization_header_and_v1_calls_do_not() {
    let up = recorder().await;
    let relay = relay(&up.base_url).await;
    for path in ["/cn/openapi/v2/query", RUN] {
        let response = client()
            .post(relay.url(path))
            .header("authorization", format!("Bearer {KEY}"))
            .json(&json!({"taskId": "1"}))
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 200, "{path}");
    }
    let seen = up.seen();
    assert_eq!(seen[0].target, "/openapi/v2/query");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(seen[1].target, RUN);
    assert_eq!(seen[1].authorization, None);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    use su_render_server::relay::BODY_LIMIT;
    let up = recorder().await;
    let relay = relay(&up.base_url).await;

    // Declared too large: refused before a byte is read.
    let (status, body) = raw(
        &relay.base,
        &format!(
            "POST /cn{UPLOAD} HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}",
            BODY_LIMIT + 1
        ),
        Vec::new(),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    let envelope: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(envelope["code"], 413);
    assert!(envelope["msg"].as_str().unwrap_or("").starts_with("relay:"));

    // Chunked, with no length: counted on the way, cut off, answered 413.
    let mut chunked = Vec::new();
    let piece = vec![b'x'; 1024 * 1024];
    for _ in 0..(BODY_LIMIT / piece.len() as u64 + 2) {
        write!(chunked, "{:x}\r\n", piece.len()).expect("write");
        chunked.extend_from_slice(&piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, body) = raw(
        &relay.base,
        &format!("POST {UPLOAD} HTTP/1.1\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked"),
        chunked,
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("\"code\":413"), "{body}");
    assert!(
        up.seen().iter().all(|s| s.body.len() as u64 <= BODY_LIMIT),
        "no whole oversized body reached upstream"
    );

    // At the limit it passes.
    let exact = vec![b'y'; BODY_LIMIT as usize];
    let response = client()
        .post(relay.url(UPLOAD))
        .header("content-type", "application/octet-stream")
        .body(exact)
        .send()
        .await
        .expect("post");
    let answer = answer(response).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.data()["bytes"], BODY_LIMIT);
}
