//! What waiting for a task costs: requests per 10-minute render, and how long after the task is
//! done the picture shows up.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use su_render_server::SimConfig;

use crate::browser::{Driver, Result, Server};

/// The app's `PollPlan::default()` (src/lifecycle/schedule.rs): 2 s for the first 3 polls, then 5 s.
pub const FIRST_MS: u64 = 2_000;
pub const FAST_POLLS: u64 = 3;
pub const STEADY_MS: u64 = 5_000;
/// The render the issue asks about.
pub const RENDER_MS: u64 = 10 * 60 * 1_000;
/// The measured render runs this many times faster (the page's poll intervals too).
pub const SCALE: u64 = 20;

use rh_api::path::{OUTPUTS, QUERY, RUN};

/// Polls the plan makes for a task that takes `render_ms`: every poll that finds it unfinished,
/// plus the one that finds it done.
pub fn model_polls(render_ms: u64, first_ms: u64, fast_polls: u64, steady_ms: u64) -> u64 {
    let (mut at, mut polls) = (0, 0);
    while at < render_ms {
        at += if polls < fast_polls {
            first_ms
        } else {
            steady_ms
        };
        polls += 1;
    }
    polls
}

pub struct Requests {
    /// Polls (v2 `query` or v1 `outputs`) from the run to the result.
    pub polls: u64,
    /// Every API request the simulator saw for the render, the run included.
    pub all: u64,
}

fn log_paths(log: &str) -> Result<Vec<String>> {
    let log: Value = serde_json::from_str(log)?;
    let entries = log.as_array().ok_or("the simulator log is not a list")?;
    Ok(entries
        .iter()
        .map(|e| e["path"].as_str().unwrap_or("").to_string())
        .collect())
}

/// The real page against the simulator, 10 minutes scaled down [`SCALE`] times.
pub async fn requests_per_render(driver: &Driver, dist: &Path) -> Result<Requests> {
    let sim = SimConfig {
        queue_ms: RENDER_MS / 10 / SCALE,
        run_ms: RENDER_MS * 9 / 10 / SCALE,
        poll_first_ms: Some(FIRST_MS / SCALE),
        poll_steady_ms: Some(STEADY_MS / SCALE),
        require_key: None,
        socket_hidden_close_ms: None,
    };
    let server = Server::start(dist, sim).await?;
    let session = driver.session(false).await?;
    session.open_app(&server.base).await?;
    session.fill_render_form().await?;
    let before = log_paths(&session.fetch("/__sim/log", None).await?)?.len();
    let limit = Duration::from_millis(RENDER_MS / SCALE * 2) + Duration::from_secs(30);
    session.render_once(limit).await?;
    let paths = log_paths(&session.fetch("/__sim/log", None).await?)?;
    let render: Vec<&String> = paths[before.min(paths.len())..]
        .iter()
        .skip_while(|p| *p != RUN)
        .collect();
    Ok(Requests {
        polls: render
            .iter()
            .filter(|p| **p == OUTPUTS || **p == QUERY)
            .count() as u64,
        all: render.len() as u64,
    })
}

pub struct Latency {
    /// Task done on the simulator → `img.output-image` in the DOM, ms.
    pub in_dom: Vec<f64>,
    /// … → that image loaded, ms.
    pub loaded: Vec<f64>,
    pub steady_ms: u64,
}

/// The simulator's fast-poll config: polls every 200 ms three times, then every 500 ms. Each run
/// finishes its task at another point of the poll cycle, spread evenly across one interval.
pub async fn done_to_image(driver: &Driver, dist: &Path, runs: usize) -> Result<Latency> {
    const QUEUE_MS: u64 = 200;
    const RUN_MS: u64 = 1_000;
    const STEADY: u64 = 500;
    let sim = SimConfig {
        queue_ms: QUEUE_MS,
        run_ms: RUN_MS,
        poll_first_ms: Some(200),
        poll_steady_ms: Some(STEADY),
        require_key: None,
        socket_hidden_close_ms: None,
    };
    let server = Server::start(dist, sim).await?;
    let session = driver.session(false).await?;
    session.open_app(&server.base).await?;
    session
        .js("performance.setResourceTimingBufferSize(100000); return null;")
        .await?;
    session.fill_render_form().await?;
    let mut latency = Latency {
        in_dom: Vec::new(),
        loaded: Vec::new(),
        steady_ms: STEADY,
    };
    for i in 0..runs {
        let run_ms = RUN_MS + (STEADY as f64 * (i as f64 + 0.5) / runs as f64) as u64;
        let control = json!({ "queueMs": QUEUE_MS, "runMs": run_ms });
        session.fetch("/__sim/control", Some(control)).await?;
        let (shown, loaded) = session.render_once(Duration::from_secs(30)).await?;
        // The task starts when the simulator answers the run request: its first response byte.
        let started = session
            .js(&format!(
                "const r = performance.getEntriesByType('resource').filter((e) => e.name.includes('{RUN}'));
                 return r.length ? r[r.length - 1].responseStart : null;"
            ))
            .await?
            .as_f64()
            .ok_or("no resource timing for the run request")?;
        let done = started + (QUEUE_MS + run_ms) as f64;
        let t = |v: &Value| v["t"].as_f64().unwrap_or(f64::NAN);
        latency.in_dom.push(t(&shown) - done);
        latency.loaded.push(t(&loaded) - done);
    }
    Ok(latency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_counts_every_poll_up_to_the_one_that_finds_it_done() {
        // 2, 4, 6 s, then 11, 16 … 596, 601 s: 3 + 119 polls.
        assert_eq!(model_polls(RENDER_MS, FIRST_MS, FAST_POLLS, STEADY_MS), 122);
        assert_eq!(model_polls(6_000, FIRST_MS, FAST_POLLS, STEADY_MS), 3);
        assert_eq!(model_polls(6_001, FIRST_MS, FAST_POLLS, STEADY_MS), 4);
    }
}
