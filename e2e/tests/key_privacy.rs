//! The key goes where the user said it may, and in no URL (issue 19, items 1 and 7):
//! - "Load app inputs" asks our own server with the key in a POST body (this page's server, or a
//!   custom base that answers `/__su/info` as ours); with RunningHub itself, whose call wants the
//!   key in the URL, nothing is sent and the page says what it needs.
//! - A relay chosen in the blocked-call guide is saved only once allowed: refused, the settings
//!   are as before, also after a reload.
//! - A journaled render started at a server that is neither RunningHub nor this page's waits,
//!   unsent, until the user allows the key to go there.

use std::time::Duration;

use serde_json::{json, Value};
use su_render_e2e::client::{poll_entries, RUN, SOCKET};
use su_render_e2e::journal::{record_json, Journal};
use su_render_e2e::page::SU_APP;
use su_render_e2e::{
    dist_dir, entry_path, fast_sim, log_entries_for, Harness, Mode, Options, Origin, Result,
    Server, ServerConfig, Settings,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}
const SETTINGS: &str = "su-render.settings.v1";

/// Our server in `mode`, serving the built app, with pages on `allow` allowed to call it.
async fn server(mode: Mode, allow: &str) -> Result<Server> {
    let mut settings: Settings = ServerConfig {
        dist: dist_dir(),
        mode,
        sim: fast_sim(),
    }
    .into();
    settings.allow_origins = vec![Origin::parse(allow)?];
    Server::start_settings(settings).await
}

/// A harness named `name`, a simulator standing for RunningHub, and a relay to it that the
/// harness's page may call: the harness, the simulator, the relay.
async fn with_relay(name: &str) -> Result<(Harness, Server, Server)> {
    let h = Harness::start(Options::new(name)).await?;
    let upstream = Server::fast().await?;
    let relay = server(
        Mode::Relay {
            upstream: upstream.base_url.clone(),
        },
        &h.base_url,
    )
    .await?;
    Ok((h, upstream, relay))
}

/// The saved settings as stored (`None` when nothing was saved).
async fn stored_settings(h: &Harness) -> Result<Option<String>> {
    let value = h
        .browser
        .js(
            "return localStorage.getItem(arguments[0]);",
            vec![json!(SETTINGS)],
        )
        .await?;
    Ok(value.as_str().map(str::to_owned))
}

/// API requests a simulator received (its knobs and files are not API calls).
fn api_calls(log: &[Value]) -> Vec<String> {
    log.iter()
        .map(|e| entry_path(e).to_owned())
        .filter(|p| p.contains("/openapi/") || p.starts_with("/api/") || p.starts_with("/ws/"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_inputs_come_from_our_server_in_a_post_and_never_from_runninghub_by_url() -> Result {
    let (h, upstream, relay) = with_relay("privacy-app-inputs").await?;
    let page = h.open_page().await?;

    // RunningHub itself: its documented call wants the key in the URL, so nothing is sent.
    page.set_site("cn").await?;
    page.set_key(KEY).await?;
    page.click("#load-app").await?;
    let error = page
        .wait_until(
            "the page to say what loading inputs needs",
            "const p = document.getElementById('app-error'); return p ? p.textContent : null;",
            vec![],
        )
        .await?;
    let error = error.as_str().unwrap_or_default();
    assert!(
        error.contains("needs the SU Render app or a relay") && error.contains("Nothing was sent"),
        "{error}"
    );
    let urls = h.resource_urls().await?;
    // (A typed key is checked at the chosen site, in a POST body: the only call to RunningHub.)
    assert!(
        urls.iter().all(|u| !u.contains("apiCallDemo")
            && (!u.contains("runninghub") || u.ends_with(rh_api::path::ACCOUNT))),
        "nothing went anywhere for it: {urls:?}"
    );
    page.screenshot_at(1280, "privacy-app-inputs-direct")
        .await?;

    // A custom base on our relay: it says it is ours, and takes the key in a POST body.
    page.set_site("custom").await?;
    let custom = format!("{}/cn", relay.base_url);
    page.fill("#custom-base", &custom).await?;
    page.click("#load-app").await?;
    page.wait_for("#app-loaded").await?;
    let urls = h.resource_urls().await?;
    let demo: Vec<&String> = urls.iter().filter(|u| u.contains("apiCallDemo")).collect();
    assert_eq!(
        demo,
        vec![&format!("{custom}/api/webapp/apiCallDemo")],
        "asked once, with nothing in the URL"
    );
    assert!(urls.iter().all(|u| !u.contains(KEY)), "{urls:?}");
    // The relay made RunningHub's documented GET from it (the simulator masks the key).
    let log = upstream.sim_log().await?;
    let calls = log_entries_for(&log, "/api/webapp/apiCallDemo");
    assert_eq!(calls.len(), 1, "{log:?}");
    assert_eq!(calls[0]["method"], "GET", "{:?}", calls[0]);

    // The page's own server (the simulator) too.
    page.set_site("local").await?;
    page.click("#load-app").await?;
    page.wait_for("#app-loaded").await?;
    let own = log_entries_for(&h.sim_log().await?, "/api/webapp/apiCallDemo")
        .into_iter()
        .map(|e| e["method"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(own, ["POST"]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_refused_in_the_guide_is_not_saved_also_after_a_reload() -> Result {
    let (h, upstream, relay) = with_relay("privacy-guide-refused").await?;
    // A RunningHub that refuses the page (no CORS): the guide appears.
    let mut closed: Settings = ServerConfig {
        dist: dist_dir(),
        mode: Mode::Simulator,
        sim: fast_sim(),
    }
    .into();
    closed.sim_no_cors = true;
    let closed = Server::start_settings(closed).await?;

    let page = h.open_page().await?;
    page.set_site("custom").await?;
    page.fill("#custom-base", &closed.base_url).await?;
    // Leaving the field saves it, as a user's next click does.
    page.click("#api-key").await?;
    page.set_key(KEY).await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;
    page.wait_status("not-sent").await?;
    page.wait_for("#blocked").await?;
    let before = stored_settings(&h).await?;
    assert!(
        before
            .as_deref()
            .is_some_and(|s| s.contains(&closed.base_url)),
        "the custom base was saved: {before:?}"
    );

    page.fill("#relay-address", &relay.base_url).await?;
    page.click("#use-relay").await?;
    page.wait_for("#consent[data-for=relay]").await?;
    assert!(page.text_of("#consent").await?.contains(&relay.base_url));
    assert_eq!(
        stored_settings(&h).await?,
        before,
        "nothing is saved before the user allows the relay"
    );
    page.screenshot_at(1280, "privacy-guide-consent").await?;

    page.click("#consent-reject").await?;
    page.wait_gone("#consent").await?;
    assert_eq!(stored_settings(&h).await?, before, "refused: nothing saved");
    assert_eq!(page.site().await?, "custom", "the site is as it was");
    assert!(!page.exists("#via").await?, "no relay in use");
    assert!(api_calls(&upstream.sim_log().await?).is_empty());

    let journal = Journal::new(&h);
    journal.reload().await?;
    assert_eq!(stored_settings(&h).await?, before, "and after a reload");
    assert_eq!(page.site().await?, "custom");
    assert_eq!(page.prop("#custom-base", "value").await?, closed.base_url);
    assert!(!page.exists("#via").await?);
    assert!(!page.local_storage().await?.contains(&relay.base_url));

    // Allowed, the same choice is saved (so the refusal above is what kept it out).
    page.set_key(KEY).await?;
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;
    page.wait_status("not-sent").await?;
    page.fill("#relay-address", &relay.base_url).await?;
    page.click("#use-relay").await?;
    page.wait_for("#consent[data-for=relay]").await?;
    page.click("#consent-allow").await?;
    page.wait_gone("#consent").await?;
    let after = stored_settings(&h).await?.unwrap_or_default();
    assert!(after.contains(&relay.base_url), "{after}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_render_journaled_at_another_server_waits_until_the_key_may_go_there() -> Result {
    let h = Harness::start(Options::new("privacy-resume-elsewhere")).await?;
    // Another server (not RunningHub, not this page's) where a render was started earlier.
    let elsewhere = Server::fast().await?;
    let (status, answer) = elsewhere
        .post(
            RUN,
            &json!({
                "apiKey": KEY, "webappId": SU_APP,
                "nodeInfoList": [{"nodeId": "112", "fieldName": "image", "fieldValue": "api/x.png"}],
            }),
        )
        .await?;
    assert_eq!(status, 200, "{answer}");
    let answer: Value = serde_json::from_str(&answer)?;
    let task_id = su_render_e2e::id_text(&answer["data"]["taskId"]);
    assert!(!task_id.is_empty(), "{answer}");
    let started = |log: &[Value]| log_entries_for(log, RUN).len();
    let followed = |log: &[Value]| poll_entries(log).len() + log_entries_for(log, SOCKET).len();

    let page = h.open_page().await?;
    let journal = Journal::new(&h);
    journal
        .seed(&[record_json(
            "elsewhere",
            now_ms() - 30_000.0,
            &elsewhere.base_url,
            "queued",
            Some(&task_id),
            None,
        )])
        .await?;
    journal.reload().await?;
    page.set_key(KEY).await?;

    // The prompt names the server; the render says why it waits; nothing goes there.
    page.wait_for("#consent[data-for=resume]").await?;
    assert!(page
        .text_of("#consent")
        .await?
        .contains(&elsewhere.base_url));
    page.wait_for("#needs-consent[data-refused=false]").await?;
    assert!(page
        .text_of("#needs-consent")
        .await?
        .contains(&elsewhere.base_url));
    page.screenshot_at(1280, "privacy-resume-consent").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let log = elsewhere.sim_log().await?;
    assert_eq!((started(&log), followed(&log)), (1, 0), "{log:?}");
    assert_eq!(
        poll_entries(&h.sim_log().await?).len(),
        0,
        "nor to this page's server"
    );
    // The rest of the page is not held: calls to the current site may go (here the check).
    page.click("#check-key").await?;
    page.wait_for("#account").await?;

    // Refused: it stays unsent, and says so; it holds nothing up.
    page.click("#consent-reject").await?;
    page.wait_gone("#consent").await?;
    page.wait_for("#needs-consent[data-refused=true]").await?;
    assert_eq!(
        page.attr("#render", "aria-busy").await?.as_deref(),
        Some("false")
    );
    page.screenshot_at(1280, "privacy-resume-refused").await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let log = elsewhere.sim_log().await?;
    assert_eq!(followed(&log), 0, "{log:?}");

    // "Check again" in the history asks again; allowed, it is followed there to its end.
    journal.click_item_button("elsewhere", "resume").await?;
    page.wait_for("#consent[data-for=resume]").await?;
    assert_eq!(followed(&elsewhere.sim_log().await?), 0);
    page.click("#consent-allow").await?;
    journal
        .wait_phase("succeeded", Duration::from_secs(20))
        .await?;
    let log = elsewhere.sim_log().await?;
    assert!(followed(&log) > 0, "{log:?}");
    assert_eq!(started(&log), 1, "polled, never run again");
    Ok(())
}
