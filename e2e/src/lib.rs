//! End-to-end harness for SU Render: the real server (simulator mode) on a free port, Debian's
//! Chromium driven through chromedriver, and a small page object so tests read like a user's steps.
//!
//! Each test starts its own [`Harness`]: a fresh server with its own in-memory simulator, a fresh
//! chromedriver and a fresh browser profile. Everything is stopped when the harness is dropped,
//! including when a test panics.
//!
//! The app must have been built first (`cargo xtask build`, or `cargo xtask test` which does it);
//! `SU_RENDER_DIST` points at its `dist/` (default: `<workspace>/dist`).

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
pub use su_render_server::{Mode, ServerConfig, SimConfig};

pub mod client;
pub mod journal;
pub mod page;

/// Errors of the harness: anything, with a message that says what the page looked like.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T = (), E = Error> = std::result::Result<T, E>;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The simulator's test knobs, on the same origin as the app.
pub mod sim_paths {
    pub const CONTROL: &str = "/__sim/control";
    pub const FAULTS: &str = "/__sim/faults";
    pub const RESET: &str = "/__sim/reset";
    pub const LOG: &str = "/__sim/log";
    pub const STATS: &str = "/__sim/stats";
}

/// The browser window, as a laptop user would have it.
pub const WINDOW: (u32, u32) = (1280, 1000);

/// How long a user-visible state may take to appear before a test fails.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(20);

/// Phases after which the job view no longer changes by itself.
pub const TERMINAL_PHASES: [&str; 6] = [
    "succeeded",
    "no-output",
    "failed",
    "not-found",
    "timed-out",
    "cancelled",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where screenshots and browser logs go (gitignored).
pub fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts")
}

/// `dist/` of the built app: `$SU_RENDER_DIST`, else `<workspace>/dist`.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("SU_RENDER_DIST")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"))
}

/// A simulator quick enough for tests, slow enough to see `queued` and `running`.
pub fn fast_sim() -> SimConfig {
    SimConfig {
        queue_ms: 600,
        run_ms: 1200,
        poll_first_ms: Some(200),
        poll_steady_ms: Some(300),
    }
}

/// What a test wants from its harness.
pub struct Options {
    /// Names the artifacts of this test (screenshots, chromedriver log).
    pub name: String,
    pub sim: SimConfig,
    /// `None`: [`dist_dir`].
    pub dist: Option<PathBuf>,
}

impl Options {
    pub fn new(name: &str) -> Self {
        Options {
            name: name.to_string(),
            sim: fast_sim(),
            dist: None,
        }
    }
}

/// A running server + chromedriver + browser session.
pub struct Harness {
    pub name: String,
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base_url: String,
    pub client: Client,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    driver: Driver,
}

impl Harness {
    pub async fn start(opts: Options) -> Result<Harness> {
        let dist = opts.dist.unwrap_or_else(dist_dir);
        if !dist.join("index.html").is_file() {
            return Err(format!(
                "{} has no index.html: build the app first (`cargo xtask build`) or set SU_RENDER_DIST",
                dist.display()
            )
            .into());
        }
        fs::create_dir_all(artifacts_dir())?;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let config = ServerConfig {
            dist,
            mode: Mode::Simulator,
            sim: opts.sim,
        };
        let server = tokio::spawn(su_render_server::run(listener, config));

        let mut driver = Driver::spawn(&opts.name)?;
        driver.wait_until_listening(Duration::from_secs(15))?;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(&driver.profile))
            .connect(&driver.url())
            .await
            .map_err(|e| format!("chromedriver would not start a Chromium session: {e}"))?;
        driver.session_id = client.session_id().await?;

        Ok(Harness {
            name: opts.name,
            base_url: format!("http://{addr}"),
            client,
            server,
            driver,
        })
    }

    /// The app's page object.
    pub fn page(&self) -> AppPage<'_> {
        AppPage { h: self }
    }

    /// `POST` a JSON body to the server; returns the status and the body text.
    pub async fn post(&self, path: &str, body: &Value) -> Result<(u16, String)> {
        http("POST", &format!("{}{path}", self.base_url), Some(body)).await
    }

    /// `GET` from the server; returns the status and the body text.
    pub async fn get(&self, path: &str) -> Result<(u16, String)> {
        http("GET", &format!("{}{path}", self.base_url), None).await
    }

    async fn sim_post(&self, path: &str, body: &Value) -> Result<Value> {
        let (status, text) = self.post(path, body).await?;
        if !(200..300).contains(&status) {
            return Err(format!("{path} answered {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn sim_get(&self, path: &str) -> Result<Value> {
        let (status, text) = self.get(path).await?;
        if !(200..300).contains(&status) {
            return Err(format!("{path} answered {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text)
            .map_err(|e| format!("{path} did not answer JSON ({e}): {text}"))?)
    }

    /// Changes how the simulator answers from now on (e.g. `{"outcome": "fail"}`).
    pub async fn sim_control(&self, body: Value) -> Result<Value> {
        self.sim_post(sim_paths::CONTROL, &body).await
    }

    /// Arms a fault for one API path, e.g. `{"path": "/task/openapi/outputs", "kind": "http500",
    /// "count": 2}` (kinds: `http500`, `html`, `truncated`, `notjson`, `stall`, `drop`, `code421`…).
    pub async fn sim_fault(&self, body: Value) -> Result<Value> {
        self.sim_post(sim_paths::FAULTS, &body).await
    }

    /// Forgets every task, knob and log entry.
    pub async fn sim_reset(&self) -> Result<Value> {
        self.sim_post(sim_paths::RESET, &json!({})).await
    }

    /// Every API request the simulator received, oldest first (keys masked as `***`).
    pub async fn sim_log(&self) -> Result<Vec<Value>> {
        match self.sim_get(sim_paths::LOG).await? {
            Value::Array(entries) => Ok(entries),
            Value::Object(mut map) => {
                for key in ["entries", "log", "requests", "data"] {
                    if let Some(Value::Array(entries)) = map.remove(key) {
                        return Ok(entries);
                    }
                }
                Err(format!("{} is not a list: {}", sim_paths::LOG, Value::Object(map)).into())
            }
            other => Err(format!("{} is not a list: {other}", sim_paths::LOG).into()),
        }
    }

    pub async fn sim_stats(&self) -> Result<Value> {
        self.sim_get(sim_paths::STATS).await
    }

    /// Saves a PNG of the whole page to `e2e/artifacts/<name>.png` and returns its path.
    /// The window grows to the page's height for the shot, then returns to its size.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await?
            .as_u64()
            .unwrap_or(WINDOW.1 as u64)
            .clamp(WINDOW.1 as u64, 6000) as u32;
        // The window is taller than the page's viewport by the browser's own bars.
        self.client.set_window_size(WINDOW.0, height + 150).await?;
        self.client
            .execute("window.scrollTo(0, 0);", vec![])
            .await?;
        let png = self.client.screenshot().await;
        self.client.set_window_size(WINDOW.0, WINDOW.1).await?;
        let path = artifacts_dir().join(format!("{name}.png"));
        fs::write(&path, png?)?;
        Ok(path)
    }

    /// Every URL the page asked for: its own address, the navigation, each resource (Resource
    /// Timing) and, when chromedriver keeps them, the network events of the performance log.
    pub async fn resource_urls(&self) -> Result<Vec<String>> {
        let script = "return [location.href]
            .concat(performance.getEntriesByType('navigation').map(e => e.name))
            .concat(performance.getEntriesByType('resource').map(e => e.name));";
        let mut urls: Vec<String> = match self.client.execute(script, vec![]).await? {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            other => return Err(format!("resource list is not an array: {other}").into()),
        };
        for entry in self.driver_log("performance").await.unwrap_or_default() {
            let Some(message) = entry.get("message").and_then(Value::as_str) else {
                continue;
            };
            let Ok(event) = serde_json::from_str::<Value>(message) else {
                continue;
            };
            if event["message"]["method"] == "Network.requestWillBeSent" {
                if let Some(url) = event["message"]["params"]["request"]["url"].as_str() {
                    // The browser's own pages (new tab, …) are not the app's requests.
                    if !url.starts_with("chrome") {
                        urls.push(url.to_string());
                    }
                }
            }
        }
        urls.sort();
        urls.dedup();
        Ok(urls)
    }

    /// Chromedriver's log of one type (`browser` = console, `performance` = network events).
    /// Each call returns what accumulated since the previous one.
    pub async fn driver_log(&self, kind: &str) -> Result<Vec<Value>> {
        let Some(session) = &self.driver.session_id else {
            return Ok(Vec::new());
        };
        let url = format!("{}/session/{session}/se/log", self.driver.url());
        let (status, text) = http("POST", &url, Some(&json!({ "type": kind }))).await?;
        if status != 200 {
            return Err(format!("chromedriver log {kind}: {status} {text}").into());
        }
        let mut answer: Value = serde_json::from_str(&text)?;
        match answer["value"].take() {
            Value::Array(entries) => Ok(entries),
            other => Err(format!("chromedriver log {kind}: {other}").into()),
        }
    }

    /// The browser console since the last call, one line per message (for error reports).
    pub async fn console(&self) -> String {
        match self.driver_log("browser").await {
            Ok(entries) => entries
                .iter()
                .map(|e| {
                    format!(
                        "  [{}] {}",
                        e["level"].as_str().unwrap_or("?"),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("  (console unavailable: {e})"),
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn capabilities(profile: &Path) -> fantoccini::wd::Capabilities {
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={},{}", WINDOW.0, WINDOW.1),
            ],
        },
        "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// A one-shot HTTP/1.1 request with an optional JSON body.
async fn http(method: &str, url: &str, body: Option<&Value>) -> Result<(u16, String)> {
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let bytes = body.map(|b| b.to_string()).unwrap_or_default();
    let request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(bytes)))?;
    let response = tokio::time::timeout(Duration::from_secs(15), client.request(request))
        .await
        .map_err(|_| format!("{method} {url}: no answer in 15 s"))??;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The chromedriver child and the browser profile it uses; both go away on drop. Shared by
/// [`Harness`] and [`page::Browser`].
pub(crate) struct Driver {
    child: Child,
    port: u16,
    pub(crate) profile: PathBuf,
    pub(crate) session_id: Option<String>,
}

impl Driver {
    pub(crate) fn spawn(name: &str) -> Result<Driver> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let profile = std::env::temp_dir().join(format!(
            "su-render-e2e-{}-{}-{port}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&profile)?;
        let log = fs::File::create(artifacts_dir().join(format!("chromedriver-{name}.log")))?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| {
                format!("could not start {CHROMEDRIVER} ({e}): run `cargo xtask setup --browser`")
            })?;
        Ok(Driver {
            child,
            port,
            profile,
            session_id: None,
        })
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute`, e.g.
    /// `Browser.grantPermissions`; returns the command's result.
    pub(crate) async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        let session = self.session_id.as_deref().ok_or("no browser session")?;
        let url = format!("{}/session/{session}/goog/cdp/execute", self.url());
        let (status, text) =
            http("POST", &url, Some(&json!({ "cmd": cmd, "params": params }))).await?;
        if status != 200 {
            return Err(format!("CDP {cmd}: {status} {text}").into());
        }
        let mut answer: Value = serde_json::from_str(&text)?;
        Ok(answer["value"].take())
    }

    pub(crate) fn wait_until_listening(&mut self, limit: Duration) -> Result<()> {
        let started = Instant::now();
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("chromedriver exited at start-up: {status}").into());
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "chromedriver did not listen on port {} within {limit:?}",
            self.port
        )
        .into())
    }

    /// Ends the browser session with a blocking request: works even while a runtime shuts down.
    fn delete_session(&self, session: &str) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            // The answer comes once the browser has quit; chromedriver may keep the connection.
            let mut answer = [0u8; 1024];
            let _ = stream.read(&mut answer);
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(session) = self.session_id.take() {
            self.delete_session(&session);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.profile);
    }
}

/// Keys for WebDriver's send-keys (see the W3C key table).
const CONTROL: char = '\u{E009}';
const RELEASE_ALL: char = '\u{E000}';
const BACKSPACE: char = '\u{E003}';

/// The SU Render page, as a user sees it. Element ids are the app's UI contract.
pub struct AppPage<'a> {
    h: &'a Harness,
}

impl AppPage<'_> {
    fn client(&self) -> &Client {
        &self.h.client
    }

    /// Opens the app at the server's root and waits until it has mounted.
    pub async fn open(&self) -> Result {
        self.open_at("/").await
    }

    /// Opens `path_and_query` (e.g. `/?api=https://example.com`) and waits for the app.
    pub async fn open_at(&self, path_and_query: &str) -> Result {
        self.client()
            .goto(&format!("{}{path_and_query}", self.h.base_url))
            .await?;
        self.wait_for("#render").await?;
        // Keep every request in Resource Timing (the default buffer holds 250).
        self.client()
            .execute("performance.setResourceTimingBufferSize(100000);", vec![])
            .await?;
        Ok(())
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        self.wait_for_within(css, DEFAULT_WAIT).await
    }

    pub async fn wait_for_within(&self, css: &str, limit: Duration) -> Result<Element> {
        let started = Instant::now();
        loop {
            if let Ok(element) = self.client().find(Locator::Css(css)).await {
                return Ok(element);
            }
            if started.elapsed() > limit {
                return Err(self
                    .explain(&format!("`{css}` did not appear within {limit:?}"))
                    .await
                    .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Replaces the content of a text field the way a user does: select all, delete, type.
    pub async fn fill(&self, css: &str, text: &str) -> Result {
        let field = self.wait_for(css).await?;
        field.click().await?;
        field
            .send_keys(&format!("{CONTROL}a{RELEASE_ALL}{BACKSPACE}"))
            .await?;
        if !text.is_empty() {
            field.send_keys(text).await?;
        }
        Ok(())
    }

    pub async fn set_key(&self, key: &str) -> Result {
        self.fill("#api-key", key).await
    }

    /// Picks the site (`cn`, `ai`, `local`, `custom`).
    pub async fn set_site(&self, value: &str) -> Result {
        self.wait_for("#site").await?.select_by_value(value).await?;
        Ok(())
    }

    pub async fn site(&self) -> Result<String> {
        Ok(self
            .wait_for("#site")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    pub async fn set_webapp_id(&self, id: &str) -> Result {
        self.fill("#webapp-id", id).await
    }

    /// The SketchUp screenshot (node 112), as a RunningHub file name.
    pub async fn set_screenshot(&self, file_name: &str) -> Result {
        self.fill("#node-112", file_name).await
    }

    /// The reference picture (node 158), as a RunningHub file name; empty leaves the node out.
    pub async fn set_reference(&self, file_name: &str) -> Result {
        self.fill("#node-158", file_name).await
    }

    pub async fn set_webhook(&self, url: &str) -> Result {
        self.fill("#webhook-url", url).await
    }

    pub async fn click_render(&self) -> Result {
        self.wait_for("#render").await?.click().await?;
        Ok(())
    }

    /// The job's phase (`data-phase` of `#job-status`), `None` while there is no job.
    pub async fn phase(&self) -> Result<Option<String>> {
        match self.client().find(Locator::Css("#job-status")).await {
            Ok(status) => Ok(status.attr("data-phase").await?),
            Err(_) => Ok(None),
        }
    }

    /// Waits until the job reaches `phase`; returns every phase seen on the way, in order.
    /// Fails early when the job ends in another phase.
    pub async fn wait_status(&self, phase: &str) -> Result<Vec<String>> {
        let started = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let current = self.phase().await?;
            if let Some(current) = &current {
                if seen.last() != Some(current) {
                    seen.push(current.clone());
                }
                if current == phase {
                    return Ok(seen);
                }
                if TERMINAL_PHASES.contains(&current.as_str()) {
                    return Err(self
                        .explain(&format!(
                            "the job ended in `{current}` instead of `{phase}` (phases seen: {seen:?})"
                        ))
                        .await
                        .into());
                }
            }
            if started.elapsed() > DEFAULT_WAIT {
                return Err(self
                    .explain(&format!(
                        "phase `{phase}` not reached within {DEFAULT_WAIT:?} (phases seen: {seen:?})"
                    ))
                    .await
                    .into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Visible text of the first element matching `css` (trimmed).
    pub async fn text_of(&self, css: &str) -> Result<String> {
        let element = self
            .client()
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("no `{css}` on the page: {e}"))?;
        Ok(element.text().await?.trim().to_string())
    }

    /// Visible text of every element matching `css`.
    pub async fn texts_of(&self, css: &str) -> Result<Vec<String>> {
        let mut texts = Vec::new();
        for element in self.client().find_all(Locator::Css(css)).await? {
            texts.push(element.text().await?.trim().to_string());
        }
        Ok(texts)
    }

    /// `textContent` of the first match, hidden parts included (e.g. a closed `<details>`).
    pub async fn text_content(&self, css: &str) -> Result<Option<String>> {
        let value = self
            .client()
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(value.as_str().map(str::to_string))
    }

    pub async fn attr_of(&self, css: &str, name: &str) -> Result<Option<String>> {
        let element = self
            .client()
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("no `{css}` on the page: {e}"))?;
        Ok(element.attr(name).await?)
    }

    pub async fn count(&self, css: &str) -> Result<usize> {
        Ok(self.client().find_all(Locator::Css(css)).await?.len())
    }

    pub async fn exists(&self, css: &str) -> Result<bool> {
        Ok(self.count(css).await? > 0)
    }

    /// Waits until the image matching `css` has loaded (`naturalWidth > 0`); returns its width.
    pub async fn wait_image_loaded(&self, css: &str) -> Result<u64> {
        let started = Instant::now();
        let script = "const i = document.querySelector(arguments[0]);
            return i && i.complete ? i.naturalWidth : 0;";
        loop {
            let width = self
                .client()
                .execute(script, vec![json!(css)])
                .await?
                .as_u64()
                .unwrap_or(0);
            if width > 0 {
                return Ok(width);
            }
            if started.elapsed() > DEFAULT_WAIT {
                return Err(self
                    .explain(&format!(
                        "image `{css}` did not load within {DEFAULT_WAIT:?}"
                    ))
                    .await
                    .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A failure message that shows what the user would see: the status, the errors, the
    /// console; and a screenshot in the artifacts.
    pub async fn explain(&self, what: &str) -> String {
        let mut report = format!("{what}\n  page: {}", self.h.base_url);
        for css in [
            "#job-status",
            "#api-error",
            "#form-error",
            "#key-error",
            "#failure",
        ] {
            if let Ok(text) = self.text_of(css).await {
                report.push_str(&format!("\n  {css}: {text:?}"));
            }
        }
        if let Ok(Some(phase)) = self.phase().await {
            report.push_str(&format!("\n  data-phase: {phase}"));
        }
        let shot = format!("{}-failure", self.h.name);
        match self.h.screenshot(&shot).await {
            Ok(path) => report.push_str(&format!("\n  screenshot: {}", path.display())),
            Err(e) => report.push_str(&format!("\n  (no screenshot: {e})")),
        }
        report.push_str(&format!("\n  console:\n{}", self.h.console().await));
        report
    }
}

/// Entries of the simulator log for one API path (e.g. `/task/openapi/ai-app/run`).
pub fn log_entries_for<'a>(log: &'a [Value], path: &str) -> Vec<&'a Value> {
    log.iter().filter(|e| entry_path(e) == path).collect()
}

/// The path of a log entry, without the query string.
pub fn entry_path(entry: &Value) -> &str {
    entry_uri(entry).split('?').next().unwrap_or("")
}

/// The full request target of a log entry (`uri`, or `path` when that is what the server logs).
pub fn entry_uri(entry: &Value) -> &str {
    ["uri", "path", "url"]
        .iter()
        .find_map(|k| entry.get(*k).and_then(Value::as_str))
        .unwrap_or("")
}

/// The JSON body of a log entry (parsed if the server logged it as a string).
pub fn entry_body(entry: &Value) -> Value {
    match entry.get("body") {
        Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
        Some(body) => body.clone(),
        None => Value::Null,
    }
}

/// The node ids of a run body's `nodeInfoList`, as strings (ids may be strings or numbers).
pub fn node_ids(run_body: &Value) -> Vec<String> {
    run_body["nodeInfoList"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .map(|n| match &n["nodeId"] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

// --- Chrome DevTools Protocol for the harness (added for e2e/tests/batch_limits.rs) ----------

impl Harness {
    /// A Chrome DevTools Protocol command, e.g. `Browser.grantPermissions`; returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.driver.cdp(cmd, params).await
    }
}
