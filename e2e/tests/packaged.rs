//! The packaged one-file app, as a designer gets it: the binary alone in an empty folder,
//! started as a relay (here to an in-process simulator), serving the page it carries and
//! relaying the page's calls.
//!
//! Ignored in a plain `cargo test`: they need the package. `cargo xtask test` builds both
//! binaries and runs these with `--ignored`, `SU_RENDER_PACKAGED_BIN` set for the Linux tests
//! and `SU_RENDER_WINDOWS_EXE` for `windows_exe_under_wine` (which `cargo xtask test-windows`
//! also runs on its own). Run by hand without those variables, each test fails and says so.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rh_api::path::{OUTPUTS, QUERY, RUN, SOCKET, UPLOAD_V2};
use serde_json::{json, Value};
use su_render_e2e::chromium::Chromium;
use su_render_e2e::packaged::{
    fetch, free_port, local_args, required_file, version_in_name, Packaged, BIN_ENV, EXE_ENV,
    WINE_ENV,
};
use su_render_e2e::page::{Page, TempDir};
use su_render_e2e::sites::{key_from_the_other_site, two_sites};
use su_render_e2e::{
    dist_dir, entry_body, entry_path, fast_sim, log_entries_for, Result, Server, SimConfig,
    DEFAULT_WAIT, TERMINAL_PHASES,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";
/// How long it may take to stop after Ctrl-C or SIGTERM.
const STOP: Duration = Duration::from_secs(5);

fn linux_binary() -> Result<PathBuf> {
    required_file(BIN_ENV, "cargo xtask test")
}

/// The binary as a relay to `upstream`, on a free loopback port, with no browser opened.
fn start_relay(binary: &Path, upstream: &str) -> Result<Packaged> {
    Packaged::start_local(binary, &["--relay", upstream])
}

/// What `<binary> --version` prints, e.g. `su-render-server 0.1.0`.
fn version_output(binary: &Path) -> Result<String> {
    let out = std::process::Command::new(binary)
        .arg("--version")
        .output()?;
    if !out.status.success() {
        return Err(format!("{} --version failed: {}", binary.display(), out.status).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The built app's `index.html` and its `.br` sibling, as the package was built from.
fn dist_index() -> Result<(Vec<u8>, Option<Vec<u8>>)> {
    let dist = dist_dir();
    let html = std::fs::read(dist.join("index.html")).map_err(|e| {
        format!(
            "{}: {e} (the package embeds dist/: build it first)",
            dist.display()
        )
    })?;
    Ok((html, std::fs::read(dist.join("index.html.br")).ok()))
}

/// The wasm file of the build, as the page asks for it (`/<name>_bg.wasm`).
fn dist_wasm() -> Result<String> {
    std::fs::read_dir(dist_dir())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|name| name.ends_with("_bg.wasm"))
        .ok_or_else(|| "dist/ has no _bg.wasm".into())
}

/// Fails unless the simulator saw a request for `path` (through the relay).
async fn sim_saw(sim: &Server, path: &str) -> Result<Vec<Value>> {
    let log = sim.sim_log().await?;
    let entries: Vec<Value> = log_entries_for(&log, path).into_iter().cloned().collect();
    if entries.is_empty() {
        let seen: Vec<_> = log.iter().map(entry_path).collect();
        return Err(format!("the simulator never received {path}; it saw {seen:?}").into());
    }
    Ok(entries)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn packaged_binary_serves_its_page_and_relays_from_an_empty_folder() -> Result {
    let binary = linux_binary()?;
    let sim = Server::fast().await?;
    let app = start_relay(&binary, &sim.base_url)?;
    let base = app.url()?.to_string();
    println!(
        "started from {} in {:?}: {base}",
        app.dir.path.display(),
        app.started.elapsed()
    );

    // It says what it is: a relay, of the version it was packaged as.
    let info = fetch("GET", &format!("{base}/__su/info"), &[], None).await?;
    assert_eq!(info.status, 200, "/__su/info: {}", info.text());
    let info: Value = serde_json::from_slice(&info.body)?;
    assert_eq!(info["server"], "su-render", "{info}");
    assert_eq!(info["mode"], "relay", "{info}");
    let version = info["version"].as_str().unwrap_or_default().to_string();
    assert!(!version.is_empty(), "/__su/info has no version: {info}");
    if let Some(named) = version_in_name(&binary) {
        assert_eq!(version, named, "the file name and /__su/info disagree");
    }
    let printed = version_output(&binary)?;
    assert!(
        printed.contains(&version),
        "--version says {printed:?}, /__su/info says {version}"
    );

    // The page it carries is the one in dist/, brotli-compressed for browsers that take it.
    let (html, html_br) = dist_index()?;
    let plain = fetch("GET", &format!("{base}/"), &[], None).await?;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    assert!(
        plain.body == html,
        "GET / is not dist/index.html ({} bytes, dist has {}): was the package built from \
         another dist/?",
        plain.body.len(),
        html.len()
    );
    let br = fetch(
        "GET",
        &format!("{base}/"),
        &[("accept-encoding", "gzip, deflate, br")],
        None,
    )
    .await?;
    assert_eq!(br.status, 200);
    assert_eq!(
        br.header("content-encoding"),
        Some("br"),
        "GET / with Accept-Encoding: br should get the .br sibling"
    );
    if let Some(expected) = html_br {
        assert!(
            br.body == expected,
            "the .br page is not dist/index.html.br"
        );
    }
    let wasm = dist_wasm()?;
    let wasm_answer = fetch(
        "GET",
        &format!("{base}/{wasm}"),
        &[("accept-encoding", "br")],
        None,
    )
    .await?;
    assert_eq!(wasm_answer.status, 200, "GET /{wasm}");
    assert_eq!(
        wasm_answer.header("content-type"),
        Some("application/wasm"),
        "browsers only stream-compile wasm served as application/wasm"
    );

    // RunningHub's API under /cn/ reaches the upstream (here the simulator) with the key.
    let answer = fetch(
        "POST",
        &format!("{base}/cn{OUTPUTS}"),
        &[],
        Some(&json!({ "apiKey": KEY, "taskId": "1234567890123456789" })),
    )
    .await?;
    assert_eq!(answer.status, 200, "relayed outputs: {}", answer.text());
    let envelope: Value = serde_json::from_slice(&answer.body)
        .map_err(|e| format!("the relayed answer is not JSON ({e}): {}", answer.text()))?;
    assert!(
        envelope["code"].is_i64(),
        "a RunningHub envelope: {envelope}"
    );
    let entries = sim_saw(&sim, OUTPUTS).await?;
    assert_eq!(
        entry_body(&entries[0])["taskId"],
        "1234567890123456789",
        "the body arrives as sent"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn packaged_binary_runs_the_foundation_flow_in_chromium() -> Result {
    let binary = linux_binary()?;
    let sim = Server::fast().await?;
    // A machine free at once: the run answer names the progress socket, which the page then
    // opens through the app too.
    sim.sim_control(json!({"queueMs": 0, "runMs": 3000}))
        .await?;
    let app = start_relay(&binary, &sim.base_url)?;
    let base = app.url()?.to_string();

    let browser = Page::start("packaged-foundation", &Chromium::default()).await?;
    browser.load(&format!("{base}/")).await?;
    let site = browser.prop("#site", "value").await?;
    assert_eq!(
        site, "cn",
        "loaded from the one-file app, the page defaults to RunningHub China"
    );
    browser.fill("#api-key", KEY).await?;
    let files = TempDir::new("packaged-foundation")?;
    let screenshot = files.png("screenshot.png", 640, 400, 7)?;
    browser.pick_screenshot(&screenshot).await?;
    browser.click_render().await?;
    let seen = browser.wait_status("succeeded").await?;
    let width = browser.wait_image_loaded("img.output-image").await?;
    assert!(width > 0, "the rendering should show");
    println!("phases: {seen:?}");

    // Every call went to the app's own origin under /cn/, and the app relayed it.
    for path in [UPLOAD_V2, RUN, QUERY] {
        sim_saw(&sim, path).await?;
    }
    let urls = browser.request_urls().await?;
    for path in [UPLOAD_V2, RUN, QUERY] {
        let through_app = format!("{base}/cn{path}");
        assert!(
            urls.iter().any(|u| u.starts_with(&through_app)),
            "the page should call {through_app}; it asked for {urls:?}"
        );
    }
    let direct: Vec<_> = urls
        .iter()
        .filter(|u| u.starts_with(&sim.base_url) && u.contains("/openapi/"))
        .collect();
    assert!(
        direct.is_empty(),
        "the page called the upstream's API itself: {direct:?}"
    );
    // The progress socket too: opened on the app, which opened it upstream (with the
    // upstream's own origin, not the page's).
    // (Its query, with the signed token, goes in the socket's first frame, not in the URL.)
    let through_app = format!("{}/cn{SOCKET}", base.replacen("http://", "ws://", 1));
    let sockets: Vec<_> = urls.iter().filter(|u| u.starts_with("ws")).collect();
    assert!(
        !sockets.is_empty() && sockets.iter().all(|u| **u == through_app),
        "the page should open its socket at {through_app}: {sockets:?}"
    );
    for entry in sim_saw(&sim, SOCKET).await? {
        assert_eq!(entry["origin"], json!(sim.base_url), "{entry}");
    }
    browser.screenshot("packaged-foundation").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn packaged_binary_finds_the_site_of_a_key_and_switches_to_it() -> Result {
    let binary = linux_binary()?;
    // Two simulated sites, each knowing its own key; the app relays /cn to one, /ai to the other.
    let (cn, ai) = two_sites().await?;
    let app = Packaged::start_local(
        &binary,
        &["--relay-cn", &cn.base_url, "--relay-ai", &ai.base_url],
    )?;
    let base = app.url()?.to_string();
    assert!(
        app.output()
            .contains(&format!("/cn to {}, /ai to {}", cn.base_url, ai.base_url)),
        "it says where each site goes: {}",
        app.output()
    );
    let browser = Page::start("packaged-key-site", &Chromium::default()).await?;
    let files = TempDir::new("packaged-key-site")?;
    let screenshot = files.png("screenshot.png", 640, 400, 5)?;
    key_from_the_other_site(
        &browser,
        &base,
        (&cn, &ai),
        &screenshot,
        "packaged-key-site",
    )
    .await?;
    // Every call went to the app's own origin, under the site's path.
    let urls = browser.request_urls().await?;
    assert!(
        urls.iter()
            .any(|u| u.starts_with(&format!("{base}/cn/uc/openapi/accountStatus"))),
        "{urls:?}"
    );
    assert!(
        urls.iter()
            .any(|u| u.starts_with(&format!("{base}/ai{RUN}"))),
        "{urls:?}"
    );
    let direct: Vec<_> = urls
        .iter()
        .filter(|u| {
            (u.starts_with(&cn.base_url) || u.starts_with(&ai.base_url)) && u.contains("/openapi/")
        })
        .collect();
    assert!(
        direct.is_empty(),
        "the page called a site itself: {direct:?}"
    );
    Ok(())
}

/// Opens a kept-alive connection with one answered request on it, as a browser tab leaves.
fn idle_connection(base: &str) -> Result<std::net::TcpStream> {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET /__su/info HTTP/1.1\r\nHost: {addr}\r\nConnection: keep-alive\r\n\r\n"
    )?;
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf)?;
    if !buf[..n].starts_with(b"HTTP/1.1 200") {
        return Err(format!("keep-alive request: {}", String::from_utf8_lossy(&buf[..n])).into());
    }
    Ok(stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn packaged_binary_stops_on_ctrl_c_and_sigterm() -> Result {
    let binary = linux_binary()?;
    let sim = Server::fast().await?;
    for signal in ["INT", "TERM"] {
        let mut app = start_relay(&binary, &sim.base_url)?;
        // A browser tab keeps its connection open; that must not keep the app running.
        let _tab = idle_connection(app.url()?)?;
        let sent = Instant::now();
        app.signal(signal)?;
        let status = app.wait_exit(STOP)?;
        let took = sent.elapsed();
        println!("SIG{signal}: {status:?} after {took:?}");
        assert!(
            status.is_some(),
            "still running {STOP:?} after SIG{signal}; it said:\n{}",
            app.output()
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn a_second_start_on_a_taken_port_says_so() -> Result {
    let binary = linux_binary()?;
    let sim = Server::fast().await?;
    let first = start_relay(&binary, &sim.base_url)?;
    let port = first.port()?.to_string();
    let mut second = Packaged::spawn(&binary, &local_args(&["--relay", &sim.base_url], &port))?;
    let status = second.wait_exit(Duration::from_secs(10))?;
    let said = second.output();
    println!("second start: {status:?}\n{said}");
    let status = status.ok_or_else(|| {
        format!("a second start on port {port} is still running; it said:\n{said}")
    })?;
    assert!(
        !status.success(),
        "a second start on a taken port must fail"
    );
    let lower = said.to_lowercase();
    assert!(
        said.contains(&port) && (lower.contains("in use") || lower.contains("already")),
        "the message should name port {port} and say it is taken:\n{said}"
    );
    // The first one is unaffected.
    let info = fetch("GET", &format!("{}/__su/info", first.url()?), &[], None).await?;
    assert_eq!(info.status, 200);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Windows package and wine: run through `cargo xtask test` or `test-windows`"]
async fn windows_exe_under_wine() -> Result {
    let exe = required_file(EXE_ENV, "cargo xtask test-windows")?;
    let wine = std::env::var_os(WINE_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/wine/wine64"));
    if !wine.is_file() {
        return Err(format!(
            "no wine at {} (Debian: apt-get install wine64)",
            wine.display()
        )
        .into());
    }
    let sim = Server::fast().await?;
    let port = free_port()?.to_string();
    let mut app = Packaged::spawn_with(
        Some(&wine),
        &exe,
        &local_args(&["--relay", &sim.base_url], &port),
        // No Mono or Gecko installer prompts for a console program; wine's "fixme" noise off,
        // as its own `wine` script does.
        &[
            ("WINEDLLOVERRIDES", "mscoree,mshtml="),
            ("WINEDEBUG", "fixme-all"),
        ],
    )?;
    // Wine's first start in a new prefix sets the prefix up, which takes a while.
    let base = app
        .wait_for_address(Duration::from_secs(240))
        .map_err(|e| {
            if app.output().contains("bcryptprimitives.dll") {
                format!(
                    "{e}\nWine 8 has no bcryptprimitives.dll (Rust's std needs its ProcessPrng): \
                 `cargo xtask test-windows` puts a stand-in into its wine prefix"
                )
                .into()
            } else {
                e
            }
        })?;
    let up = app.started.elapsed();
    println!("the .exe under wine printed {base} after {up:?}");
    assert_eq!(base, format!("http://127.0.0.1:{port}"));

    let (html, _) = dist_index()?;
    let page = fetch("GET", &format!("{base}/"), &[], None).await?;
    assert_eq!(page.status, 200);
    assert!(page.body == html, "GET / is not dist/index.html");
    let info = fetch("GET", &format!("{base}/__su/info"), &[], None).await?;
    let info: Value = serde_json::from_slice(&info.body)?;
    assert_eq!(info["mode"], "relay", "{info}");

    let answer = fetch(
        "POST",
        &format!("{base}/cn{OUTPUTS}"),
        &[],
        Some(&json!({ "apiKey": KEY, "taskId": "42" })),
    )
    .await?;
    assert_eq!(answer.status, 200, "relayed outputs: {}", answer.text());
    sim_saw(&sim, OUTPUTS).await?;

    let sent = Instant::now();
    app.signal("INT")?;
    let status = app.wait_exit(STOP)?;
    println!(
        "SIGINT to wine: {status:?} after {:?}; total {:?}; wine said:\n{}",
        sent.elapsed(),
        app.started.elapsed(),
        app.output()
    );
    Ok(())
}

/// Every URL the browser has sent so far, kept across calls (the performance log is handed out
/// once).
#[derive(Default)]
struct SentUrls(std::collections::BTreeSet<String>);

impl SentUrls {
    /// Adds what the browser sent since the last call: every request (`Network.requestWillBeSent`,
    /// navigations included), every WebSocket (`Network.webSocketCreated`) and the page's
    /// Resource Timing entries (see [`Page::request_urls`]).
    async fn take(&mut self, browser: &Page) -> Result {
        self.0.extend(browser.request_urls().await?);
        Ok(())
    }

    fn with(&self, needle: &str) -> Vec<&String> {
        self.0.iter().filter(|u| u.contains(needle)).collect()
    }
}

/// `%xx` escapes and `+` decoded, as a server reading the URL would (bytes that are not UTF-8 stay
/// escaped).
fn percent_decoded(url: &str) -> String {
    let bytes = url.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// True when `url` carries `key` as it is, upper-cased, or percent-encoded (once or twice).
fn carries(url: &str, key: &str) -> bool {
    let once = percent_decoded(url);
    let twice = percent_decoded(&once);
    [url.to_string(), once, twice]
        .iter()
        .any(|u| u.to_ascii_lowercase().contains(&key.to_ascii_lowercase()))
}

#[test]
fn keys_are_found_however_a_url_escapes_them() {
    let key = "0123456789abcdef0123456789abcdef";
    let escaped: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
    assert!(carries(&format!("http://x/?apiKey={escaped}"), key));
    assert!(carries(
        &format!("http://x/?k={}", escaped.replace('%', "%25")),
        key
    ));
    assert!(carries(&format!("http://x/{}", key.to_uppercase()), key));
    assert!(!carries("http://x/cn/task/openapi/outputs", key));
    assert!(!carries("http://x/%", key));
    assert_eq!(percent_decoded("a%2Bb+c%zz%4"), "a+b c%zz%4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn no_url_the_browser_sends_in_a_whole_session_carries_the_key() -> Result {
    let binary = linux_binary()?;
    // The simulator takes this key and no other, as RunningHub does: every call that works
    // below carried it, in a body or a header.
    let sim = Server::start(SimConfig {
        require_key: Some(KEY.to_string()),
        ..fast_sim()
    })
    .await?;
    // A machine free at once: the run answer names the progress socket.
    sim.sim_control(json!({"queueMs": 0, "runMs": 2500}))
        .await?;
    let app = start_relay(&binary, &sim.base_url)?;
    let base = app.url()?.to_string();
    let browser = Page::start("packaged-no-key-in-urls", &Chromium::default()).await?;
    let mut sent = SentUrls::default();

    // Open the app, enter the key, check it and the balance.
    browser.load(&format!("{base}/")).await?;
    assert_eq!(browser.prop("#site", "value").await?, "cn");
    browser.fill("#api-key", KEY).await?;
    browser.click("#check-key").await?;
    browser.wait_for("#account").await?;
    sent.take(&browser).await?;

    // Load app inputs (the SketchUp app's own, through the app's relay).
    browser.click("#load-app").await?;
    let loaded = browser
        .wait_until(
            "the app's inputs to load",
            "const p = document.getElementById('app-loaded'); return p ? p.textContent : null;",
            vec![],
        )
        .await?;
    println!("loaded: {loaded}");
    assert!(!browser.exists("#app-error").await?);

    // Upload, render, poll (and the progress socket), then share the result.
    let files = TempDir::new("packaged-no-key-in-urls")?;
    let screenshot = files.png("screenshot.png", 640, 400, 11)?;
    browser.pick_screenshot(&screenshot).await?;
    browser.click_render().await?;
    browser.wait_status("succeeded").await?;
    browser.wait_image_loaded("img.output-image").await?;
    let result_link = browser.share("#share-result").await?;
    let form_link = browser.share("#share-link").await?;
    sent.take(&browser).await?;

    // A second render, cancelled while it runs.
    sim.sim_control(json!({"queueMs": 0, "runMs": 60_000}))
        .await?;
    browser.click_render().await?;
    browser
        .wait_phase_in("running", DEFAULT_WAIT, &TERMINAL_PHASES)
        .await?;
    browser.click("#cancel").await?;
    browser.wait_status("cancelled").await?;
    sent.take(&browser).await?;

    // The history: both renders, and the first one's picture kept on this device.
    browser
        .wait_for(".history-item[data-phase=succeeded] button.keep")
        .await?;
    browser
        .click(".history-item[data-phase=succeeded] button.keep")
        .await?;
    browser
        .wait_for(".history-item[data-phase=succeeded] .kept")
        .await?;
    browser
        .wait_for(".history-item[data-phase=cancelled]")
        .await?;
    sent.take(&browser).await?;

    // A reload (the journal is read again), then both share links opened as a colleague would.
    browser.load(&format!("{base}/")).await?;
    browser.wait_for(".history-item").await?;
    sent.take(&browser).await?;
    for link in [&result_link, &form_link] {
        assert!(!carries(link, KEY), "a share link carries the key: {link}");
        browser.open(link).await?;
        sent.take(&browser).await?;
    }
    browser.wait_for("#render").await?;
    sent.take(&browser).await?;

    // Every step really sent what it should, through the app: the list below is the session.
    let api = |path: &str| format!("{base}/cn{path}");
    for (what, expected) in [
        ("the balance", api("/uc/openapi/accountStatus")),
        ("the app's inputs", api("/api/webapp/apiCallDemo")),
        ("the upload", api(UPLOAD_V2)),
        ("the render", api(RUN)),
        ("the poll", api(QUERY)),
        ("the cancel", api("/task/openapi/cancel")),
    ] {
        assert!(
            sent.0.contains(&expected),
            "{what}: {expected} was never sent (exactly, with no query); sent: {:#?}",
            sent.0
        );
    }
    let sockets = sent.with("/ws/");
    let through_app = format!("{}/cn{SOCKET}", base.replacen("http://", "ws://", 1));
    assert!(
        !sockets.is_empty() && sockets.iter().all(|u| **u == through_app),
        "the progress socket is opened on the app, with no query: {sockets:?}"
    );
    sim_saw(&sim, SOCKET).await?;
    sim_saw(&sim, "/api/webapp/apiCallDemo").await?;
    assert!(
        sent.0.iter().any(|u| u.starts_with(&format!("{base}/#"))),
        "the share links were opened: {:#?}",
        sent.0
    );

    // And none of it carried the key, plain or escaped, nor the socket's signed token.
    println!("{} URLs sent: {:#?}", sent.0.len(), sent.0);
    let with_key: Vec<&String> = sent.0.iter().filter(|u| carries(u, KEY)).collect();
    assert!(
        with_key.is_empty(),
        "the key is in these URLs: {with_key:#?}"
    );
    let with_token: Vec<&String> = sent
        .0
        .iter()
        .filter(|u| carries(u, "Rh-Comfy-Auth"))
        .collect();
    assert!(
        with_token.is_empty(),
        "the socket's signed token is in these URLs: {with_token:#?}"
    );
    browser.screenshot("packaged-no-key-in-urls").await?;
    Ok(())
}
