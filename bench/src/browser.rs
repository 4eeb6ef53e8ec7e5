//! The pieces every measurement uses: the local server (simulator mode) on a free loopback port,
//! one chromedriver, and a fresh Chromium session (fresh profile, so a cold cache) per measurement,
//! with a probe script that timestamps what the page does.
//!
//! The server, chromedriver and Chromium are started by the e2e crate's helpers, so that the bench
//! measures the app in the same browser set-up the tests check it in.

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use su_render_e2e::chromium::{Chromedriver, Chromium};
use su_render_e2e::driver::CLEAR_FIELD;
use su_render_e2e::{poll, Mode, WINDOW};
use su_render_server::SimConfig;

pub use su_render_e2e::{Error, Result};

/// A key the simulator accepts.
pub const KEY: &str = "0123456789abcdef0123456789abcdef";

/// Runs in every document before the page's own scripts (CDP
/// `Page.addScriptToEvaluateOnNewDocument`) and notes, in `performance.now()` ms:
/// - `ready`: when `#render` first exists (the form can be used);
/// - `imgs` / `loads`: when each result image (`img.output-image`, by `src`) is inserted / loaded;
/// - `pickAt` / `sizesAt`: when a file is picked for node 112 / when its sizes line appears;
/// - `wasm`: the module's exports (for `memory`), from Trunk's `TrunkApplicationStarted` event;
/// - `forget()`: drops what it noted about images, so that a long run does not grow the heap it
///   measures.
const PROBE: &str = r#"(() => {
  const b = window.__bench = { ready: null, imgs: [], loads: [], pickAt: null, sizesAt: null, wasm: null };
  const seen = new Set();
  b.forget = () => { b.imgs = []; b.loads = []; seen.clear(); };
  const scan = () => {
    const now = performance.now();
    if (b.ready === null && document.getElementById('render')) b.ready = now;
    for (const img of document.querySelectorAll('img.output-image')) {
      if (img.src && !seen.has(img.src)) { seen.add(img.src); b.imgs.push({ t: now, src: img.src }); }
    }
    if (b.pickAt !== null && b.sizesAt === null && document.querySelector('#node-112-status ~ .sizes')) b.sizesAt = now;
  };
  new MutationObserver(scan).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['src'] });
  document.addEventListener('load', (e) => {
    const t = e.target;
    if (t.matches && t.matches('img.output-image')) b.loads.push({ t: performance.now(), src: t.src });
  }, true);
  document.addEventListener('change', (e) => {
    if (e.target.id === 'node-112-file') { b.pickAt = performance.now(); b.sizesAt = null; }
  }, true);
  addEventListener('TrunkApplicationStarted', (e) => { b.wasm = e.detail && e.detail.wasm; });
})();"#;

/// The local server with the simulator, on `127.0.0.1:<free port>`; stops when dropped.
pub struct Server {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base: String,
    _server: su_render_e2e::Server,
}

impl Server {
    pub async fn start(dist: &Path, sim: SimConfig) -> Result<Server> {
        let server =
            su_render_e2e::Server::start_in(dist.to_path_buf(), Mode::Simulator, sim).await?;
        Ok(Server {
            base: server.base_url.clone(),
            _server: server,
        })
    }
}

/// One chromedriver for the whole bench; every session gets its own browser and profile.
pub struct Driver(Chromedriver);

impl Driver {
    pub fn spawn() -> Result<Driver> {
        Ok(Driver(Chromedriver::spawn(None)?))
    }

    /// A new browser with a fresh profile and the probe script installed.
    pub async fn session(&self, precise_memory: bool) -> Result<Session> {
        let chromium = Chromium {
            window: WINDOW,
            lang: None,
            args: if precise_memory {
                vec!["--enable-precise-memory-info".to_string()]
            } else {
                Vec::new()
            },
            // No console or network logs: they would cost time and memory in what is measured.
            logs: false,
        };
        let session = Session(self.0.session(&chromium).await?);
        session
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": PROBE }),
            )
            .await?;
        Ok(session)
    }
}

/// A browser session; dropping it ends the browser and removes its profile.
pub struct Session(su_render_e2e::chromium::Session);

impl Session {
    pub fn client(&self) -> &Client {
        &self.0.client
    }

    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.0.cdp(cmd, params).await
    }

    /// DevTools throttling: 150 ms latency, 1.6 Mbit/s down, 0.75 Mbit/s up, CPU 4× slower.
    pub async fn throttle(&self) -> Result {
        self.cdp("Network.enable", json!({})).await?;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": 150,
                "downloadThroughput": 1_600_000 / 8,
                "uploadThroughput": 750_000 / 8,
            }),
        )
        .await?;
        self.cdp("Emulation.setCPUThrottlingRate", json!({ "rate": 4 }))
            .await?;
        Ok(())
    }

    pub async fn js(&self, script: &str) -> Result<Value> {
        Ok(self.client().execute(script, vec![]).await?)
    }

    /// Runs `script` (an expression body with `return`) until it returns something other than
    /// `null`/`false`, every 50 ms, for at most `limit`.
    pub async fn wait_js(&self, script: &str, limit: Duration, what: &str) -> Result<Value> {
        let found = poll(limit, Duration::from_millis(50), || async {
            let value = self.js(script).await?;
            Ok((!value.is_null() && value != Value::Bool(false)).then_some(value))
        })
        .await?;
        found.ok_or_else(|| format!("{what}: not within {limit:?}").into())
    }

    /// Opens the app and waits until the form is there.
    pub async fn open_app(&self, base: &str) -> Result {
        self.client().goto(&format!("{base}/")).await?;
        self.wait_js(
            "return !!document.getElementById('render');",
            Duration::from_secs(60),
            "#render",
        )
        .await?;
        Ok(())
    }

    /// Replaces a text field's content the way a user types it.
    pub async fn fill(&self, css: &str, text: &str) -> Result {
        let field = self.client().find(Locator::Css(css)).await?;
        field.click().await?;
        field.send_keys(CLEAR_FIELD).await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Key and screenshot file name: what a render needs.
    pub async fn fill_render_form(&self) -> Result {
        self.fill("#api-key", KEY).await?;
        self.fill("#node-112", "api/screenshot.png").await
    }

    /// Clicks Render and waits until a new result image has loaded; returns the probe's
    /// `{t, src}` of its insertion and of its load.
    pub async fn render_once(&self, limit: Duration) -> Result<(Value, Value)> {
        let before = self.js("return window.__bench.loads.length;").await?;
        let before = before.as_u64().unwrap_or(0);
        self.client()
            .find(Locator::Css("#render"))
            .await?
            .click()
            .await?;
        let script = format!(
            "const b = window.__bench; if (b.loads.length <= {before}) return null;
             const l = b.loads[b.loads.length - 1];
             return [b.imgs.find((i) => i.src === l.src) || l, l];"
        );
        let pair = self.wait_js(&script, limit, "a new result image").await?;
        Ok((pair[0].clone(), pair[1].clone()))
    }

    /// `GET` (or `POST` with a JSON body) from the page, on its origin: the simulator's knobs.
    pub async fn fetch(&self, path: &str, body: Option<Value>) -> Result<String> {
        let script = "const [path, body, done] = arguments;
            const init = body === null ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
            fetch(path, init).then((r) => r.text()).then(done, (e) => done('ERROR ' + e));";
        let answer = self
            .client()
            .execute_async(script, vec![json!(path), body.unwrap_or(Value::Null)])
            .await?;
        match answer.as_str() {
            Some(text) if text.starts_with("ERROR ") => Err(format!("fetch {path}: {text}").into()),
            Some(text) => Ok(text.to_string()),
            None => Err(format!("fetch {path}: {answer}").into()),
        }
    }
}
