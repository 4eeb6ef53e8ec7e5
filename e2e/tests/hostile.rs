//! The packaged one-file app against hostile pages, in Chromium: a DNS-rebinding page (a name of
//! the attacker's that resolves to 127.0.0.1, `--host-resolver-rules`), and a page on another
//! site that frames the app to click-jack it. SECURITY.md names what these hold.
//!
//! Ignored in a plain `cargo test`: they need the package. `cargo xtask test` runs them with
//! `e2e/tests/packaged.rs`, `SU_RENDER_PACKAGED_BIN` set; run by hand without it, each test fails
//! and says so.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use su_render_e2e::chromium::Chromium;
use su_render_e2e::packaged::{required_file, Packaged, BIN_ENV};
use su_render_e2e::page::Page;
use su_render_e2e::{dist_dir, raw_http::http, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An attacker's names; Chromium takes them to be at 127.0.0.1.
const REBIND: &str = "rebind.example";
const ATTACKER: &str = "attacker.example";

fn linux_binary() -> Result<PathBuf> {
    required_file(BIN_ENV, "cargo xtask test")
}

/// The packaged app with its simulator (so a run is something the log can show), on a free
/// loopback port.
fn start_app(binary: &Path) -> Result<(Packaged, u16)> {
    let app = Packaged::start_local(binary, &["--simulator"])?;
    let port = app.port()?;
    Ok((app, port))
}

fn chromium_mapping(names: &[&str]) -> Chromium {
    let rules = names
        .iter()
        .map(|n| format!("MAP {n} 127.0.0.1"))
        .collect::<Vec<_>>()
        .join(", ");
    Chromium {
        args: vec![format!("--host-resolver-rules={rules}")],
        ..Chromium::default()
    }
}

/// Requests the simulator logged (fetched on the app's own address).
async fn sim_log(app: &Packaged) -> Result<Vec<Value>> {
    let (status, text) = http("GET", &format!("{}/__sim/log", app.url()?), None).await?;
    if status != 200 {
        return Err(format!("/__sim/log answered {status}: {text}").into());
    }
    Ok(serde_json::from_str::<Value>(&text)?
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// The attacker's page: on load, its script asks its own origin for the server's info, a run,
/// the simulator's log and the progress socket, and leaves what came back in `window.results`.
const REBINDING_PAGE: &str = "<!DOCTYPE html><title>Cute cats</title><pre id=out>…</pre><script>
const status = (p) => p.then(r => r.status, e => 'failed');
const socket = new Promise(done => {
  const ws = new WebSocket('ws://' + location.host + '/ws/c_instance?clientId=x&Rh-Comfy-Auth=y');
  ws.onopen = () => done('open');
  ws.onerror = () => done('refused');
});
Promise.all([
  status(fetch('/__su/info')),
  status(fetch('/task/openapi/ai-app/run', {method: 'POST', headers: {'content-type': 'application/json'},
    body: JSON.stringify({apiKey: '0123456789abcdef0123456789abcdef', webappId: '1983061233110790146'})})),
  status(fetch('/__sim/log')),
  socket,
]).then(r => { window.results = r; document.getElementById('out').textContent = JSON.stringify(r); });
</script>";

/// What DNS rebinding does, at one `host:port` the browser sees: a connection whose first
/// request is for the page (`GET / `) goes to the attacker's server, every other connection to
/// `victim` (as if the name now resolved to it). The attacker's server closes each connection
/// after its answer, so the page's own requests come on new connections, as after a rebinding.
async fn rebinding_forwarder(victim: String) -> Result<(u16, tokio::task::JoinHandle<()>)> {
    let attacker = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let attacker_addr = attacker.local_addr()?.to_string();
    let page = axum::Router::new().route(
        "/",
        axum::routing::get(|| async {
            (
                [(axum::http::header::CONNECTION, "close")],
                axum::response::Html(REBINDING_PAGE),
            )
        }),
    );
    let forwarder = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = forwarder.local_addr()?.port();
    let handle = tokio::spawn(async move {
        let serving = tokio::spawn(async move {
            let _ = axum::serve(attacker, page).await;
        });
        while let Ok((mut from, _)) = forwarder.accept().await {
            let (attacker_addr, victim) = (attacker_addr.clone(), victim.clone());
            tokio::spawn(async move {
                let mut first = vec![0u8; 4096];
                let Ok(n) = from.read(&mut first).await else {
                    return;
                };
                let to = if first[..n].starts_with(b"GET / ") {
                    attacker_addr
                } else {
                    victim
                };
                let Ok(mut to) = tokio::net::TcpStream::connect(&to).await else {
                    return;
                };
                if to.write_all(&first[..n]).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut from, &mut to).await;
                }
            });
        }
        serving.abort();
    });
    Ok((port, handle))
}

/// Opens the attacker's page at `http://rebind.example:<port>/` and returns what its script got.
async fn rebound_results(b: &Page, port: u16) -> Result<Value> {
    b.client.goto(&format!("http://{REBIND}:{port}/")).await?;
    for _ in 0..100 {
        let results = b.js("return window.results || null;", vec![]).await?;
        if !results.is_null() {
            return Ok(results);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the attacker's page did not finish its requests within 10 s".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn a_dns_rebinding_page_gets_nothing_from_the_app() -> Result {
    let binary = linux_binary()?;
    let (app, port) = start_app(&binary)?;
    let b = Page::start("hostile-rebind", &chromium_mapping(&[REBIND])).await?;

    // The control: the same page and forwarder in front of a server that answers anything
    // (no Host check) shows that the page's requests do arrive and are read.
    let open = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let open_addr = open.local_addr()?.to_string();
    let anything = axum::Router::new().fallback(|| async { "{}" });
    let open_server = tokio::spawn(async move {
        let _ = axum::serve(open, anything).await;
    });
    let (control_port, control) = rebinding_forwarder(open_addr).await?;
    let got = rebound_results(&b, control_port).await?;
    assert_eq!(
        (&got[0], &got[1], &got[2]),
        (&Value::from(200), &Value::from(200), &Value::from(200)),
        "the control server should have answered the page: {got}"
    );

    // The packaged app behind the same rebinding: nothing.
    let (rebind_port, forwarder) = rebinding_forwarder(format!("127.0.0.1:{port}")).await?;
    let got = rebound_results(&b, rebind_port).await?;
    let shot = b.screenshot("hostile-rebind").await?;
    assert_eq!(
        got,
        serde_json::json!([421, 421, 421, "refused"]),
        "what the rebound page reached (see {})",
        shot.display()
    );
    let runs = sim_log(&app)
        .await?
        .into_iter()
        .filter(|e| e["path"] == "/task/openapi/ai-app/run")
        .count();
    assert_eq!(runs, 0, "no run reached the simulator");

    // The app itself opened at that name (after the rebinding): no app, only the 421 text.
    b.client.goto(&format!("http://{REBIND}:{port}/")).await?;
    let seen = b
        .js(
            "return {app: !!document.querySelector('#render'), \
             text: document.body ? document.body.innerText : ''};",
            vec![],
        )
        .await?;
    assert_eq!(seen["app"], false, "{seen}");
    assert!(
        seen["text"].as_str().unwrap_or("").starts_with("421"),
        "{seen}"
    );
    b.screenshot("hostile-rebind-421").await?;
    // And at its own address, the app (the browser and the binary work).
    b.load(&format!("http://127.0.0.1:{port}/")).await?;

    forwarder.abort();
    control.abort();
    open_server.abort();
    Ok(())
}

/// A site of the attacker's on a free port, serving `/`: a page with two frames, `#control` (a
/// copy of the app that sends no headers, served by this site at another origin,
/// `http://127.0.0.1:<its port>/copy/`) and `#victim` (the packaged app at
/// `http://127.0.0.1:<app port>/`). Both are cross-origin to the page the same way, so the
/// control shows that an app in such a frame does load, and would be seen.
async fn attacker_site(app_port: u16) -> Result<(u16, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let page = format!(
        "<!DOCTYPE html><title>Win a prize</title>\
         <p>Click the button to claim your prize!</p>\
         <iframe id=control src='http://127.0.0.1:{port}/copy/' width=600 height=400></iframe>\
         <iframe id=victim src='http://127.0.0.1:{app_port}/' width=600 height=400 \
          style='opacity:0.5'></iframe>"
    );
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(move || {
                let page = page.clone();
                async move { axum::response::Html(page) }
            }),
        )
        .nest_service("/copy", tower_http::services::ServeDir::new(dist_dir()));
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((port, handle))
}

/// What frame `index` of the current page shows: its address, and whether the app is in it.
async fn frame_contents(b: &Page, index: u16) -> Result<Value> {
    b.client.enter_frame(index).await?;
    let seen = b
        .js(
            "return {url: location.href, app: !!document.querySelector('#render')};",
            vec![],
        )
        .await;
    b.client.enter_parent_frame().await?;
    Ok(seen
        .unwrap_or_else(|e| serde_json::json!({"url": null, "app": false, "error": e.to_string()})))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn a_page_on_another_site_cannot_frame_the_app() -> Result {
    let binary = linux_binary()?;
    let dist = dist_dir();
    if !dist.join("index.html").is_file() {
        return Err(format!("{}: no index.html (build the app first)", dist.display()).into());
    }
    let (_app, app_port) = start_app(&binary)?;
    let (site_port, site) = attacker_site(app_port).await?;
    let b = Page::start("hostile-frame", &chromium_mapping(&[ATTACKER])).await?;
    b.client
        .goto(&format!("http://{ATTACKER}:{site_port}/"))
        .await?;

    // The control: the same app, framed from a server that sends no headers, mounts.
    let mut control = Value::Null;
    for _ in 0..100 {
        control = frame_contents(&b, 0).await?;
        if control["app"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        control["app"], true,
        "the control frame should show the app: {control}"
    );
    // The packaged app, given as long again: never shown in the frame.
    for _ in 0..30 {
        let victim = frame_contents(&b, 1).await?;
        assert_eq!(
            victim["app"], false,
            "the packaged app loaded inside another site's frame: {victim}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let victim = frame_contents(&b, 1).await?;
    assert_ne!(
        victim["url"],
        format!("http://127.0.0.1:{app_port}/").as_str(),
        "the frame holds an error page, not the app: {victim}"
    );
    let shot = b.screenshot("hostile-frame").await?;
    println!("the framing page: {}", shot.display());
    site.abort();
    Ok(())
}
