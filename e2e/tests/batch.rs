//! A batch: five screenshots dropped at once render one after another (concurrency 1); a full
//! queue (421) makes the batch wait, not fail.

use std::time::{Duration, Instant};

use serde_json::json;
use su_render_e2e::client::{base64, small_png, ClientPage};
use su_render_e2e::{Harness, Options, Result};

const RUN: &str = "/task/openapi/ai-app/run";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_five_with_concurrency_one_survives_a_full_queue() -> Result {
    let h = Harness::start(Options::new("batch")).await?;
    h.sim_control(json!({"queueMs": 300, "runMs": 600})).await?;
    h.sim_fault(json!({"path": RUN, "kind": "code421", "count": 2}))
        .await?;
    let page = h.page();
    page.open().await?;
    page.wait_for("#node-112-drop").await?;

    // Five pictures dropped at once.
    let files: Vec<serde_json::Value> = (0..5u64)
        .map(|i| json!([base64(&small_png(320, 200, i + 1)), format!("view-{i}.png")]))
        .collect();
    h.client
        .execute(
            "const dt = new DataTransfer();
             for (const [b64, name] of arguments[0]) {
                 const bin = atob(b64);
                 const bytes = new Uint8Array(bin.length);
                 for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
                 dt.items.add(new File([bytes], name, { type: 'image/png' }));
             }
             const zone = document.querySelector('#node-112-drop');
             for (const kind of ['dragenter', 'dragover', 'drop']) {
                 zone.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
             }",
            vec![json!(files)],
        )
        .await?;
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
    let start = Instant::now();
    loop {
        let states: Vec<String> = h
            .client
            .execute(
                "return [...document.querySelectorAll('.batch-item')].map(e => e.dataset.state);",
                vec![],
            )
            .await?
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if states.len() == 5 && states.iter().all(|s| s == "succeeded") {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            return Err(format!("the batch did not finish: {states:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

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
    let uploads = log
        .iter()
        .filter(|e| e["path"] == "/task/openapi/upload")
        .count();
    assert_eq!(uploads, 5, "each screenshot uploaded once");
    h.screenshot("batch-done").await?;
    Ok(())
}
