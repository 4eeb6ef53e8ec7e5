//! The command line and the start-up around the server: which port, whether an instance is
//! already running there, opening the browser, stopping on Ctrl-C.

use std::ffi::OsString;
use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::net::TcpListener;

use crate::inbox::{self, Inbox, InboxFile};
use crate::{conn, relay, Limits, Mode, Origin, PublicHost, Settings, SimConfig, StaticSource};

/// The port a double-click uses, and the last one tried when it is taken.
pub const DEFAULT_PORT: u16 = 8080;
pub const LAST_PORT: u16 = 8099;

/// SU Render: the app in your browser, with RunningHub reached through this program.
///
/// Started with no options (a double-click) it relays to both RunningHub sites
/// (/cn → www.runninghub.cn, /ai → www.runninghub.ai), serves the app at
/// http://127.0.0.1:8080/ (or the next free port) and opens it in the browser.
/// Ctrl-C or closing the window stops it.
#[derive(Debug, Clone, Parser)]
#[command(name = "su-render-server", version, about, long_about)]
pub struct Cli {
    /// Run the RunningHub simulator instead of the relay (no key, no network; for trying the
    /// app and for tests).
    #[arg(long, conflicts_with = "relay")]
    pub simulator: bool,

    /// Relay every RunningHub API path to this one upstream instead: `cn`, `ai`, or a base URL
    /// such as another relay or a test simulator.
    #[arg(long, value_name = "URL", value_parser = parse_upstream)]
    pub relay: Option<String>,

    /// Relay /cn to this upstream instead of www.runninghub.cn (a base URL: a test simulator,
    /// another relay); /ai stays on its own site unless --relay-ai says otherwise.
    #[arg(long, value_name = "URL", value_parser = parse_upstream, conflicts_with_all = ["relay", "simulator"])]
    pub relay_cn: Option<String>,

    /// Relay /ai to this upstream instead of www.runninghub.ai (see --relay-cn).
    #[arg(long, value_name = "URL", value_parser = parse_upstream, conflicts_with_all = ["relay", "simulator"])]
    pub relay_ai: Option<String>,

    /// Address to listen on (0.0.0.0 for a team relay on the local network).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port; 0 picks any free port. Without it: 8080, or if that is taken by another program
    /// the next free one up to 8099 (and if SU Render already runs on 8080, that one is opened).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,

    /// Serve the app from this folder [default: the app built into this program, or ./dist].
    #[arg(long, value_name = "DIR")]
    pub dist: Option<PathBuf>,

    /// Don't open the browser (also when SU_RENDER_NO_OPEN is set, or on Linux with no display).
    #[arg(long)]
    pub no_open: bool,

    /// Let pages on this origin (exact scheme://host[:port]) call this server: CORS and
    /// private-network preflights are answered for it. Repeatable.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<Origin>,

    /// Let /__su/file also fetch result files from this exact origin (http allowed): tests,
    /// private mirrors. Repeatable.
    #[arg(long = "allow-file-origin", value_name = "ORIGIN")]
    pub allow_file_origins: Vec<Origin>,

    /// Also answer requests addressed to this name (the Host a reverse proxy passes on, or the
    /// name colleagues type, e.g. relay.example or studio-pc:8080). Without it only 127.0.0.1,
    /// localhost and the listening address are answered (any IP address with --host 0.0.0.0);
    /// other names get 421, which is what stops DNS-rebinding pages. Repeatable.
    #[arg(long = "public-host", value_name = "NAME[:PORT]")]
    pub public_hosts: Vec<PublicHost>,

    /// Connections served at once; one more gets a 503. 0: no cap (for measuring).
    #[arg(long, value_name = "N", default_value_t = conn::MAX_CONNECTIONS, hide = true)]
    pub max_connections: usize,

    /// How long a client may take to send a request's headers, in ms (and a kept-alive
    /// connection may stay idle).
    #[arg(long, value_name = "MS", default_value_t = conn::HEADER_TIMEOUT.as_millis() as u64, hide = true)]
    pub header_timeout_ms: u64,

    /// Tests: /__su/file takes NAME to be at IP instead of asking DNS (the address is still
    /// checked). Repeatable.
    #[arg(long = "resolve-file-host", value_name = "NAME=IP", value_parser = parse_resolve, hide = true)]
    pub resolve_file_hosts: Vec<(String, IpAddr)>,

    /// Simulator: how long a task stays queued, in ms.
    #[arg(long, value_name = "MS", default_value_t = 3000)]
    pub queue_ms: u64,

    /// Simulator: how long it then runs, in ms.
    #[arg(long, value_name = "MS", default_value_t = 8000)]
    pub run_ms: u64,

    /// Simulator: ask the app to poll every 200-300 ms (tests).
    #[arg(long)]
    pub fast_poll: bool,

    /// Simulator: send no CORS headers and refuse preflights, like a RunningHub that is closed
    /// to pages on other origins.
    #[arg(long)]
    pub no_cors: bool,

    /// Simulator: take this one API key only (802 for any other), as a real site does, so the
    /// page must ask for it.
    #[arg(long, value_name = "KEY")]
    pub require_key: Option<String>,
}

fn parse_upstream(text: &str) -> Result<String, String> {
    match text {
        "cn" | "ai" => Ok(relay::upstream_for(text)),
        _ => {
            let url = url::Url::parse(text).map_err(|e| {
                format!("{text:?} is not cn, ai or a base URL like https://relay.example ({e})")
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                return Err(format!(
                    "{text:?}: the upstream must be an http or https URL"
                ));
            }
            if url.query().is_some() || url.fragment().is_some() {
                return Err(format!("{text:?}: the upstream takes no query or fragment"));
            }
            Ok(relay::upstream_for(text))
        }
    }
}

fn parse_resolve(text: &str) -> Result<(String, IpAddr), String> {
    let (name, ip) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not NAME=IP"))?;
    let ip = ip
        .parse()
        .map_err(|e| format!("{text:?}: {ip:?} is not an IP address ({e})"))?;
    Ok((name.trim().to_ascii_lowercase(), ip))
}

impl Cli {
    pub fn mode(&self) -> Mode {
        match (&self.relay, self.simulator) {
            (Some(upstream), _) => Mode::Relay {
                upstream: upstream.clone(),
            },
            (None, true) => Mode::Simulator,
            (None, false) => Mode::Sites {
                cn: self
                    .relay_cn
                    .clone()
                    .unwrap_or_else(|| relay::CN.to_owned()),
                ai: self
                    .relay_ai
                    .clone()
                    .unwrap_or_else(|| relay::AI.to_owned()),
            },
        }
    }

    /// The server's settings; the app comes from `--dist`, else the compiled-in copy, else `dist`.
    pub fn settings(&self) -> Settings {
        let app = match &self.dist {
            Some(dir) => StaticSource::Dir(dir.clone()),
            None => crate::embedded::app().unwrap_or_else(|| StaticSource::Dir("dist".into())),
        };
        let (poll_first_ms, poll_steady_ms) = if self.fast_poll {
            (Some(200), Some(300))
        } else {
            (None, None)
        };
        Settings {
            app,
            mode: self.mode(),
            sim: SimConfig {
                queue_ms: self.queue_ms,
                run_ms: self.run_ms,
                poll_first_ms,
                poll_steady_ms,
                require_key: self.require_key.clone(),
                socket_hidden_close_ms: None,
            },
            allow_origins: built_in_origins(option_env!("SU_RENDER_ALLOW_ORIGIN"))
                .into_iter()
                .chain(self.allow_origins.iter().cloned())
                .collect(),
            allow_file_origins: self.allow_file_origins.clone(),
            sim_no_cors: self.no_cors,
            public_hosts: self.public_hosts.clone(),
            bound: None,
            limits: Limits {
                max_connections: (self.max_connections > 0).then_some(self.max_connections),
                header_timeout: Duration::from_millis(self.header_timeout_ms.max(1)),
            },
            file_resolve: self.resolve_file_hosts.clone(),
            inbox: None,
        }
    }
}

/// The origins a release build lets call it without `--allow-origin`: a team's Pages copy on a
/// host of its own (the release workflow sets `SU_RENDER_ALLOW_ORIGIN` at compile time from the
/// repository variable `SU_RENDER_PAGES_ORIGIN`, empty unless the team set it), so that page's
/// "Use the app on this computer" works with a double-clicked app. A comma-separated list; what
/// does not parse as an origin is left out, and so is what would let strangers in:
///
/// - any `https://<owner>.github.io`: that one origin is every Pages site of the owner (a user
///   site `<owner>.github.io` and each project at `<owner>.github.io/<repo>/`), so any other
///   project of theirs, or a page someone manages to publish there, could drive the app on
///   127.0.0.1 with its key. A team gives its copy a custom domain instead, or whoever runs the
///   app says `--allow-origin https://<owner>.github.io` knowingly;
/// - plain `http` other than loopback, which anyone on the path can impersonate.
pub fn built_in_origins(list: Option<&str>) -> Vec<Origin> {
    list.unwrap_or_default()
        .split(',')
        .filter_map(|o| Origin::parse(o.trim()).ok())
        .filter(|o| {
            !is_shared_pages_origin(o)
                && (o.as_str().starts_with("https://") || is_loopback_origin(o))
        })
        .collect()
}

/// True for `https://<owner>.github.io` (and `github.io` itself): a GitHub Pages origin shared
/// by all of an owner's sites.
pub fn is_shared_pages_origin(origin: &Origin) -> bool {
    let host = origin_host(origin);
    host == "github.io" || host.ends_with(".github.io")
}

fn is_loopback_origin(origin: &Origin) -> bool {
    let host = origin_host(origin);
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || literal.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn origin_host(origin: &Origin) -> String {
    url::Url::parse(origin.as_str())
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// What came of looking for a port.
#[derive(Debug)]
pub enum Bound {
    /// Listening here.
    Listening(TcpListener),
    /// SU Render already answers at this address (a second double-click).
    AlreadyRunning(SocketAddr),
}

/// Binds `host:port`; without a port, the first free one of `DEFAULT_PORT..=LAST_PORT`, unless
/// SU Render itself already runs on `DEFAULT_PORT`.
pub async fn bind(host: IpAddr, port: Option<u16>) -> std::io::Result<Bound> {
    match port {
        Some(port) => TcpListener::bind((host, port))
            .await
            .map(Bound::Listening)
            .map_err(|e| {
                // Say which port: "Address in use (os error 98)" alone leaves a user guessing.
                let why = if e.kind() == std::io::ErrorKind::AddrInUse {
                    "is already in use (SU Render or another program listens there); stop that \
                     or choose another --port"
                        .to_owned()
                } else {
                    format!("can't be listened on: {e}")
                };
                std::io::Error::new(e.kind(), format!("port {port} on {host} {why}"))
            }),
        None => bind_in(host, DEFAULT_PORT, LAST_PORT).await,
    }
}

/// [`bind`] over `first..=last`.
pub async fn bind_in(host: IpAddr, first: u16, last: u16) -> std::io::Result<Bound> {
    for port in first..=last {
        match TcpListener::bind((host, port)).await {
            Ok(listener) => return Ok(Bound::Listening(listener)),
            Err(e) if taken(&e) => {
                if port == first {
                    let addr = SocketAddr::new(reachable(host), port);
                    if is_su_render(addr).await {
                        return Ok(Bound::AlreadyRunning(addr));
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        format!("ports {first} to {last} on {host} are all in use; choose one with --port"),
    ))
}

fn taken(error: &std::io::Error) -> bool {
    // Windows answers a port reserved by the system with "access denied".
    matches!(
        error.kind(),
        std::io::ErrorKind::AddrInUse | std::io::ErrorKind::PermissionDenied
    )
}

/// An address to reach a server listening on `host` from this machine.
fn reachable(host: IpAddr) -> IpAddr {
    match host {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    }
}

/// True when `addr` answers `/__su/info` as SU Render.
pub async fn is_su_render(addr: SocketAddr) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(3))
        .build()
    else {
        return false;
    };
    let Ok(answer) = client.get(format!("http://{addr}/__su/info")).send().await else {
        return false;
    };
    let Ok(bytes) = answer.bytes().await else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .is_ok_and(|info| info["server"] == "su-render")
}

/// Whether to open the browser: not with `--no-open` or `SU_RENDER_NO_OPEN`, and not on a
/// Linux (or BSD) machine without a display.
pub fn should_open(no_open: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
    should_open_on(cfg!(all(unix, not(target_os = "macos"))), no_open, env)
}

/// [`should_open`] for a system that needs `DISPLAY`/`WAYLAND_DISPLAY` (`needs_display`) or not.
pub fn should_open_on(
    needs_display: bool,
    no_open: bool,
    env: impl Fn(&str) -> Option<OsString>,
) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    if no_open || env("SU_RENDER_NO_OPEN").is_some() {
        return false;
    }
    !needs_display || set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// The page's address for a browser on this machine.
pub fn browser_url(addr: SocketAddr) -> String {
    format!(
        "http://{}/",
        SocketAddr::new(reachable(addr.ip()), addr.port())
    )
}

/// Opens `url` in the default browser, in the background: it never blocks or stops the server;
/// a failure only prints a note.
pub fn open_browser(url: &str) {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut command = if cfg!(target_os = "windows") {
            let mut c = std::process::Command::new("cmd");
            // `start`'s first quoted argument is a window title.
            c.args(["/C", "start", "", &url]);
            c
        } else if cfg!(target_os = "macos") {
            let mut c = std::process::Command::new("open");
            c.arg(&url);
            c
        } else {
            let mut c = std::process::Command::new("xdg-open");
            c.arg(&url);
            c
        };
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let opened = command.status().is_ok_and(|s| s.success());
        if !opened {
            eprintln!("su-render-server: could not open a browser; open {url} yourself");
        }
    });
}

/// Completes on Ctrl-C, or SIGTERM on unix. The handlers are installed when this is called, not
/// when the future is first polled: a signal that comes before the server's loop first polls it (a test or a service manager stopping the app as soon
/// as it answers) must still stop it cleanly, with `inbox.json` removed, where the default action
/// would kill it outright.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        [SignalKind::interrupt(), SignalKind::terminate()].map(|kind| signal(kind).ok())
    };
    #[cfg(windows)]
    let ctrl_c = tokio::signal::windows::ctrl_c().ok();
    async move {
        #[cfg(unix)]
        {
            let [interrupt, terminate] = signals;
            let wait = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {}
                () = wait(terminate) => {}
            }
        }
        #[cfg(windows)]
        match ctrl_c {
            Some(mut ctrl_c) => {
                ctrl_c.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
        #[cfg(not(any(unix, windows)))]
        std::future::pending::<()>().await
    }
}

/// What the binary does once the command line is parsed.
pub async fn main(cli: Cli) -> std::io::Result<()> {
    let open = should_open(cli.no_open, |name| std::env::var_os(name));
    let listener = match bind(cli.host, cli.port).await? {
        Bound::AlreadyRunning(addr) => {
            say(&format!(
                "SU Render: http://{addr}/  (already running; this copy stops here)"
            ));
            if open {
                open_browser(&browser_url(addr));
                // Let the opener start before the process ends.
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            return Ok(());
        }
        Bound::Listening(listener) => listener,
    };
    let addr = listener.local_addr()?;
    let mut settings = cli.settings();
    for origin in settings
        .allow_origins
        .iter()
        .filter(|o| is_shared_pages_origin(o))
    {
        say(&format!(
            "note: --allow-origin {origin} lets every GitHub Pages site of that owner call this \
             server, not only SU Render's; a custom domain for the Pages copy is safer"
        ));
    }
    // Before the address line: whoever reads that line may look for the file at once, or stop
    // the app at once.
    let (inbox, inbox_file) = start_inbox(addr);
    let signalled = shutdown_signal();
    settings.inbox = inbox.clone();
    if !settings.app.has_index() {
        eprintln!(
            "su-render-server: warning: {} has no index.html; build the app first (cargo xtask build) or pass --dist",
            settings.app.describe()
        );
    }
    let what = match &settings.mode {
        Mode::Simulator => "RunningHub simulator".to_owned(),
        Mode::Sites { cn, ai } => format!("relay: /cn to {cn}, /ai to {ai}"),
        Mode::Relay { upstream } => format!("relay to {upstream}"),
    };
    say(&format!("SU Render: http://{addr}/  ({what})"));
    if let Some(file) = &inbox_file {
        say(&format!(
            "SketchUp extension: pictures come in through {}",
            file.path.display()
        ));
    }
    say("Ctrl-C or closing this window stops it.");
    if open {
        open_browser(&browser_url(addr));
    }
    let stopping = async move {
        signalled.await;
        // Open event streams would hold the stop up for its whole grace period.
        if let Some(inbox) = inbox {
            inbox.close();
        }
    };
    let served = crate::serve(listener, settings, stopping).await;
    if let Some(file) = inbox_file {
        file.remove();
    }
    served
}

/// The SketchUp inbox, and `inbox.json` for the extension, when the app listens on this
/// computer only (a team relay on the network has none: the extension talks to 127.0.0.1).
/// A problem is a warning: the app works without it.
fn start_inbox(addr: SocketAddr) -> (Option<Arc<Inbox>>, Option<InboxFile>) {
    if !addr.ip().is_loopback() {
        return (None, None);
    }
    let inbox = match Inbox::new() {
        Ok(inbox) => Arc::new(inbox),
        Err(e) => {
            eprintln!("su-render-server: warning: no SketchUp inbox (no random token: {e})");
            return (None, None);
        }
    };
    let Some(dir) = inbox::data_dir(|name| std::env::var_os(name)) else {
        eprintln!(
            "su-render-server: warning: the SketchUp extension can't find this app: no data \
             folder (set {} to one)",
            inbox::HOME_ENV
        );
        return (Some(inbox), None);
    };
    match InboxFile::write(&dir, addr.port(), inbox.token()) {
        Ok(file) => (Some(inbox), Some(file)),
        Err(e) => {
            eprintln!("su-render-server: warning: the SketchUp extension can't find this app: {e}");
            (Some(inbox), None)
        }
    }
}

/// A line on stdout, flushed at once (tests and scripts read the address from it).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_built_into_a_release() {
        let list = built_in_origins(Some(
            "https://render.studio.example, not an origin,http://127.0.0.1:9000",
        ));
        let texts: Vec<String> = list.iter().map(|o| o.to_string()).collect();
        assert_eq!(
            texts,
            ["https://render.studio.example", "http://127.0.0.1:9000"]
        );
        assert!(built_in_origins(None).is_empty());
        assert!(built_in_origins(Some("")).is_empty());
        // One origin for all of an owner's Pages sites: never built in.
        for shared in [
            "https://studio.github.io",
            "https://Studio.GitHub.io/",
            "https://github.io",
            "http://render.studio.example",
            "http://192.168.1.5:8080",
        ] {
            assert!(built_in_origins(Some(shared)).is_empty(), "{shared}");
        }
        assert_eq!(
            built_in_origins(Some("https://studio.github.io.example.com")).len(),
            1,
            "a domain of its own that merely starts like one"
        );
        assert_eq!(built_in_origins(Some("http://localhost:9000")).len(), 1);
        assert_eq!(built_in_origins(Some("http://[::1]:9000")).len(), 1);
    }

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn when_the_browser_opens() {
        assert!(should_open_on(false, false, env(&[])), "Windows, macOS");
        assert!(!should_open_on(false, true, env(&[])), "--no-open");
        assert!(!should_open_on(
            false,
            false,
            env(&[("SU_RENDER_NO_OPEN", "1")])
        ));
        assert!(!should_open_on(true, false, env(&[])), "Linux, no display");
        assert!(!should_open_on(true, false, env(&[("DISPLAY", "")])));
        assert!(should_open_on(true, false, env(&[("DISPLAY", ":0")])));
        assert!(should_open_on(
            true,
            false,
            env(&[("WAYLAND_DISPLAY", "wayland-0")])
        ));
        assert!(!should_open_on(
            true,
            false,
            env(&[("DISPLAY", ":0"), ("SU_RENDER_NO_OPEN", "")])
        ));
    }

    #[test]
    fn browser_urls_name_a_reachable_address() {
        let addr = |s: &str| s.parse::<SocketAddr>().expect("addr");
        assert_eq!(browser_url(addr("0.0.0.0:8080")), "http://127.0.0.1:8080/");
        assert_eq!(browser_url(addr("[::]:8081")), "http://[::1]:8081/");
        assert_eq!(
            browser_url(addr("192.168.1.5:8080")),
            "http://192.168.1.5:8080/"
        );
    }
}
