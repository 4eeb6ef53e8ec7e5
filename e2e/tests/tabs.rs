//! Two tabs on one journal: a task is polled by one tab only; the other follows what the first
//! writes, and takes over when the first tab closes.

use std::time::Duration;

use serde_json::json;
use su_render_e2e::{poll, Harness, Result};

use su_render_e2e::client::{OUTPUTS, QUERY};

/// How many polls (v2 query or v1 outputs) this tab has made so far (from its own resource
/// timing entries).
async fn polls_in_this_tab(h: &Harness) -> Result<u64> {
    let count = h
        .client
        .execute(
            "const paths = [...arguments]; return performance.getEntriesByType('resource').filter(e => paths.some(p => e.name.endsWith(p))).length;",
            vec![json!(QUERY), json!(OUTPUTS)],
        )
        .await?;
    Ok(count.as_u64().unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_task_is_polled_by_one_tab() -> Result {
    // Long enough for the second tab to open while the task is still queued and running.
    let h = Harness::start_with("two-tabs", json!({"queueMs": 4000, "runMs": 6000})).await?;
    let page = h.open_page().await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;
    page.wait_status("queued").await?;
    let first = h.client.window().await?;
    let task_id = page.text_of("#task-id").await?;

    // A second tab of the same browser profile: same IndexedDB, same locks.
    let second = h.client.new_window(true).await?.handle;
    h.client.switch_to_window(second.clone()).await?;
    h.client.goto(&format!("{}/", h.base_url)).await?;
    // It shows the same task, resumed from the journal, but does not poll it.
    let shown = poll(
        Duration::from_secs(10),
        Duration::from_millis(200),
        || async {
            Ok(page
                .text_content("#task-id")
                .await
                .ok()
                .flatten()
                .filter(|t| !t.is_empty()))
        },
    )
    .await?
    .unwrap_or_default();
    assert_eq!(
        shown, task_id,
        "the second tab shows the task from the journal"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        polls_in_this_tab(&h).await?,
        0,
        "the second tab must not poll a task the first tab polls"
    );

    // Closing the first tab frees its lock: the second takes over and sees the task finish.
    h.client.switch_to_window(first).await?;
    h.client.close_window().await?;
    h.client.switch_to_window(second).await?;
    page.wait_status("succeeded").await?;
    assert!(
        polls_in_this_tab(&h).await? > 0,
        "after the first tab closed, the second one polls"
    );

    let log = h.sim_log().await?;
    let runs = log
        .iter()
        .filter(|e| e["path"] == rh_api::path::RUN)
        .count();
    assert_eq!(runs, 1, "one render, one run request");
    Ok(())
}
