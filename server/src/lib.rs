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
    /// The one key the simulator accepts; `None` accepts every well-formed key. With a key
    /// required, the page can't fall back on its demo key and asks the user, as on a real site.
    pub require_key: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            queue_ms: 3_000,
            run_ms: 8_000,
            poll_first_ms: None,
            poll_steady_ms: None,
            require_key: None,
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
            "keyRequired": config.sim.require_key.is_some(),
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
        .fallback_service(static_files(&config.dist))
}

/// The built app. Trunk names assets by content hash, so those are cached for a year; the page
/// itself is revalidated so a new build shows at once. `.br`/`.gz` siblings written by the build
/// are sent to browsers that accept them; `Vary: Accept-Encoding` (which `ServeDir` does not set)
/// keeps a cache from giving one browser's encoding to another.
fn static_files(dist: &std::path::Path) -> Router {
    let files = ServeDir::new(dist)
        .append_index_html_on_directories(true)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::map_response_with_state(
            (),
            |axum::extract::State(()): axum::extract::State<()>,
             uri: axum::http::Uri,
             mut response: axum::response::Response| async move {
                let value = if is_hashed_asset(uri.path()) {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                };
                let headers = response.headers_mut();
                headers.insert(
                    axum::http::header::CACHE_CONTROL,
                    axum::http::HeaderValue::from_static(value),
                );
                headers.insert(
                    axum::http::header::VARY,
                    axum::http::HeaderValue::from_static("accept-encoding"),
                );
                response
            },
        ))
}

/// True for Trunk's content-hashed file names, like `su-render-531e66e065b5f39e_bg.wasm`.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Serves until the process ends.
pub async fn run(listener: tokio::net::TcpListener, config: ServerConfig) -> std::io::Result<()> {
    axum::serve(listener, router(config)).await
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn hashed_assets() {
        assert!(is_hashed_asset("/su-render-531e66e065b5f39e_bg.wasm"));
        assert!(is_hashed_asset("/sub/main-614d50d01272eba9.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/my-file.css"));
    }
}
