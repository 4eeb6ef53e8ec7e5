//! The local server of SU Render: it serves the built app (`dist/`) and, on the same origin,
//! either a RunningHub simulator (the default: the whole flow with no key and no network) or a
//! relay to the real RunningHub (for browsers that block direct calls with CORS).

use std::path::PathBuf;

use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;

pub mod png;
pub mod relay;
pub mod sim;

/// What the server does besides serving the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Answer RunningHub's paths itself.
    Simulator,
    /// Forward RunningHub's paths to `upstream` (a base URL such as https://www.runninghub.cn).
    Relay { upstream: String },
}

/// The simulator's timing and the poll intervals it suggests to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// How long a new task stays queued.
    pub queue_ms: u64,
    /// How long it then runs.
    pub run_ms: u64,
    /// Poll intervals announced at `/__su/info` (tests make them short); `None` keeps the app's.
    pub poll_first_ms: Option<u64>,
    pub poll_steady_ms: Option<u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            queue_ms: 3_000,
            run_ms: 8_000,
            poll_first_ms: None,
            poll_steady_ms: None,
        }
    }
}

/// Everything the server needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The built app.
    pub dist: PathBuf,
    pub mode: Mode,
    pub sim: SimConfig,
}

/// The whole server as a router.
pub fn router(config: ServerConfig) -> Router {
    let info = match &config.mode {
        Mode::Simulator => json!({
            "server": "su-render", "mode": "simulator",
            "pollFirstMs": config.sim.poll_first_ms, "pollSteadyMs": config.sim.poll_steady_ms,
        }),
        Mode::Relay { upstream } => json!({
            "server": "su-render", "mode": "relay", "upstream": upstream,
            "pollFirstMs": null, "pollSteadyMs": null,
        }),
    };
    let api = match &config.mode {
        // Permissive CORS: the simulator may also be used from a page served elsewhere.
        Mode::Simulator => {
            sim::routes(sim::Sim::new(config.sim.clone())).layer(CorsLayer::permissive())
        }
        Mode::Relay { upstream } => relay::routes(upstream),
    };
    Router::new()
        .route(
            "/__su/info",
            get(move || async move { Json(info.clone()).into_response() }),
        )
        .merge(api)
        .fallback_service(ServeDir::new(&config.dist).append_index_html_on_directories(true))
}

/// Serves until the process ends.
pub async fn run(listener: tokio::net::TcpListener, config: ServerConfig) -> std::io::Result<()> {
    axum::serve(listener, router(config)).await
}
