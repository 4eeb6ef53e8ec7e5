//! A batch: five screenshots dropped at once render one after another (concurrency 1); a full
//! queue (421) makes the batch wait, not fail.

use std::time::Duration;

use rh_api::path::RUN;
use serde_json::json;
use su_render_e2e::client::ClientPage;
use su_render_e2e::{Harness, Options, Result};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_five_with_concurrency_one_survives_a_full_queue() -> Result {
    let h = Harness::start_with("batch", json!({"queueMs": 300, "runMs": 600})).await?;
    h.sim_fault(json!({"path": RUN, "kind": "code421", "count": 2}))
        .await?;
    let page = h.open_page().await?;
    page.wait_for("#node-112-drop").await?;

    // Five pictures dropped at once.
    let names: Vec<String> = (0..5).map(|i| format!("view-{i}.png")).collect();
    page.drop_pngs("node-112", &names, 1).await?;
    page.wait_for("#batch-setup").await?;
    assert_eq!(
        page.count(".batch-files li").await?,
        5,
        "the batch lists the five files"
    );
    assert_eq!(
        page.value_of("#concurrency").await?,
        "1",
        "one render at a time by default"
    );
    page.click("#render-batch").await?;
    page.wait_for("#batch").await?;

    // Wait for all five to succeed.
    let states = page.wait_batch_settled(5, Duration::from_secs(90)).await?;
    assert!(
        states.iter().all(|s| s == "succeeded"),
        "all five succeed: {states:?}"
    );

    let stats = h.sim_stats().await?;
    assert_eq!(stats["runs"], 5, "five tasks, one per screenshot: {stats}");
    assert!(
        stats["maxConcurrentRunning"].as_u64().unwrap_or(99) <= 1,
        "never more than one at once: {stats}"
    );
    let log = h.sim_log().await?;
    let runs = log.iter().filter(|e| e["path"] == RUN).count();
    assert_eq!(
        runs, 7,
        "five renders plus the two answered 421 and sent again"
    );
    let uploads = su_render_e2e::client::upload_entries(&log).len();
    assert_eq!(uploads, 5, "each screenshot uploaded once");
    h.screenshot("batch-done").await?;
    Ok(())
}

/// Every unfinished task comes back after a reload, not only the newest: the newest in the main
/// view, the others in rows of their own; all are polled to the end and none is sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_unfinished_task_resumes_after_a_reload() -> Result {
    let h = Harness::start_with("resume-all", json!({"queueMs": 4000, "runMs": 1000})).await?;
    let page = h.open_page().await?;
    page.wait_for("#node-112-drop").await?;
    let names: Vec<String> = (0..2).map(|i| format!("floor-{i}.png")).collect();
    page.drop_pngs("node-112", &names, 7).await?;
    page.wait_for("#batch-setup").await?;
    page.fill("#concurrency", "2").await?;
    page.click("#render-batch").await?;
    // Both tasks exist (queued) before the reload.
    page.wait_on(
        Duration::from_secs(20),
        "the two tasks were not both queued",
        || async {
            Ok((page.count(".batch-item .status[data-phase=queued]").await? >= 2).then_some(()))
        },
    )
    .await?;
    h.client.goto(&format!("{}/", h.base_url)).await?;
    page.wait_for("#resumed").await?;
    page.wait_status("succeeded").await?;
    page.wait_on(
        Duration::from_secs(30),
        "the older task did not finish after the reload",
        || async {
            Ok((page.count("#resumed .status[data-phase=succeeded]").await? >= 1).then_some(()))
        },
    )
    .await?;
    let log = h.sim_log().await?;
    let runs = log.iter().filter(|e| e["path"] == RUN).count();
    assert_eq!(
        runs, 2,
        "two tasks, each sent once, none again after the reload"
    );
    Ok(())
}

/// "Keep new renders automatically": a rendering is kept as soon as it succeeds, so it still
/// shows after RunningHub's link has expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_keep_stores_new_renders() -> Result {
    let h = Harness::start(Options::new("auto-keep")).await?;
    let page = h.open_page().await?;
    page.click("#auto-keep").await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    page.wait_for(".history-item .kept").await?;
    h.post("/__sim/expire", &json!({})).await?;
    h.client.goto(&format!("{}/", h.base_url)).await?;
    page.wait_on(
        Duration::from_secs(15),
        "the kept picture is not shown from this device (history thumbnail not a loaded blob: URL)",
        || async {
            let src = h
                .client
                .execute(
                    "const img = document.querySelector('.history-item .thumb img');
                     return img && img.complete && img.naturalWidth > 0 ? img.src : '';",
                    vec![],
                )
                .await?;
            Ok(src
                .as_str()
                .is_some_and(|s| s.starts_with("blob:"))
                .then_some(()))
        },
    )
    .await?;
    Ok(())
}
