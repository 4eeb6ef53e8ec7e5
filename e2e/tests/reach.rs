//! Reaching RunningHub as a real designer does: from a page whose browser blocks the call
//! (RunningHub, as far as anyone knows, sends no CORS headers), through a team's relay that
//! allows the page's origin, and keeping results through the relay's file proxy when the result
//! host sends no CORS headers either.

use std::io::Read;

use serde_json::{json, Value};
use su_render_e2e::client::{poll_entries, upload_entries, RUN};
use su_render_e2e::journal::Journal;
use su_render_e2e::page::TempDir;
use su_render_e2e::{
    dist_dir, entry_path, fast_sim, log_entries_for, wait_download, zip_entries, Harness, Mode,
    Origin, Result, Server, ServerConfig, Settings,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const SCREENSHOT: &str = "api/0b1e1d5ad3c8f2b8e4c0b6d3a3c5f0e1.png";

/// Our server in `mode`, serving the built app, as the command line would start it.
fn settings(mode: Mode) -> Settings {
    ServerConfig {
        dist: dist_dir(),
        mode,
        sim: fast_sim(),
    }
    .into()
}

/// A simulated RunningHub that sends no CORS headers and refuses preflights, as the real one
/// most likely does for a page on another origin.
async fn closed_runninghub() -> Result<Server> {
    let mut closed = settings(Mode::Simulator);
    closed.sim_no_cors = true;
    Server::start_settings(closed).await
}

fn origin(base_url: &str) -> Result<Origin> {
    Ok(Origin::parse(base_url)?)
}

/// API requests a simulator received (its knobs and files are not API calls).
fn api_calls(log: &[Value]) -> Vec<String> {
    log.iter()
        .map(|e| entry_path(e).to_owned())
        .filter(|p| p.contains("/openapi/") || p.starts_with("/api/"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_browser_sends_nothing_bills_nothing_and_says_what_to_do() -> Result {
    let closed = closed_runninghub().await?;
    let h = Harness::start(su_render_e2e::Options::new("reach-blocked")).await?;
    let page = h.open_page().await?;
    page.set_site("custom").await?;
    page.fill("#custom-base", &closed.base_url).await?;
    page.set_key(KEY).await?;

    // A picked screenshot is uploaded at once; the free check before it stops it.
    let files = TempDir::new("reach-blocked")?;
    let shot = files.png("lobby.png", 640, 400, 9)?;
    page.pick_file("#node-112-file", &shot).await?;
    page.wait_for("#node-112-status[data-state='failed']")
        .await?;
    let upload = page.text_of("#node-112-status").await?;
    assert!(
        upload.contains("Nothing was sent and nothing was billed"),
        "the upload says nothing was sent: {upload}"
    );
    page.wait_for("#blocked").await?;

    // Rendering with a file name typed by hand: the run is not sent either.
    page.set_screenshot(SCREENSHOT).await?;
    page.click_render().await?;
    page.wait_status("not-sent").await?;
    let error = page.text_of("#api-error").await?;
    assert!(
        error.contains(&closed.base_url)
            && error.contains("Nothing was sent and nothing was billed"),
        "{error}"
    );
    let detail = page.text_of("#job .detail").await?;
    assert!(detail.contains("nothing was billed"), "{detail}");
    let guide = page.text_of("#blocked").await?;
    for expected in [
        "Your browser blocked the call to RunningHub",
        "SU Render app",
        "http://127.0.0.1:8080/",
    ] {
        assert!(
            guide.contains(expected),
            "{expected:?} in the guide: {guide}"
        );
    }
    assert!(page.exists("#use-local-app").await?);
    assert!(page.exists("#relay-address").await?);
    assert!(
        !guide.contains("may have been created") && !error.contains("may have been created"),
        "nothing may say a task was created: {guide} / {error}"
    );
    page.screenshot_at(1440, "reach-blocked-1440").await?;
    page.screenshot_at(390, "reach-blocked-390").await?;

    // Nothing reached either server: the preflight was refused, so not even the check's POST
    // was sent, let alone an upload or a run.
    assert_eq!(api_calls(&closed.sim_log().await?), Vec::<String>::new());
    let own = h.sim_log().await?;
    assert!(log_entries_for(&own, RUN).is_empty(), "{own:?}");
    assert!(upload_entries(&own).is_empty(), "{own:?}");

    // And nothing was written down as a render: after a reload there is nothing "unknown".
    let journal = Journal::new(&h);
    assert!(journal.records().await?.is_empty());
    journal.reload().await?;
    page.wait_for("#history-empty").await?;
    assert!(journal.history().await?.is_empty());
    assert!(journal.records().await?.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_relay_that_allows_the_page_carries_the_whole_render() -> Result {
    let runninghub = Server::fast().await?;
    // A machine free at once: the run answer names the progress socket.
    runninghub
        .sim_control(json!({"queueMs": 0, "runMs": 2500}))
        .await?;
    let closed = closed_runninghub().await?;
    // The page comes from one origin (as from GitHub Pages), the relay lives on another.
    let h = Harness::start(su_render_e2e::Options::new("reach-team-relay")).await?;
    let mut relay = settings(Mode::Relay {
        upstream: runninghub.base_url.clone(),
    });
    relay.allow_origins = vec![origin(&h.base_url)?];
    let relay = Server::start_settings(relay).await?;
    // A relay that was not told about this page's origin.
    let stranger = Server::start_settings(settings(Mode::Relay {
        upstream: runninghub.base_url.clone(),
    }))
    .await?;

    let page = h.open_page().await?;
    page.set_site("custom").await?;
    page.fill("#custom-base", &closed.base_url).await?;
    page.set_key(KEY).await?;
    page.set_screenshot(SCREENSHOT).await?;
    page.click_render().await?;
    page.wait_status("not-sent").await?;
    page.wait_for("#blocked").await?;

    // The relay that doesn't allow this page can't be used, and says why.
    page.fill("#relay-address", &stranger.base_url).await?;
    page.click("#use-relay").await?;
    let why = page
        .wait_until(
            "the relay check to fail",
            "const t = document.querySelector('#relay-check')?.textContent || ''; return t.includes('Nothing answers') ? t : null;",
            vec![],
        )
        .await?;
    assert!(
        why.as_str().is_some_and(|t| t.contains(&stranger.base_url)),
        "{why}"
    );
    assert!(!page.exists("#consent").await?);

    // The team's relay: it answers, and the page asks before the key goes there.
    page.fill("#relay-address", &relay.base_url).await?;
    page.click("#use-relay").await?;
    page.wait_for("#consent").await?;
    assert!(page.text_of("#consent").await?.contains(&relay.base_url));
    assert!(
        api_calls(&runninghub.sim_log().await?).is_empty(),
        "nothing is sent before the user trusts the relay"
    );
    page.click("#consent-allow").await?;
    page.wait_gone("#blocked").await?;
    assert_eq!(
        page.site().await?,
        "cn",
        "the relay serves the RunningHub sites"
    );
    let via = page.text_of("#via").await?;
    assert!(via.contains(&relay.base_url), "{via}");

    page.click_render().await?;
    page.wait_status("succeeded").await?;
    page.wait_image_loaded("img.output-image").await?;
    let log = runninghub.sim_log().await?;
    assert_eq!(log_entries_for(&log, RUN).len(), 1, "{log:?}");
    assert!(!poll_entries(&log).is_empty(), "{log:?}");
    // The render's calls went to the relay's China path: the page never called RunningHub
    // (the simulator behind the relay) itself, and sent no task call to the closed server.
    let urls = h.resource_urls().await?;
    let tasks: Vec<&String> = urls
        .iter()
        .filter(|u| u.contains("/task/openapi/") || u.contains("/openapi/v2/"))
        .collect();
    assert!(!tasks.is_empty(), "{urls:?}");
    for url in &tasks {
        assert!(
            url.starts_with(&format!("{}/cn/", relay.base_url)),
            "task calls go through the relay: {url}"
        );
    }
    // (Only the result picture comes from there: the simulator is RunningHub's file host too.)
    assert!(
        !urls
            .iter()
            .any(|u| u.starts_with(&runninghub.base_url) && !u.contains("/sim-files/")),
        "the page called RunningHub directly: {urls:?}"
    );
    for url in &urls {
        assert!(!url.contains(KEY), "the key is in a URL: {url}");
    }
    // The progress socket went through the relay as well (on another origin: the relay let this
    // page's origin open it), and the relay opened it upstream with RunningHub's own origin.
    // Its query (with the signed token) went in the socket's first frame, not in the URL.
    let through_relay = format!(
        "{}/cn/ws/c_instance",
        relay.base_url.replacen("http://", "ws://", 1)
    );
    let sockets: Vec<&String> = urls.iter().filter(|u| u.starts_with("ws")).collect();
    assert!(
        !sockets.is_empty() && sockets.iter().all(|u| **u == through_relay),
        "{sockets:?}"
    );
    // (A socket the instance closes at the end may be opened once more before a poll says the
    // task is over; RunningHub then refuses it.)
    let opened = log_entries_for(&log, rh_api::path::SOCKET);
    assert!(!opened.is_empty());
    for entry in opened {
        assert_eq!(entry["origin"], runninghub.base_url.as_str(), "{entry}");
    }
    // The relay is remembered (it is not a secret), the key is not.
    let stored = page.local_storage().await?;
    assert!(stored.contains(&relay.base_url), "{stored}");
    assert!(!stored.contains(KEY), "{stored}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_from_a_host_without_cors_are_kept_and_exported_through_the_relay() -> Result {
    // RunningHub, and its result files, send no CORS headers.
    let runninghub = closed_runninghub().await?;
    let mut app = settings(Mode::Relay {
        upstream: runninghub.base_url.clone(),
    });
    // In real use the allowlist names RunningHub's result hosts (https only); the simulator's
    // files are on loopback.
    app.allow_file_origins = vec![origin(&runninghub.base_url)?];
    let h = Harness::start_with_settings("reach-file-proxy", app).await?;
    let page = h.open_page().await?;
    assert_eq!(
        page.site().await?,
        "cn",
        "a relay serves the RunningHub sites"
    );
    page.wait_for("#via[data-via='this']").await?;
    page.set_key(KEY).await?;
    page.set_screenshot(SCREENSHOT).await?;
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    page.wait_image_loaded("img.output-image").await?;
    let output = page
        .attr("img.output-image", "src")
        .await?
        .unwrap_or_default();
    assert!(
        output.starts_with(&runninghub.base_url),
        "the result lives on the result host, not on the page's origin: {output}"
    );

    // Keep on this device: the direct fetch is refused, the relay's file proxy fetches it.
    let journal = Journal::new(&h);
    let record = journal
        .wait_record("the succeeded render", su_render_e2e::DEFAULT_WAIT, |r| {
            r.phase() == "succeeded"
        })
        .await?;
    journal.click_item_button(record.id(), "keep").await?;
    journal
        .wait_history("the render kept", su_render_e2e::DEFAULT_WAIT, |items| {
            items.iter().any(|i| i.kept)
        })
        .await?;
    let kept = journal.kept_files().await?;
    assert!(
        kept.iter().any(|(url, size)| *url == output && *size > 100),
        "the picture itself is kept: {kept:?}"
    );
    assert!(!page.exists(".keep-error").await?);
    let proxied = h.resource_urls().await?;
    assert!(
        proxied
            .iter()
            .any(|u| u.starts_with(&format!("{}/__su/file?url=", h.base_url))),
        "the file came through the relay: {proxied:?}"
    );

    // The render set as ZIP: the picture is in it (from this device, or through the proxy).
    let downloads = TempDir::new("reach-file-proxy-downloads")?;
    page.cdp(
        "Browser.setDownloadBehavior",
        json!({ "behavior": "allow", "downloadPath": downloads.path.display().to_string() }),
    )
    .await?;
    page.click(".history-item button.export").await?;
    let zip = wait_download(&downloads.path, "zip").await?;
    let mut bytes = Vec::new();
    std::fs::File::open(&zip)?.read_to_end(&mut bytes)?;
    let entries = zip_entries(&bytes);
    let picture = entries
        .iter()
        .find(|(name, _)| name.ends_with(".png"))
        .ok_or_else(|| {
            format!(
                "no picture in the ZIP: {:?}",
                entries.iter().map(|e| &e.0).collect::<Vec<_>>()
            )
        })?;
    assert!(picture.1.starts_with(b"\x89PNG"));
    let recipe: Value = serde_json::from_slice(&entries[0].1)?;
    assert_eq!(recipe["notIncluded"], json!([]), "{recipe}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_cannot_reach_runninghub_says_nothing_was_sent() -> Result {
    // A relay whose upstream refuses connections: a port that was free a moment ago.
    let (listener, addr) = su_render_e2e::server::bind().await?;
    drop(listener);
    let h = Harness::start_with_settings(
        "reach-relay-offline",
        settings(Mode::Relay {
            upstream: format!("http://{addr}"),
        }),
    )
    .await?;
    let page = h.open_page().await?;
    page.set_key(KEY).await?;
    page.set_screenshot(SCREENSHOT).await?;
    page.click_render().await?;
    page.wait_status("not-sent").await?;
    let error = page.text_of("#api-error").await?;
    assert!(
        error.contains("could not reach RunningHub") && error.contains("nothing was billed"),
        "{error}"
    );
    // Written down as not sent, never as unknown: after a reload it stays so.
    let journal = Journal::new(&h);
    let record = journal
        .wait_record("the journal entry", su_render_e2e::DEFAULT_WAIT, |r| {
            r.phase() == "not-sent"
        })
        .await?;
    assert_eq!(record.task_id(), None);
    journal.reload().await?;
    journal
        .wait_history(
            "the render listed as not sent",
            su_render_e2e::DEFAULT_WAIT,
            |items| items.iter().any(|i| i.phase == "not-sent"),
        )
        .await?;
    assert!(journal
        .records()
        .await?
        .iter()
        .all(|r| r.phase() != "unknown"));
    Ok(())
}

/// What a designer on the GitHub Pages copy meets with the app on their own computer: Chromium
/// counts the Pages site as public and 127.0.0.1 as local, and lets a public page call a local
/// address only with the user's permission (Local Network Access: the request is refused
/// before anything is sent, "Permission was denied for this request to access the `loopback`
/// address space"). Here the page's server is marked public; headless Chromium can't ask, so it
/// refuses until the permission is granted, as a user's "Allow" does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_page_reaches_the_app_on_this_computer_once_the_browser_allows_it() -> Result {
    let runninghub = Server::fast().await?;
    let closed = closed_runninghub().await?;
    let pages = Server::fast().await?;
    let mut relay = settings(Mode::Relay {
        upstream: runninghub.base_url.clone(),
    });
    relay.allow_origins = vec![origin(&pages.base_url)?];
    let relay = Server::start_settings(relay).await?;
    let public = pages
        .base_url
        .strip_prefix("http://")
        .ok_or("the page's address")?;
    let chromium = su_render_e2e::chromium::Chromium {
        args: vec![format!("--ip-address-space-overrides={public}=public")],
        ..su_render_e2e::chromium::Chromium::default()
    };
    let b = su_render_e2e::page::Page::start("reach-public-page", &chromium).await?;
    b.open(&format!("{}/", pages.base_url)).await?;
    b.select("#site", "custom").await?;
    b.fill("#custom-base", &closed.base_url).await?;
    b.fill("#api-key", KEY).await?;
    b.fill("#node-112", SCREENSHOT).await?;
    b.click_render().await?;
    b.wait_status("not-sent").await?;

    // Without the permission nothing gets through, not even the question "who are you?".
    b.fill("#relay-address", &relay.base_url).await?;
    b.click("#use-relay").await?;
    b.wait_until(
        "the relay check to fail",
        "return (document.querySelector('#relay-check')?.textContent || '').includes('Nothing answers');",
        vec![],
    )
    .await?;
    assert!(api_calls(&runninghub.sim_log().await?).is_empty());

    // The user allows it (what the browser's prompt does): now the same steps carry the render.
    // Chromium 156 has two such permissions; 127.0.0.1 needs the loopback one
    // ("localNetworkAccess" alone was measured not to be enough).
    b.cdp(
        "Browser.grantPermissions",
        json!({ "permissions": ["loopbackNetwork"], "origin": pages.base_url }),
    )
    .await?;
    b.click("#use-relay").await?;
    b.wait_for("#consent").await?;
    b.click("#consent-allow").await?;
    b.wait_gone("#blocked").await?;
    b.click_render().await?;
    b.wait_status("succeeded").await?;
    let log = runninghub.sim_log().await?;
    assert_eq!(log_entries_for(&log, RUN).len(), 1, "{log:?}");
    Ok(())
}
