//! The limits of a batch, as a user meets them: a coin budget stops the queue before it would be
//! exceeded (and no task beyond it ever reaches RunningHub), whether or not the page knew what a
//! render costs when the batch started; and each item that finishes while the tab is in the
//! background shows a system notification with its file name (none while the tab is in view).

use std::time::Duration;

use rh_api::path::RUN;
use serde_json::{json, Value};
use su_render_e2e::client::ClientPage;
use su_render_e2e::{Harness, Result};

/// Uploads go to v2's path, or to v1's where v2 is not there.
const UPLOADS: [&str; 2] = [
    su_render_e2e::client::UPLOAD_V2,
    su_render_e2e::client::UPLOAD,
];

/// What the simulator reports as `consumeCoins` for every finished render (server/src/sim.rs).
const SIM_COINS_PER_RENDER: u64 = 12;

/// The over-budget row text, in the two languages the page may pick (src/i18n.rs).
const OVER_BUDGET_TEXTS: [&str; 2] = [
    "Not started: it would go over the budget. Start a new batch with a higher budget to render it",
    "未开始：会超出积分上限。提高上限后重新批量渲染即可",
];
/// The notification title, in both languages (src/i18n.rs, `notify_done`).
const NOTIFY_TITLES: [&str; 2] = ["Rendering finished", "效果图已生成"];
/// The title for a failed item (src/i18n.rs, `notify_failed`).
const FAILED_TITLES: [&str; 2] = ["Rendering failed", "效果图生成失败"];

/// The file name shown on every batch row, in order.
async fn item_names(h: &Harness) -> Result<Vec<String>> {
    h.page()
        .texts_of("#batch .batch-item .batch-name strong")
        .await
}

/// How many requests the simulator received for `path`.
async fn requests_to(h: &Harness, paths: &[&str]) -> Result<usize> {
    Ok(h.sim_log()
        .await?
        .iter()
        .filter(|e| paths.iter().any(|p| e["path"] == *p))
        .count())
}

/// A budget for two renders out of five: the first two run and succeed, the other three are
/// marked over budget, listed with their names, offer no Retry that could not work, and are
/// never uploaded or sent to RunningHub.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coin_budget_stops_the_batch_before_it_is_exceeded() -> Result {
    let h = Harness::start_with("batch-budget", json!({"queueMs": 300, "runMs": 600})).await?;
    let page = h.open_page().await?;

    // The page learns what a render costs from the last render of this app in its history,
    // and follows the history: a render made in this page, without a reload, counts.
    page.set_screenshot("api/screenshot.png").await?;
    page.click_render().await?;
    page.wait_status("succeeded").await?;
    assert_eq!(requests_to(&h, &[RUN]).await?, 1, "the one single render");

    let names: Vec<String> = (0..5).map(|i| format!("room-{i}.png")).collect();
    page.drop_pngs("node-112", &names, 11).await?;
    page.wait_for("#batch-setup").await?;
    assert_eq!(page.texts_of(".batch-files li").await?, names);
    // The estimate shows the known cost: 5 renders × 12 coins = 60.
    let (per, all) = (
        SIM_COINS_PER_RENDER.to_string(),
        (5 * SIM_COINS_PER_RENDER).to_string(),
    );
    page.wait_on(
        Duration::from_secs(10),
        "the batch does not know the cost of a render (#batch-expected), so a budget could not apply",
        || async {
            let expected = page.text_of("#batch-expected").await?;
            Ok((expected.contains(&per) && expected.contains(&all)).then_some(()))
        },
    )
    .await?;
    // The batch's settings (a part of the split build) with the estimate its journal read made.
    let shot = page.screenshot("batch-setup").await?;
    println!("screenshot: {}", shot.display());

    // Exactly two renders' worth: 2 × 12 = 24 may be spent, a third would make 36.
    page.fill("#budget", &(2 * SIM_COINS_PER_RENDER).to_string())
        .await?;
    page.wait_for("#render-batch").await?.click().await?;
    page.wait_for("#batch").await?;

    let states = page.wait_batch_settled(5, Duration::from_secs(60)).await?;
    assert_eq!(
        states,
        [
            "succeeded",
            "succeeded",
            "over-budget",
            "over-budget",
            "over-budget"
        ],
        "the renders that fit the budget ran, the rest were stopped"
    );
    // What the user reads on the stopped rows, and that nothing was dropped from the list.
    assert_eq!(
        item_names(&h).await?,
        names,
        "every picture is still listed"
    );
    for text in page
        .texts_of("#batch .batch-item[data-state=over-budget] .batch-state")
        .await?
    {
        assert!(
            OVER_BUDGET_TEXTS.contains(&text.as_str()),
            "an over-budget row says why it did not start: {text:?}"
        );
    }
    assert_eq!(
        page.count("#batch .batch-item[data-state=succeeded] .status[data-phase=succeeded]")
            .await?,
        2,
        "the two renders that ran show their finished job"
    );
    assert_eq!(
        page.count("#batch .batch-item[data-state=over-budget] .status")
            .await?,
        0,
        "the stopped rows never had a job"
    );

    // RunningHub never saw the stopped ones: 1 single render + 2 batch renders, two uploads.
    let after_batch = h.sim_stats().await?;
    assert_eq!(
        after_batch["runs"], 3,
        "no task beyond the budget: {after_batch}"
    );
    assert_eq!(
        requests_to(&h, &[RUN]).await?,
        3,
        "three run requests in all"
    );
    assert_eq!(
        requests_to(&h, &UPLOADS).await?,
        2,
        "only the pictures that rendered were uploaded"
    );

    // The stopped rows offer no Retry: the budget is fixed for the batch, so it could only
    // bounce back. Their text says what to do instead.
    assert_eq!(
        page.count("#batch .batch-item[data-state=over-budget] .item-retry")
            .await?,
        0,
        "a stopped row has no Retry that could not work"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let states = page.wait_batch_settled(5, Duration::from_secs(10)).await?;
    assert_eq!(
        &states[2..],
        ["over-budget", "over-budget", "over-budget"],
        "the stopped rows stay stopped"
    );
    assert_eq!(
        item_names(&h).await?,
        names,
        "every picture is still listed"
    );
    let stats = h.sim_stats().await?;
    assert_eq!(stats["runs"], 3, "still no task beyond the budget: {stats}");
    assert_eq!(
        requests_to(&h, &UPLOADS).await?,
        2,
        "nothing uploaded later"
    );
    h.screenshot("batch-budget-done").await?;
    Ok(())
}

/// A budget also holds when the page does not know yet what a render costs (no render of this
/// app in its history when the batch starts, as on a first batch or right after a first render
/// without a reload): the batch renders one picture at a time until the first one reports its
/// cost, then stops before the budget would be exceeded, even with two renders allowed at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coin_budget_holds_before_the_cost_of_a_render_is_known() -> Result {
    let h = Harness::start_with(
        "batch-budget-unknown",
        json!({"queueMs": 300, "runMs": 600}),
    )
    .await?;
    let page = h.open_page().await?;

    let names: Vec<String> = (0..4).map(|i| format!("hall-{i}.png")).collect();
    page.drop_pngs("node-112", &names, 41).await?;
    page.wait_for("#batch-setup").await?;
    let expected = page.text_of("#batch-expected").await?;
    assert!(
        !expected.contains(&SIM_COINS_PER_RENDER.to_string()),
        "a fresh page does not know the cost of a render yet: {expected:?}"
    );
    page.fill("#concurrency", "2").await?;
    page.fill("#budget", &(2 * SIM_COINS_PER_RENDER).to_string())
        .await?;
    page.wait_for("#render-batch").await?.click().await?;
    page.wait_for("#batch").await?;

    let states = page.wait_batch_settled(4, Duration::from_secs(60)).await?;
    assert_eq!(
        states,
        ["succeeded", "succeeded", "over-budget", "over-budget"],
        "two renders fit the budget of 24 coins at 12 each"
    );
    assert_eq!(
        item_names(&h).await?,
        names,
        "every picture is still listed"
    );
    let stats = h.sim_stats().await?;
    assert_eq!(stats["runs"], 2, "no task beyond the budget: {stats}");
    assert_eq!(
        stats["maxConcurrentRunning"], 1,
        "one at a time until the cost was known, then only what the budget allowed: {stats}"
    );
    assert_eq!(
        requests_to(&h, &UPLOADS).await?,
        2,
        "only two pictures uploaded"
    );
    Ok(())
}

/// Put into the page before a batch: `document.hidden` / `visibilityState` follow
/// `window.__hidden`, and every `new Notification(…)` is recorded (title, body, whether the real
/// constructor accepted it) and then made by the real constructor. `requestPermission` calls are
/// counted and passed through. Returns the real `Notification.permission`.
const NOTIFICATION_RECORDER: &str = "
    window.__notes = [];
    window.__asked = 0;
    window.__hidden = false;
    const Real = window.Notification;
    class Recorded extends Real {
        constructor(title, options) {
            const note = {
                title: String(title),
                body: options && options.body != null ? String(options.body) : null,
                shown: false,
            };
            window.__notes.push(note);
            super(title, options);
            note.shown = true;
        }
        static requestPermission(...args) {
            window.__asked += 1;
            return Real.requestPermission(...args);
        }
    }
    window.Notification = Recorded;
    Object.defineProperty(document, 'hidden', {
        configurable: true,
        get: () => window.__hidden,
    });
    Object.defineProperty(document, 'visibilityState', {
        configurable: true,
        get: () => (window.__hidden ? 'hidden' : 'visible'),
    });
    return Real.permission;";

/// Notifications recorded by [`NOTIFICATION_RECORDER`].
async fn notes(h: &Harness) -> Result<Vec<Value>> {
    match h.client.execute("return window.__notes;", vec![]).await? {
        Value::Array(notes) => Ok(notes),
        other => Err(format!("no notification recorder in the page: {other}").into()),
    }
}

async fn set_hidden(h: &Harness, hidden: bool) -> Result {
    h.client
        .execute(
            "window.__hidden = arguments[0];
             document.dispatchEvent(new Event('visibilitychange'));",
            vec![json!(hidden)],
        )
        .await?;
    Ok(())
}

/// The page asks for permission when a batch starts; with it granted, every item that finishes
/// while the tab is hidden shows one notification naming its file, and none shows while the tab
/// is in view.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_tab_is_notified_once_per_finished_batch_item() -> Result {
    // Slow enough that permission is settled before the first item finishes.
    let h = Harness::start_with("batch-notify", json!({"queueMs": 1500, "runMs": 1000})).await?;
    let page = h.open_page().await?;
    let visible = h
        .client
        .execute(
            "return [document.hidden, document.visibilityState];",
            vec![],
        )
        .await?;
    assert_eq!(
        visible,
        json!([false, "visible"]),
        "the test tab starts in view"
    );
    let initial = h.client.execute(NOTIFICATION_RECORDER, vec![]).await?;

    // In view: the batch asks for permission (from the click), the user allows it.
    let day: Vec<String> = (0..2).map(|i| format!("day-{i}.png")).collect();
    page.drop_pngs("node-112", &day, 21).await?;
    page.wait_for("#batch-setup").await?;
    page.wait_for("#render-batch").await?.click().await?;
    page.wait_for("#batch").await?;
    let asked = h.client.execute("return window.__asked;", vec![]).await?;
    // A fresh profile has not been asked yet, so the click must ask.
    assert_eq!(initial, "default", "a fresh profile has not decided yet");
    assert_eq!(
        asked,
        json!(1),
        "starting a batch asks once for permission to notify"
    );
    h.cdp(
        "Browser.grantPermissions",
        json!({ "origin": h.base_url, "permissions": ["notifications"] }),
    )
    .await?;
    let permission = h
        .client
        .execute("return Notification.permission;", vec![])
        .await?;
    assert_eq!(permission, "granted", "the page sees the permission");
    let states = page.batch_states().await?;
    assert!(
        !states.iter().any(|s| s == "succeeded"),
        "permission was granted before any item finished: {states:?}"
    );
    let states = page.wait_batch_settled(2, Duration::from_secs(60)).await?;
    assert_eq!(states, ["succeeded", "succeeded"]);
    assert_eq!(
        notes(&h).await?,
        Vec::<Value>::new(),
        "no notification while the tab is in view"
    );

    // In the background: one notification per item, naming its file.
    set_hidden(&h, true).await?;
    let night: Vec<String> = (0..3).map(|i| format!("night-{i}.png")).collect();
    page.drop_pngs("node-112", &night, 31).await?;
    page.wait_for("#batch-setup").await?;
    page.wait_for("#render-batch").await?.click().await?;
    page.wait_on(
        Duration::from_secs(10),
        "the second batch did not replace the first",
        || async { Ok((item_names(&h).await? == night).then_some(())) },
    )
    .await?;
    let states = page.wait_batch_settled(3, Duration::from_secs(60)).await?;
    assert_eq!(states, ["succeeded", "succeeded", "succeeded"]);
    let recorded = notes(&h).await?;
    assert_eq!(
        recorded.len(),
        3,
        "one notification per finished item: {recorded:?}"
    );
    for (note, name) in recorded.iter().zip(&night) {
        let title = note["title"].as_str().unwrap_or_default();
        assert!(NOTIFY_TITLES.contains(&title), "title: {note}");
        let body = note["body"].as_str().unwrap_or_default();
        assert!(body.contains(name.as_str()), "{name} in the body: {note}");
        assert_eq!(
            note["shown"], true,
            "the real Notification was made: {note}"
        );
    }

    // Nothing repeats once the batch is over.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(notes(&h).await?.len(), 3, "no repeated notifications");

    // A failed item is announced too, as a failure: someone away from the tab must not take
    // silence for success.
    h.sim_control(json!({"outcome": "fail"})).await?;
    // Two pictures: a single one would fill the form instead of making a batch.
    let broken: Vec<String> = (0..2).map(|i| format!("broken-{i}.png")).collect();
    page.drop_pngs("node-112", &broken, 41).await?;
    page.wait_for("#batch-setup").await?;
    page.wait_for("#render-batch").await?.click().await?;
    page.wait_on(
        Duration::from_secs(10),
        "the third batch did not replace the second",
        || async { Ok((item_names(&h).await? == broken).then_some(())) },
    )
    .await?;
    let states = page.wait_batch_settled(2, Duration::from_secs(60)).await?;
    assert_eq!(states, ["failed", "failed"]);
    let recorded = notes(&h).await?;
    assert_eq!(recorded.len(), 5, "one more per failed item: {recorded:?}");
    for (note, name) in recorded[3..].iter().zip(&broken) {
        let title = note["title"].as_str().unwrap_or_default();
        assert!(
            FAILED_TITLES.contains(&title),
            "a failure says so in its title: {note}"
        );
        let body = note["body"].as_str().unwrap_or_default();
        assert!(body.contains(name.as_str()), "{name} in the body: {note}");
    }
    Ok(())
}
