//! The one start-up of our server for the tests and the bench: on a free loopback port, in the
//! mode a test asks for, stopped when dropped; and the simulator's test knobs on it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::raw_http::http;
use crate::{dist_dir, fast_sim, sim_paths, Mode, Result, ServerConfig, Settings, SimConfig};

/// A server on a free loopback port, stopped on drop.
pub struct Server {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base_url: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Our server in `mode`, serving `dist` (not checked: the bench serves folders of its own).
    pub async fn start_in(dist: PathBuf, mode: Mode, sim: SimConfig) -> Result<Server> {
        let (listener, addr) = bind().await?;
        let config = ServerConfig { dist, mode, sim };
        Ok(Server::spawned(
            addr,
            tokio::spawn(su_render_server::run(listener, config)),
        ))
    }

    /// Our server as `settings` say (CORS origins, a simulator closed to other origins, file
    /// proxy origins…), on a free loopback port.
    pub async fn start_settings(settings: Settings) -> Result<Server> {
        let (listener, addr) = bind().await?;
        Ok(Server::spawned(
            addr,
            tokio::spawn(su_render_server::run(listener, settings)),
        ))
    }

    /// Our server in simulator mode, serving the built app ([`dist_dir`]).
    pub async fn start(sim: SimConfig) -> Result<Server> {
        let dist = dist_dir();
        check_dist(&dist)?;
        Server::start_in(dist, Mode::Simulator, sim).await
    }

    /// Our server with the test timings of [`fast_sim`].
    pub async fn fast() -> Result<Server> {
        Server::start(fast_sim()).await
    }

    /// Wraps a server a test started itself (e.g. `axum::serve` of its own router).
    pub fn spawned(addr: SocketAddr, task: tokio::task::JoinHandle<std::io::Result<()>>) -> Server {
        Server {
            base_url: format!("http://{addr}"),
            task,
        }
    }

    /// `POST` a JSON body to the server; returns the status and the body text.
    pub async fn post(&self, path: &str, body: &Value) -> Result<(u16, String)> {
        http("POST", &format!("{}{path}", self.base_url), Some(body)).await
    }

    /// `GET` from the server; returns the status and the body text.
    pub async fn get(&self, path: &str) -> Result<(u16, String)> {
        http("GET", &format!("{}{path}", self.base_url), None).await
    }

    /// A simulator knob: fails unless it answers 2xx; the answer as JSON (or as text).
    async fn knob(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let (status, text) = http(method, &format!("{}{path}", self.base_url), body).await?;
        if !(200..300).contains(&status) {
            return Err(format!("{path} answered {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// `POST`s JSON to a simulator knob (e.g. `/__sim/expire`); fails unless it answers 2xx.
    pub async fn sim_post(&self, path: &str, body: &Value) -> Result<Value> {
        self.knob("POST", path, Some(body)).await
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
        match self.knob("GET", sim_paths::LOG, None).await? {
            Value::Array(entries) => Ok(entries),
            Value::Object(mut map) => ["entries", "log", "requests", "data"]
                .iter()
                .find_map(|k| match map.remove(*k) {
                    Some(Value::Array(entries)) => Some(entries),
                    _ => None,
                })
                .ok_or_else(|| {
                    format!("{} is not a list: {}", sim_paths::LOG, Value::Object(map)).into()
                }),
            other => Err(format!("{} is not a list: {other}", sim_paths::LOG).into()),
        }
    }

    pub async fn sim_stats(&self) -> Result<Value> {
        self.knob("GET", sim_paths::STATS, None).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A listener on a free loopback port.
pub async fn bind() -> Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Fails with a useful message when the app has not been built.
pub fn check_dist(dist: &Path) -> Result {
    if dist.join("index.html").is_file() {
        Ok(())
    } else {
        Err(format!(
            "{} has no index.html: build the app first (`cargo xtask build`) or set SU_RENDER_DIST",
            dist.display()
        )
        .into())
    }
}
