//! What RunningHub answers in 2026 (issue 22), end to end in Chromium against the simulator:
//! a run answered 1003 (rate limited) waits and is sent again, making one task; a run answered
//! 1501 (content moderation) says the picture was refused and is never sent again; and a key
//! that only the other RunningHub site knows is found, offered, switched to and rendered with.

use std::time::Duration;

use serde_json::json;
use su_render_e2e::client::{ClientPage, RUN};
use su_render_e2e::page::TempDir;
use su_render_e2e::sites::{calls, key_from_the_other_site, two_sites, ACCOUNT, AI_KEY, CN_KEY};
use su_render_e2e::{log_entries_for, Harness, Mode, Options, Result};

const SCREENSHOT: &str = "api/screenshot.png";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_run_waits_for_a_free_slot_then_makes_one_task() -> Result {
    let mut options = Options::new("codes-1003");
    // Slow enough a resubmit (2–3 s, as 421's schedule makes it) to read the page meanwhile.
    options.sim.poll_steady_ms = Some(2_500);
    let h = Harness::start(options).await?;
    h.sim_fault(json!({"path": RUN, "kind": "code1003", "count": 1}))
        .await?;
    let page = h.open_page().await?;
    page.set_screenshot(SCREENSHOT).await?;
    page.click_render().await?;

    page.wait_for("#job[data-phase='waiting']").await?;
    let status = page.text_of("#job-status").await?;
    let detail = page.text_of("#job .detail").await?;
    let error = page.text_of("#api-error").await?;
    assert!(
        status.contains("waiting to retry") && detail.contains("free slot"),
        "{status} / {detail}"
    );
    assert!(
        error.contains("1003") && error.contains("no free slot") && !error.contains("unknown"),
        "the code is known and explained: {error}"
    );
    h.screenshot("codes-1003-waiting").await?;

    let seen = page.wait_status("succeeded").await?;
    assert!(seen.iter().any(|p| p == "waiting"), "{seen:?}");
    assert!(page.wait_image_loaded("img.output-image").await? > 0);
    assert!(
        !page.exists("#api-error").await?,
        "the error went with the wait"
    );
    let log = h.sim_log().await?;
    assert_eq!(
        log_entries_for(&log, RUN).len(),
        2,
        "the refused run, then the one that made the task"
    );
    let stats = h.sim_stats().await?;
    assert_eq!(
        stats["runs"], 1,
        "one task: the 1003 answer made none: {stats}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_picture_says_so_and_is_never_sent_again() -> Result {
    let h = Harness::start(Options::new("codes-1501")).await?;
    h.sim_fault(json!({"path": RUN, "kind": "code1501", "count": 1}))
        .await?;
    let page = h.open_page().await?;
    page.set_screenshot(SCREENSHOT).await?;
    page.click_render().await?;

    page.wait_status("refused").await?;
    let error = page.text_of("#api-error").await?;
    for part in [
        "1501",
        "content check refused the picture",
        "another view",
        "a different reference picture",
    ] {
        assert!(error.contains(part), "{part:?} in {error}");
    }
    h.screenshot("codes-1501").await?;
    // Several resubmit intervals later (the simulator asks for 300 ms), still one run request.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(page.phase().await?.as_deref(), Some("refused"));
    let log = h.sim_log().await?;
    assert_eq!(
        log_entries_for(&log, RUN).len(),
        1,
        "never retried: {log:?}"
    );
    assert_eq!(h.sim_stats().await?["runs"], 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_from_the_other_site_is_found_and_switched_to_in_one_click() -> Result {
    let (cn, ai) = two_sites().await?;
    let h = Harness::start_with_mode(
        Options::new("codes-key-site"),
        Mode::Sites {
            cn: cn.base_url.clone(),
            ai: ai.base_url.clone(),
        },
    )
    .await?;
    let files = TempDir::new("codes-key-site")?;
    let shot = files.png("lobby.png", 640, 400, 3)?;
    key_from_the_other_site(&h.browser, &h.base_url, (&cn, &ai), &shot, "codes-key-site").await?;

    // A key neither site knows: both are asked, and the message is the key message of today.
    let page = h.page();
    page.set_key("0123456789abcdef0123456789abcdef").await?;
    let error = page.wait_text("#account-error").await?;
    assert!(
        error.contains("802") && error.contains("other site"),
        "{error}"
    );
    assert!(!page.exists("#key-site").await?);
    assert_eq!(calls(&ai, ACCOUNT).await?, 2);
    assert_eq!(
        calls(&cn, ACCOUNT).await?,
        2,
        "the other site was asked too"
    );

    // "Check key and balance" with the China key, on the international site: the other way.
    page.set_key(CN_KEY).await?;
    // Not waiting for the automatic check: the button asks at once (and the check after the
    // key settled then finds one running, or the answer there already).
    page.click("#check-key").await?;
    page.wait_for("#key-site[data-site='cn']").await?;
    assert_eq!(
        page.text_of("#switch-site").await?,
        "Switch to RunningHub China"
    );
    // The offer in Chinese too.
    page.click("#lang").await?;
    page.wait_until(
        "the offer in Chinese",
        "return document.querySelector('#switch-site')?.textContent === '切换到 RunningHub 中国站';",
        vec![],
    )
    .await?;
    let zh = page.text_of("#key-site").await?;
    assert!(zh.contains("这个密钥来自 RunningHub 中国站"), "{zh}");
    h.screenshot("codes-key-site-zh").await?;
    page.click("#switch-site").await?;
    page.wait_gone("#key-site").await?;
    assert_eq!(page.site().await?, "cn");
    // Nothing went anywhere but the two sites, and the key never into a URL.
    for url in h.resource_urls().await? {
        assert!(!url.contains(CN_KEY) && !url.contains(AI_KEY), "{url}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_other_site_cannot_be_asked_the_page_says_so() -> Result {
    let (cn, _) = two_sites().await?;
    // The international site gets no answer: the relay can't reach it (a port free a moment
    // ago), as a browser that blocks direct calls to it would leave the page without one.
    let (listener, nowhere) = su_render_e2e::server::bind().await?;
    drop(listener);
    let h = Harness::start_with_mode(
        Options::new("codes-key-site-unasked"),
        Mode::Sites {
            cn: cn.base_url.clone(),
            ai: format!("http://{nowhere}"),
        },
    )
    .await?;
    let page = h.open_page().await?;
    page.set_key(AI_KEY).await?;
    let error = page.wait_text("#account-error").await?;
    assert!(error.contains("802"), "China's answer, as before: {error}");
    let unasked = page.text_of("#key-other-unasked").await?;
    assert!(
        unasked.contains("RunningHub International") && unasked.contains("could not be asked"),
        "{unasked}"
    );
    assert!(
        !page.exists("#key-site").await?,
        "no switch is offered blindly"
    );
    assert_eq!(page.site().await?, "cn");
    assert_eq!(calls(&cn, ACCOUNT).await?, 1);
    h.screenshot("codes-key-site-unasked").await?;
    Ok(())
}
