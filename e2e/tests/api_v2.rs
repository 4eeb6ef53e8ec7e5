//! RunningHub's API v2 (issue 13): uploads and polls go to v2 with the key in the
//! `Authorization` header only; where v2 answers 404 the page falls back to v1 (still one task)
//! and stays there; "v1 only" never calls v2; and what each render cost shows on the render, in
//! history (with a total) and summed for a batch.

use std::time::Duration;

use serde_json::{json, Value};
use su_render_e2e::client::{
    last_run_body, node_value, poll_entries, small_png, upload_entries, ClientPage, OUTPUTS, QUERY,
    RUN, UPLOAD, UPLOAD_V2,
};
use su_render_e2e::journal::Journal;
use su_render_e2e::page::TempDir;
use su_render_e2e::{entry_body, entry_path, log_entries_for, AppPage, Harness, Options, Result};

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// Opens the app with a key and uploads a picked screenshot; returns the name it got.
async fn upload_screenshot(page: &AppPage<'_>, files: &TempDir) -> Result<String> {
    page.open().await?;
    page.set_key(KEY).await?;
    let path = files.write("lobby.png", &small_png(480, 300, 11))?;
    page.pick_file("node-112", &path).await?;
    page.wait_upload("node-112", "done").await?;
    page.value_of("#node-112").await
}

/// The paths of the API calls in the log, in order (knobs and files left out).
fn api_paths(log: &[Value]) -> Vec<String> {
    log.iter()
        .map(|e| entry_path(e).to_owned())
        .filter(|p| p.contains("/openapi/"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_and_polls_use_v2_with_the_key_in_the_header_only() -> Result {
    let h = Harness::start(Options::new("v2-upload-query")).await?;
    let files = TempDir::new("v2")?;
    let page = h.page();
    let name = upload_screenshot(&page, &files).await?;
    assert!(
        name.starts_with("openapi/"),
        "v2 names uploads openapi/…: {name}"
    );

    let log = h.sim_log().await?;
    let uploads = upload_entries(&log);
    assert_eq!(uploads.len(), 1, "{log:?}");
    let upload = uploads[0];
    assert_eq!(entry_path(upload), UPLOAD_V2);
    assert_eq!(
        upload["bearer"], true,
        "the key goes as a Bearer token: {upload}"
    );
    assert_eq!(
        upload["fields"],
        json!(["file"]),
        "the form holds the file and nothing else (no apiKey): {upload}"
    );

    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let log = h.sim_log().await?;
    assert_eq!(
        node_value(&last_run_body(&log)?, "112", "image"),
        Some(json!(name))
    );
    let queries = log_entries_for(&log, QUERY);
    assert!(
        !queries.is_empty(),
        "polls go to v2's query: {:?}",
        api_paths(&log)
    );
    for query in &queries {
        assert_eq!(query["bearer"], true, "{query}");
        assert!(
            entry_body(query).get("apiKey").is_none(),
            "no key in v2's body: {query}"
        );
    }
    assert!(
        log_entries_for(&log, UPLOAD).is_empty(),
        "v1's upload was never needed: {:?}",
        api_paths(&log)
    );
    // The key is in no URL the page asked for, nor in any request target the simulator saw.
    let urls = h.resource_urls().await?;
    assert!(urls.iter().all(|u| !u.contains(KEY)), "{urls:?}");
    assert!(log
        .iter()
        .all(|e| !su_render_e2e::entry_uri(e).contains(KEY)));
    let text = serde_json::to_string(&log)?;
    assert!(!text.contains(KEY), "the simulator log masks keys: {text}");

    // The journal says which API uploaded and polled.
    let journal = Journal::new(&h);
    let record = journal
        .records()
        .await?
        .into_iter()
        .next()
        .ok_or("no journal record")?;
    assert_eq!(record.json["upload_api"], "v2", "{}", record.raw);
    assert_eq!(record.json["poll_api"], "v2", "{}", record.raw);
    assert!(!record.raw.contains(KEY));
    h.screenshot("v2-upload-query").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_v2_answers_404_uploads_and_polls_fall_back_to_v1_for_one_task() -> Result {
    let h = Harness::start_with("v2-404", json!({"v2": false})).await?;
    let files = TempDir::new("v2-404")?;
    let page = h.page();
    let name = upload_screenshot(&page, &files).await?;
    assert!(name.starts_with("api/"), "v1 names uploads api/…: {name}");
    let log = h.sim_log().await?;
    let uploads: Vec<&str> = upload_entries(&log).into_iter().map(entry_path).collect();
    assert_eq!(
        uploads,
        [UPLOAD_V2, UPLOAD],
        "v2 first, then v1: {uploads:?}"
    );
    assert_eq!(
        entry_body(upload_entries(&log)[1])["apiKey"],
        Value::Null,
        "the multipart key is not logged"
    );

    page.click_render().await?;
    page.wait_status("succeeded").await?;
    page.wait_image_loaded("img.output-image").await?;
    let log = h.sim_log().await?;
    assert_eq!(log_entries_for(&log, RUN).len(), 1, "still one task");
    assert_eq!(h.sim_stats().await?["runs"], 1);
    // v2 was found missing at the upload and is remembered for this base: every poll is v1.
    let polls: Vec<&str> = poll_entries(&log).into_iter().map(entry_path).collect();
    assert!(!polls.is_empty());
    assert!(
        polls.iter().all(|p| *p == OUTPUTS),
        "after the 404 the page stays on v1: {polls:?}"
    );
    // A second render does not try v2 again either.
    page.pick_file(
        "node-112",
        &files.write("hall.png", &small_png(400, 260, 12))?,
    )
    .await?;
    page.wait_upload("node-112", "done").await?;
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let log = h.sim_log().await?;
    assert_eq!(
        log_entries_for(&log, UPLOAD_V2).len(),
        1,
        "{:?}",
        api_paths(&log)
    );
    assert!(
        log_entries_for(&log, QUERY).is_empty(),
        "{:?}",
        api_paths(&log)
    );

    let record = Journal::new(&h)
        .records()
        .await?
        .into_iter()
        .next()
        .ok_or("no record")?;
    assert_eq!(
        (
            record.json["upload_api"].clone(),
            record.json["poll_api"].clone()
        ),
        (json!("v1"), json!("v1")),
        "{}",
        record.raw
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v2_poll_404_falls_back_for_the_same_task() -> Result {
    // v2 answers the upload, then disappears: the running task's polls go on through v1.
    let h = Harness::start_with("v2-404-poll", json!({"queueMs": 800, "runMs": 1500})).await?;
    let page = h.open_page().await?;
    page.set_key(KEY).await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;
    page.wait_status("queued").await?;
    h.sim_control(json!({"v2": false})).await?;
    page.wait_status("succeeded").await?;
    let log = h.sim_log().await?;
    assert_eq!(log_entries_for(&log, RUN).len(), 1);
    let polls: Vec<&Value> = poll_entries(&log);
    let task = |e: &Value| su_render_e2e::id_text(&entry_body(e)["taskId"]);
    assert!(polls.iter().all(|e| task(e) == task(polls[0])), "one task");
    assert!(
        polls.iter().any(|e| entry_path(e) == OUTPUTS),
        "{:?}",
        api_paths(&log)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_only_never_calls_v2() -> Result {
    let h = Harness::start(Options::new("v1-only")).await?;
    let page = h.open_page().await?;
    page.click("#advanced summary").await?;
    page.select("#api-version", "v1").await?;
    let files = TempDir::new("v1-only")?;
    let name = upload_screenshot(&page, &files).await?;
    assert!(name.starts_with("api/"), "{name}");
    assert_eq!(
        page.value_of("#api-version").await?,
        "v1",
        "the setting is remembered across the reload"
    );
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let log = h.sim_log().await?;
    let paths = api_paths(&log);
    assert!(
        paths.iter().all(|p| !p.starts_with("/openapi/v2/")),
        "{paths:?}"
    );
    assert!(!log_entries_for(&log, OUTPUTS).is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_shows_on_the_render_and_in_history_with_a_total() -> Result {
    let h = Harness::start_with(
        "cost",
        json!({"usage": {"consumeCoins": "15", "consumeMoney": "0.42"}, "currency": "CNY"}),
    )
    .await?;
    let page = h.open_page().await?;
    page.set_key(KEY).await?;
    // The account check tells the wallet's currency.
    page.click("#check-key").await?;
    page.wait_for("#account").await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let cost = page.wait_text("#cost").await?;
    for part in ["15 coins", "0.42 CNY", "took 1 s"] {
        assert!(cost.contains(part), "{part:?} in {cost:?}");
    }
    page.wait_for(".history-item[data-phase=succeeded] .history-cost")
        .await?;
    let item = page.text(".history-item .history-cost").await?;
    assert!(
        item.contains("15 coins") && item.contains("0.42 CNY"),
        "{item:?}"
    );

    // A second render: the history sums both.
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let total = page
        .wait_on(
            Duration::from_secs(10),
            "the history total of two renders",
            || async {
                let text = page
                    .text_content("#history-total")
                    .await?
                    .unwrap_or_default();
                Ok(text.contains("Renders shown: 2 ").then_some(text))
            },
        )
        .await?;
    for part in ["30 coins", "0.84 CNY"] {
        assert!(total.contains(part), "{part:?} in {total:?}");
    }
    h.screenshot("cost").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_sums_what_it_cost_and_its_guard_says_what_it_counts() -> Result {
    let h = Harness::start_with("batch-cost", json!({"queueMs": 200, "runMs": 400})).await?;
    let page = h.open_page().await?;
    page.set_key(KEY).await?;
    // One render first, so the estimate knows this app's cost.
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    page.wait_for(".history-item[data-phase=succeeded]").await?;

    let names: Vec<String> = (0..3).map(|i| format!("room-{i}.png")).collect();
    page.drop_pngs("node-112", &names, 20).await?;
    page.wait_for("#batch-setup").await?;
    let expected = page.wait_text("#batch-expected").await?;
    assert!(
        expected.contains("about 36 coins") && expected.contains("12 per render"),
        "{expected:?}"
    );
    page.fill("#budget", "100").await?;
    page.click("#render-batch").await?;
    let guard = page.wait_text("#batch-guard").await?;
    assert!(
        guard.contains("12 coins per render") && guard.contains("recent renders of this app"),
        "{guard:?}"
    );
    let states = page.wait_batch_settled(3, Duration::from_secs(60)).await?;
    assert!(states.iter().all(|s| s == "succeeded"), "{states:?}");
    let spent = page.wait_text("#batch-cost").await?;
    assert!(spent.contains("36 coins"), "{spent:?}");
    let guard = page.text("#batch-guard").await?;
    assert!(
        guard.contains("this batch"),
        "once measured, the batch's own cost: {guard:?}"
    );
    h.screenshot("batch-cost").await?;
    Ok(())
}
