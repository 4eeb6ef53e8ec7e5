//! Harness additions for the RunningHub client (issue 3): pictures made on the fly, picking,
//! dropping and pasting them in the page, upload states, a relay harness with a simulator on
//! another port, an upstream that cuts its answers, and readers for the stored JPEG/PNG files.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::{
    artifacts_dir, capabilities, dist_dir, entry_body, http, log_entries_for, sim_paths, AppPage,
    Driver, Harness, Mode, Options, Result, ServerConfig, SimConfig, DEFAULT_WAIT,
};

/// The app's upload states (`data-state` of `#<input>-status`) after which nothing changes by
/// itself.
pub const SETTLED_UPLOAD_STATES: [&str; 3] = ["done", "refused", "failed"];

pub const RUN: &str = "/task/openapi/ai-app/run";
pub const UPLOAD: &str = "/task/openapi/upload";
pub const CANCEL: &str = "/task/openapi/cancel";
pub const OUTPUTS: &str = "/task/openapi/outputs";

/// Starts a harness whose server runs in `mode` (the plain [`Harness::start`] is the simulator).
pub async fn start_with_mode(opts: Options, mode: Mode) -> Result<Harness> {
    let dist = opts.dist.unwrap_or_else(dist_dir);
    if !dist.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html: build the app first (`cargo xtask build`) or set SU_RENDER_DIST",
            dist.display()
        )
        .into());
    }
    fs::create_dir_all(artifacts_dir())?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    let config = ServerConfig {
        dist,
        mode,
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

/// A harness whose server is a relay to `upstream` (e.g. a [`SimServer`]'s base URL).
pub async fn start_relay(opts: Options, upstream: &str) -> Result<Harness> {
    start_with_mode(
        opts,
        Mode::Relay {
            upstream: upstream.to_owned(),
        },
    )
    .await
}

/// A simulator on its own loopback port, for a relay to forward to. Stopped when dropped.
pub struct SimServer {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base_url: String,
    handle: JoinHandle<std::io::Result<()>>,
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl SimServer {
    pub async fn start(sim: SimConfig) -> Result<SimServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let config = ServerConfig {
            dist: dist_dir(),
            mode: Mode::Simulator,
            sim,
        };
        Ok(SimServer {
            base_url: format!("http://{addr}"),
            handle: tokio::spawn(su_render_server::run(listener, config)),
        })
    }

    async fn json(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let (status, text) = http(method, &format!("{}{path}", self.base_url), body).await?;
        if !(200..300).contains(&status) {
            return Err(format!("{path} answered {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn control(&self, body: Value) -> Result<Value> {
        self.json("POST", sim_paths::CONTROL, Some(&body)).await
    }

    pub async fn fault(&self, body: Value) -> Result<Value> {
        self.json("POST", sim_paths::FAULTS, Some(&body)).await
    }

    pub async fn log(&self) -> Result<Vec<Value>> {
        match self.json("GET", sim_paths::LOG, None).await? {
            Value::Array(entries) => Ok(entries),
            other => Err(format!("the simulator log is not a list: {other}").into()),
        }
    }

    pub async fn stats(&self) -> Result<Value> {
        self.json("GET", sim_paths::STATS, None).await
    }
}

/// An upstream that reads each request whole, then sends half an answer
/// (`Content-Length: 100`, 9 bytes of body) and closes the connection. It keeps every request
/// line it read, so a test can tell whether a POST was sent twice.
pub struct CutUpstream {
    pub base_url: String,
    requests: Arc<Mutex<Vec<String>>>,
    handle: JoinHandle<()>,
}

impl Drop for CutUpstream {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl CutUpstream {
    pub async fn start() -> Result<CutUpstream> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = requests.clone();
        let handle = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let Some(line) = read_request(&mut stream).await else {
                        return;
                    };
                    if let Ok(mut seen) = seen.lock() {
                        seen.push(line);
                    }
                    let _ = stream
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"code\":0",
                        )
                        .await;
                    let _ = stream.flush().await;
                    // The stream is dropped here: closed with 91 bytes still owed.
                });
            }
        });
        Ok(CutUpstream {
            base_url: format!("http://{addr}"),
            requests,
            handle,
        })
    }

    /// Every request line read so far (`POST /task/openapi/ai-app/run HTTP/1.1`).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many requests for `path` arrived.
    pub fn count(&self, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|line| line.split(' ').nth(1).and_then(|t| t.split('?').next()) == Some(path))
            .count()
    }
}

/// Reads one HTTP/1.1 request: headers, then the body by Content-Length or chunked encoding.
/// Returns the request line, or `None` when the connection ends first.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let line = head.lines().next()?.to_owned();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_ascii_lowercase())
        })
    };
    let mut body = buf[head_end..].to_vec();
    let length = header("content-length").and_then(|v| v.parse::<usize>().ok());
    let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    loop {
        let complete = match length {
            Some(length) => body.len() >= length,
            None => !chunked || chunked_complete(&body),
        };
        if complete {
            return Some(line);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn chunked_complete(body: &[u8]) -> bool {
    let mut at = 0;
    loop {
        let Some(eol) = find(&body[at..], b"\r\n") else {
            return false;
        };
        let size = String::from_utf8_lossy(&body[at..at + eol]).to_string();
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
        else {
            return false;
        };
        at += eol + 2;
        if size == 0 {
            return find(&body[at..], b"\r\n").is_some();
        }
        at += size + 2;
        if at > body.len() {
            return false;
        }
    }
}

/// A temporary folder of test files; removed when dropped.
pub struct TestFiles {
    pub dir: PathBuf,
}

impl TestFiles {
    pub fn new(test: &str) -> Result<TestFiles> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "su-render-files-{test}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir)?;
        Ok(TestFiles { dir })
    }

    /// Writes `bytes` as `name`; returns the absolute path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.dir.join(name);
        fs::write(&path, bytes)?;
        Ok(path)
    }
}

impl Drop for TestFiles {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A small, real PNG (a made-up interior), different for each `seed`.
pub fn small_png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    su_render_server::png::rendering(width, height, seed)
}

/// A PNG that does not compress well: a gradient with a little noise (several MB at
/// 6000×3000, well under the 30 MB limit).
pub fn noisy_png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            rgb.push((x * 200 / width) as u8 + (state & 3) as u8);
            rgb.push((y * 200 / height) as u8);
            rgb.push(128);
        }
    }
    su_render_server::png::encode_rgb(width, height, &rgb)
}

/// `size` bytes that start like a PNG and are nothing else.
pub fn png_lookalike(size: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; size];
    bytes[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    bytes
}

/// Width and height of a PNG (from IHDR).
pub fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some((be(16), be(20)))
}

/// Width and height of a JPEG, from its start-of-frame segment (baseline, progressive, …).
pub fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 4 || bytes[..3] != [0xff, 0xd8, 0xff] {
        return None;
    }
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xff {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xff {
            // Fill byte.
            at += 1;
            continue;
        }
        // Markers without a length.
        if marker == 0x01 || (0xd0..=0xd9).contains(&marker) {
            at += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let is_sof = (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker);
        if is_sof {
            let s = at + 4;
            if s + 5 > bytes.len() {
                return None;
            }
            let height = u32::from(u16::from_be_bytes([bytes[s + 1], bytes[s + 2]]));
            let width = u32::from(u16::from_be_bytes([bytes[s + 3], bytes[s + 4]]));
            return Some((width, height));
        }
        if marker == 0xda {
            // Start of scan before any frame header: not a JPEG we can read.
            return None;
        }
        at += 2 + length;
    }
    None
}

/// Standard base64 (for handing bytes to page scripts).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `GET url`, the body as bytes (for files the simulator stored).
pub async fn get_bytes(url: &str) -> Result<(u16, Vec<u8>)> {
    use http_body_util::{BodyExt, Empty};
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Empty<hyper::body::Bytes>>();
    let response = tokio::time::timeout(Duration::from_secs(15), client.get(url.parse()?))
        .await
        .map_err(|_| format!("GET {url}: no answer in 15 s"))??;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body.to_vec()))
}

/// The body of the last run request in a simulator log.
pub fn last_run_body(log: &[Value]) -> Result<Value> {
    match log_entries_for(log, RUN).last() {
        Some(entry) => Ok(entry_body(entry)),
        None => Err(format!("the simulator received no {RUN}; log: {log:?}").into()),
    }
}

/// `nodeInfoList` of a run body as `(nodeId, fieldName, fieldValue)`, sorted, ids as text.
pub fn node_entries(run_body: &Value) -> Vec<(String, String, Value)> {
    let mut entries: Vec<(String, String, Value)> = run_body["nodeInfoList"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .map(|n| {
                    let id = match &n["nodeId"] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (
                        id,
                        n["fieldName"].as_str().unwrap_or("").to_owned(),
                        n["fieldValue"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    entries.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    entries
}

/// The value sent for one node's field in a run body.
pub fn node_value(run_body: &Value, node: &str, field: &str) -> Option<Value> {
    node_entries(run_body)
        .into_iter()
        .find(|(n, f, _)| n == node && f == field)
        .map(|(_, _, v)| v)
}

/// Builds a `File` from base64 in the page (`window.__suFile`); used by drop and paste.
const MAKE_FILE: &str = "const [b64, name, type] = [arguments[0], arguments[1], arguments[2]];
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type }));";

/// What a test does with the image inputs and the other controls of issue 3.
#[allow(async_fn_in_trait)]
pub trait ClientPage {
    /// Picks a file from disk in `#<input>-file` (e.g. `node-112`), as the file dialog would.
    async fn pick_file(&self, input: &str, path: &Path) -> Result;
    /// Drops a file on `#<input>-drop`.
    async fn drop_file(&self, input: &str, name: &str, mime: &str, bytes: &[u8]) -> Result;
    /// Drops several files at once on `#<input>-drop`, as a selection dragged from the file
    /// manager; `files` are `(name, mime, bytes)`. Returns how many files the drop carried.
    async fn drop_files(&self, input: &str, files: &[(&str, &str, &[u8])]) -> Result<usize>;
    /// Drops generated 320×200 PNGs named `names` at once on `#<input>-drop`; the i-th picture
    /// is [`small_png`]'s number `seed + i`, so every file differs.
    async fn drop_pngs(&self, input: &str, names: &[String], seed: u64) -> Result<usize> {
        let pngs: Vec<Vec<u8>> = (0..names.len())
            .map(|i| small_png(320, 200, seed + i as u64))
            .collect();
        let files: Vec<(&str, &str, &[u8])> = names
            .iter()
            .zip(&pngs)
            .map(|(name, png)| (name.as_str(), "image/png", png.as_slice()))
            .collect();
        self.drop_files(input, &files).await
    }
    /// Pastes a file (a screenshot on the clipboard) into the page.
    async fn paste_file(&self, name: &str, mime: &str, bytes: &[u8]) -> Result;
    /// `data-state` of `#<input>-status`.
    async fn upload_state(&self, input: &str) -> Result<Option<String>>;
    /// Waits until `#<input>-status` is in `state`; fails early when the upload settles in
    /// another state. Returns the status text.
    async fn wait_upload(&self, input: &str, state: &str) -> Result<String>;
    /// The `value` property of the first match of `css`.
    async fn value_of(&self, css: &str) -> Result<String>;
    /// The text of `.sizes` in the same `.image-field` as `#<input>`, if shown.
    async fn sizes_of(&self, input: &str) -> Result<Option<String>>;
    /// Clicks the first match of `css`.
    async fn click(&self, css: &str) -> Result;
    /// Types an app id and loads its form; waits for `#app-loaded`.
    async fn load_app(&self, webapp_id: &str) -> Result<String>;
    /// Waits until `css` exists and has non-empty text; returns it.
    async fn wait_text(&self, css: &str) -> Result<String>;
    /// Waits until the job stops moving by itself (any phase but submitting, waiting, queued,
    /// running and reconnecting); returns that phase and every phase seen on the way.
    async fn wait_job_settled(&self) -> Result<(String, Vec<String>)>;
}

/// Phases in which the job still moves by itself.
pub const MOVING_PHASES: [&str; 5] = ["submitting", "waiting", "queued", "running", "reconnecting"];

impl ClientPage for AppPage<'_> {
    async fn pick_file(&self, input: &str, path: &Path) -> Result {
        let css = format!("#{input}-file");
        self.wait_for(&css).await?;
        let field = self.h.client.find(Locator::Css(&css)).await?;
        let path = path
            .canonicalize()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        field.send_keys(&path.to_string_lossy()).await?;
        Ok(())
    }

    async fn drop_file(&self, input: &str, name: &str, mime: &str, bytes: &[u8]) -> Result {
        let files = self.drop_files(input, &[(name, mime, bytes)]).await?;
        if files != 1 {
            return Err(format!("the drop carried {files} files").into());
        }
        Ok(())
    }

    async fn drop_files(&self, input: &str, files: &[(&str, &str, &[u8])]) -> Result<usize> {
        let css = format!("#{input}-drop");
        self.wait_for(&css).await?;
        let files: Vec<Value> = files
            .iter()
            .map(|(name, mime, bytes)| json!([base64(bytes), name, mime]))
            .collect();
        let carried = self
            .h
            .client
            .execute(
                "const dt = new DataTransfer();
                 for (const [b64, name, type] of arguments[0]) {
                     const bin = atob(b64);
                     const bytes = new Uint8Array(bin.length);
                     for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
                     dt.items.add(new File([bytes], name, { type }));
                 }
                 const zone = document.querySelector(arguments[1]);
                 for (const kind of ['dragenter', 'dragover', 'drop']) {
                     zone.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
                 }
                 return dt.files.length;",
                vec![json!(files), json!(css)],
            )
            .await?;
        carried
            .as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| format!("the drop answered {carried}").into())
    }

    async fn paste_file(&self, name: &str, mime: &str, bytes: &[u8]) -> Result {
        let script = format!(
            "{MAKE_FILE}
            const event = new ClipboardEvent('paste', {{ clipboardData: dt, bubbles: true, cancelable: true }});
            if (!event.clipboardData || event.clipboardData.files.length !== 1) return 'no clipboardData';
            (document.activeElement || document.body).dispatchEvent(event);
            return 'ok';"
        );
        let answer = self
            .h
            .client
            .execute(
                &script,
                vec![json!(base64(bytes)), json!(name), json!(mime)],
            )
            .await?;
        if answer != json!("ok") {
            return Err(format!("could not paste: {answer}").into());
        }
        Ok(())
    }

    async fn upload_state(&self, input: &str) -> Result<Option<String>> {
        match self
            .h
            .client
            .find(Locator::Css(&format!("#{input}-status")))
            .await
        {
            Ok(status) => Ok(status.attr("data-state").await?),
            Err(_) => Ok(None),
        }
    }

    async fn wait_upload(&self, input: &str, state: &str) -> Result<String> {
        let started = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            if let Some(current) = self.upload_state(input).await? {
                if seen.last() != Some(&current) {
                    seen.push(current.clone());
                }
                if current == state {
                    return self.text_of(&format!("#{input}-status")).await;
                }
                if SETTLED_UPLOAD_STATES.contains(&current.as_str()) {
                    let text = self
                        .text_of(&format!("#{input}-status"))
                        .await
                        .unwrap_or_default();
                    return Err(self
                        .explain(&format!(
                            "#{input}-status settled in `{current}` ({text:?}) instead of `{state}` (states seen: {seen:?})"
                        ))
                        .await
                        .into());
                }
            }
            if started.elapsed() > DEFAULT_WAIT {
                return Err(self
                    .explain(&format!(
                        "#{input}-status did not reach `{state}` within {DEFAULT_WAIT:?} (states seen: {seen:?})"
                    ))
                    .await
                    .into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn value_of(&self, css: &str) -> Result<String> {
        let element = self.wait_for(css).await?;
        Ok(element.prop("value").await?.unwrap_or_default())
    }

    async fn sizes_of(&self, input: &str) -> Result<Option<String>> {
        let value = self
            .h
            .client
            .execute(
                "const input = document.getElementById(arguments[0]);
                 const field = input && input.closest('.image-field');
                 const sizes = field && field.querySelector('.sizes');
                 return sizes ? sizes.textContent.trim() : null;",
                vec![json!(input)],
            )
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    async fn click(&self, css: &str) -> Result {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    async fn load_app(&self, webapp_id: &str) -> Result<String> {
        self.set_webapp_id(webapp_id).await?;
        // The button is enabled once the id is valid.
        let started = Instant::now();
        loop {
            let button = self.wait_for("#load-app").await?;
            if button.is_enabled().await? {
                button.click().await?;
                break;
            }
            if started.elapsed() > DEFAULT_WAIT {
                return Err(self.explain("#load-app stayed disabled").await.into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.wait_text("#app-loaded").await
    }

    async fn wait_text(&self, css: &str) -> Result<String> {
        let started = Instant::now();
        loop {
            if let Ok(text) = self.text_of(css).await {
                if !text.is_empty() {
                    return Ok(text);
                }
            }
            if started.elapsed() > DEFAULT_WAIT {
                return Err(self
                    .explain(&format!("`{css}` had no text within {DEFAULT_WAIT:?}"))
                    .await
                    .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_job_settled(&self) -> Result<(String, Vec<String>)> {
        let started = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            if let Some(current) = self.phase().await? {
                if seen.last() != Some(&current) {
                    seen.push(current.clone());
                }
                if !MOVING_PHASES.contains(&current.as_str()) {
                    return Ok((current, seen));
                }
            }
            if started.elapsed() > DEFAULT_WAIT {
                return Err(self
                    .explain(&format!(
                        "the job did not settle within {DEFAULT_WAIT:?} (phases seen: {seen:?})"
                    ))
                    .await
                    .into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn picture_dimensions() {
        assert_eq!(png_dimensions(&small_png(30, 20, 1)), Some((30, 20)));
        assert_eq!(png_dimensions(b"not a png at all, not at all"), None);
        // A minimal JPEG header: SOI, APP0 (length 16), SOF0 with 8-bit 1280×2560.
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
        jpeg.extend_from_slice(&[0; 14]);
        jpeg.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08, 0x0a, 0x00, 0x05, 0x00, 0x03]);
        jpeg.extend_from_slice(&[0; 9]);
        assert_eq!(jpeg_dimensions(&jpeg), Some((1280, 2560)));
        assert_eq!(jpeg_dimensions(b"\x89PNG"), None);
    }

    #[test]
    fn run_body_entries() {
        let body = json!({"nodeInfoList": [
            {"nodeId": "158", "fieldName": "image", "fieldValue": "b"},
            {"nodeId": 112, "fieldName": "image", "fieldValue": "a"}
        ]});
        assert_eq!(
            node_entries(&body),
            vec![
                ("112".to_owned(), "image".to_owned(), json!("a")),
                ("158".to_owned(), "image".to_owned(), json!("b"))
            ]
        );
        assert_eq!(node_value(&body, "158", "image"), Some(json!("b")));
        assert_eq!(node_value(&body, "1", "image"), None);
    }
}
