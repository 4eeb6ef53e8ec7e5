//! The one start-up of chromedriver and Chromium, for the tests and the bench: a chromedriver
//! on a free port, and browser sessions on it, each with a fresh profile (so a cold cache).
//! Dropping a [`Session`] ends its browser and removes its profile; dropping the
//! [`Chromedriver`] stops it.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::raw_http::post_value;
use crate::{Result, WINDOW};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver child on a free loopback port; killed on drop.
pub struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    /// Starts chromedriver, its output to `log` (or nowhere), and waits until it listens.
    pub fn spawn(log: Option<&Path>) -> Result<Chromedriver> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let (stdout, stderr) = match log {
            Some(path) => {
                let file = fs::File::create(path)?;
                (Stdio::from(file.try_clone()?), Stdio::from(file))
            }
            None => (Stdio::null(), Stdio::null()),
        };
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .map_err(|e| {
                format!("could not start {CHROMEDRIVER} ({e}): run `cargo xtask setup --browser`")
            })?;
        let mut driver = Chromedriver { child, port };
        driver.wait_until_listening(Duration::from_secs(15))?;
        Ok(driver)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    // A blocking wait: it runs once, before any session, and also outside a runtime.
    fn wait_until_listening(&mut self, limit: Duration) -> Result {
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

    /// A new headless Chromium with a fresh profile.
    pub async fn session(&self, chromium: &Chromium) -> Result<Session> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let profile = std::env::temp_dir().join(format!(
            "su-render-chromium-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            self.port
        ));
        fs::create_dir_all(&profile)?;
        let connected = ClientBuilder::new(HttpConnector::new())
            .capabilities(chromium.capabilities(&profile))
            .connect(&self.url())
            .await;
        let client = match connected {
            Ok(client) => client,
            Err(e) => {
                let _ = fs::remove_dir_all(&profile);
                return Err(format!("chromedriver would not start a Chromium session: {e}").into());
            }
        };
        // From here on the session's drop removes the profile, also when this fails.
        let mut session = Session {
            client,
            profile,
            port: self.port,
            id: None,
        };
        session.id = session.client.session_id().await?;
        Ok(session)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a session's Chromium is started, beyond what every session shares.
#[derive(Debug, Clone)]
pub struct Chromium {
    pub window: (u32, u32),
    /// The browser's language (`--lang` and `intl.accept_languages`), e.g. `zh-CN`; `None`: the
    /// system's.
    pub lang: Option<String>,
    /// More command-line switches (e.g. `--hide-scrollbars`).
    pub args: Vec<String>,
    /// Keep the console and network logs for [`Session::driver_log`] (the bench does not, so
    /// that logging costs nothing in what it measures).
    pub logs: bool,
}

impl Default for Chromium {
    fn default() -> Self {
        Chromium {
            window: WINDOW,
            lang: None,
            args: Vec::new(),
            logs: true,
        }
    }
}

impl Chromium {
    fn capabilities(&self, profile: &Path) -> fantoccini::wd::Capabilities {
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        .map(String::from)
        .into();
        args.extend(self.args.iter().cloned());
        if let Some(lang) = &self.lang {
            args.push(format!("--lang={lang}"));
        }
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push(format!("--window-size={},{}", self.window.0, self.window.1));
        let mut options = json!({ "binary": CHROMIUM, "args": args });
        if let Some(lang) = &self.lang {
            let primary = lang.split('-').next().unwrap_or("en");
            options["prefs"] =
                json!({ "intl": { "accept_languages": format!("{lang},{primary}") } });
        }
        let mut caps = json!({ "browserName": "chrome", "goog:chromeOptions": options });
        if self.logs {
            caps["goog:loggingPrefs"] = json!({ "browser": "ALL", "performance": "ALL" });
        }
        match caps {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        }
    }
}

/// One browser; dropping it ends the browser and removes its profile.
pub struct Session {
    pub client: Client,
    profile: PathBuf,
    port: u16,
    id: Option<String>,
}

impl Session {
    fn session_url(&self) -> Result<String> {
        let id = self.id.as_deref().ok_or("no browser session")?;
        Ok(format!("http://127.0.0.1:{}/session/{id}", self.port))
    }

    /// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute`, e.g.
    /// `Browser.grantPermissions`; returns the command's result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        let url = format!("{}/goog/cdp/execute", self.session_url()?);
        post_value(
            &url,
            &json!({ "cmd": cmd, "params": params }),
            &format!("CDP {cmd}"),
        )
        .await
    }

    /// Chromedriver's log of one type (`browser` = console, `performance` = network events),
    /// since the previous call.
    pub async fn driver_log(&self, kind: &str) -> Result<Vec<Value>> {
        let url = format!("{}/se/log", self.session_url()?);
        let what = format!("chromedriver log {kind}");
        match post_value(&url, &json!({ "type": kind }), &what).await? {
            Value::Array(entries) => Ok(entries),
            other => Err(format!("{what}: {other}").into()),
        }
    }

    /// Ends the browser with a blocking request: works on every path out, errors included, and
    /// even while a runtime shuts down.
    fn delete(&self, id: &str) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            // The answer comes once the browser has quit; chromedriver may keep the connection.
            let _ = stream.read(&mut [0u8; 1024]);
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.delete(&id);
        }
        let _ = fs::remove_dir_all(&self.profile);
    }
}
