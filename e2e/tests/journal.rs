//! The job journal end to end: every render is written down before its run request leaves, a
//! reload resumes it by polling (never by running it again), a lost run answer is marked unknown
//! and never resubmitted, a flaky service only makes the job say "reconnecting", kept pictures
//! outlive their URLs, and history can be reused, deleted and cleared.
//!
//! Each test has its own server, simulator and browser, and reports what it measured to the
//! fault ledger; `zz_fault_summary` (last in name order) adds it all up.

use std::time::Duration;

use serde_json::json;
use su_render_e2e::journal::{
    announce, is_final, wait_for_scenarios, wait_until, Journal, Scenario, OUTPUTS, QUERY, RUN,
};
use su_render_e2e::{AppPage, Harness, Options, Result, SimConfig};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const SCREENSHOT: &str = "api/screenshot.png";
const REFERENCE: &str = "api/reference.png";

/// Ordinary waits (a phase, an item) and the wait for a job's end.
const WAIT: Duration = Duration::from_secs(20);
const FINISH: Duration = Duration::from_secs(40);

fn sim(queue_ms: u64, run_ms: u64) -> SimConfig {
    SimConfig {
        queue_ms,
        run_ms,
        poll_first_ms: Some(200),
        poll_steady_ms: Some(300),
        require_key: None,
        socket_hidden_close_ms: None,
    }
}

async fn start(name: &str, sim: SimConfig) -> Result<Harness> {
    let mut options = Options::new(name);
    options.sim = sim;
    Harness::start(options).await
}

/// Fills the form (the page is open) and clicks Render.
async fn render(page: &AppPage<'_>, screenshot: &str) -> Result {
    page.set_key(KEY).await?;
    page.set_screenshot(screenshot).await?;
    page.set_reference(REFERENCE).await?;
    page.click_render().await
}

/// Renders, waits for `phase`, reloads, and checks that the same task comes back on screen by
/// polling and ends in `succeeded`, with exactly one run request.
async fn reload_during(name: &str, sim: SimConfig, phase: &str) -> Result {
    let scenario = Scenario::register(name);
    let h = start(name, sim).await?;
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    render(&page, SCREENSHOT).await?;
    j.wait_phase(phase, WAIT).await?;
    let task_id = j.shown_task_id().await?;
    assert!(!task_id.is_empty(), "#task-id is shown once `{phase}`");

    // The journal has the task id as soon as it is known (a reload now must find it).
    let record = j
        .wait_record(
            &format!("a journal record with task id {task_id}"),
            Duration::from_secs(3),
            |r| r.task_id() == Some(task_id.as_str()),
        )
        .await?;
    assert!(
        !record.raw.contains(KEY) && !record.raw.to_ascii_lowercase().contains("apikey"),
        "the journal must never hold the key: {}",
        record.raw
    );
    assert_eq!(record.key, record.id(), "rows are keyed by the record's id");
    assert!(
        !is_final(record.phase()),
        "the record is unfinished while `{phase}`: {}",
        record.raw
    );

    j.reload().await?;
    page.wait_for("#job").await?;
    let shown = wait_until(
        &page,
        WAIT,
        "the resumed job shows its task id",
        move || async move {
            let id = j.shown_task_id().await?;
            Ok((!id.is_empty()).then_some(id))
        },
    )
    .await?;
    assert_eq!(shown, task_id, "the reload resumes the same task");

    let seen = j.wait_phase("succeeded", FINISH).await?;
    assert!(
        !seen.iter().any(|p| p == "submitting" || p == "unknown"),
        "a resumed job polls, it does not submit again; phases after the reload: {seen:?}"
    );
    page.wait_image_loaded("img.output-image").await?;

    assert_eq!(
        j.run_requests().await?,
        1,
        "exactly one run request: the reload must not render again"
    );
    let polled = j.polled_task_ids().await?;
    assert!(
        !polled.is_empty() && polled.iter().all(|id| *id == task_id),
        "every poll asks for task {task_id}: {polled:?}"
    );

    let record = j
        .wait_record("the journal record ends `succeeded`", WAIT, |r| {
            r.task_id() == Some(task_id.as_str()) && r.phase() == "succeeded"
        })
        .await?;
    assert!(
        !record.output_urls().is_empty(),
        "the journal keeps the outputs: {}",
        record.raw
    );
    let items = j
        .wait_history("history shows the render as succeeded", WAIT, |items| {
            items.len() == 1 && items[0].phase == "succeeded"
        })
        .await?;
    assert_eq!(items[0].id, record.id());
    assert!(
        !items[0].resume,
        "a finished render has nothing to check again"
    );

    scenario.report(j.tally(1).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_while_queued_resumes_the_same_task() -> Result {
    reload_during("journal-reload-queued", sim(3000, 2000), "queued").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_while_running_resumes_the_same_task() -> Result {
    reload_during("journal-reload-running", sim(1000, 4000), "running").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_garbage_answers_only_delay_the_result() -> Result {
    let name = "journal-flaky-outputs";
    let scenario = Scenario::register(name);
    // Short poll intervals: ten failed polls in a row back off 30 ms, 60 ms, … ≈ 30 s in all.
    let h = start(
        name,
        SimConfig {
            queue_ms: 500,
            run_ms: 3000,
            poll_first_ms: Some(30),
            poll_steady_ms: Some(30),
            require_key: None,
            socket_hidden_close_ms: None,
        },
    )
    .await?;
    // v2's query fails three times with a 500 (a fault: no fall-back), then answers something
    // that is not JSON: v2 counts as unavailable here and the polls go to v1's outputs, which
    // then fail six times more with garbage.
    let faults = [
        (QUERY, "http500", 3),
        (QUERY, "notjson", 1),
        (OUTPUTS, "notjson", 2),
        (OUTPUTS, "html", 2),
        (OUTPUTS, "truncated", 2),
    ];
    for (path, kind, count) in faults {
        h.sim_fault(json!({ "path": path, "kind": kind, "count": count }))
            .await?;
    }
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    render(&page, SCREENSHOT).await?;

    let before = j.wait_phase("reconnecting", WAIT).await?;
    let detail = page.text_of("#job .detail").await.unwrap_or_default();
    assert!(
        !detail.is_empty(),
        "`reconnecting` explains itself to the user"
    );
    let after = j
        .wait_phase("succeeded", Duration::from_secs(120))
        .await
        .map_err(|e| format!("after {before:?}: {e}"))?;
    println!("phases: {before:?} then {after:?}");
    page.wait_image_loaded("img.output-image").await?;

    let stats = h.sim_stats().await?;
    assert_eq!(
        stats["faultsInjected"], 10,
        "every armed fault was answered: {stats}"
    );
    assert_eq!(j.run_requests().await?, 1, "faults on polls never resubmit");
    let polls = j.polled_task_ids().await?;
    assert!(
        polls.len() >= 11,
        "ten failed polls and at least one good one: {} polls",
        polls.len()
    );
    j.wait_record("the journal record ends `succeeded`", WAIT, |r| {
        r.phase() == "succeeded"
    })
    .await?;

    scenario.report(j.tally(1).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_poll_says_reconnecting() -> Result {
    let name = "journal-stalled-poll";
    let scenario = Scenario::register(name);
    let h = start(name, sim(500, 2000)).await?;
    // One poll that gets no answer for 45 s (the issue asks to survive 30-second stalls).
    h.sim_fault(json!({ "path": QUERY, "kind": "stall", "count": 1, "stallMs": 45_000 }))
        .await?;
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    render(&page, SCREENSHOT).await?;

    let reconnecting = j.wait_phase("reconnecting", Duration::from_secs(44)).await;
    // Either way the stall ends and the job must still finish, once, without a second run.
    j.wait_phase("succeeded", Duration::from_secs(60)).await?;
    assert_eq!(j.run_requests().await?, 1, "a stall never resubmits");
    scenario.report(j.tally(1).await?);

    let seen = reconnecting.map_err(|e| {
        format!("APP: a poll stalled for 45 s never made the job say `reconnecting`: {e}")
    })?;
    println!("phases until reconnecting: {seen:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_run_answer_is_unknown_and_never_resubmitted() -> Result {
    let name = "journal-dropped-run";
    let scenario = Scenario::register(name);
    let h = start(name, sim(500, 1000)).await?;
    // The simulator creates the task, then the answer is lost (a 502 from a gateway).
    h.sim_fault(json!({ "path": RUN, "kind": "drop", "count": 1 }))
        .await?;
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    render(&page, SCREENSHOT).await?;

    j.wait_phase("unknown", WAIT).await?;
    let detail = page.text_of("#job .detail").await?;
    assert!(
        detail.contains("RunningHub"),
        "`unknown` tells the user to check their RunningHub tasks: {detail:?}"
    );
    let record = j
        .wait_record("the journal record is `unknown`", WAIT, |r| {
            r.phase() == "unknown"
        })
        .await?;
    assert_eq!(
        record.task_id(),
        None,
        "no task id was ever known: {}",
        record.raw
    );
    let items = j
        .wait_history("history shows the render as unknown", WAIT, |items| {
            items.len() == 1 && items[0].phase == "unknown"
        })
        .await?;
    assert!(
        !items[0].resume,
        "without a task id there is nothing to check again"
    );

    j.reload().await?;
    let items = j
        .wait_history("history shows `unknown` after the reload", WAIT, |items| {
            !items.is_empty()
        })
        .await?;
    assert_eq!(
        items.iter().map(|i| i.phase.as_str()).collect::<Vec<_>>(),
        vec!["unknown"]
    );
    // Give a wrong resume every chance to show itself.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        !page.exists("#job").await?,
        "nothing resumes after the reload (phase {:?})",
        page.phase().await?
    );
    assert_eq!(
        j.run_requests().await?,
        1,
        "the run was never sent again: {:?}",
        h.sim_log().await?
    );
    assert!(
        j.polled_task_ids().await?.is_empty(),
        "with no task id there is nothing to poll"
    );

    scenario.report(j.tally(1).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_before_the_run_answer_leaves_the_job_unknown() -> Result {
    let name = "journal-reload-submitting";
    let scenario = Scenario::register(name);
    let h = start(name, sim(500, 1000)).await?;
    // The run request gets no answer for 4 s: the user reloads before it comes.
    h.sim_fault(json!({ "path": RUN, "kind": "stall", "count": 1, "stallMs": 4000 }))
        .await?;
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    render(&page, SCREENSHOT).await?;

    // Written down before the run request left: no task id yet.
    let record = j
        .wait_record(
            "a `submitting` journal record while the run request is out",
            Duration::from_secs(3),
            |r| r.phase() == "submitting" && r.task_id().is_none(),
        )
        .await?;
    wait_until(
        &page,
        WAIT,
        "the run request reached the simulator",
        move || async move { Ok((j.run_requests().await? == 1).then_some(())) },
    )
    .await?;
    assert_eq!(page.phase().await?.as_deref(), Some("submitting"));

    j.reload().await?;
    let items = j
        .wait_history("history shows the render as unknown", WAIT, |items| {
            items.len() == 1 && items[0].phase == "unknown"
        })
        .await?;
    assert_eq!(items[0].id, record.id());
    j.wait_record("the journal record becomes `unknown`", WAIT, |r| {
        r.id() == record.id() && r.phase() == "unknown"
    })
    .await?;
    // Past the stall, and then some.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        !page.exists("#job").await?,
        "nothing resumes after the reload"
    );
    assert_eq!(j.run_requests().await?, 1, "the run was never sent again");

    scenario.report(j.tally(1).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_picture_outlives_its_url() -> Result {
    let name = "journal-kept-image";
    let scenario = Scenario::register(name);
    let h = start(name, sim(300, 600)).await?;
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    render(&page, SCREENSHOT).await?;
    j.wait_phase("succeeded", FINISH).await?;

    let record = j
        .wait_record("the journal record ends `succeeded`", WAIT, |r| {
            r.phase() == "succeeded"
        })
        .await?;
    let url = record
        .output_urls()
        .first()
        .cloned()
        .ok_or_else(|| format!("no output URL in the journal: {}", record.raw))?;
    j.wait_history("history offers to keep the picture", WAIT, |items| {
        items.len() == 1 && items[0].keep
    })
    .await?;
    j.click_item_button(record.id(), "keep").await?;
    let items = j
        .wait_history("history says the picture is kept", WAIT, |items| {
            items.len() == 1 && items[0].kept
        })
        .await?;
    assert!(!items[0].keep, "nothing left to keep");
    let files = j.kept_files().await?;
    assert!(
        files.iter().any(|(u, size)| *u == url && *size > 0),
        "the picture's bytes are in IndexedDB: {files:?}"
    );
    let record = j
        .wait_record("the journal lists the kept URL", WAIT, |r| {
            r.kept().contains(&url)
        })
        .await?;
    assert!(!record.raw.contains(KEY));

    j.expire_all().await?;
    let path = url
        .strip_prefix(&h.base_url)
        .ok_or_else(|| format!("the output URL {url} is not on {}", h.base_url))?;
    let (status, _) = h.get(path).await?;
    assert_eq!(status, 404, "the simulator has deleted {url}");

    j.reload().await?;
    let items = j
        .wait_history(
            "the history thumbnail shows the kept bytes (a loaded blob: URL)",
            WAIT,
            |items| {
                items.len() == 1
                    && items[0]
                        .thumb
                        .as_deref()
                        .is_some_and(|s| s.starts_with("blob:"))
                    && items[0].thumb_width > 0
            },
        )
        .await?;
    println!("thumbnail: {:?}", items[0]);
    assert!(items[0].kept, "still marked kept after the reload");
    assert!(!page.exists("#job").await?, "a finished job is not resumed");

    // Opened large, it is the kept picture too.
    j.click_item_button(record.id(), "thumb").await?;
    page.wait_for("#viewer").await?;
    let src = page
        .attr_of("#viewer-image", "src")
        .await?
        .unwrap_or_default();
    assert!(src.starts_with("blob:"), "the viewer shows {src:?}");
    page.wait_image_loaded("#viewer-image").await?;
    h.screenshot("journal-kept-image").await?;

    scenario.report(j.tally(1).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_reuse_delete_and_clear() -> Result {
    let name = "journal-history-actions";
    let scenario = Scenario::register(name);
    let h = start(name, sim(200, 400)).await?;
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    assert!(
        page.wait_for("#history-empty").await.is_ok(),
        "a fresh profile has no history"
    );

    render(&page, "api/first.png").await?;
    j.wait_phase("succeeded", FINISH).await?;
    j.wait_history("the first render is in history", WAIT, |items| {
        items.len() == 1 && items[0].phase == "succeeded"
    })
    .await?;
    render(&page, "api/second.png").await?;
    wait_until(
        &page,
        WAIT,
        "the second render has started",
        move || async move { Ok((j.records().await?.len() == 2).then_some(())) },
    )
    .await?;
    j.wait_phase("succeeded", FINISH).await?;

    let items = j
        .wait_history("both renders are in history, finished", WAIT, |items| {
            items.len() == 2 && items.iter().all(|i| i.phase == "succeeded")
        })
        .await?;
    let records = j.records().await?;
    assert_eq!(records.len(), 2);
    let (newer, older) = (&records[0], &records[1]);
    assert!(newer.raw.contains("api/second.png") && older.raw.contains("api/first.png"));
    assert_eq!(
        items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        vec![newer.id(), older.id()],
        "history is newest first"
    );
    let tally = j.tally(2).await?;

    // "Use these settings again" on the older render.
    page.set_screenshot("api/something-else.png").await?;
    j.click_item_button(older.id(), "reuse").await?;
    let p = &page;
    let value = wait_until(
        &page,
        WAIT,
        "#node-112 is filled again",
        move || async move {
            let value = p
                .wait_for("#node-112")
                .await?
                .prop("value")
                .await?
                .unwrap_or_default();
            Ok((value == "api/first.png").then_some(value))
        },
    )
    .await?;
    assert_eq!(value, "api/first.png");

    // Delete the newer one.
    j.click_item_button(newer.id(), "delete").await?;
    let items = j
        .wait_history("the deleted render leaves history", WAIT, |items| {
            items.len() == 1
        })
        .await?;
    assert_eq!(items[0].id, older.id());
    let left: Vec<String> = j
        .records()
        .await?
        .iter()
        .map(|r| r.id().to_string())
        .collect();
    assert_eq!(left, vec![older.id().to_string()], "and the journal");

    // Clear all asks first; saying no keeps everything.
    page.wait_for("#clear-history").await?.click().await?;
    let question = j.answer_confirm(false).await?;
    assert!(!question.is_empty(), "the confirmation says what it does");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        j.history().await?.len(),
        1,
        "a declined clear keeps history"
    );
    page.wait_for("#clear-history").await?.click().await?;
    j.answer_confirm(true).await?;
    page.wait_for("#history-empty").await?;
    assert_eq!(j.history().await?.len(), 0);
    assert!(
        j.records().await?.is_empty(),
        "the journal is empty after clear all"
    );
    assert!(!page.exists("#clear-history").await?);

    j.reload().await?;
    page.wait_for("#history-empty").await?;

    scenario.report(tally);
    Ok(())
}

/// Runs last (tests start in name order): adds up what every other test of this binary measured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zz_fault_summary() -> Result {
    let ledger = wait_for_scenarios(Duration::from_secs(30 * 60)).await;
    if ledger.registered.is_empty() {
        announce("fault summary: no journal scenario ran in this process (filtered out)");
        return Ok(());
    }
    let total = ledger.total();
    for (name, tally) in &ledger.measured {
        println!("  {name}: {}", tally.line());
    }
    let mut line = total.line();
    if !ledger.unmeasured.is_empty() {
        line.push_str(&format!(
            " (not measured, those tests failed: {})",
            ledger.unmeasured.join(", ")
        ));
    }
    announce(&line);
    assert!(ledger.done(), "some scenarios never reported: {:?}", ledger);
    assert_eq!(total.lost(), 0, "{line}");
    assert_eq!(total.duplicates(), 0, "{line}");
    Ok(())
}
