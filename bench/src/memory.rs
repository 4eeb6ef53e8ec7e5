//! Memory over many renders in one page: JS heap (after a forced GC), wasm linear memory, DOM
//! size. Read after 1 render (for reference), after a warm-up of [`WARM_UP`] renders and after
//! [`RENDERS`]: the honest leak signal is the growth from the warm-up to the end. Wasm memory is
//! the allocator's high-water mark and never shrinks, and the first renders also fill caches
//! (fonts, strings, the history's first page), so 1 → 50 mixes start-up with leaks.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use su_render_server::SimConfig;

use crate::browser::{Driver, Result, Server, Session};

/// Renders before the "warmed up" reading.
pub const WARM_UP: usize = 10;
/// Renders in all.
pub const RENDERS: usize = 50;

/// One reading.
#[derive(Clone, Copy)]
pub struct Reading {
    pub js_heap: f64,
    /// `None` when the page did not expose its wasm memory.
    pub wasm: Option<f64>,
    pub elements: f64,
    /// Renders the history list shows.
    pub history_items: f64,
}

pub struct Memory {
    pub after_one: Reading,
    pub after_warm_up: Reading,
    pub after_all: Reading,
}

async fn read(session: &Session) -> Result<Reading> {
    session.cdp("HeapProfiler.enable", json!({})).await?;
    session
        .cdp("HeapProfiler.collectGarbage", json!({}))
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let v = session
        .js("const w = window.__bench && window.__bench.wasm;
             return [performance.memory ? performance.memory.usedJSHeapSize : null,
                     w && w.memory ? w.memory.buffer.byteLength : null,
                     document.getElementsByTagName('*').length,
                     document.querySelectorAll('#history li.history-item').length];")
        .await?;
    let num = |v: &Value| v.as_f64();
    Ok(Reading {
        js_heap: num(&v[0]).ok_or("performance.memory is not available")?,
        wasm: num(&v[1]),
        elements: num(&v[2]).unwrap_or(f64::NAN),
        history_items: num(&v[3]).unwrap_or(f64::NAN),
    })
}

/// One render: clicks Render and waits until a new result image has loaded, in one script.
/// [`Session::render_once`] polls from here every 50 ms instead, and chromedriver keeps a little
/// of every script's result in the page (as the probe keeps what it notes about images): over a
/// long run that would be measured as the app's heap.
async fn render(session: &Session) -> Result {
    let script = "const done = arguments[arguments.length - 1];
        const b = window.__bench;
        b.forget();
        document.getElementById('render').click();
        const started = performance.now();
        const wait = () => {
            if (b.loads.length > 0) done(true);
            else if (performance.now() - started > 25000) done(false);
            else setTimeout(wait, 20);
        };
        wait();";
    let loaded = session.client().execute_async(script, vec![]).await?;
    if loaded != Value::Bool(true) {
        return Err("a new result image: not within 25 s".into());
    }
    Ok(())
}

/// [`RENDERS`] renders in one page against a simulator with very short tasks.
pub async fn measure(driver: &Driver, dist: &Path) -> Result<Memory> {
    let sim = SimConfig {
        queue_ms: 20,
        run_ms: 40,
        poll_first_ms: Some(30),
        poll_steady_ms: Some(30),
        require_key: None,
        socket_hidden_close_ms: None,
    };
    let server = Server::start(dist, sim).await?;
    let session = driver.session(true).await?;
    session.open_app(&server.base).await?;
    session.fill_render_form().await?;
    let mut after_one = None;
    let mut after_warm_up = None;
    for done in 1..=RENDERS {
        render(&session).await?;
        if done == 1 {
            after_one = Some(read(&session).await?);
        }
        if done == WARM_UP {
            after_warm_up = Some(read(&session).await?);
        }
    }
    let after_all = read(&session).await?;
    Ok(Memory {
        after_one: after_one.ok_or("no reading after one render")?,
        after_warm_up: after_warm_up.ok_or("no reading after the warm-up")?,
        after_all,
    })
}
