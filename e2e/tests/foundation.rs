//! The seed's flow, end to end: a user fills the form, renders, and sees the outcome.
//! Each test has its own server, simulator and browser.

use rh_api::path::{QUERY, RUN};
use serde_json::{json, Value};
use su_render_e2e::{
    entry_body, entry_uri, log_entries_for, node_ids, AppPage, Harness, Options, Result,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";
/// The simulator answers 802 (unauthorized) to keys ending in 802.
const BAD_KEY: &str = "bad00000000000000000000000000802";
const SCREENSHOT: &str = "api/screenshot.png";
const REFERENCE: &str = "api/reference.png";

/// Opens the app and fills the form the way a user does; the site stays at its default.
async fn fill_form(page: &AppPage<'_>, key: &str, reference: &str) -> Result {
    page.open().await?;
    page.set_key(key).await?;
    page.set_screenshot(SCREENSHOT).await?;
    page.set_reference(reference).await?;
    Ok(())
}

/// The body of the last run request the simulator received.
async fn last_run_body(h: &Harness) -> Result<Value> {
    let log = h.sim_log().await?;
    let runs = log_entries_for(&log, RUN);
    match runs.last() {
        Some(entry) => Ok(entry_body(entry)),
        None => Err(format!("the simulator received no {RUN}; log: {log:?}").into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_with_both_images() -> Result {
    let h = Harness::start(Options::new("happy-path")).await?;
    let page = h.page();
    fill_form(&page, KEY, REFERENCE).await?;
    assert_eq!(
        page.site().await?,
        "local",
        "served by our server, the site defaults to it"
    );

    page.click_render().await?;
    let seen = page.wait_status("succeeded").await?;
    assert!(
        seen.iter().any(|p| p == "queued" || p == "running"),
        "the page should show the task queued or running before it succeeds; saw {seen:?}"
    );

    let task_id = page.text_of("#task-id").await?;
    assert!(
        !task_id.is_empty() && task_id.chars().all(|c| c.is_ascii_digit()),
        "#task-id should be the task's digits, got {task_id:?}"
    );
    let width = page.wait_image_loaded("img.output-image").await?;
    assert!(width > 0);

    let body = last_run_body(&h).await?;
    let nodes = node_ids(&body);
    assert!(
        nodes.contains(&"112".to_string()) && nodes.contains(&"158".to_string()),
        "the run request should carry nodes 112 and 158: {body}"
    );
    let shot = h.screenshot("foundation-success").await?;
    println!("screenshot: {}", shot.display());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_reference_leaves_node_158_out() -> Result {
    let h = Harness::start(Options::new("no-reference")).await?;
    let page = h.page();
    fill_form(&page, KEY, "").await?;
    page.click_render().await?;
    page.wait_status("succeeded").await?;

    let body = last_run_body(&h).await?;
    assert_eq!(
        node_ids(&body),
        vec!["112".to_string()],
        "only the screenshot node should be sent: {body}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_task_shows_its_reason() -> Result {
    let h = Harness::start_with("failed-task", json!({ "outcome": "fail" })).await?;
    let page = h.page();
    fill_form(&page, KEY, REFERENCE).await?;
    page.click_render().await?;
    page.wait_status("failed").await?;

    let node = page.text_of("#failure .failure-node").await?;
    assert!(node.contains("KSampler"), "failure node: {node:?}");
    let message = page.text_of("#failure .failure-message").await?;
    assert!(
        message.contains("CUDA out of memory"),
        "failure message: {message:?}"
    );
    assert!(
        page.exists("#failure .failure-type").await?,
        "the exception type is shown"
    );
    assert!(
        page.exists("#failure details.traceback").await?,
        "a traceback is offered"
    );
    assert_eq!(
        page.attr_of("#failure details.traceback", "open").await?,
        None,
        "the traceback starts folded away"
    );
    let traceback = page
        .text_content("#failure details.traceback")
        .await?
        .unwrap_or_default();
    assert!(
        traceback.trim().len() > "Traceback".len(),
        "the folded traceback has content: {traceback:?}"
    );
    h.screenshot("foundation-failed").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_errors_are_listed() -> Result {
    let h = Harness::start_with("node-errors", json!({ "outcome": "node_errors" })).await?;
    let page = h.page();
    fill_form(&page, KEY, REFERENCE).await?;
    page.click_render().await?;

    page.wait_for("#node-errors li").await?;
    let items = page.texts_of("#node-errors li").await?;
    assert!(
        items
            .iter()
            .any(|t| t.contains("112") && t.contains("Invalid image file")),
        "a node error should name node 112 and say why: {items:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_key_shows_802() -> Result {
    let h = Harness::start(Options::new("bad-key")).await?;
    let page = h.page();
    fill_form(&page, BAD_KEY, REFERENCE).await?;
    page.click_render().await?;

    page.wait_for("#api-error").await?;
    let error = page.text_of("#api-error").await?;
    assert!(
        error.contains("802"),
        "the error should name code 802: {error:?}"
    );
    assert_eq!(
        page.attr_of("#api-error", "role").await?.as_deref(),
        Some("alert")
    );
    let task_id = if page.exists("#task-id").await? {
        page.text_of("#task-id").await?
    } else {
        String::new()
    };
    assert!(task_id.is_empty(), "no task should exist, got {task_id:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_is_never_in_a_url() -> Result {
    let h = Harness::start(Options::new("key-not-in-urls")).await?;
    let page = h.page();
    fill_form(&page, KEY, REFERENCE).await?;
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    page.wait_image_loaded("img.output-image").await?;

    let urls = h.resource_urls().await?;
    // The list must include the API calls themselves, or this test would prove nothing.
    for path in [RUN, QUERY] {
        assert!(
            urls.iter().any(|u| u.ends_with(path)),
            "the requests seen should include {path}: {urls:?}"
        );
    }
    let leaked: Vec<_> = urls.iter().filter(|u| u.contains(KEY)).collect();
    assert!(leaked.is_empty(), "the key appears in URLs: {leaked:?}");

    let log = h.sim_log().await?;
    for entry in &log {
        assert!(
            !entry_uri(entry).contains(KEY),
            "the key appears in a request target: {entry}"
        );
    }
    assert!(
        !log_entries_for(&log, RUN).is_empty() && !log_entries_for(&log, QUERY).is_empty(),
        "expected run and query requests in the log: {log:?}"
    );
    for entry in log_entries_for(&log, RUN) {
        assert_eq!(
            entry_body(entry)["apiKey"],
            "***",
            "v1 takes the key in the body (the simulator masks it): {entry}"
        );
    }
    for entry in log_entries_for(&log, QUERY) {
        assert_eq!(
            (
                entry["bearer"].clone(),
                entry_body(entry).get("apiKey").cloned()
            ),
            (json!(true), None),
            "v2 takes the key in the Authorization header only: {entry}"
        );
    }

    // "Remember on this device" is off by default: nothing persistent holds the key.
    let stored = h.page().local_storage().await?;
    assert!(
        !stored.contains(KEY),
        "the key was remembered without being asked to"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_output_says_so() -> Result {
    let h = Harness::start_with("no-output", json!({ "outcome": "empty" })).await?;
    let page = h.page();
    fill_form(&page, KEY, REFERENCE).await?;
    page.click_render().await?;
    page.wait_status("no-output").await?;

    let status = page.text_of("#job-status").await?;
    assert!(!status.is_empty(), "the status explains the empty result");
    assert_eq!(page.count("img.output-image").await?, 0);
    Ok(())
}
