//! A reload never strands a render, even when no key is at hand: on a simulator that requires a
//! key (as a real site does), a reload with "remember" off puts the unfinished render back in the
//! main view and asks for the key; nothing is sent until a well-formed key is typed, and then
//! every unfinished render is polled to its end without being run again.

use std::time::Duration;

use serde_json::Value;
use su_render_e2e::client::ClientPage;
use su_render_e2e::client::{OUTPUTS, QUERY, SOCKET};
use su_render_e2e::journal::Journal;
use su_render_e2e::page::{DESKTOP_WIDTH, PHONE_WIDTH};
use su_render_e2e::{entry_body, entry_path, fast_sim, AppPage, Harness, Options, Result};

/// A request that follows a task already started: a poll on either API (v2 query, v1 outputs,
/// which also looks up the progress socket) or the progress socket itself. Never a run.
fn following(entry: &Value) -> bool {
    [OUTPUTS, QUERY, SOCKET].contains(&entry_path(entry))
}

/// The one key this simulator accepts.
const KEY: &str = "0123456789abcdef0123456789abcdef";
const SCREENSHOT: &str = "api/screenshot.png";
const REFERENCE: &str = "api/reference.png";
const WAIT: Duration = Duration::from_secs(20);
const FINISH: Duration = Duration::from_secs(40);

/// A harness whose simulator takes [`KEY`] only, with tasks slow enough to reload during.
async fn strict(name: &str, queue_ms: u64, run_ms: u64) -> Result<Harness> {
    let mut options = Options::new(name);
    options.sim = su_render_e2e::SimConfig {
        queue_ms,
        run_ms,
        require_key: Some(KEY.to_owned()),
        ..fast_sim()
    };
    Harness::start(options).await
}

/// The simulator log from entry `from` on.
async fn log_since(h: &Harness, from: usize) -> Result<Vec<Value>> {
    Ok(h.sim_log().await?.into_iter().skip(from).collect())
}

/// Fails when any request of `log` carried an empty key (the log masks others as `***`).
fn no_empty_key(log: &[Value]) -> Result {
    let empty: Vec<&Value> = log
        .iter()
        .filter(|e| {
            let body = entry_body(e);
            [&body["apiKey"], &body["apikey"]]
                .iter()
                .any(|k| k.as_str() == Some(""))
        })
        .collect();
    if empty.is_empty() {
        Ok(())
    } else {
        Err(format!("requests with an empty key: {empty:?}").into())
    }
}

/// Leaves the page (so that nothing of it is still on its way), then opens it again, as a
/// reload does; returns the length of the simulator log in between.
async fn reload(h: &Harness) -> Result<usize> {
    h.client.goto("about:blank").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = h.sim_log().await?.len();
    Journal::new(h).reload().await?;
    Ok(before)
}

/// After the reload: the page waits for the key and sends nothing meanwhile (several poll
/// intervals of the simulator's, 200–300 ms). Returns the log length at the end.
async fn asks_for_the_key_and_waits(h: &Harness, page: &AppPage<'_>, from: usize) -> Result<usize> {
    page.wait_for("#job #needs-key").await?;
    assert_eq!(
        page.value_of("#api-key").await?,
        "",
        "the key was not remembered"
    );
    let text = page.text_of("#needs-key").await?;
    assert!(
        text.contains("API key") && text.contains("Nothing will be sent again"),
        "the main view says what it waits for: {text:?}"
    );
    assert!(
        !page.exists("#job #cancel").await?,
        "nothing to cancel without a key"
    );
    let j = Journal::new(h);
    j.wait_history("the history row asks for the key too", WAIT, |items| {
        items.iter().any(|i| i.resume)
    })
    .await?;
    assert!(
        page.exists("#history li.history-item .needs-key").await?,
        "the unfinished render's history row says it waits for the key"
    );
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let sent = log_since(h, from).await?;
    assert!(
        sent.is_empty(),
        "nothing is sent before a key is typed: {sent:?}"
    );
    for width in [PHONE_WIDTH, DESKTOP_WIDTH] {
        let name = format!("resume-needs-key-{width}-{}", h.name);
        let shot = page.screenshot_at(width, &name).await?;
        println!("screenshot: {}", shot.display());
    }
    page.reset_width().await?;
    Ok(from + sent.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_without_the_key_asks_for_it_then_follows_the_render() -> Result {
    let h = strict("resume-key-one", 2_500, 2_500).await?;
    let j = Journal::new(&h);
    let page = h.open_page().await?;
    // The simulator requires a key: the page does not offer its demo key.
    page.set_screenshot(SCREENSHOT).await?;
    page.set_reference(REFERENCE).await?;
    page.click_render().await?;
    page.wait_for("#form-error").await?;
    assert!(!page.exists("#job").await?, "no render without a key");
    assert!(h.sim_log().await?.is_empty(), "nothing was sent");

    page.set_key(KEY).await?;
    assert_eq!(page.prop("#remember-key", "checked").await?, "false");
    page.click_render().await?;
    j.wait_phase("queued", WAIT).await?;
    let task_id = j.shown_task_id().await?;
    assert!(!task_id.is_empty(), "the task id is shown once queued");
    j.wait_record("the journal has the task id", WAIT, |r| {
        r.task_id() == Some(task_id.as_str())
    })
    .await?;

    let before = reload(&h).await?;
    let from = asks_for_the_key_and_waits(&h, &page, before).await?;
    assert_eq!(j.shown_task_id().await?, task_id, "the same task is shown");
    let phase = page.phase().await?.unwrap_or_default();
    assert!(
        phase == "queued" || phase == "running",
        "the state as journaled: {phase}"
    );
    let elapsed = page.text_of("#elapsed").await?;
    assert_ne!(
        elapsed, "0:00",
        "the elapsed time counts from the render's start"
    );

    // "Enter the key" puts the cursor in the key field (far up on a phone); typing the key is
    // then enough, no other button.
    page.click("#go-to-key").await?;
    let focused = page
        .js(
            "return document.activeElement && document.activeElement.id;",
            vec![],
        )
        .await?;
    assert_eq!(
        focused,
        Value::from("api-key"),
        "the key field has the cursor"
    );
    page.set_key(KEY).await?;
    let seen = j.wait_phase("succeeded", FINISH).await?;
    assert!(
        !seen.iter().any(|p| p == "submitting" || p == "refused"),
        "polled, never sent again: {seen:?}"
    );
    page.wait_image_loaded("img.output-image").await?;
    assert!(
        !page.exists("#needs-key").await?,
        "the request for the key goes"
    );
    assert_eq!(j.run_requests().await?, 1, "exactly one run request");
    let after = log_since(&h, from).await?;
    assert!(
        !after.is_empty() && after.iter().all(following),
        "after the key only polls: {after:?}"
    );
    assert!(
        j.polled_task_ids().await?.iter().all(|id| *id == task_id),
        "every poll asks for task {task_id}"
    );
    no_empty_key(&h.sim_log().await?)?;
    j.wait_history("the history row follows", WAIT, |items| {
        items.len() == 1 && items[0].phase == "succeeded"
    })
    .await?;
    assert!(!page.exists("#history .needs-key").await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_unfinished_renders_both_finish_once_the_key_is_typed() -> Result {
    let h = strict("resume-key-two", 4_000, 1_500).await?;
    let j = Journal::new(&h);
    let page = h.open_page().await?;
    page.set_key(KEY).await?;
    page.wait_for("#node-112-drop").await?;
    let names: Vec<String> = (0..2).map(|i| format!("floor-{i}.png")).collect();
    page.drop_pngs("node-112", &names, 11).await?;
    page.wait_for("#batch-setup").await?;
    page.fill("#concurrency", "2").await?;
    page.click("#render-batch").await?;
    page.wait_on(WAIT, "both tasks queued", || async {
        Ok((page.count(".batch-item .status[data-phase=queued]").await? >= 2).then_some(()))
    })
    .await?;
    page.wait_on(WAIT, "both journal records have task ids", || async {
        let records = j.records().await?;
        Ok((records.iter().filter(|r| r.task_id().is_some()).count() == 2).then_some(()))
    })
    .await?;

    let before = reload(&h).await?;
    page.wait_for("#resumed .needs-key").await?;
    let from = asks_for_the_key_and_waits(&h, &page, before).await?;
    j.wait_history("both history rows wait for the key", WAIT, |items| {
        items.len() == 2 && items.iter().all(|i| i.resume)
    })
    .await?;
    assert_eq!(
        page.count("#history li.history-item .needs-key").await?,
        2,
        "both rows say what they wait for"
    );

    page.set_key(KEY).await?;
    j.wait_phase("succeeded", FINISH).await?;
    page.wait_on(FINISH, "the older render finishes too", || async {
        Ok((page.count("#resumed .status[data-phase=succeeded]").await? == 1).then_some(()))
    })
    .await?;
    assert!(!page.exists(".needs-key").await?, "nothing waits any more");
    assert_eq!(
        j.run_requests().await?,
        2,
        "two renders, two run requests, none again after the reload"
    );
    let after = log_since(&h, from).await?;
    assert!(
        after.iter().all(following),
        "after the key only polls: {after:?}"
    );
    let polled: std::collections::BTreeSet<String> =
        j.polled_task_ids().await?.into_iter().collect();
    assert_eq!(polled.len(), 2, "both tasks were polled: {polled:?}");
    no_empty_key(&h.sim_log().await?)?;
    page.wait_on(WAIT, "both journal records succeeded", || async {
        let records = j.records().await?;
        Ok(records
            .iter()
            .all(|r| r.phase() == "succeeded")
            .then_some(()))
    })
    .await?;
    Ok(())
}
