//! Pictures from the SketchUp extension, through the packaged one-file app in Chromium: each
//! picture is POSTed to the app's inbox exactly as the extension sends it (raw PNG body,
//! `X-SU-Token` from `inbox.json`, names in the query), and the page takes it.
//!
//! The app relays to an in-process simulator, whose request log shows what reached "RunningHub".
//! Ignored in a plain `cargo test`, like `packaged.rs`: they need the package
//! (`SU_RENDER_PACKAGED_BIN`, set by `cargo xtask test`). The last test needs only the built
//! page: the Pages copy's way to the extension.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rh_api::path::{RUN, UPLOAD_V2};
use serde_json::{json, Value};
use su_render_e2e::chromium::Chromium;
use su_render_e2e::packaged::{required_file, send, Answer, Packaged, BIN_ENV};
use su_render_e2e::page::{Page, TempDir};
use su_render_e2e::{log_entries_for, Result, Server};

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// The app, relaying to `sim`, with a browser on its page and the key typed.
struct Setup {
    sim: Server,
    app: Packaged,
    base: String,
    token: String,
    browser: Page,
}

async fn setup(name: &str) -> Result<Setup> {
    let binary = required_file(BIN_ENV, "cargo xtask test")?;
    let sim = Server::fast().await?;
    // Quick renders: the batch and the at-once tests wait for several.
    sim.sim_control(json!({"queueMs": 200, "runMs": 400}))
        .await?;
    let app = Packaged::start_local(&binary, &["--relay", &sim.base_url])?;
    let base = app.url()?.to_string();
    let inbox: Value = serde_json::from_slice(&std::fs::read(app.home.path.join("inbox.json"))?)?;
    assert_eq!(
        inbox["port"].to_string(),
        app.port()?.to_string(),
        "inbox.json names the app's port: {inbox}"
    );
    let token = inbox["token"]
        .as_str()
        .ok_or("inbox.json has no token")?
        .to_string();
    let browser = Page::start(name, &Chromium::default()).await?;
    browser.load(&format!("{base}/")).await?;
    browser.fill("#api-key", KEY).await?;
    // The app's page follows its inbox at once.
    browser.wait_for("#sketchup #sketchup-status").await?;
    Ok(Setup {
        sim,
        app,
        base,
        token,
        browser,
    })
}

/// A percent-encoded query value.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Setup {
    /// POSTs a PNG to the inbox as the extension does.
    async fn sketchup_sends(&self, model: &str, scene: &str, seed: u64) -> Result<Answer> {
        self.post_picture(model, scene, seed, Some(&self.token))
            .await
    }

    async fn post_picture(
        &self,
        model: &str,
        scene: &str,
        seed: u64,
        token: Option<&str>,
    ) -> Result<Answer> {
        let (width, height) = (640, 400);
        let png = su_render_server::png::rendering(width, height, seed);
        let url = format!(
            "{}/__su/inbox?model={}&scene={}&width={width}&height={height}",
            self.base,
            encoded(model),
            encoded(scene)
        );
        let mut headers = vec![("content-type", "image/png")];
        if let Some(token) = token {
            headers.push(("x-su-token", token));
        }
        send("POST", &url, &headers, png).await
    }

    /// What reached the simulator (through the app's relay) for `path`.
    async fn sim_count(&self, path: &str) -> Result<usize> {
        Ok(log_entries_for(&self.sim.sim_log().await?, path).len())
    }

    /// Everything that reached the simulator but the free key check: the page asks
    /// `accountStatus` by itself once a typed key has settled (to find the key's own site), and
    /// that call may land at any moment of these tests. Uploads, tasks and results all count.
    async fn sim_total(&self) -> Result<usize> {
        Ok(self
            .sim
            .sim_log()
            .await?
            .iter()
            .filter(|e| e["path"].as_str() != Some(rh_api::path::ACCOUNT))
            .count())
    }

    /// What the inbox holds, asked as the page does.
    async fn inbox_ids(&self) -> Result<Vec<String>> {
        let answer = send("GET", &format!("{}/__su/inbox", self.base), &[], Vec::new()).await?;
        let list: Value = serde_json::from_slice(&answer.body)?;
        Ok(list["pictures"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }
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

/// Lets the browser save downloads into `dir`.
async fn downloads_into(b: &Page, dir: &Path) -> Result {
    b.cdp(
        "Browser.setDownloadBehavior",
        json!({ "behavior": "allow", "downloadPath": dir.display().to_string() }),
    )
    .await?;
    Ok(())
}

/// Waits until `dir` holds a finished file named `name`.
async fn wait_file(dir: &Path, name: &str) -> Result<PathBuf> {
    let path = dir.join(name);
    for _ in 0..200 {
        if path.is_file() {
            return Ok(path);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    Err(format!("no {name} in {}: {names:?}", dir.display()).into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn a_picture_from_sketchup_waits_for_render_then_carries_its_names() -> Result {
    let s = setup("sketchup-single").await?;
    let b = &s.browser;
    let before = s.sim_total().await?;

    let sent = s.sketchup_sends("别墅 Villa", "Front", 3).await?;
    assert_eq!(sent.status, 201, "{}", sent.text());
    b.wait_for("#node-112-preview").await?;
    let from = b
        .wait_until(
            "the picture's names beside the screenshot input",
            "const e = document.querySelector('#node-112-sketchup'); return e ? e.textContent : '';",
            vec![],
        )
        .await?;
    let from = from.as_str().unwrap_or_default();
    assert!(
        from.contains("别墅 Villa · Front"),
        "model and scene beside the picture: {from:?}"
    );
    b.wait_for("#node-112-status[data-state='held']").await?;
    assert!(
        s.inbox_ids().await?.is_empty(),
        "the page took it from the inbox"
    );
    let status = b.text("#sketchup-status").await?;
    assert!(status.contains('1'), "the panel counts it: {status:?}");

    // "At once" is off: nothing goes to RunningHub (here the simulator) before Render.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        s.sim_total().await?,
        before,
        "nothing may reach RunningHub before Render: {:?}",
        s.sim.sim_log().await?
    );
    b.screenshot("sketchup-picture-held").await?;

    b.click_render().await?;
    b.wait_status("succeeded").await?;
    b.wait_image_loaded("img.output-image").await?;
    assert_eq!(s.sim_count(UPLOAD_V2).await?, 1, "uploaded once, on Render");
    assert_eq!(s.sim_count(RUN).await?, 1, "one render");

    // The download is named after the model and the scene.
    let date = today(b).await?;
    let expected = format!("别墅 Villa-Front-render-{date}.png");
    assert_eq!(
        b.attr("button.download", "data-name").await?.as_deref(),
        Some(expected.as_str())
    );
    let downloads = TempDir::new("sketchup-downloads")?;
    downloads_into(b, &downloads.path).await?;
    b.click("button.download").await?;
    let saved = wait_file(&downloads.path, &expected).await?;
    assert!(std::fs::read(&saved)?.starts_with(b"\x89PNG"));

    // History names them too, and so does the exported recipe.
    let item = b
        .wait_until(
            "the history item with the SketchUp names",
            "const e = document.querySelector('.history-item .history-sketchup'); return e ? e.textContent : '';",
            vec![],
        )
        .await?;
    assert!(
        item.as_str()
            .unwrap_or_default()
            .contains("别墅 Villa · Front"),
        "{item}"
    );
    b.click(".history-item button.export").await?;
    let zip_name = format!("别墅 Villa-Front-render-set-{date}.zip");
    let zip = std::fs::read(wait_file(&downloads.path, &zip_name).await?)?;
    let entries = su_render_e2e::zip_entries(&zip);
    let recipe: Value = serde_json::from_slice(&entries[0].1)?;
    assert_eq!(
        recipe["sketchup"],
        json!({"model": "别墅 Villa", "scene": "Front"}),
        "{recipe}"
    );
    assert!(
        entries
            .iter()
            .any(|(n, _)| n.starts_with("别墅 Villa-Front-render-")),
        "{:?}",
        entries.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    b.screenshot("sketchup-picture-rendered").await?;

    // The extension the panel offers is the one the package carries.
    b.click("#sketchup-get summary").await?;
    let href = b
        .attr("#sketchup-download", "href")
        .await?
        .ok_or("no download link")?;
    assert!(href.ends_with("/__su/extension.rbz"), "{href}");
    let served = send(
        "GET",
        &format!("{}/__su/extension.rbz", s.base),
        &[],
        Vec::new(),
    )
    .await?;
    let packaged = required_file(BIN_ENV, "cargo xtask test")?
        .parent()
        .map(|dir| {
            dir.join(format!(
                "su-render-{}.rbz",
                env!("CARGO_PKG_VERSION") // e2e and server share the workspace's version
            ))
        })
        .ok_or("no package folder")?;
    if packaged.is_file() {
        assert_eq!(served.status, 200, "{}", served.text());
        assert!(
            served.body == std::fs::read(&packaged)?,
            "/__su/extension.rbz is {}",
            packaged.display()
        );
    } else {
        assert_eq!(served.status, 404, "built without the extension");
    }
    b.screenshot("sketchup-get-extension").await?;
    // The same in Chinese, with the extension's Chinese command names.
    b.click("#lang").await?;
    let steps = b
        .wait_until(
            "the steps in Chinese",
            "const e = document.querySelector('#sketchup-get'); return e && /扩展程序管理器/.test(e.textContent) ? e.textContent : '';",
            vec![],
        )
        .await?;
    assert!(
        steps.as_str().unwrap_or_default().contains("渲染当前视图"),
        "{steps}"
    );
    b.screenshot("sketchup-get-extension-zh").await?;
    drop(s.app);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn three_scenes_become_a_batch_rendered_on_one_click() -> Result {
    let s = setup("sketchup-batch").await?;
    let b = &s.browser;
    for (i, scene) in ["Living room", "Kitchen", "Terrace"].iter().enumerate() {
        let sent = s.sketchup_sends("Villa", scene, 10 + i as u64).await?;
        assert_eq!(sent.status, 201, "{}", sent.text());
    }
    b.wait_until(
        "a batch of the three scenes",
        "return document.querySelectorAll('#batch-setup .batch-files li').length === 3;",
        vec![],
    )
    .await?;
    let listed = b.texts_of("#batch-setup .batch-files li").await?;
    for scene in ["Living room", "Kitchen", "Terrace"] {
        assert!(
            listed
                .iter()
                .any(|l| l.contains(&format!("Villa · {scene}"))),
            "{scene} in {listed:?}"
        );
    }
    // The first scene, shown alone until the second came, went into the batch with the others.
    b.wait_gone("#node-112-preview").await?;
    assert_eq!(b.text("#node-112-sketchup").await?, "");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        s.sim_total().await?,
        0,
        "nothing reaches RunningHub before Render"
    );
    b.screenshot("sketchup-batch-setup").await?;

    b.click("#render-batch").await?;
    b.wait_for("#batch").await?;
    b.wait_until(
        "the three renders of the batch to succeed",
        "return document.querySelectorAll('#batch .batch-item[data-state=succeeded]').length === 3;",
        vec![],
    )
    .await?;
    let rows = b.texts_of("#batch .batch-name strong").await?;
    assert_eq!(
        rows,
        ["Villa · Living room", "Villa · Kitchen", "Villa · Terrace"],
        "the batch keeps the order they were sent in"
    );
    assert_eq!(s.sim_count(RUN).await?, 3);
    assert_eq!(s.sim_count(UPLOAD_V2).await?, 3);
    b.screenshot("sketchup-batch-done").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn at_once_renders_as_pictures_arrive() -> Result {
    let s = setup("sketchup-at-once").await?;
    let b = &s.browser;
    b.click("#sketchup-at-once").await?;
    assert_eq!(b.prop("#sketchup-at-once", "checked").await?, "true");
    let sent = s.sketchup_sends("Villa", "Garden", 20).await?;
    assert_eq!(sent.status, 201);
    b.wait_status("succeeded").await?;
    assert_eq!(s.sim_count(RUN).await?, 1, "rendered with no click");

    // Two together: a batch, started by itself.
    for scene in ["North", "South"] {
        s.sketchup_sends("Villa", scene, 21).await?;
    }
    b.wait_until(
        "the batch of two to succeed by itself",
        "return document.querySelectorAll('#batch .batch-item[data-state=succeeded]').length === 2;",
        vec![],
    )
    .await?;
    assert_eq!(s.sim_count(RUN).await?, 3);

    // The choice is kept with the settings.
    b.load(&format!("{}/", s.base)).await?;
    b.wait_for("#sketchup-at-once").await?;
    assert_eq!(b.prop("#sketchup-at-once", "checked").await?, "true");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn pictures_sent_while_no_page_is_open_wait_and_the_dropped_ones_are_told() -> Result {
    let s = setup("sketchup-dropped").await?;
    let b = &s.browser;
    // No SU Render page open: the app holds what comes, at most 20 pictures.
    b.client.goto("about:blank").await?;
    for i in 0..22 {
        let sent = s
            .sketchup_sends("Villa", &format!("Scene {i}"), 40 + i)
            .await?;
        assert_eq!(sent.status, 201, "{}", sent.text());
    }
    assert_eq!(s.inbox_ids().await?.len(), 20, "the app holds 20");

    b.load(&format!("{}/", s.base)).await?;
    let dropped = b
        .wait_until(
            "the notice of the dropped pictures",
            "const e = document.querySelector('#sketchup-dropped'); return e ? e.textContent : '';",
            vec![],
        )
        .await?;
    assert!(
        dropped.as_str().unwrap_or_default().contains('2'),
        "two were dropped: {dropped}"
    );
    b.wait_until(
        "the twenty waiting pictures as one batch",
        "return document.querySelectorAll('#batch-setup .batch-files li').length === 20;",
        vec![],
    )
    .await?;
    let listed = b.texts_of("#batch-setup .batch-files li").await?;
    assert!(
        listed[0].contains("Villa · Scene 2") && listed[19].contains("Villa · Scene 21"),
        "oldest kept first: {listed:?}"
    );
    assert!(s.inbox_ids().await?.is_empty(), "the page took them all");
    assert_eq!(s.sim_total().await?, 0, "and sent nothing");
    b.screenshot("sketchup-dropped").await?;
    b.click("#sketchup-dropped button").await?;
    b.wait_gone("#sketchup-dropped").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the packaged binary: run through `cargo xtask test` (SU_RENDER_PACKAGED_BIN)"]
async fn pictures_without_the_token_or_from_a_web_page_are_refused() -> Result {
    let s = setup("sketchup-refused").await?;
    let b = &s.browser;
    let none = s.post_picture("Villa", "Nope", 30, None).await?;
    assert_eq!(none.status, 403, "{}", none.text());
    let wrong = s
        .post_picture(
            "Villa",
            "Nope",
            30,
            Some("00000000000000000000000000000000"),
        )
        .await?;
    assert_eq!(wrong.status, 403, "{}", wrong.text());

    // A page on another origin (here the simulator's own port) tries it with what a page can
    // send: a no-cors POST with a text/plain body, and a CORS one with the token and a PNG.
    b.load(&format!("{}/", s.sim.base_url)).await?;
    let tries = b
        .client
        .execute_async(
            "const [url, token, done] = arguments;
             (async () => {
               const out = [];
               try {
                 const r = await fetch(url + '?model=Evil&scene=no-cors', {method: 'POST', mode: 'no-cors',
                   headers: {'Content-Type': 'text/plain', 'X-SU-Token': token}, body: 'not a picture'});
                 out.push('no-cors answered: ' + r.type);
               } catch (e) { out.push('no-cors failed: ' + e); }
               try {
                 const png = await (await fetch('data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')).blob();
                 const r = await fetch(url + '?model=Evil&scene=cors', {method: 'POST',
                   headers: {'Content-Type': 'image/png', 'X-SU-Token': token}, body: png});
                 out.push('cors answered: ' + r.status);
               } catch (e) { out.push('cors failed: ' + e); }
               done(out);
             })();",
            vec![json!(format!("{}/__su/inbox", s.base)), json!(s.token)],
        )
        .await?;
    println!("from another origin: {tries}");
    let tries = su_render_e2e::strings(&tries);
    assert!(
        tries
            .first()
            .is_some_and(|t| t == "no-cors answered: opaque"),
        "the no-cors POST reached the app and was answered (opaquely): {tries:?}"
    );
    assert!(
        tries.get(1).is_some_and(|t| t.starts_with("cors failed")),
        "the browser must not send the CORS one (its preflight is refused): {tries:?}"
    );

    // Back on the app's page: nothing came.
    b.load(&format!("{}/", s.base)).await?;
    b.wait_for("#sketchup-status").await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(s.inbox_ids().await?.is_empty(), "the inbox holds nothing");
    assert!(
        !b.exists("#node-112-preview").await?,
        "no picture appeared in the screenshot input"
    );
    assert!(!b.exists("#batch-setup .batch-files li").await?);
    let status = b.text("#sketchup-status").await?;
    assert!(
        !status.chars().any(|c| c.is_ascii_digit()),
        "nothing received: {status:?}"
    );
    assert_eq!(
        (s.sim_count(UPLOAD_V2).await?, s.sim_count(RUN).await?),
        (0, 0),
        "nothing was uploaded or rendered"
    );
    b.screenshot("sketchup-refused").await?;
    Ok(())
}

/// The Pages copy (any page without the app's inbox): "Get the SketchUp extension" opens the
/// way to the release and says the extension needs the app; no inbox is asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elsewhere_the_page_says_where_to_get_the_extension() -> Result {
    let server = Server::fast().await?;
    let b = Page::start("sketchup-elsewhere", &Chromium::default()).await?;
    b.load(&format!("{}/", server.base_url)).await?;
    b.wait_for("#sketchup").await?;
    assert_eq!(
        b.attr("#sketchup", "open").await?,
        None,
        "folded where there is no inbox"
    );
    b.click("#sketchup summary").await?;
    b.wait_for("#sketchup .sketchup-steps").await?;
    assert!(
        !b.exists("#sketchup-status").await?,
        "no inbox panel without the inbox"
    );
    assert!(
        !b.exists("#sketchup-download").await?,
        "no download from a server without the extension's inbox"
    );
    let text = b.text("#sketchup").await?;
    assert!(
        text.contains("127.0.0.1:8080"),
        "says the extension sends to the app: {text}"
    );
    let urls = b.request_urls().await?;
    assert!(
        !urls.iter().any(|u| u.contains("/__su/inbox")),
        "the inbox is not asked for: {urls:?}"
    );
    b.screenshot("sketchup-elsewhere").await?;
    Ok(())
}
