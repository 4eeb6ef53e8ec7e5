//! The local server of SU Render: it serves the app and, on the same origin, either a relay to the
//! real RunningHub (the default: browsers that block direct calls with CORS reach it through
//! this origin) or a RunningHub simulator (the whole flow with no key and no network, for trying
//! the app and for the tests). `/__su/file` fetches RunningHub's result files for the page in both
//! modes, because their hosts may send no CORS headers.
//!
//! Modules: [`relay`] (RunningHub's API paths forwarded), [`sim`] (the simulator), [`cors`] (who
//! may call from another origin), [`file_proxy`] (`/__su/file`), [`static_files`] (the app, from a
//! folder or compiled in by [`embedded`]), [`inbox`] (pictures from the SketchUp extension, and
//! the extension itself, made by [`rbz`]), [`guard`] (the Host check and the headers every
//! answer gets, in front of every route), [`conn`] (the accept loop and its limits), [`cli`] (the
//! command line and start-up). SECURITY.md says what all this promises.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{HeaderMap, Method, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub mod cli;
pub mod conn;
pub mod cors;
pub mod embedded;
pub mod file_proxy;
pub mod guard;
pub mod inbox;
pub mod png;
pub mod rbz;
pub mod relay;
pub mod sim;
pub mod static_files;

pub use conn::Limits;
pub use cors::Origin;
pub use guard::PublicHost;
pub use static_files::StaticSource;

/// The crate's version, as `--version` and `/__su/info` give it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the server does besides serving the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Answer RunningHub's paths itself.
    Simulator,
    /// Relay to RunningHub's two sites: `/cn/<api path>` to `cn`, `/ai/<api path>` to `ai`, and a
    /// root-level `<api path>` to `cn`. [`Mode::runninghub`] is the real pair (the binary's
    /// default); tests put two local upstreams here.
    Sites { cn: String, ai: String },
    /// Relay every API path (`/cn/…`, `/ai/…` and root-level) to one upstream: a base URL such
    /// as `http://127.0.0.1:9000` (a simulator in tests, another relay for teams).
    Relay { upstream: String },
}

impl Mode {
    /// The relay to the real RunningHub: `/cn` → www.runninghub.cn, `/ai` → www.runninghub.ai.
    pub fn runninghub() -> Mode {
        Mode::Sites {
            cn: relay::CN.to_owned(),
            ai: relay::AI.to_owned(),
        }
    }

    pub fn is_relay(&self) -> bool {
        !matches!(self, Mode::Simulator)
    }
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
    /// How long a hidden tab keeps a task's progress socket open, announced at `/__su/info` as
    /// `socketHiddenCloseMs` (tests make it short); `None` keeps the app's 60 s.
    pub socket_hidden_close_ms: Option<u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            queue_ms: 3_000,
            run_ms: 8_000,
            poll_first_ms: None,
            poll_steady_ms: None,
            require_key: None,
            socket_hidden_close_ms: None,
        }
    }
}

/// The short form most tests build: the app from a folder, a mode, the simulator's timing. It
/// converts into [`Settings`] with no cross-origin callers allowed and the simulator's CORS open.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The built app.
    pub dist: PathBuf,
    pub mode: Mode,
    pub sim: SimConfig,
}

/// Everything the server can be told (the command line fills all of it).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the app comes from: a folder, or the copy compiled into the binary.
    pub app: StaticSource,
    pub mode: Mode,
    pub sim: SimConfig,
    /// Pages on these origins may call the API paths, `/__su/info` and `/__su/file` (CORS,
    /// including Chromium's private-network preflight). Nobody else may, except that the
    /// simulator's own paths are open to every origin unless `sim_no_cors`.
    pub allow_origins: Vec<Origin>,
    /// `/__su/file` also fetches from these exact origins (http allowed): tests, private mirrors.
    pub allow_file_origins: Vec<Origin>,
    /// Simulator only: its paths send no CORS headers and refuse preflights (403), like a
    /// RunningHub that is closed to other origins; `allow_origins` still apply.
    pub sim_no_cors: bool,
    /// Names this server answers for besides loopback and the address it listens on
    /// (`--public-host`; see [`guard::Hosts`]).
    pub public_hosts: Vec<PublicHost>,
    /// The address it listens on, for the Host check: [`run`] and [`serve`] take it from the
    /// listener when it is `None`. A router served by a test itself checks no port.
    pub bound: Option<SocketAddr>,
    /// The cap on connections and the header timeout ([`conn::Limits`]).
    pub limits: Limits,
    /// Tests only (`--resolve-file-host NAME=IP`): names the file proxy takes to be at these
    /// addresses instead of asking DNS. The addresses are checked all the same.
    pub file_resolve: Vec<(String, IpAddr)>,
    /// The SketchUp inbox (`/__su/inbox`), when this server has one: the one-file app on this
    /// computer does (`cli::main` makes it and writes `inbox.json`); tests that start servers in
    /// process and team relays don't.
    pub inbox: Option<Arc<inbox::Inbox>>,
}

impl From<ServerConfig> for Settings {
    fn from(config: ServerConfig) -> Settings {
        Settings {
            app: StaticSource::Dir(config.dist),
            mode: config.mode,
            sim: config.sim,
            allow_origins: Vec::new(),
            allow_file_origins: Vec::new(),
            sim_no_cors: false,
            public_hosts: Vec::new(),
            bound: None,
            limits: Limits::default(),
            file_resolve: Vec::new(),
            inbox: None,
        }
    }
}

/// What `GET /__su/info` answers: how the page should talk to this server.
pub fn info(settings: &Settings) -> Value {
    let (mode, upstream) = match &settings.mode {
        Mode::Simulator => ("simulator", Value::Null),
        Mode::Sites { .. } => ("relay", Value::Null),
        Mode::Relay { upstream } => ("relay", Value::String(relay::upstream_for(upstream))),
    };
    let (sites, poll_first, poll_steady, hidden_close) = if settings.mode.is_relay() {
        (json!({"cn": "/cn", "ai": "/ai"}), None, None, None)
    } else {
        (
            Value::Null,
            settings.sim.poll_first_ms,
            settings.sim.poll_steady_ms,
            settings.sim.socket_hidden_close_ms,
        )
    };
    json!({
        "server": "su-render",
        "version": VERSION,
        "mode": mode,
        "upstream": upstream,
        "sites": sites,
        "fileProxy": file_proxy::PATH,
        "pollFirstMs": poll_first,
        "pollSteadyMs": poll_steady,
        "socketHiddenCloseMs": hidden_close,
        // The simulator takes one key only: the page must ask for it (no demo key).
        "keyRequired": !settings.mode.is_relay() && settings.sim.require_key.is_some(),
        // The page takes pictures from SketchUp here (see `inbox`).
        "inbox": settings.inbox.is_some(),
    })
}

/// The whole server as a router, behind the Host check and the headers of [`guard`].
pub fn router(settings: impl Into<Settings>) -> Router {
    let settings: Settings = settings.into();
    let listed = cors::Cors::only(&settings.allow_origins);
    let info = info(&settings);
    let own = Router::new()
        .route(
            "/__su/info",
            get(move || async move { Json(info.clone()).into_response() }),
        )
        .merge(file_proxy::routes(file_proxy::FileProxy::configured(
            &settings.allow_file_origins,
            file_proxy::MAX_BYTES,
            file_proxy::DEADLINE,
            &settings.file_resolve,
        )));
    let own = cors::apply(own, listed.clone());
    let api = match &settings.mode {
        Mode::Simulator => {
            let cors = if settings.sim_no_cors {
                listed.clone()
            } else {
                // Open: the simulator may also be used from a page served elsewhere.
                cors::Cors::Open
            };
            let sim = sim::Sim::new(settings.sim.clone());
            // The log holds what pages sent (keys hidden, prompts and all): this origin and
            // the listed ones only.
            cors::apply(sim::routes(sim.clone()), cors)
                .merge(cors::apply(sim::log_routes(sim), listed))
        }
        Mode::Sites { cn, ai } => cors::apply(
            relay::routes(
                relay::Upstreams {
                    cn: cn.clone(),
                    ai: ai.clone(),
                },
                &settings.allow_origins,
            ),
            listed,
        ),
        Mode::Relay { upstream } => cors::apply(
            relay::routes(relay::Upstreams::one(upstream), &settings.allow_origins),
            listed,
        ),
    };
    // Outside the CORS layers: no other origin may use the inbox, listed or not.
    let inbox = inbox::routes(settings.inbox.clone());
    let hosts = guard::Hosts::new(settings.bound, &settings.public_hosts);
    let app = Arc::new(settings.app);
    let all = Router::new().merge(own).merge(api).merge(inbox).fallback(
        move |method: Method, uri: Uri, headers: HeaderMap| {
            let app = app.clone();
            async move { static_files::serve(&app, &method, &uri, &headers).await }
        },
    );
    guard::layer(all, hosts)
}

/// Serves until the process ends (tests abort the task).
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: impl Into<Settings>,
) -> std::io::Result<()> {
    serve(listener, settings, std::future::pending()).await
}

/// Serves until `shutdown` completes, then lets running requests finish for a few seconds.
pub async fn serve(
    listener: tokio::net::TcpListener,
    settings: impl Into<Settings>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut settings: Settings = settings.into();
    if settings.bound.is_none() {
        settings.bound = Some(listener.local_addr()?);
    }
    let limits = settings.limits;
    conn::serve(listener, router(settings), limits, shutdown).await
}

/// True for Trunk's content-hashed file names, like `su-render-531e66e065b5f39e_bg.wasm`. Trunk
/// writes its 64-bit hash in hex without leading zeros, so one build in sixteen has a 15-digit
/// hash (one in 256 a 14-digit one, and so on): 12 digits and more are taken as a hash.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn hashed_assets() {
        assert!(is_hashed_asset("/su-render-531e66e065b5f39e_bg.wasm"));
        assert!(is_hashed_asset("/sub/main-614d50d01272eba9.css"));
        // Leading zeros of the hash are not written.
        assert!(is_hashed_asset("/su-render-2b5d67071599e10_bg.wasm"));
        assert!(!is_hashed_asset("/su-render-2b5d67071599e10abc_bg.wasm"));
        assert!(!is_hashed_asset("/file-cafe.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/my-file.css"));
    }
}
