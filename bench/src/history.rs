//! Start-up against the size of the history: the same page opened over a journal of 1 record
//! and of 5,000, each in a browser profile of its own (seeded once as the app stores records),
//! reloaded [`crate::Args::runs`] times, the two alternating. Measured from navigation start to
//! the first history picture loaded, and the JS heap (after a forced GC) once the page is up.
//! The start-up reads the journal's `live` index and the history's first page through a cursor,
//! so neither should grow with the journal.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use su_render_e2e::journal::{journal_row, record_json, seed_rows};
use su_render_server::SimConfig;

use crate::browser::{Driver, Result, Server, Session};

/// The journal sizes compared.
pub const SIZES: [usize; 2] = [1, 5_000];

/// Notes when the first picture of the history list has loaded (`performance.now()`, from
/// navigation start), in `window.__historyPicture`.
const PROBE: &str = r#"document.addEventListener('load', (e) => {
  const t = e.target;
  if (window.__historyPicture === undefined && t.matches && t.matches('#history img')) {
    window.__historyPicture = performance.now();
  }
}, true);"#;

/// What one journal size measured.
pub struct Size {
    pub records: usize,
    /// Navigation start → first history picture loaded, one per reload.
    pub first_picture: Vec<f64>,
    pub js_heap: f64,
    pub wasm: Option<f64>,
}

/// A browser whose journal holds `records` finished renders, all with the same picture.
async fn seeded(driver: &Driver, base: &str, records: usize) -> Result<Session> {
    let session = driver.session(true).await?;
    session
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": PROBE }),
        )
        .await?;
    // The app creates its database (stores and indexes) on the first visit.
    session.open_app(base).await?;
    session
        .wait_js(
            "return !!document.getElementById('history-empty');",
            Duration::from_secs(30),
            "the empty history",
        )
        .await?;
    let picture = format!("{base}/sim-files/cover.png/history.png");
    let rows: Vec<Value> = (0..records)
        .map(|i| {
            let created = 1.7e12 + i as f64 * 60_000.0;
            journal_row(&record_json(
                &format!("{created}-{i:06}"),
                created,
                base,
                "succeeded",
                Some(&(1_983_070_826_507_472_898u64 + i as u64).to_string()),
                Some(&picture),
            ))
        })
        .collect();
    seed_rows(session.client(), rows).await?;
    Ok(session)
}

/// One reload: ms from navigation start to the first history picture.
async fn first_picture(session: &Session, base: &str) -> Result<f64> {
    session.client().goto(&format!("{base}/")).await?;
    let t = session
        .wait_js(
            "return window.__historyPicture === undefined ? null : window.__historyPicture;",
            Duration::from_secs(60),
            "the first history picture",
        )
        .await?;
    t.as_f64().ok_or_else(|| format!("not a time: {t}").into())
}

/// JS heap after a forced GC, and the wasm memory when the page exposes it.
async fn memory(session: &Session) -> Result<(f64, Option<f64>)> {
    session.cdp("HeapProfiler.enable", json!({})).await?;
    session
        .cdp("HeapProfiler.collectGarbage", json!({}))
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let v = session
        .js("const w = window.__bench && window.__bench.wasm;
             return [performance.memory ? performance.memory.usedJSHeapSize : null,
                     w && w.memory ? w.memory.buffer.byteLength : null];")
        .await?;
    Ok((
        v[0].as_f64().ok_or("performance.memory is not available")?,
        v[1].as_f64(),
    ))
}

pub async fn measure(driver: &Driver, dist: &Path, runs: usize) -> Result<[Size; 2]> {
    let server = Server::start(dist, SimConfig::default()).await?;
    let base = server.base.clone();
    let mut sessions = Vec::new();
    for records in SIZES {
        sessions.push((records, seeded(driver, &base, records).await?));
    }
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        for (i, (_, session)) in sessions.iter().enumerate() {
            times[i].push(first_picture(session, &base).await?);
        }
    }
    for (records, t) in SIZES.iter().zip(&times) {
        let list: Vec<String> = t.iter().map(|ms| format!("{ms:.0}")).collect();
        println!(
            "bench: {records} records, first history picture (ms): {}",
            list.join(" ")
        );
    }
    let mut sizes = Vec::new();
    for ((records, session), first_picture) in sessions.iter().zip(times) {
        let shown = session
            .js("return document.querySelectorAll('#history li.history-item').length;")
            .await?;
        if shown.as_u64() != Some((*records).min(12) as u64) {
            return Err(format!("{records} records: the list shows {shown} items").into());
        }
        let (js_heap, wasm) = memory(session).await?;
        sizes.push(Size {
            records: *records,
            first_picture,
            js_heap,
            wasm,
        });
    }
    let [one, many]: [Size; 2] = sizes
        .try_into()
        .map_err(|_| "two journal sizes were measured")?;
    Ok([one, many])
}
