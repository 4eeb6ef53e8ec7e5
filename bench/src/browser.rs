//! The pieces every measurement uses: the local server (simulator mode) on a free loopback port,
//! one chromedriver, and a fresh Chromium session (fresh profile, so a cold cache) per measurement,
//! with a probe script that timestamps what the page does.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use su_render_server::{Mode, ServerConfig, SimConfig};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T = (), E = Error> = std::result::Result<T, E>;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

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
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    pub async fn start(dist: &Path, sim: SimConfig) -> Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let config = ServerConfig {
            dist: dist.to_path_buf(),
            mode: Mode::Simulator,
            sim,
        };
        let task = tokio::spawn(su_render_server::run(listener, config));
        Ok(Server {
            base: format!("http://{addr}"),
            task,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One chromedriver for the whole bench; every session gets its own browser and profile.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    pub fn spawn() -> Result<Driver> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("could not start {CHROMEDRIVER} ({e}): run `cargo xtask setup --browser`")
            })?;
        let mut driver = Driver { child, port };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Some(status) = driver.child.try_wait()? {
                return Err(format!("chromedriver exited at start-up: {status}").into());
            }
            if started.elapsed() > Duration::from_secs(15) {
                return Err("chromedriver did not listen within 15 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(driver)
    }

    /// A new browser with a fresh profile and the probe script installed.
    pub async fn session(&self, precise_memory: bool) -> Result<Session> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let profile = std::env::temp_dir().join(format!(
            "su-render-bench-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile)?;
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,1000".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        if precise_memory {
            args.push("--enable-precise-memory-info".into());
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let Value::Object(caps) = caps else {
            unreachable!("a JSON object literal")
        };
        let client = match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
        {
            Ok(client) => client,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&profile);
                return Err(format!("chromedriver would not start a Chromium session: {e}").into());
            }
        };
        let id = client.session_id().await?.unwrap_or_default();
        let session = Session {
            client,
            profile,
            port: self.port,
            id,
        };
        session
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": PROBE }),
            )
            .await?;
        Ok(session)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// A browser session; dropping it ends the browser and removes its profile.
pub struct Session {
    client: Client,
    profile: PathBuf,
    port: u16,
    id: String,
}

impl Session {
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        let cmd = Cdp {
            cmd: cmd.to_string(),
            params,
        };
        Ok(self.client().issue_cmd(cmd).await?)
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
        let started = Instant::now();
        loop {
            let value = self.js(script).await?;
            if !value.is_null() && value != Value::Bool(false) {
                return Ok(value);
            }
            if started.elapsed() > limit {
                return Err(format!("{what}: not within {limit:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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
        // Ctrl-A, release, Backspace (W3C key codes).
        field.send_keys("\u{E009}a\u{E000}\u{E003}").await?;
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

impl Drop for Session {
    /// A blocking `DELETE /session/<id>`: works on every path out, errors included.
    fn drop(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        if let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.id, self.port
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                // The answer comes once the browser has quit.
                let _ = stream.read(&mut [0u8; 1024]);
            }
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
