//! "A page people enjoy" (issue 5), end to end: the compare slider, the full-screen viewer, both
//! languages, share links (form and result) opened in a fresh browser profile, consent before a
//! foreign server gets the key, hosting under a sub-path, a request log with no third-party host,
//! and screenshots of the main states at phone and desktop widths in both languages.
//!
//! Each test has its own server (simulator) and its own browser(s), each with a fresh profile.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fantoccini::actions::{InputSource, MouseActions, PointerAction, WheelAction, WheelActions};
use fantoccini::key::Key;
use rh_api::path::{OUTPUTS, QUERY, RUN, UPLOAD, UPLOAD_V2};
use serde_json::{json, Value};
use su_render_e2e::driver::{cjk_lines, host_of, BrowserOptions};
use su_render_e2e::page::{
    bind, check_dist, Page, Server, TempDir, DESKTOP_WIDTH, PHONE_WIDTH, SU_APP,
};
use su_render_e2e::{
    artifacts_dir, dist_dir, entry_body, fast_sim, log_entries_for, strings, Mode, Result,
    ServerConfig, SimConfig,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const SCREENSHOT: &str = "api/screenshot.png";
const REFERENCE: &str = "api/reference.png";
/// Every RunningHub path the app may call.
const API_PATHS: [&str; 8] = [
    RUN,
    UPLOAD,
    OUTPUTS,
    UPLOAD_V2,
    QUERY,
    rh_api::path::STATUS,
    rh_api::path::CANCEL,
    rh_api::path::ACCOUNT,
];

fn key(k: Key) -> char {
    char::from(k)
}

/// Percent-encodes everything but unreserved characters (as the app writes its links).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The browser's local date as `YYYY-MM-DD` (what download names carry).
async fn today(b: &Page) -> Result<String> {
    Ok(b.js(
        "const d = new Date();
         return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' +
             String(d.getDate()).padStart(2, '0');",
        vec![],
    )
    .await?
    .as_str()
    .unwrap_or_default()
    .to_string())
}

/// `aria-valuenow` of the compare handle, as a number.
async fn slider_value(b: &Page) -> Result<f64> {
    let now = b
        .attr("#compare-handle", "aria-valuenow")
        .await?
        .unwrap_or_default();
    now.parse::<f64>()
        .map_err(|e| format!("aria-valuenow {now:?} is not a number: {e}").into())
}

/// Where the handle's centre is, as a percentage of the compare frame's width.
async fn handle_position(b: &Page) -> Result<f64> {
    let value = b
        .js(
            "const f = document.querySelector('.compare-frame').getBoundingClientRect();
             const h = document.querySelector('#compare-handle').getBoundingClientRect();
             return (h.left + h.width / 2 - f.left) / f.width * 100;",
            vec![],
        )
        .await?;
    Ok(value.as_f64().unwrap_or(f64::NAN))
}

/// The viewer's zoom (`data-scale` of `#viewer-image`; 1 = fit).
async fn viewer_scale(b: &Page) -> Result<f64> {
    let scale = b
        .attr("#viewer-image", "data-scale")
        .await?
        .unwrap_or_default();
    scale
        .parse::<f64>()
        .map_err(|e| format!("data-scale {scale:?} is not a number: {e}").into())
}

/// Waits until the viewer's zoom satisfies `ok`; returns it.
async fn wait_scale(b: &Page, what: &str, ok: impl Fn(f64) -> bool) -> Result<f64> {
    for _ in 0..50 {
        let scale = viewer_scale(b).await?;
        if ok(scale) {
            return Ok(scale);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let scale = viewer_scale(b).await?;
    Err(b
        .explain(&format!("viewer zoom should be {what}, is {scale}"))
        .await
        .into())
}

async fn wait_counter(b: &Page, expected: &str) -> Result {
    b.wait_until(
        &format!("#viewer-counter to read {expected:?}"),
        "const c = document.querySelector('#viewer-counter');
         return c && c.textContent.trim() === arguments[0];",
        vec![json!(expected)],
    )
    .await?;
    Ok(())
}

/// `src` of every `img.output-image`, in page order.
async fn output_urls(b: &Page) -> Result<Vec<String>> {
    let value = b
        .js(
            "return [...document.querySelectorAll('img.output-image')].map(i => i.src);",
            vec![],
        )
        .await?;
    Ok(strings(&value))
}

/// Asserts that the visible page text holds no Chinese (marked other-language parts aside).
async fn assert_no_cjk(b: &Page, state: &str) -> Result {
    let (text, skipped) = b.visible_text().await?;
    let lines = cjk_lines(&text);
    if !lines.is_empty() {
        return Err(b
            .explain(&format!(
                "English mode, {state}: Chinese text remains on the page: {lines:#?}\n  \
                 (left out as marked with another lang: {skipped:?})"
            ))
            .await
            .into());
    }
    Ok(())
}

/// API requests (RunningHub paths) in the simulator log.
fn api_calls(log: &[Value]) -> usize {
    API_PATHS
        .iter()
        .map(|p| log_entries_for(log, p).len())
        .sum()
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_slider_moves_by_drag_and_keys_and_has_side_and_flip_modes() -> Result {
    let server = Server::fast().await?;
    let b = Page::launch(BrowserOptions::new("page-compare", "en-US")).await?;
    let files = TempDir::new("compare")?;
    let picture = files.png("living-room.png", 800, 500, 1)?;

    b.open(&format!("{}/", server.base_url)).await?;
    b.pick_screenshot(&picture).await?;
    b.click_render().await?;
    b.wait_status("succeeded").await?;
    b.wait_for("#compare .compare-frame").await?;
    b.wait_image_loaded("#compare img.after").await?;
    b.wait_image_loaded("#compare img.before").await?;

    assert_eq!(
        b.attr("#job-status", "role").await?.as_deref(),
        Some("status")
    );
    assert_eq!(
        b.attr("#job-status", "aria-live").await?.as_deref(),
        Some("polite"),
        "the status line is announced"
    );
    let handle = "#compare-handle";
    assert_eq!(b.attr(handle, "role").await?.as_deref(), Some("slider"));
    assert_eq!(b.attr(handle, "tabindex").await?.as_deref(), Some("0"));
    assert_eq!(slider_value(&b).await?, 50.0, "the divider starts centred");
    assert!(
        (handle_position(&b).await? - 50.0).abs() < 1.5,
        "the handle is drawn at the divider"
    );

    // Dragging with the mouse: the divider follows the pointer, and so does the handle.
    b.drag_across(".compare-frame", 0.5, 0.2).await?;
    let now = slider_value(&b).await?;
    assert!(
        (now - 20.0).abs() <= 1.5,
        "dragged to 20 %, slider at {now}"
    );
    let drawn = handle_position(&b).await?;
    assert!(
        (drawn - now).abs() < 1.5,
        "the handle should be drawn at {now} %, is at {drawn} %"
    );
    let clip = b
        .js(
            "return document.querySelector('#compare img.before').style.clipPath;",
            vec![],
        )
        .await?;
    assert!(
        clip.as_str().is_some_and(|c| c.starts_with("inset(")),
        "the screenshot is clipped at the divider: {clip}"
    );
    b.drag_across(".compare-frame", 0.2, 0.75).await?;
    let now = slider_value(&b).await?;
    assert!(
        (now - 75.0).abs() <= 1.5,
        "dragged to 75 %, slider at {now}"
    );

    // The keyboard: focus the handle, as Tab would, and use the arrows.
    b.js("document.querySelector('#compare-handle').focus();", vec![])
        .await?;
    let focused = b.js("return document.activeElement.id;", vec![]).await?;
    assert_eq!(focused, json!("compare-handle"), "the handle takes focus");
    b.press(None, &[key(Key::Home)]).await?;
    assert_eq!(slider_value(&b).await?, 0.0, "Home");
    b.press(None, &[key(Key::Right)]).await?;
    assert_eq!(slider_value(&b).await?, 2.0, "ArrowRight: +2");
    b.press(Some(key(Key::Shift)), &[key(Key::Right)]).await?;
    assert_eq!(slider_value(&b).await?, 12.0, "Shift+ArrowRight: +10");
    b.press(None, &[key(Key::Left)]).await?;
    assert_eq!(slider_value(&b).await?, 10.0, "ArrowLeft: -2");
    b.press(None, &[key(Key::End)]).await?;
    assert_eq!(slider_value(&b).await?, 100.0, "End");
    b.press(Some(key(Key::Shift)), &[key(Key::Left)]).await?;
    assert_eq!(slider_value(&b).await?, 90.0, "Shift+ArrowLeft: -10");
    b.press(None, &[key(Key::Right), key(Key::Right), key(Key::Right)])
        .await?;
    assert_eq!(slider_value(&b).await?, 96.0, "three more steps");
    b.press(Some(key(Key::Shift)), &[key(Key::Right)]).await?;
    assert_eq!(slider_value(&b).await?, 100.0, "stops at 100");

    // Side by side.
    b.click("#mode-side").await?;
    b.wait_gone(".compare-frame").await?;
    assert_eq!(
        b.attr("#mode-side", "aria-selected").await?.as_deref(),
        Some("true")
    );
    assert_eq!(
        b.attr("#mode-slider", "aria-selected").await?.as_deref(),
        Some("false")
    );
    assert_eq!(b.count("#compare .compare-side img").await?, 2);
    b.wait_image_loaded("#compare .compare-side figure:nth-child(1) img")
        .await?;
    b.wait_image_loaded("#compare .compare-side figure:nth-child(2) img")
        .await?;

    // Flip: one picture, a click shows the other.
    b.click("#mode-flip").await?;
    b.wait_for("#flip").await?;
    assert_eq!(
        b.attr("#mode-flip", "aria-selected").await?.as_deref(),
        Some("true")
    );
    assert_eq!(
        b.attr("#flip", "aria-pressed").await?.as_deref(),
        Some("false")
    );
    let shown = b.attr("#flip img", "src").await?.unwrap_or_default();
    assert!(
        shown.starts_with(&server.base_url),
        "flip starts on the rendering: {shown}"
    );
    b.click("#flip").await?;
    assert_eq!(
        b.attr("#flip", "aria-pressed").await?.as_deref(),
        Some("true")
    );
    let shown = b.attr("#flip img", "src").await?.unwrap_or_default();
    assert!(
        shown.starts_with("blob:"),
        "a click shows the picked screenshot: {shown}"
    );
    b.click("#flip").await?;
    assert_eq!(
        b.attr("#flip", "aria-pressed").await?.as_deref(),
        Some("false")
    );
    b.click("#mode-slider").await?;
    b.wait_for(".compare-frame").await?;

    // The download is named after the picked screenshot and today's date.
    let expected = format!("living-room-render-{}.png", today(&b).await?);
    assert_eq!(
        b.attr("button.download", "data-name").await?.as_deref(),
        Some(expected.as_str())
    );
    let downloads = TempDir::new("downloads")?;
    b.cdp(
        "Browser.setDownloadBehavior",
        json!({ "behavior": "allow", "downloadPath": downloads.path.display().to_string() }),
    )
    .await?;
    b.click("button.download").await?;
    let saved = downloads.path.join(&expected);
    for _ in 0..100 {
        if saved.is_file() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names: Vec<_> = std::fs::read_dir(&downloads.path)?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert!(
        saved.is_file(),
        "the download should be saved as {expected}; the folder has {names:?}"
    );
    let bytes = std::fs::read(&saved)?;
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "the saved file is the PNG rendering"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_zooms_fits_moves_between_outputs_and_closes_by_keyboard() -> Result {
    let server = Server::fast().await?;
    server.sim_control(json!({ "outcome": "multi" })).await?;
    let b = Page::launch(BrowserOptions::new("page-viewer", "en-US")).await?;
    b.open(&format!("{}/", server.base_url)).await?;
    b.type_pictures(SCREENSHOT, REFERENCE).await?;
    b.click_render().await?;
    b.wait_status("succeeded").await?;

    // Two pictures in a grid and the text file as a typed link.
    b.wait_until(
        "two output images",
        "return document.querySelectorAll('img.output-image').length === 2;",
        vec![],
    )
    .await?;
    let links = b.count("a.output-link[data-type='txt']").await?;
    assert_eq!(links, 1, "the txt output is a typed link");
    let href = b.attr("a.output-link", "href").await?.unwrap_or_default();
    assert!(href.ends_with("info.txt"), "the txt link: {href}");
    let urls = output_urls(&b).await?;
    assert_eq!(urls.len(), 2);
    let date = today(&b).await?;
    let names = b
        .js(
            "return [...document.querySelectorAll('button.download')].map(b => b.dataset.name);",
            vec![],
        )
        .await?;
    assert_eq!(
        names,
        json!([
            format!("su-render-render-{date}.png"),
            format!("su-render-render-{date}-2.png")
        ]),
        "with a typed file name there is no screenshot name to use"
    );

    // Opening: a click on the first picture.
    b.wait_image_loaded("#outputs li:nth-child(1) img.output-image")
        .await?;
    b.wait_image_loaded("#outputs li:nth-child(2) img.output-image")
        .await?;
    b.click("#outputs li:nth-child(1) img.output-image").await?;
    b.wait_for("#viewer").await?;
    assert_eq!(b.attr("#viewer", "role").await?.as_deref(), Some("dialog"));
    b.wait_until(
        "the viewer to take the keyboard focus",
        "const v = document.querySelector('#viewer');
         return v && v.contains(document.activeElement);",
        vec![],
    )
    .await?;
    wait_counter(&b, "1 / 2").await?;
    assert_eq!(
        b.attr("#viewer-image", "src").await?.as_deref(),
        Some(urls[0].as_str())
    );
    b.wait_image_loaded("#viewer-image").await?;
    assert_eq!(viewer_scale(&b).await?, 1.0, "opens fitted");
    for (width, height) in [(PHONE_WIDTH, 844), (DESKTOP_WIDTH, 900)] {
        b.screenshot_viewport(width, height, &format!("viewer-{width}-en"))
            .await?;
    }
    b.reset_width().await?;

    // Zoom: `+`, the wheel, `0` to fit; `-` never goes below fit.
    b.press(None, &['+']).await?;
    let zoomed = wait_scale(&b, "above 1 after +", |s| s > 1.0).await?;
    let (left, top, width, height) = b.rect(".viewer-stage").await?;
    let mut wheel = WheelActions::new("wheel".to_string());
    wheel.push(WheelAction::Scroll {
        duration: None,
        x: (left + width / 2.0) as i64,
        y: (top + height / 2.0) as i64,
        delta_x: 0,
        delta_y: -120,
    });
    b.client.perform_actions(wheel).await?;
    let wheeled = wait_scale(&b, "larger after a wheel up", |s| s > zoomed).await?;
    b.press(None, &['0']).await?;
    wait_scale(&b, "1 after 0", |s| s == 1.0).await?;
    b.press(None, &['-']).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(viewer_scale(&b).await?, 1.0, "- stops at fit");
    assert!(wheeled > 1.0);

    // The buttons do the same.
    b.click("#viewer-zoom-in").await?;
    wait_scale(&b, "above 1 after the + button", |s| s > 1.0).await?;
    b.click("#viewer-fit").await?;
    wait_scale(&b, "1 after the fit button", |s| s == 1.0).await?;
    b.click("#viewer-zoom-in").await?;
    b.click("#viewer-zoom-in").await?;
    let two_steps = wait_scale(&b, "two steps in", |s| s > 1.3).await?;
    b.click("#viewer-zoom-out").await?;
    wait_scale(&b, "one step back", |s| s < two_steps && s > 1.0).await?;
    b.click("#viewer-fit").await?;
    wait_scale(&b, "fitted", |s| s == 1.0).await?;

    // Double-click toggles between fit and 2×.
    let stage = b.find(".viewer-stage").await?;
    let double = MouseActions::new("mouse".to_string())
        .then(PointerAction::MoveToElement {
            element: stage.clone(),
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Down {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        });
    b.client.perform_actions(double.clone()).await?;
    b.client.release_actions().await?;
    wait_scale(&b, "2 after a double-click", |s| s == 2.0).await?;
    b.client.perform_actions(double).await?;
    b.client.release_actions().await?;
    wait_scale(&b, "1 after a second double-click", |s| s == 1.0).await?;

    // Arrow keys move between the pictures (and wrap); each starts fitted.
    b.js("document.querySelector('#viewer').focus();", vec![])
        .await?;
    b.press(None, &['+']).await?;
    wait_scale(&b, "zoomed before moving on", |s| s > 1.0).await?;
    b.press(None, &[key(Key::Right)]).await?;
    wait_counter(&b, "2 / 2").await?;
    assert_eq!(
        b.attr("#viewer-image", "src").await?.as_deref(),
        Some(urls[1].as_str())
    );
    assert_eq!(
        viewer_scale(&b).await?,
        1.0,
        "the next picture starts fitted"
    );
    b.wait_image_loaded("#viewer-image").await?;
    b.press(None, &[key(Key::Right)]).await?;
    wait_counter(&b, "1 / 2").await?;
    b.press(None, &[key(Key::Left)]).await?;
    wait_counter(&b, "2 / 2").await?;

    // Escape closes.
    b.press(None, &[key(Key::Escape)]).await?;
    b.wait_gone("#viewer").await?;

    // Opening the second picture starts there; the close button closes too.
    b.click("#outputs li:nth-child(2) img.output-image").await?;
    wait_counter(&b, "2 / 2").await?;
    b.click("#viewer-close").await?;
    b.wait_gone("#viewer").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_switch_changes_every_visible_string_and_is_remembered() -> Result {
    let server = Server::fast().await?;
    let b = Page::launch(BrowserOptions::new("page-language", "zh-CN")).await?;
    let files = TempDir::new("language")?;
    let picture = files.png("living-room.png", 800, 500, 2)?;
    let home = format!("{}/", server.base_url);

    // A Chinese browser gets the Chinese page.
    b.open(&home).await?;
    assert_eq!(
        b.html_lang().await?,
        "zh-CN",
        "the browser asks for Chinese"
    );
    assert_eq!(b.text("#lang").await?, "English");
    let (text, _) = b.visible_text().await?;
    for label in ["连接 RunningHub", "API 密钥", "站点", "开始渲染"] {
        assert!(text.contains(label), "Chinese page lacks {label:?}");
    }

    // Switch to English: idle.
    b.click("#lang").await?;
    b.wait_until(
        "<html lang> to become en",
        "return document.documentElement.lang === 'en';",
        vec![],
    )
    .await?;
    assert_eq!(b.text("#lang").await?, "中文");
    assert_eq!(
        b.attr("#lang", "lang").await?.as_deref(),
        Some("zh-CN"),
        "the switch names Chinese in Chinese, marked as such"
    );
    assert_no_cjk(&b, "idle").await?;

    // Remembered: a reload keeps English.
    b.open(&home).await?;
    assert_eq!(b.html_lang().await?, "en", "the choice is remembered");
    assert_no_cjk(&b, "idle after a reload").await?;

    // A failed task.
    server.sim_control(json!({ "outcome": "fail" })).await?;
    b.type_pictures(SCREENSHOT, REFERENCE).await?;
    b.click_render().await?;
    b.wait_status("failed").await?;
    b.wait_for("#failure").await?;
    assert_no_cjk(&b, "failed").await?;

    // A finished task, with the comparison (a picked screenshot) and the viewer open.
    server.sim_control(json!({ "outcome": "success" })).await?;
    b.fill("#node-158", "").await?;
    b.pick_screenshot(&picture).await?;
    assert_no_cjk(&b, "screenshot uploaded").await?;
    b.click_render().await?;
    b.wait_status("succeeded").await?;
    b.wait_for("#compare").await?;
    b.wait_image_loaded("img.output-image").await?;
    assert_no_cjk(&b, "succeeded").await?;
    for mode in ["#mode-side", "#mode-flip"] {
        b.click(mode).await?;
        assert_no_cjk(&b, mode).await?;
    }
    b.share("#share-result").await?;
    assert_no_cjk(&b, "result link made").await?;
    b.click("img.output-image").await?;
    b.wait_for("#viewer").await?;
    assert_no_cjk(&b, "viewer open").await?;
    b.press(None, &[key(Key::Escape)]).await?;
    b.wait_gone("#viewer").await?;

    // Back to Chinese: the main labels are Chinese again, English ones are gone.
    b.click("#lang").await?;
    b.wait_until(
        "<html lang> to become zh-CN",
        "return document.documentElement.lang === 'zh-CN';",
        vec![],
    )
    .await?;
    let (text, _) = b.visible_text().await?;
    for label in [
        "连接 RunningHub",
        "API 密钥",
        "站点",
        "开始渲染",
        "完成",
        "对比截图与效果图",
        "下载",
    ] {
        assert!(
            text.contains(label),
            "after switching back, the page lacks {label:?}"
        );
    }
    for english in [
        "Connect to RunningHub",
        "API key",
        "Compare screenshot and rendering",
        "Download",
        "Your rendering will appear here",
        "Elapsed",
    ] {
        assert!(
            !text.contains(english),
            "after switching back, English {english:?} remains"
        );
    }
    assert_eq!(b.text("#render").await?, "开始渲染");
    assert_eq!(b.text("#job-status").await?, "完成");
    b.open(&home).await?;
    assert_eq!(b.html_lang().await?, "zh-CN", "Chinese is remembered too");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_link_fills_the_form_in_a_fresh_profile_without_the_key() -> Result {
    let server = Server::fast().await?;
    let sender = Page::launch(BrowserOptions::new("page-share-sender", "zh-CN")).await?;
    sender.open(&format!("{}/", server.base_url)).await?;
    sender.fill("#api-key", KEY).await?;
    sender.type_pictures(SCREENSHOT, REFERENCE).await?;
    sender.click("#advanced > summary").await?;
    sender.select("#instance-type", "plus").await?;

    // Clipboard access as a user who allowed it (headless Chromium asks nobody).
    sender
        .cdp(
            "Browser.grantPermissions",
            json!({
                "origin": server.base_url,
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
            }),
        )
        .await?;
    let link = sender.share("#share-link").await?;
    let copied = sender
        .wait_until(
            "the link on the clipboard",
            "return navigator.clipboard.readText().catch(e => 'error: ' + e);",
            vec![],
        )
        .await?;
    assert_eq!(copied, json!(link), "the link is also on the clipboard");
    let (page, fragment) = link
        .split_once('#')
        .ok_or_else(|| format!("the share link has no fragment: {link}"))?;
    assert_eq!(
        page,
        format!("{}/", server.base_url),
        "the link opens this page, with no query"
    );
    assert!(!link.contains(KEY), "the key is in the share link: {link}");
    assert!(
        !link.to_ascii_lowercase().contains(&KEY[..16]),
        "part of the key is in the share link: {link}"
    );
    let pairs: Vec<&str> = fragment.split('&').collect();
    for expected in [
        "v=1".to_string(),
        format!("app={SU_APP}"),
        format!("n.112.image={}", encode(SCREENSHOT)),
        format!("n.158.image={}", encode(REFERENCE)),
        "it=plus".to_string(),
    ] {
        assert!(
            pairs.contains(&expected.as_str()),
            "the fragment should carry {expected}: {fragment}"
        );
    }

    // A colleague with a fresh profile (and another language) opens it.
    let colleague = Page::launch(BrowserOptions::new("page-share-colleague", "en-US")).await?;
    colleague.open(&link).await?;
    colleague.wait_for("#from-link").await?;
    assert!(colleague.is_visible("#from-link").await?);
    assert_eq!(colleague.prop("#node-112", "value").await?, SCREENSHOT);
    assert_eq!(colleague.prop("#node-158", "value").await?, REFERENCE);
    // "Advanced" is made when something is set there (a part of the split build).
    colleague.wait_for("#instance-type").await?;
    assert_eq!(colleague.prop("#instance-type", "value").await?, "plus");
    assert_eq!(colleague.prop("#webapp-id", "value").await?, SU_APP);
    assert_eq!(colleague.prop("#site", "value").await?, "local");
    assert_eq!(
        colleague.prop("#api-key", "value").await?,
        "",
        "the key does not travel"
    );
    assert!(!colleague.exists("#consent").await?);
    let stored = colleague.local_storage().await?;
    assert!(
        !stored.contains(KEY),
        "the colleague's browser holds the key: {stored}"
    );

    // The filled form renders as it was shared.
    colleague.click_render().await?;
    colleague.wait_status("succeeded").await?;
    let log = server.sim_log().await?;
    let body = log_entries_for(&log, RUN)
        .last()
        .map(|e| entry_body(e))
        .ok_or("no run request")?;
    assert_eq!(body["instanceType"], "plus", "run body: {body}");
    let nodes = body["nodeInfoList"].to_string();
    assert!(
        nodes.contains(SCREENSHOT) && nodes.contains(REFERENCE),
        "run body nodes: {nodes}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn result_link_shows_the_rendering_to_someone_without_a_key() -> Result {
    let server = Server::fast().await?;
    let sender = Page::launch(BrowserOptions::new("page-result-sender", "en-US")).await?;
    let files = TempDir::new("result")?;
    let picture = files.png("kitchen.png", 640, 480, 3)?;
    sender.open(&format!("{}/", server.base_url)).await?;
    sender.fill("#api-key", KEY).await?;
    sender.pick_screenshot(&picture).await?;
    sender.click_render().await?;
    sender.wait_status("succeeded").await?;
    sender.wait_image_loaded("img.output-image").await?;
    let output = output_urls(&sender).await?.remove(0);

    let link = sender.share("#share-result").await?;
    let fragment = link.split_once('#').map(|(_, f)| f).unwrap_or_default();
    let pairs: Vec<&str> = fragment.split('&').collect();
    assert!(pairs.contains(&"view=result"), "{link}");
    let out = format!("out={}", encode(&output));
    assert!(
        pairs.contains(&out.as_str()),
        "the link carries the output URL: {link}"
    );
    assert!(!link.contains(KEY), "the key is in the result link: {link}");

    let calls_before = api_calls(&server.sim_log().await?);
    let viewer = Page::launch(BrowserOptions::new("page-result-viewer", "zh-CN")).await?;
    viewer.open(&link).await?;
    viewer.wait_for("#shared-result").await?;
    viewer
        .wait_image_loaded("#shared-result img.output-image")
        .await?;
    assert_eq!(output_urls(&viewer).await?, vec![output]);
    assert_eq!(viewer.prop("#api-key", "value").await?, "");
    assert!(!viewer.exists("#job").await?, "nothing is rendered again");
    let date = today(&viewer).await?;
    assert_eq!(
        viewer
            .attr("#shared-result button.download", "data-name")
            .await?,
        Some(format!("kitchen-render-{date}.png")),
        "downloads keep the screenshot's name"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        api_calls(&server.sim_log().await?),
        calls_before,
        "looking at a shared result calls no API"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_base_url_from_a_link_waits_for_consent() -> Result {
    let server = Server::fast().await?;
    // The "foreign server": a listener that counts connections and answers nothing.
    let (listener, foreign_addr) = bind().await?;
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    let foreign_task = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    struct Abort(tokio::task::JoinHandle<()>);
    impl Drop for Abort {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _foreign = Abort(foreign_task);

    let foreign = format!("http://{foreign_addr}/relay");
    let link = format!(
        "{}/#v=1&api={}&app={SU_APP}&n.112.image={}",
        server.base_url,
        encode(&foreign),
        encode(SCREENSHOT)
    );
    let b = Page::launch(BrowserOptions::new("page-consent", "en-US")).await?;
    b.open(&link).await?;
    b.wait_for("#consent").await?;
    let shown = b.text("#consent").await?;
    assert!(
        shown.contains(&foreign),
        "the prompt shows the address in full: {shown:?}"
    );
    assert_eq!(b.prop("#site", "value").await?, "custom");
    assert_eq!(b.prop("#custom-base", "value").await?, foreign);
    assert!(b.exists("#consent-allow").await? && b.exists("#consent-reject").await?);

    // With a key typed and Render pressed, still nothing goes there.
    b.fill("#api-key", KEY).await?;
    b.click_render().await?;
    b.wait_for("#form-error").await?;
    assert!(!b.exists("#job").await?, "no job starts before consent");
    let disabled = b
        .js(
            "return document.querySelector('#check-key').disabled;",
            vec![],
        )
        .await?;
    assert_eq!(
        disabled,
        json!(true),
        "checking the key waits for consent too"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "a request reached the foreign server before consent"
    );
    let port = format!(":{}", foreign_addr.port());
    let urls = b.request_urls().await?;
    assert!(
        !urls.iter().any(|u| u.contains(&port)),
        "the page asked the foreign server: {urls:?}"
    );

    // Rejecting goes back to RunningHub China, and still sends nothing.
    b.click("#consent-reject").await?;
    b.wait_gone("#consent").await?;
    assert_eq!(b.prop("#site", "value").await?, "cn");
    assert!(!b.exists("#custom-base").await?);

    // A link to a RunningHub site needs no consent.
    b.open(&format!(
        "{}/#v=1&api=cn&app={SU_APP}&n.112.image={}",
        server.base_url,
        encode(SCREENSHOT)
    ))
    .await?;
    b.wait_for("#from-link").await?;
    assert!(
        !b.exists("#consent").await?,
        "RunningHub itself needs no consent"
    );
    assert_eq!(b.prop("#site", "value").await?, "cn");

    // The foreign link again; this time the user trusts it, and then requests do go there.
    b.open(&link).await?;
    b.wait_for("#consent").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    b.fill("#api-key", KEY).await?;
    b.click("#consent-allow").await?;
    b.wait_gone("#consent").await?;
    b.click_render().await?;
    b.wait_until(
        "a job to start",
        "return document.querySelector('#job') !== null;",
        vec![],
    )
    .await?;
    for _ in 0..100 {
        if connections.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        connections.load(Ordering::SeqCst) > 0,
        "after consent the render should go to the foreign server (the counter works)"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_works_under_a_sub_path() -> Result {
    let dist = dist_dir();
    check_dist(&dist)?;
    // The root serves no app (an empty folder), only the simulator's API, as a Pages site
    // with its API elsewhere would: whatever loads must come from /su-render/.
    let empty = TempDir::new("root")?;
    let config = ServerConfig {
        dist: empty.path.clone(),
        mode: Mode::Simulator,
        sim: fast_sim(),
    };
    let app = axum::Router::new()
        .nest_service("/su-render", tower_http::services::ServeDir::new(&dist))
        .merge(su_render_server::router(config));
    let (listener, addr) = bind().await?;
    let server = Server::spawned(
        addr,
        tokio::spawn(async move { axum::serve(listener, app).await }),
    );
    let (root_status, _) =
        su_render_e2e::page::http("GET", &format!("{}/index.html", server.base_url), None).await?;
    assert_eq!(root_status, 404, "the root must not serve the app");

    let b = Page::launch(BrowserOptions::new("page-sub-path", "en-US")).await?;
    b.open(&format!("{}/su-render/", server.base_url)).await?;
    b.wait_until(
        "the app to find the simulator",
        "const s = document.querySelector('#site'); return s && s.value === 'local';",
        vec![],
    )
    .await?;
    b.type_pictures(SCREENSHOT, REFERENCE).await?;
    b.click_render().await?;
    b.wait_status("succeeded").await?;
    b.wait_image_loaded("img.output-image").await?;

    let urls = b.request_urls().await?;
    let assets: Vec<_> = urls
        .iter()
        .filter(|u| [".wasm", ".js", ".css"].iter().any(|ext| u.ends_with(ext)))
        .collect();
    // The stylesheet is inside index.html (xtask's inline_css), so two files remain.
    assert!(
        assets.len() >= 2,
        "expected the wasm and its loader: {urls:?}"
    );
    let prefix = format!("{}/su-render/", server.base_url);
    for asset in &assets {
        assert!(
            asset.starts_with(&prefix),
            "asset not loaded from the sub-path: {asset}"
        );
    }
    let link = b.share("#share-link").await?;
    assert!(
        link.starts_with(&format!("{prefix}#")),
        "share links keep the sub-path: {link}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_render_asks_no_third_party_host() -> Result {
    let server = Server::fast().await?;
    let b = Page::launch(BrowserOptions::new("page-requests", "en-US")).await?;
    let files = TempDir::new("requests")?;
    let picture = files.png("office.png", 800, 500, 4)?;
    b.open(&format!("{}/", server.base_url)).await?;
    b.pick_screenshot(&picture).await?;
    b.fill("#node-158", REFERENCE).await?;
    b.click_render().await?;
    b.wait_status("succeeded").await?;
    b.wait_image_loaded("img.output-image").await?;
    b.wait_image_loaded("#compare img.after").await?;
    b.click("img.output-image").await?;
    b.wait_image_loaded("#viewer-image").await?;
    b.press(None, &[key(Key::Escape)]).await?;

    let urls = b.request_urls().await?;
    // The log must hold the API calls, or it proves nothing.
    for path in [UPLOAD_V2, RUN, QUERY, "/__su/info"] {
        assert!(
            urls.iter()
                .any(|u| u.split('?').next().is_some_and(|p| p.ends_with(path))),
            "the request log should include {path}: {urls:#?}"
        );
    }
    let own = server
        .base_url
        .strip_prefix("http://")
        .unwrap_or(&server.base_url);
    let foreign: Vec<_> = urls
        .iter()
        .filter(|u| !u.starts_with("data:"))
        .filter(|u| host_of(u) != Some(own))
        .collect();
    assert!(
        foreign.is_empty(),
        "requests to other hosts than {own}: {foreign:#?}\n(all: {urls:#?})"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Screenshots

/// A simulator slow enough to photograph the running state at two widths.
fn photo_sim() -> SimConfig {
    SimConfig {
        queue_ms: 500,
        run_ms: 9000,
        ..fast_sim()
    }
}

/// Short controls whose label must stay on one line at every width.
const SINGLE_LINE_CONTROLS: &str =
    "#lang, #render, #share-link, #share-result, #cancel, .tabs .tab, .badge, #job-status";

/// Photographs the page at both widths as `<state>-<width>-<tag>.png`; notes layout problems
/// (sideways overflow, short labels broken over two lines).
async fn shoot(b: &Page, state: &str, tag: &str, problems: &mut Vec<String>) -> Result {
    for width in [PHONE_WIDTH, DESKTOP_WIDTH] {
        let path = b
            .screenshot_at(width, &format!("{state}-{width}-{tag}"))
            .await?;
        println!("screenshot: {}", path.display());
        let overflow = b.horizontal_overflow().await?;
        if overflow > 0.5 {
            problems.push(format!(
                "{state} at {width} px: the page is {overflow} px wider than the screen: {:?}",
                b.overflowing_elements().await?
            ));
        }
        for wrapped in b.wrapped_labels(SINGLE_LINE_CONTROLS).await? {
            problems.push(format!("{state} at {width} px: {wrapped}"));
        }
    }
    b.reset_width().await
}

/// Screenshots of idle / running / succeeded (with the comparison) / failed at phone and desktop
/// widths, as `e2e/artifacts/<state>-<width>-<lang>.png`, in a browser set to `browser_lang`
/// (so the page starts in that language). Fails on layout problems found on the way: a page
/// wider than the phone, or a short control label broken over two lines.
async fn photograph_states(browser_lang: &str, tag: &str, html_lang: &str) -> Result {
    let server = Server::start(photo_sim()).await?;
    let b = Page::launch(BrowserOptions::new(
        &format!("page-screenshots-{tag}"),
        browser_lang,
    ))
    .await?;
    let files = TempDir::new(&format!("shots-{tag}"))?;
    let picture = files.png("villa.png", 1200, 750, 5)?;
    let mut problems = Vec::new();

    b.open(&format!("{}/", server.base_url)).await?;
    assert_eq!(
        b.html_lang().await?,
        html_lang,
        "the page starts in the browser's language"
    );
    shoot(&b, "idle", tag, &mut problems).await?;

    b.pick_screenshot(&picture).await?;
    b.fill("#node-158", REFERENCE).await?;
    b.click_render().await?;
    b.wait_status("running").await?;
    shoot(&b, "running", tag, &mut problems).await?;
    assert_eq!(
        b.phase().await?.as_deref(),
        Some("running"),
        "the running screenshots were taken while running"
    );

    b.wait_status("succeeded").await?;
    b.wait_for("#compare").await?;
    b.wait_image_loaded("#compare img.after").await?;
    b.wait_image_loaded("#compare img.before").await?;
    b.wait_image_loaded("img.output-image").await?;
    shoot(&b, "succeeded", tag, &mut problems).await?;

    server.sim_control(json!({ "outcome": "fail" })).await?;
    b.click_render().await?;
    b.wait_status("failed").await?;
    b.wait_for("#failure").await?;
    shoot(&b, "failed", tag, &mut problems).await?;

    assert!(
        problems.is_empty(),
        "layout problems (screenshots in {}):\n{}",
        artifacts_dir().display(),
        problems.join("\n")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_main_states_in_chinese() -> Result {
    photograph_states("zh-CN", "zh", "zh-CN").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_main_states_in_english() -> Result {
    photograph_states("en-US", "en", "en").await
}
