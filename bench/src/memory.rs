//! Memory after many renders: JS heap (after a forced GC), wasm linear memory, DOM size.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use su_render_server::SimConfig;

use crate::browser::{Driver, Result, Server, Session};

pub const RENDERS: usize = 50;

/// One reading.
#[derive(Clone, Copy)]
pub struct Reading {
    pub js_heap: f64,
    /// `None` when the page did not expose its wasm memory.
    pub wasm: Option<f64>,
    pub elements: f64,
}

pub struct Memory {
    pub after_one: Reading,
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
                     document.getElementsByTagName('*').length];")
        .await?;
    let num = |v: &Value| v.as_f64();
    Ok(Reading {
        js_heap: num(&v[0]).ok_or("performance.memory is not available")?,
        wasm: num(&v[1]),
        elements: num(&v[2]).unwrap_or(f64::NAN),
    })
}

/// [`RENDERS`] renders in one page against a simulator with very short tasks.
pub async fn measure(driver: &Driver, dist: &Path) -> Result<Memory> {
    let sim = SimConfig {
        queue_ms: 20,
        run_ms: 40,
        poll_first_ms: Some(30),
        poll_steady_ms: Some(30),
    };
    let server = Server::start(dist, sim).await?;
    let session = driver.session(true).await?;
    session.open_app(&server.base).await?;
    session.fill_render_form().await?;
    session.render_once(Duration::from_secs(30)).await?;
    let after_one = read(&session).await?;
    for _ in 1..RENDERS {
        session.render_once(Duration::from_secs(30)).await?;
    }
    let after_all = read(&session).await?;
    Ok(Memory {
        after_one,
        after_all,
    })
}
