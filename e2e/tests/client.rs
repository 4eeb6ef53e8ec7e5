//! The whole RunningHub client (issue 3), end to end in Chromium: pictures from disk, drop and
//! paste, pre-flight refusals, shrinking, a generated form for another app, the balance, cancel,
//! a full queue, and the relay (to the simulator, and to an upstream that cuts its answers).
//! Each test has its own server, simulator and browser.

use std::time::Duration;

use serde_json::{json, Value};
use su_render_e2e::client::{
    get_bytes, jpeg_dimensions, last_run_body, node_entries, node_value, noisy_png, png_lookalike,
    poll_entries, small_png, start_relay, stored_name, upload_entries, ClientPage, CutUpstream,
    CANCEL, RUN, UPLOAD_V2,
};
use su_render_e2e::page::TempDir;
use su_render_e2e::{log_entries_for, AppPage, Harness, Options, Result, Server, SimConfig};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const RESTYLE_APP: &str = "1937084629516193794";

/// Opens the app and enters a key; the site stays at its default (this server).
async fn open_with_key(page: &AppPage<'_>) -> Result {
    page.open().await?;
    page.set_key(KEY).await?;
    Ok(())
}

/// The text of `#<input>` must be a name the simulator gave to an upload (v2 names them
/// `openapi/…`, v1 `api/…`).
fn assert_uploaded_name(name: &str) {
    assert!(
        (name.starts_with("openapi/") || name.starts_with("api/")) && stored_name(name) != name,
        "the node should hold the uploaded file's name, got {name:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_by_picker_then_render() -> Result {
    let h = Harness::start(Options::new("client-picker")).await?;
    let files = TempDir::new("picker")?;
    let png = small_png(640, 400, 5);
    let path = files.write("sketchup.png", &png)?;
    let page = h.page();
    open_with_key(&page).await?;

    page.pick_file("node-112", &path).await?;
    page.wait_upload("node-112", "done").await?;
    let name = page.value_of("#node-112").await?;
    assert_uploaded_name(&name);
    assert!(
        page.wait_image_loaded("#node-112-preview").await? > 0,
        "a preview is shown"
    );
    // A small PNG goes up as it is.
    let stored = stored_name(&name);
    let (status, bytes) = get_bytes(&format!("{}/sim-files/uploads/{stored}", h.base_url)).await?;
    assert_eq!(status, 200);
    assert!(bytes == png, "the small PNG should be uploaded unchanged");
    let log = h.sim_log().await?;
    assert_eq!(upload_entries(&log).len(), 1, "one upload: {log:?}");

    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let body = last_run_body(&h.sim_log().await?)?;
    assert_eq!(
        node_value(&body, "112", "image"),
        Some(json!(name)),
        "the run should carry the uploaded name: {body}"
    );
    h.screenshot("client-picker").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_by_drop_and_by_paste() -> Result {
    let h = Harness::start(Options::new("client-drop-paste")).await?;
    let page = h.page();
    open_with_key(&page).await?;

    page.drop_file(
        "node-112",
        "dropped.png",
        "image/png",
        &small_png(320, 200, 1),
    )
    .await?;
    page.wait_upload("node-112", "done").await?;
    let screenshot = page.value_of("#node-112").await?;
    assert_uploaded_name(&screenshot);
    page.wait_image_loaded("#node-112-preview").await?;

    // The user clicks into the reference's drop zone, then presses Ctrl+V.
    h.client
        .execute("document.getElementById('node-158-drop').focus();", vec![])
        .await?;
    page.paste_file("image.png", "image/png", &small_png(300, 300, 99))
        .await?;
    page.wait_upload("node-158", "done").await?;
    let reference = page.value_of("#node-158").await?;
    assert_uploaded_name(&reference);
    assert_ne!(reference, screenshot, "two different pictures");
    assert_eq!(
        page.value_of("#node-112").await?,
        screenshot,
        "the paste went to the reference only"
    );
    page.wait_image_loaded("#node-158-preview").await?;

    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let body = last_run_body(&h.sim_log().await?)?;
    assert_eq!(node_value(&body, "112", "image"), Some(json!(screenshot)));
    assert_eq!(node_value(&body, "158", "image"), Some(json!(reference)));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_goes_to_the_screenshot_by_default() -> Result {
    let h = Harness::start(Options::new("client-paste-default")).await?;
    let page = h.page();
    open_with_key(&page).await?;
    page.paste_file("image.png", "image/png", &small_png(200, 120, 3))
        .await?;
    page.wait_upload("node-112", "done").await?;
    assert_uploaded_name(&page.value_of("#node-112").await?);
    assert_eq!(
        page.upload_state("node-158").await?.as_deref(),
        Some("idle"),
        "the reference was left alone"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_31_mb_file_is_refused_before_upload() -> Result {
    let h = Harness::start(Options::new("client-31mb")).await?;
    let files = TempDir::new("31mb")?;
    let path = files.write("huge.png", &png_lookalike(31 * 1024 * 1024))?;
    let page = h.page();
    open_with_key(&page).await?;
    page.set_reference("api/reference.png").await?;

    page.pick_file("node-158", &path).await?;
    let message = page.wait_upload("node-158", "refused").await?;
    assert!(
        message.contains("31.0 MB") && message.contains("30 MB"),
        "the refusal should name the size and the limit: {message:?}"
    );
    assert_eq!(
        page.value_of("#node-158").await?,
        "api/reference.png",
        "what the user typed stays"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = h.sim_log().await?;
    assert!(
        upload_entries(&log).is_empty(),
        "nothing may be uploaded: {log:?}"
    );
    h.screenshot("client-31mb").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_file_named_png_is_refused() -> Result {
    let h = Harness::start(Options::new("client-not-image")).await?;
    let files = TempDir::new("not-image")?;
    let path = files.write(
        "notes.png",
        b"Meeting notes: render the lobby before Friday.\n",
    )?;
    let page = h.page();
    open_with_key(&page).await?;
    page.set_screenshot("api/typed.png").await?;

    page.pick_file("node-112", &path).await?;
    let message = page.wait_upload("node-112", "refused").await?;
    assert!(
        message.contains("not a JPG, PNG or WEBP"),
        "the refusal should say what the file is not: {message:?}"
    );
    assert_eq!(page.value_of("#node-112").await?, "api/typed.png");
    let log = h.sim_log().await?;
    assert!(upload_entries(&log).is_empty(), "{log:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_png_is_shrunk_before_upload() -> Result {
    let h = Harness::start(Options::new("client-shrink")).await?;
    let files = TempDir::new("shrink")?;
    let png = noisy_png(6000, 3000, 42);
    assert!(
        png.len() > 4 * 1024 * 1024 && png.len() < 30 * 1024 * 1024,
        "the test picture should be several MB: {} bytes",
        png.len()
    );
    let path = files.write("big-screenshot.png", &png)?;
    let page = h.page();
    open_with_key(&page).await?;
    assert_eq!(
        page.wait_for("#shrink")
            .await?
            .prop("checked")
            .await?
            .as_deref(),
        Some("true"),
        "shrinking is on by default"
    );
    assert_eq!(page.value_of("#max-side").await?, "2560");

    page.pick_file("node-112", &path).await?;
    page.wait_upload("node-112", "done").await?;
    let sizes = page.sizes_of("node-112").await?.unwrap_or_default();
    assert!(
        sizes.contains("6000×3000") && sizes.contains("2560×1280"),
        "original and uploaded sizes should be shown: {sizes:?}"
    );

    let name = page.value_of("#node-112").await?;
    assert_uploaded_name(&name);
    let (status, stored) = get_bytes(&format!(
        "{}/sim-files/uploads/{}",
        h.base_url,
        stored_name(&name)
    ))
    .await?;
    assert_eq!(status, 200);
    assert_eq!(
        stored.get(..3),
        Some(&[0xff, 0xd8, 0xff][..]),
        "the upload should be a JPEG"
    );
    assert_eq!(jpeg_dimensions(&stored), Some((2560, 1280)));
    assert!(
        stored.len() < png.len(),
        "the upload ({} bytes) should be smaller than the original ({} bytes)",
        stored.len(),
        png.len()
    );
    h.screenshot("client-shrink").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_form_sends_only_what_changed() -> Result {
    let h = Harness::start(Options::new("client-generated-form")).await?;
    let files = TempDir::new("form")?;
    let path = files.write("room.png", &small_png(400, 300, 8))?;
    let page = h.page();
    open_with_key(&page).await?;

    let loaded = page.load_app(RESTYLE_APP).await?;
    assert!(!loaded.is_empty());
    for css in [
        "#field-10-image",
        "#field-20-text",
        "#field-30-seed",
        "#field-31-denoise",
        "#field-40-style",
        "#field-50-upscale",
    ] {
        page.wait_for(css).await?;
    }
    assert!(
        !page.exists("#node-112").await?,
        "the SketchUp inputs are gone"
    );
    assert_eq!(page.value_of("#field-31-denoise").await?, "0.75");
    assert_eq!(page.value_of("#field-40-style").await?, "modern");

    page.pick_file("field-10-image", &path).await?;
    page.wait_upload("field-10-image", "done").await?;
    let image = page.value_of("#field-10-image").await?;
    assert_uploaded_name(&image);
    page.fill("#field-20-text", "a cosy nordic cabin at dusk")
        .await?;
    page.fill("#field-30-seed", "7").await?;
    page.wait_for("#field-40-style")
        .await?
        .select_by_value("nordic")
        .await?;
    let upscale = page.wait_for("#field-50-upscale").await?;
    assert_eq!(upscale.prop("checked").await?.as_deref(), Some("true"));
    upscale.click().await?;
    assert_eq!(upscale.prop("checked").await?.as_deref(), Some("false"));

    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let body = last_run_body(&h.sim_log().await?)?;
    assert_eq!(body["webappId"], RESTYLE_APP, "{body}");
    let expected: Vec<(String, String, Value)> = vec![
        ("10".into(), "image".into(), json!(image)),
        (
            "20".into(),
            "text".into(),
            json!("a cosy nordic cabin at dusk"),
        ),
        ("30".into(), "seed".into(), json!("7")),
        ("40".into(), "style".into(), json!("nordic")),
        ("50".into(), "upscale".into(), json!("false")),
    ];
    assert_eq!(
        node_entries(&body),
        expected,
        "exactly the changed fields and the picture, values as strings: {body}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_key_shows_the_balance_or_explains_the_key() -> Result {
    let h = Harness::start(Options::new("client-balance")).await?;
    let page = h.page();
    open_with_key(&page).await?;

    page.click("#check-key").await?;
    page.wait_for("#account li").await?;
    let lines = page.texts_of("#account li").await?;
    for expected in ["Coins left: 1234", "Running tasks: 0", "Key type: NORMAL"] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected:?} should be shown: {lines:?}"
        );
    }
    let log = h.sim_log().await?;
    let account = log_entries_for(&log, su_render_e2e::client::ACCOUNT);
    assert_eq!(account.len(), 1, "{log:?}");
    assert_eq!(
        su_render_e2e::entry_body(account[0])["apikey"],
        "***",
        "the key goes in `apikey`"
    );

    page.set_key("bad00000000000000000000000000806").await?;
    page.click("#check-key").await?;
    let error = page.wait_text("#account-error").await?;
    assert!(
        error.contains("806") && error.contains("other site"),
        "a key from the other site should be explained: {error:?}"
    );
    assert!(
        !page.exists("#account li").await?,
        "the old balance is not shown with the error"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_queued_task() -> Result {
    let h = Harness::start_with("client-cancel", json!({"queueMs": 20_000})).await?;
    let page = h.page();
    open_with_key(&page).await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;
    page.wait_status("queued").await?;

    page.click("#cancel").await?;
    page.wait_status("cancelled").await?;
    let log = h.sim_log().await?;
    let cancels = log_entries_for(&log, CANCEL);
    assert_eq!(cancels.len(), 1, "one cancel request: {log:?}");
    let run_task = page.text_of("#task-id").await.unwrap_or_default();
    if !run_task.is_empty() {
        assert_eq!(
            su_render_e2e::entry_body(cancels[0])["taskId"],
            json!(run_task),
            "the cancel names the task"
        );
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        page.phase().await?.as_deref(),
        Some("cancelled"),
        "cancelled stays cancelled, not failed"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_waits_and_retries() -> Result {
    let h = Harness::start(Options::new("client-421")).await?;
    h.sim_fault(json!({"path": RUN, "kind": "code421", "count": 2}))
        .await?;
    let page = h.page();
    open_with_key(&page).await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;

    let seen = page.wait_status("succeeded").await?;
    assert!(
        seen.iter().any(|p| p == "waiting"),
        "the page should show that it waits: {seen:?}"
    );
    let stats = h.sim_stats().await?;
    assert_eq!(stats["runs"], 1, "the 421 answers created no task: {stats}");
    let log = h.sim_log().await?;
    assert_eq!(
        log_entries_for(&log, RUN).len(),
        3,
        "two refused runs, then one that started the task"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_to_the_simulator() -> Result {
    let sim = Server::start(SimConfig {
        queue_ms: 300,
        run_ms: 600,
        poll_first_ms: None,
        poll_steady_ms: None,
        require_key: None,
        socket_hidden_close_ms: None,
    })
    .await?;
    let h = start_relay(Options::new("client-relay"), &sim.base_url).await?;
    let files = TempDir::new("relay")?;
    let path = files.write("screen.png", &small_png(500, 300, 77))?;
    let page = h.open_page().await?;
    // A relay serves the RunningHub sites; the page picks one and calls it through the relay.
    assert_eq!(page.site().await?, "cn");
    page.wait_for("#via[data-via='this']").await?;
    page.set_key(KEY).await?;

    page.pick_file("node-112", &path).await?;
    page.wait_upload("node-112", "done").await?;
    let name = page.value_of("#node-112").await?;
    assert_uploaded_name(&name);
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    page.wait_image_loaded("img.output-image").await?;

    // Everything reached the simulator, through the relay: the page only knows the relay.
    let log = sim.sim_log().await?;
    assert_eq!(upload_entries(&log).len(), 1, "{log:?}");
    assert_eq!(log_entries_for(&log, RUN).len(), 1, "{log:?}");
    assert!(!poll_entries(&log).is_empty(), "{log:?}");
    let body = last_run_body(&log)?;
    assert_eq!(node_value(&body, "112", "image"), Some(json!(name)));
    let urls = h.resource_urls().await?;
    let api_calls: Vec<&String> = urls
        .iter()
        .filter(|u| {
            u.contains("/task/openapi/") || u.contains("/uc/openapi/") || u.contains("/openapi/v2/")
        })
        .collect();
    assert!(!api_calls.is_empty(), "{urls:?}");
    for url in api_calls {
        assert!(
            url.starts_with(&format!("{}/cn/", h.base_url)),
            "API calls go to the relay's China path only: {url}"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_turns_a_cut_answer_into_one_failed_request() -> Result {
    let upstream = CutUpstream::start().await?;
    let h = start_relay(Options::new("client-relay-cut"), &upstream.base_url).await?;
    let page = h.open_page().await?;
    page.set_key(KEY).await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;

    let (phase, seen) = page.wait_job_settled().await?;
    // Give a re-sent POST time to show up, had there been one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        upstream.count(RUN),
        1,
        "the run must reach RunningHub exactly once: {:?}",
        upstream.requests()
    );
    if phase != "unknown" {
        return Err(page
            .explain(&format!(
                "a lost run answer must leave the outcome unknown, but the job ended in `{phase}` (phases seen: {seen:?})"
            ))
            .await
            .into());
    }
    assert_eq!(page.phase().await?.as_deref(), Some("unknown"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn render_waits_for_a_running_upload() -> Result {
    let h = Harness::start(Options::new("client-upload-busy")).await?;
    h.sim_fault(json!({"path": UPLOAD_V2, "kind": "stall", "stallMs": 4000}))
        .await?;
    let files = TempDir::new("busy")?;
    let path = files.write("slow.png", &small_png(320, 240, 4))?;
    let page = h.page();
    open_with_key(&page).await?;

    page.pick_file("node-112", &path).await?;
    page.wait_upload("node-112", "uploading").await?;
    page.click_render().await?;
    let why = page.wait_text("#form-error").await?;
    assert!(
        why.contains("upload"),
        "the page should say that the upload is still running: {why:?}"
    );
    let log = h.sim_log().await?;
    assert!(
        log_entries_for(&log, RUN).is_empty(),
        "no task may start before the picture is uploaded: {log:?}"
    );

    page.wait_upload("node-112", "done").await?;
    let name = page.value_of("#node-112").await?;
    assert_uploaded_name(&name);
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let body = last_run_body(&h.sim_log().await?)?;
    assert_eq!(node_value(&body, "112", "image"), Some(json!(name)));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_says_why_and_can_be_redone() -> Result {
    let h = Harness::start(Options::new("client-upload-failed")).await?;
    h.sim_fault(json!({"path": UPLOAD_V2, "kind": "code808"}))
        .await?;
    let files = TempDir::new("failed")?;
    let path = files.write("shot.png", &small_png(320, 240, 6))?;
    let page = h.page();
    open_with_key(&page).await?;

    page.pick_file("node-112", &path).await?;
    let message = page.wait_upload("node-112", "failed").await?;
    assert!(
        message.contains("808"),
        "the failure should say why: {message:?}"
    );
    page.click_render().await?;
    let why = page.wait_text("#form-error").await?;
    assert!(!why.is_empty());
    assert!(log_entries_for(&h.sim_log().await?, RUN).is_empty());

    // The same file again: the fault is used up, so this upload goes through.
    page.pick_file("node-112", &path).await?;
    page.wait_upload("node-112", "done").await?;
    assert_uploaded_name(&page.value_of("#node-112").await?);
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let log = h.sim_log().await?;
    assert_eq!(upload_entries(&log).len(), 2, "{log:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advanced_overrides_and_instance_type_are_sent() -> Result {
    let h = Harness::start(Options::new("client-advanced")).await?;
    let page = h.page();
    open_with_key(&page).await?;
    page.set_screenshot("api/screenshot.png").await?;

    page.click("#advanced summary").await?;
    page.wait_for("#instance-type")
        .await?
        .select_by_value("plus")
        .await?;
    page.click("#add-override").await?;
    page.fill("li.override-row .override-node", "158").await?;
    page.fill("li.override-row .override-field", "image")
        .await?;
    page.fill("li.override-row .override-value", "api/override.png")
        .await?;

    page.click_render().await?;
    page.wait_status("succeeded").await?;
    let body = last_run_body(&h.sim_log().await?)?;
    assert_eq!(body["instanceType"], "plus", "{body}");
    assert_eq!(
        node_entries(&body),
        vec![
            (
                "112".to_owned(),
                "image".to_owned(),
                json!("api/screenshot.png")
            ),
            (
                "158".to_owned(),
                "image".to_owned(),
                json!("api/override.png")
            ),
        ],
        "{body}"
    );
    Ok(())
}
