//! Live progress from a task's WebSocket (issue 13): the bar moves from nothing to 100 with the
//! simulator's ComfyUI messages and the tab title shows the percentage; a socket that drops,
//! sends garbage or claims success early changes nothing but the bar, so polling alone decides
//! how the task ends; and no URL, the socket's included, carries the key. Through a relay the
//! socket goes through the relay too; a tab hidden for long closes it while polling goes on.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use su_render_e2e::client::{OUTPUTS, QUERY, SOCKET};
use su_render_e2e::{
    entry_uri, fast_sim, log_entries_for, poll, AppPage, Harness, Mode, Options, Result, Server,
    SimConfig,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const BAR: &str = "#progress [role=progressbar]";

/// Opens the app, fills the form and starts a render.
async fn render(page: &AppPage<'_>) -> Result {
    page.open().await?;
    page.set_key(KEY).await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await
}

/// What the page showed while the job ran, sampled every 100 ms until it settled.
#[derive(Debug, Default)]
struct Seen {
    /// `aria-valuenow` of the bar, each change.
    values: Vec<u32>,
    /// Tab titles, each change.
    titles: Vec<String>,
    /// The bar's texts, each change.
    texts: Vec<String>,
    /// The job's phase when the bar first said the graph was through (ComfyUI's "success").
    phase_when_through: Option<String>,
    /// When the bar first said so, and when the job succeeded.
    through_at: Option<Instant>,
    settled_at: Option<Instant>,
    phase: String,
}

/// The job's phase, the bar's value and text, and the title, read at one moment.
const SAMPLE: &str = "const bar = document.querySelector(arguments[0]);
    const text = document.querySelector('#progress .progress-text');
    const job = document.querySelector('#job');
    return [job ? job.dataset.phase : '', bar ? bar.getAttribute('aria-valuenow') : null,
        text ? text.textContent : null, document.title];";

async fn watch(page: &AppPage<'_>, limit: Duration) -> Result<Seen> {
    let mut seen = Seen::default();
    let started = Instant::now();
    loop {
        let sample = page.js(SAMPLE, vec![json!(BAR)]).await?;
        let phase = sample[0].as_str().unwrap_or_default().to_owned();
        if let Some(value) = sample[1].as_str().and_then(|v| v.parse::<u32>().ok()) {
            if seen.values.last() != Some(&value) {
                // What the bar looks like half-way, for the artifacts.
                if value >= 40 && seen.values.last().is_none_or(|v| *v < 40) {
                    page.screenshot(&format!("{}-running", page.name)).await?;
                }
                seen.values.push(value);
            }
        }
        let title = sample[3].as_str().unwrap_or_default().to_owned();
        if seen.titles.last() != Some(&title) {
            seen.titles.push(title);
        }
        if let Some(text) = sample[2].as_str().map(str::to_owned) {
            if seen.texts.last() != Some(&text) {
                if text.contains("graph done") && seen.through_at.is_none() {
                    seen.through_at = Some(Instant::now());
                    seen.phase_when_through = Some(phase.clone());
                }
                seen.texts.push(text);
            }
        }
        if !matches!(
            phase.as_str(),
            "submitting" | "queued" | "running" | "reconnecting" | ""
        ) {
            seen.settled_at = Some(Instant::now());
            seen.phase = phase;
            return Ok(seen);
        }
        if started.elapsed() > limit {
            return Err(page
                .explain(&format!(
                    "the job did not settle within {limit:?}: {seen:?}"
                ))
                .await
                .into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bar_moves_from_nothing_to_100_with_the_socket() -> Result {
    // A machine is free at once: the run answer says RUNNING and names the socket.
    let h = Harness::start_with("progress", json!({"queueMs": 0, "runMs": 6000})).await?;
    let page = h.page();
    render(&page).await?;
    page.wait_for(BAR).await?;
    assert_eq!(
        page.attr_of(BAR, "aria-valuemin").await?.as_deref(),
        Some("0")
    );
    assert_eq!(
        page.attr_of(BAR, "aria-valuemax").await?.as_deref(),
        Some("100")
    );
    let seen = watch(&page, Duration::from_secs(30)).await?;
    assert_eq!(seen.phase, "succeeded", "{seen:?}");
    let first = *seen.values.first().ok_or("the bar never had a value")?;
    let last = *seen.values.last().ok_or("the bar never had a value")?;
    assert!(first <= 25, "the bar starts low: {:?}", seen.values);
    assert_eq!(last, 100, "and reaches 100: {:?}", seen.values);
    assert!(
        seen.values.len() >= 5,
        "it moves in steps: {:?}",
        seen.values
    );
    assert!(
        seen.values.windows(2).all(|w| w[0] <= w[1]),
        "never backwards: {:?}",
        seen.values
    );
    assert!(
        seen.texts.iter().any(|t| t.contains("Running node 3")),
        "the node executing is named: {:?}",
        seen.texts
    );
    assert!(
        seen.texts
            .iter()
            .any(|t| t.contains("taken from the cache")),
        "cached nodes are counted: {:?}",
        seen.texts
    );
    assert!(
        seen.titles
            .iter()
            .any(|t| t.contains("% · ") && t.ends_with("· SU Render")),
        "the tab title shows the percentage: {:?}",
        seen.titles
    );
    // Once the task is over the bar goes, and the title loses the percentage.
    assert!(!page.exists("#progress").await?);
    assert!(!page.title().await?.contains('%'));

    // One socket for the task, and no key in its URL (nor in any other).
    let log = h.sim_log().await?;
    let sockets = log_entries_for(&log, SOCKET);
    assert_eq!(sockets.len(), 1, "one socket per task: {sockets:?}");
    assert!(sockets.iter().all(|e| !entry_uri(e).contains(KEY)));
    let urls = h.resource_urls().await?;
    let socket_urls: Vec<&String> = urls.iter().filter(|u| u.starts_with("ws")).collect();
    assert_eq!(socket_urls.len(), 1, "{urls:?}");
    assert!(
        socket_urls[0].contains("/ws/c_instance?"),
        "{socket_urls:?}"
    );
    assert!(urls.iter().all(|u| !u.contains(KEY)), "{urls:?}");
    // The socket's URL (it carries a signed token) is not in the journal.
    let journal = su_render_e2e::journal::Journal::new(&h);
    for record in journal.records().await? {
        assert!(!record.raw.contains("c_instance"), "{}", record.raw);
        assert!(!record.raw.contains("Rh-Comfy-Auth"), "{}", record.raw);
    }
    // The run answer named the socket: no v1 lookup was needed; the polls went to v2.
    assert_eq!(log_entries_for(&log, OUTPUTS).len(), 0);
    h.screenshot("progress").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_drops_leaves_the_outcome_to_polling() -> Result {
    let h = Harness::start_with(
        "progress-drop",
        json!({"queueMs": 300, "runMs": 5000, "socket": "drop"}),
    )
    .await?;
    let page = h.page();
    let started = Instant::now();
    render(&page).await?;
    let seen = watch(&page, Duration::from_secs(40)).await?;
    assert_eq!(
        seen.phase, "succeeded",
        "polling finished the task: {seen:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(5300));
    assert!(
        seen.values.iter().all(|v| *v < 100),
        "the bar stopped where the socket broke: {:?}",
        seen.values
    );
    assert!(page.exists("img.output-image").await?);
    // Reconnects are bounded (the simulator refuses each after the drop).
    let sockets = log_entries_for(&h.sim_log().await?, SOCKET).len();
    assert!((1..=4).contains(&sockets), "{sockets} connections");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_lies_about_success_does_not_finish_the_job() -> Result {
    let h = Harness::start_with(
        "progress-lie",
        json!({"queueMs": 300, "runMs": 6000, "socket": "lie"}),
    )
    .await?;
    let page = h.page();
    let started = Instant::now();
    render(&page).await?;
    let seen = watch(&page, Duration::from_secs(40)).await?;
    assert_eq!(seen.phase, "succeeded", "{seen:?}");
    let through = seen
        .through_at
        .ok_or("the socket's early success never showed")?;
    assert_eq!(
        seen.phase_when_through.as_deref(),
        Some("running"),
        "ComfyUI's word is shown, the job keeps running: {seen:?}"
    );
    let settled = seen.settled_at.ok_or("never settled")?;
    assert!(
        settled.duration_since(through) >= Duration::from_millis(1500),
        "the job ended when a poll said so, well after the socket's claim: {seen:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(6300));
    // The task was queued at first, so its socket came from a v1 lookup while it ran.
    let log = h.sim_log().await?;
    let lookups = log_entries_for(&log, OUTPUTS).len();
    assert!((1..=3).contains(&lookups), "{lookups} lookups");
    assert_eq!(log_entries_for(&log, SOCKET).len(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_sends_garbage_changes_nothing() -> Result {
    let h = Harness::start_with(
        "progress-garbage",
        json!({"queueMs": 300, "runMs": 4000, "socket": "garbage"}),
    )
    .await?;
    let page = h.page();
    render(&page).await?;
    let seen = watch(&page, Duration::from_secs(30)).await?;
    assert_eq!(seen.phase, "succeeded", "{seen:?}");
    assert!(
        seen.values.is_empty(),
        "no step was believed: {:?}",
        seen.values
    );
    let console = h.console().await;
    assert!(
        !console.to_ascii_lowercase().contains("panicked"),
        "nonsense must not crash the page: {console}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_socket_there_is_no_bar_and_polling_goes_on() -> Result {
    let h = Harness::start_with(
        "progress-none",
        json!({"queueMs": 300, "runMs": 2500, "socket": "none"}),
    )
    .await?;
    let page = h.page();
    render(&page).await?;
    let seen = watch(&page, Duration::from_secs(30)).await?;
    assert_eq!(seen.phase, "succeeded");
    assert!(seen.values.is_empty() && seen.texts.is_empty(), "{seen:?}");
    let log = h.sim_log().await?;
    assert!(log_entries_for(&log, SOCKET).is_empty());
    // The lookups are bounded: at most three v1 calls for a socket that never comes.
    let lookups = log_entries_for(&log, OUTPUTS).len();
    assert!(lookups <= 3, "{lookups} lookups");
    Ok(())
}

/// Waits until the simulator's statistics satisfy `test`; returns them.
async fn stats_until(
    sim: &Server,
    limit: Duration,
    what: &str,
    test: impl Fn(&Value) -> bool,
) -> Result<Value> {
    let found = poll(limit, Duration::from_millis(50), || async {
        let stats = sim.sim_stats().await?;
        Ok(test(&stats).then_some(stats))
    })
    .await?;
    match found {
        Some(stats) => Ok(stats),
        None => Err(format!("{what} within {limit:?}: {}", sim.sim_stats().await?).into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_relay_the_socket_goes_through_the_relay_too() -> Result {
    // RunningHub (here a simulator) names the socket on its own API host; the page is served by
    // our relay and calls go through it, so the socket must too.
    let sim = Server::start(SimConfig {
        queue_ms: 0,
        run_ms: 6_000,
        ..fast_sim()
    })
    .await?;
    let h = Harness::start_with_mode(
        Options::new("progress-relay"),
        Mode::Relay {
            upstream: sim.base_url.clone(),
        },
    )
    .await?;
    let page = h.page();
    render(&page).await?;
    page.wait_for(BAR).await?;
    let seen = watch(&page, Duration::from_secs(40)).await?;
    assert_eq!(seen.phase, "succeeded", "{seen:?}");
    assert_eq!(seen.values.last(), Some(&100), "{seen:?}");
    assert!(seen.values.len() >= 5, "it moves in steps: {seen:?}");

    // The simulator saw one socket, opened by the relay: its Origin is the upstream's own (what
    // the relay sends), not the page's (which is the relay's address).
    // (With the relay's slower polls, the page may try once more after the instance closed the
    // socket at the end, before a poll says the task is over: that try is refused, not opened.)
    let log = sim.sim_log().await?;
    let sockets = log_entries_for(&log, SOCKET);
    assert!(!sockets.is_empty());
    for socket in &sockets {
        assert_eq!(socket["origin"], json!(sim.base_url), "{sockets:?}");
    }
    let stats = stats_until(&sim, Duration::from_secs(5), "the socket ended", |s| {
        s["socketsClosed"] == 1
    })
    .await?;
    assert_eq!(stats["socketsOpened"], 1, "{stats}");

    // The page opened it on the relay, under the site's prefix, and never on the simulator.
    let urls = h.resource_urls().await?;
    let sockets: Vec<&String> = urls.iter().filter(|u| u.starts_with("ws")).collect();
    // Its query (with the signed token) went in the first frame, not in the URL.
    let relay_socket = format!("{}/cn{SOCKET}", h.base_url.replacen("http://", "ws://", 1));
    assert_eq!(sockets.len(), 1, "{urls:?}");
    assert_eq!(sockets[0], &relay_socket, "{sockets:?}");
    let upstream_host = sim.base_url.trim_start_matches("http://");
    // (Result pictures come from the upstream's file host, as they do from RunningHub's.)
    assert!(
        urls.iter()
            .all(|u| !u.contains(upstream_host) || u.contains("/sim-files/")),
        "the page never called the upstream's API or socket itself: {urls:?}"
    );
    // No key in any URL: the page's, nor what reached the simulator.
    assert!(urls.iter().all(|u| !u.contains(KEY)), "{urls:?}");
    assert!(log.iter().all(|e| !entry_uri(e).contains(KEY)), "{log:?}");
    h.screenshot("progress-relay").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_hidden_for_long_closes_the_socket_while_polling_finishes_the_render() -> Result {
    // The simulator asks the page to give up the socket after 1.5 s hidden (60 s in real use).
    let mut options = Options::new("progress-hidden");
    options.sim = SimConfig {
        queue_ms: 0,
        run_ms: 12_000,
        socket_hidden_close_ms: Some(1_500),
        ..fast_sim()
    };
    let h = Harness::start(options).await?;
    let page = h.page();
    render(&page).await?;
    page.wait_for(BAR).await?;
    stats_until(&h, Duration::from_secs(10), "the socket opened", |s| {
        s["socketsOpened"] == 1
    })
    .await?;

    let hidden_at = Instant::now();
    page.hide().await?;
    let stats = stats_until(
        &h,
        Duration::from_secs(10),
        "the page closed the socket",
        |s| s["socketsClosedByClient"] == 1,
    )
    .await?;
    let closed_after = hidden_at.elapsed();
    assert!(
        closed_after >= Duration::from_millis(1_500),
        "not before the tab was hidden that long: {closed_after:?}"
    );
    assert_eq!(stats["socketsOpened"], 1, "{stats}");
    assert_eq!(page.phase().await?.as_deref(), Some("running"));

    // Hidden, the page goes on polling, and leaves the socket closed.
    let polls = |log: &[Value]| log_entries_for(log, QUERY).len();
    let before = polls(&h.sim_log().await?);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = polls(&h.sim_log().await?);
    assert!(after > before, "polls while hidden: {before} then {after}");
    assert_eq!(h.sim_stats().await?["socketsOpened"], 1);
    assert_eq!(page.phase().await?.as_deref(), Some("running"));

    // Back in view, the socket opens again for the rest of the run, and the poll ends it.
    page.show().await?;
    stats_until(&h, Duration::from_secs(5), "the socket opened again", |s| {
        s["socketsOpened"] == 2
    })
    .await?;
    let seen = watch(&page, Duration::from_secs(30)).await?;
    assert_eq!(seen.phase, "succeeded", "{seen:?}");
    assert_eq!(seen.values.last(), Some(&100), "{seen:?}");
    assert!(page.exists("img.output-image").await?);
    println!("socket closed {closed_after:?} after the tab was hidden");
    Ok(())
}
