//! The split build (issue 12): a first visit fetches the page, its script and the first view's
//! wasm, nothing more; a render's view, the history's items and a batch come as parts, fetched
//! when first shown. A part that can't be fetched says so, loses nothing, and loads on "Retry".
//! These run on `cargo xtask build`'s dist/, which is the split build.

use rh_api::path::RUN;
use serde_json::json;
use su_render_e2e::driver::BrowserOptions;
use su_render_e2e::page::{Page, Server, TempDir};
use su_render_e2e::{log_entries_for, Harness, Options, Result};

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// The page's own files among the URLs it asked for (not API calls, sockets or data URLs).
fn static_files(urls: &[String], origin: &str) -> Vec<String> {
    urls.iter()
        .filter_map(|u| u.strip_prefix(origin))
        .map(|path| path.split(['?', '#']).next().unwrap_or(path).to_string())
        .filter(|path| path == "/" || path.ends_with(".js") || path.ends_with(".wasm"))
        .collect()
}

fn parts_of(files: &[String]) -> Vec<&String> {
    files.iter().filter(|f| is_part(f)).collect()
}

/// A part, or a chunk that parts share (named by xtask/src/split.rs).
fn is_part(file: &str) -> bool {
    file.ends_with(".wasm") && (file.contains("-split_") || file.contains("-chunk_"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_visit_fetches_the_first_view_only_and_parts_when_shown() -> Result {
    let server = Server::fast().await?;
    let origin = server.base_url.trim_end_matches('/').to_string();
    // Chinese, as most of our users: the first view's module carries its strings.
    let b = Page::launch(BrowserOptions::new("parts-first-visit", "zh-CN")).await?;
    b.open(&format!("{origin}/")).await?;
    // The whole first view: the form, the connection card and the (empty) history.
    b.wait_for("#render").await?;
    b.wait_for("#history-empty").await?;

    let first = static_files(&b.request_urls().await?, &origin);
    let wasm: Vec<&String> = first.iter().filter(|f| f.ends_with(".wasm")).collect();
    assert_eq!(
        wasm.len(),
        1,
        "a first visit starts one wasm module, the first view's: {first:?}"
    );
    assert!(
        wasm[0].ends_with("_bg.wasm"),
        "the first view's module is the one wasm-bindgen wrote: {first:?}"
    );
    assert!(
        parts_of(&first).is_empty(),
        "no part is fetched before one is shown: {first:?}"
    );

    // A chosen picture fetches the render's view while it uploads, ahead of the click.
    let files = TempDir::new("parts-first-visit")?;
    let shot = files.png("room.png", 320, 200, 7)?;
    b.fill("#api-key", KEY).await?;
    b.pick_screenshot(&shot).await?;
    b.wait_until(
        "the render's view to be fetched once a picture is chosen",
        "return performance.getEntriesByType('resource').some(e => e.name.includes('-split_su_job'));",
        vec![],
    )
    .await?;
    b.click_render().await?;
    b.wait_status("succeeded").await?;
    b.wait_image_loaded("img.output-image").await?;

    // The finished render is journaled: the history lists it, with the list's own part.
    b.wait_for(".history-item[data-phase=succeeded]").await?;
    let after = static_files(&b.request_urls().await?, &origin);
    for name in ["-split_su_job", "-split_su_history"] {
        assert!(
            after.iter().any(|f| f.contains(name)),
            "{name} should have been fetched by now: {after:?}"
        );
    }
    for name in ["-split_su_batch", "-split_su_guide", "-split_su_english"] {
        assert!(
            !after.iter().any(|f| f.contains(name)),
            "a single render in Chinese never needs {name}: {after:?}"
        );
    }
    let shot = b.screenshot("parts-after-render").await?;
    println!("screenshot: {}", shot.display());

    // Switching to English fetches its strings, then shows them.
    b.click("#lang").await?;
    b.wait_until(
        "the page to switch to English",
        "return document.getElementById('render').textContent.includes('Render');",
        vec![],
    )
    .await?;
    let switched = static_files(&b.request_urls().await?, &origin);
    assert!(
        switched.iter().any(|f| f.contains("-split_su_english")),
        "{switched:?}"
    );

    // An English browser's first visit fetches the English strings before the page shows, and
    // no other part.
    let en = Page::launch(BrowserOptions::new("parts-first-visit-en", "en-US")).await?;
    en.open(&format!("{origin}/")).await?;
    en.wait_for("#history-empty").await?;
    assert_eq!(en.text("#lang").await?, "中文", "the page is in English");
    let first_en = static_files(&en.request_urls().await?, &origin);
    let parts: Vec<&String> = parts_of(&first_en)
        .into_iter()
        .filter(|f| f.contains("-split_"))
        .collect();
    assert!(
        parts.len() == 1 && parts[0].contains("-split_su_english"),
        "only the English strings: {first_en:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_part_that_cannot_be_fetched_says_so_sends_nothing_and_loads_on_retry() -> Result {
    let h = Harness::start(Options::new("parts-blocked")).await?;
    let page = h.page();
    page.open().await?;
    page.wait_for("#render").await?;
    // The page's server stops answering for the parts (as when the one-file app was closed, or
    // the connection dropped, after the page loaded).
    h.cdp("Network.enable", json!({})).await?;
    h.cdp(
        "Network.setBlockedURLs",
        json!({ "urls": ["*-split_*", "*-chunk_*"] }),
    )
    .await?;
    page.set_key(KEY).await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;

    let notice = page.wait_for(".part-failed").await?;
    let text = notice.text().await?;
    assert!(
        text.contains("could not be loaded") || text.contains("没能加载"),
        "the notice says what happened: {text:?}"
    );
    assert!(
        log_entries_for(&h.sim_log().await?, RUN).is_empty(),
        "without its view, no render was sent"
    );
    let not_sent = page.text_of(".part-failed .part-not-sent").await?;
    assert!(
        not_sent.contains("nothing was billed") || not_sent.contains("没有扣费"),
        "and the page says so: {not_sent:?}"
    );
    assert_eq!(
        page.prop("#node-112", "value").await?,
        "api/screenshot.png",
        "the form keeps what the user entered"
    );
    let shot = h.screenshot("parts-blocked").await?;
    println!("screenshot: {}", shot.display());

    // The connection is back: "Retry" fetches the part, and the render goes ahead.
    h.cdp("Network.setBlockedURLs", json!({ "urls": [] }))
        .await?;
    page.click(".part-retry").await?;
    page.wait_status("succeeded").await?;
    page.wait_image_loaded("img.output-image").await?;
    assert!(!page.exists(".part-failed").await?, "the notice is gone");
    assert_eq!(
        log_entries_for(&h.sim_log().await?, RUN).len(),
        1,
        "one render, sent once"
    );
    Ok(())
}
