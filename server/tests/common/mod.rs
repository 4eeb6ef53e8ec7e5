//! Shared by the server's integration tests: a server on a free loopback port, a plain HTTP
//! client, and upstreams for the relay (one that records what reaches it, one that cuts its
//! answers; the latter is the e2e crate's).

#![allow(dead_code)] // Each test crate uses its own part of this module.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use su_render_server::{Mode, Origin, ServerConfig, Settings, SimConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A well-formed key (32 lowercase hex characters).
pub const KEY: &str = "0123456789abcdef0123456789abcdef";
pub const SU_APP: &str = su_render_server::sim::SU_APP;
pub const RESTYLE_APP: &str = su_render_server::sim::RESTYLE_APP;

// Like the rest of this module, each test crate uses some of them.
#[allow(unused_imports)]
pub use rh_api::path::{ACCOUNT, APP_DEMO, CANCEL, OUTPUTS, RUN, STATUS, UPLOAD};

/// The simulator's test key that answers `code` (`bad000…0NNN`).
pub fn bad_key(code: u32) -> String {
    let key = format!("bad{code:029}");
    assert_eq!(key.len(), 32);
    key
}

/// A `dist/` with a recognisable index page, unique to this process and call.
pub fn dist() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "su-render-server-test-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dist");
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><title>SU Render test page</title>",
    )
    .expect("index.html");
    dir
}

/// A server on a free loopback port; stopped when dropped.
pub struct Server {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base: String,
    handle: JoinHandle<std::io::Result<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

pub async fn start(mode: Mode, sim: SimConfig) -> Server {
    start_in(dist(), mode, sim).await
}

/// A server for the given `dist/`.
pub async fn start_in(dist: PathBuf, mode: Mode, sim: SimConfig) -> Server {
    start_with(ServerConfig { dist, mode, sim }.into()).await
}

/// A server with everything said.
pub async fn start_with(settings: Settings) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = tokio::spawn(su_render_server::run(listener, settings));
    Server {
        base: format!("http://{addr}"),
        handle,
    }
}

/// Settings for `mode` with a test `dist/`, to be changed by a test.
pub fn settings(mode: Mode) -> Settings {
    ServerConfig {
        dist: dist(),
        mode,
        sim: fast_sim(),
    }
    .into()
}

pub fn origin(text: &str) -> Origin {
    Origin::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// Timings whose tasks finish at once.
pub fn fast_sim() -> SimConfig {
    SimConfig {
        queue_ms: 0,
        run_ms: 0,
        poll_first_ms: Some(200),
        poll_steady_ms: Some(300),
        require_key: None,
        socket_hidden_close_ms: None,
    }
}

/// A simulator whose tasks finish at once unless a test says otherwise.
pub async fn simulator() -> Server {
    start(Mode::Simulator, fast_sim()).await
}

/// A relay to `upstream`.
pub async fn relay(upstream: &str) -> Server {
    start(
        Mode::Relay {
            upstream: upstream.to_owned(),
        },
        SimConfig::default(),
    )
    .await
}

/// A relay whose `/cn` goes to `cn` and `/ai` to `ai`, as the default one does to RunningHub.
pub async fn sites(cn: &str, ai: &str) -> Server {
    start(
        Mode::Sites {
            cn: cn.to_owned(),
            ai: ai.to_owned(),
        },
        SimConfig::default(),
    )
    .await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// An answer, whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    /// `code` of a RunningHub envelope.
    pub fn code(&self) -> i64 {
        let json = self.json();
        json["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no code in {json}"))
    }

    pub fn data(&self) -> Value {
        self.json()["data"].clone()
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response.bytes().await.expect("body").to_vec();
    Answer {
        status,
        content_type,
        headers,
        bytes,
    }
}

pub async fn post(base: &str, path: &str, body: &Value) -> Answer {
    let response = client()
        .post(format!("{base}{path}"))
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    answer(response).await
}

pub async fn get(base: &str, path: &str) -> Answer {
    let response = client()
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    answer(response).await
}

/// Uploads `bytes` as `name` the way the app does (multipart: apiKey, file, fileType).
pub async fn upload(base: &str, key: &str, name: &str, bytes: Vec<u8>) -> Answer {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("image/png")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("apiKey", key.to_owned())
        .part("file", part)
        .text("fileType", "input");
    let response = client()
        .post(format!("{base}{UPLOAD}"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    answer(response).await
}

/// The simulator's request log.
pub async fn sim_log(base: &str) -> Vec<Value> {
    match get(base, "/__sim/log").await.json() {
        Value::Array(entries) => entries,
        other => panic!("log is not a list: {other}"),
    }
}

pub fn entries<'a>(log: &'a [Value], path: &str) -> Vec<&'a Value> {
    log.iter().filter(|e| e["path"] == path).collect()
}

/// Starts a task on the simulator and returns its id.
pub async fn start_task(base: &str) -> String {
    let run = post(
        base,
        RUN,
        &serde_json::json!({"apiKey": KEY, "webappId": SU_APP}),
    )
    .await;
    assert_eq!(run.code(), 0, "{}", run.text());
    run.data()["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("taskId is a string: {}", run.text()))
        .to_owned()
}

/// One request as an upstream saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub content_type: Option<String>,
    pub authorization: Option<String>,
    pub body: Vec<u8>,
}

/// An upstream that records every request and answers it: `/task/openapi/status` with an
/// nginx-style 500 page, everything else with a JSON envelope that echoes the request.
pub struct Recorder {
    pub base_url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    handle: JoinHandle<()>,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl Recorder {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

pub async fn recorder() -> Recorder {
    use axum::body::Bytes;
    use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
    use axum::response::IntoResponse;

    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new()
        .fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let log = log.clone();
                async move {
                    let header_text = |name| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    log.lock().expect("lock").push(Seen {
                        method: method.to_string(),
                        target: uri.to_string(),
                        content_type: header_text(header::CONTENT_TYPE),
                        authorization: header_text(header::AUTHORIZATION),
                        body: body.to_vec(),
                    });
                    if uri.path() == STATUS {
                        return (
                            StatusCode::INTERNAL_SERVER_ERROR,
                            [(header::CONTENT_TYPE, "text/html")],
                            "<html><body>upstream is down</body></html>",
                        )
                            .into_response();
                    }
                    let echo = serde_json::json!({
                        "code": 0, "msg": "success",
                        "data": {"method": method.as_str(), "target": uri.to_string(), "bytes": body.len()},
                    });
                    (
                        [
                            (header::CONTENT_TYPE, "application/json;charset=UTF-8"),
                            (header::HeaderName::from_static("x-upstream"), "recorder"),
                        ],
                        echo.to_string(),
                    )
                        .into_response()
                }
            },
        )
        // Uploads of several MB pass through here.
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Recorder {
        base_url: format!("http://{addr}"),
        seen,
        handle,
    }
}

/// The upstream that cuts its answers, shared with the e2e crate as source (see the file's
/// comment for why it is included by path rather than depended on).
#[path = "../../../e2e/src/upstream.rs"]
mod upstream;
pub use upstream::CutUpstream;

pub async fn cut_upstream() -> CutUpstream {
    CutUpstream::start().await.expect("cut upstream")
}

pub async fn dead_port() -> u16 {
    upstream::dead_port().await.expect("bind")
}

/// One request written as raw bytes over a fresh connection (so that the path reaches the server
/// exactly as written, `..` and all); the answer's status and body. `head` is the request line
/// and headers without the blank line; `Connection: close` is added.
pub async fn raw(base: &str, head: &str, body: Vec<u8>) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").to_owned();
    let head = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut writer = stream.try_clone().expect("clone");
        // Written on its own thread: the server may answer (and stop reading) before the end.
        let sending = std::thread::spawn(move || {
            let _ = writer.write_all(head.as_bytes());
            let _ = writer.write_all(&body);
        });
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let _ = sending.join();
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {text:?}"));
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    })
    .await
    .expect("raw request")
}
