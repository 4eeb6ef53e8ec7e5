//! End-to-end harness for SU Render: the real server (simulator mode) on a free port, Debian's
//! Chromium driven through chromedriver, and the app's steps on it so tests read like a user's.
//!
//! Each test starts its own [`Harness`]: a fresh server with its own in-memory simulator, a fresh
//! chromedriver and a fresh browser profile. Everything is stopped when the harness is dropped,
//! including when a test panics.
//!
//! The app must have been built first (`cargo xtask build`, or `cargo xtask test` which does it);
//! `SU_RENDER_DIST` points at its `dist/` (default: `<workspace>/dist`).
//!
//! Each helper exists once, and the bench (`su-render-bench`) uses the same ones: [`poll`] is the
//! wait loop, [`raw_http`] the plain HTTP client, [`server::Server`] the server's start-up,
//! [`chromium`] chromedriver's and Chromium's, [`driver::Browser`] the browser driver with its
//! scripts (waits, DOM reads, clicks, layout audits, screenshots), [`page::Page`] the app's steps
//! on it. [`upstream`] is also compiled into the server's own tests.

use std::future::Future;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::Value;
pub use su_render_server::{Mode, Origin, ServerConfig, Settings, SimConfig, StaticSource};

pub mod chromium;
pub mod client;
pub mod driver;
pub mod journal;
pub mod packaged;
pub mod page;
pub mod raw_http;
pub mod server;
pub mod sites;
pub mod upstream;

pub use chromium::{CHROMEDRIVER, CHROMIUM};
pub use page::AppPage;
use page::Page;
pub use server::Server;

/// Errors of the harness: anything, with a message that says what the page looked like.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T = (), E = Error> = std::result::Result<T, E>;

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
pub const TERMINAL_PHASES: [&str; 7] = [
    "succeeded",
    "no-output",
    "failed",
    "not-found",
    "timed-out",
    "cancelled",
    "not-sent",
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
        require_key: None,
        socket_hidden_close_ms: None,
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

/// A running server + chromedriver + browser session. It dereferences to its [`Server`], so
/// the simulator's knobs (`h.sim_control(…)`, `h.sim_log()`…) and `h.base_url` are at hand.
pub struct Harness {
    pub name: String,
    /// The browser's WebDriver client, for what the page object has no step for.
    pub client: Client,
    pub browser: Page,
    pub server: Server,
}

impl Harness {
    /// A harness whose server is the simulator.
    pub async fn start(opts: Options) -> Result<Harness> {
        Harness::start_with_mode(opts, Mode::Simulator).await
    }

    /// A harness named `name` whose simulator answers as `control` says (see
    /// [`Server::sim_control`]) from the first request of the test on.
    pub async fn start_with(name: &str, control: Value) -> Result<Harness> {
        let h = Harness::start(Options::new(name)).await?;
        h.sim_control(control).await?;
        Ok(h)
    }

    /// A harness whose server runs in `mode` (e.g. a relay).
    pub async fn start_with_mode(opts: Options, mode: Mode) -> Result<Harness> {
        let dist = opts.dist.unwrap_or_else(dist_dir);
        server::check_dist(&dist)?;
        let server = Server::start_in(dist, mode, opts.sim).await?;
        let browser = Page::start(&opts.name, &chromium::Chromium::default()).await?;
        Ok(Harness {
            name: opts.name,
            client: browser.client.clone(),
            browser,
            server,
        })
    }

    /// A harness whose server runs as `settings` say (see [`Server::start_settings`]).
    pub async fn start_with_settings(name: &str, settings: Settings) -> Result<Harness> {
        if let StaticSource::Dir(dist) = &settings.app {
            server::check_dist(dist)?;
        }
        let server = Server::start_settings(settings).await?;
        let browser = Page::start(name, &chromium::Chromium::default()).await?;
        Ok(Harness {
            name: name.to_owned(),
            client: browser.client.clone(),
            browser,
            server,
        })
    }

    /// The app's page object.
    pub fn page(&self) -> AppPage<'_> {
        AppPage { h: self }
    }

    /// Opens the app at the server's root, as a user does first; returns its page object.
    pub async fn open_page(&self) -> Result<AppPage<'_>> {
        let page = self.page();
        page.open().await?;
        Ok(page)
    }

    /// Saves a PNG of the whole page to `e2e/artifacts/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        self.browser.screenshot(name).await
    }

    /// Every URL the page asked for (see [`driver::Browser::request_urls`]).
    pub async fn resource_urls(&self) -> Result<Vec<String>> {
        self.browser.request_urls().await
    }

    /// Chromedriver's log of one type (`browser` = console, `performance` = network events).
    pub async fn driver_log(&self, kind: &str) -> Result<Vec<Value>> {
        self.browser.driver_log(kind).await
    }

    /// The browser console since the last call, one line per message (for error reports).
    pub async fn console(&self) -> String {
        self.browser.console().await
    }

    /// A Chrome DevTools Protocol command, e.g. `Browser.grantPermissions`; returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.browser.cdp(cmd, params).await
    }
}

impl Deref for Harness {
    type Target = Server;

    fn deref(&self) -> &Server {
        &self.server
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
        .map(|nodes| nodes.iter().map(|n| id_text(&n["nodeId"])).collect())
        .unwrap_or_default()
}

/// An id as text, whether JSON holds it as a string or as a number.
pub fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The strings of a JSON array (what a page script returned); anything else gives none.
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The stored entries of a ZIP the page saved (local headers in order): name and bytes.
pub fn zip_entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while zip.len() >= at + 30 && zip[at..at + 4] == [0x50, 0x4b, 0x03, 0x04] {
        let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
        let size =
            u32::from_le_bytes([zip[at + 18], zip[at + 19], zip[at + 20], zip[at + 21]]) as usize;
        let (name_len, extra) = (u16_at(at + 26), u16_at(at + 28));
        let name = String::from_utf8_lossy(&zip[at + 30..at + 30 + name_len]).into_owned();
        let start = at + 30 + name_len + extra;
        out.push((name, zip[start..start + size].to_vec()));
        at = start + size;
    }
    out
}

/// Waits until a file ending in `.ext` appears in `dir` (where the browser saves downloads);
/// returns its path.
pub async fn wait_download(dir: &Path, ext: &str) -> Result<PathBuf> {
    let found = poll(DEFAULT_WAIT, Duration::from_millis(100), || async {
        Ok(std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == ext)))
    })
    .await?;
    found.ok_or_else(|| format!("no .{ext} file was downloaded into {}", dir.display()).into())
}

/// The one wait loop: runs `probe` every `every` until it yields a value, or until `limit` has
/// passed (`Ok(None)`: the caller says what it waited for). A probe's error ends the wait.
pub async fn poll<T, F, Fut>(limit: Duration, every: Duration, mut probe: F) -> Result<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await? {
            return Ok(Some(value));
        }
        if started.elapsed() > limit {
            return Ok(None);
        }
        tokio::time::sleep(every).await;
    }
}
