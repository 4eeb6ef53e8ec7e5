//! The history list pages in a real browser: with more renders than a page holds it shows the
//! newest ones only, "Show more" adds the rest, and keeping and deleting still work on both
//! pages; a language switch reaches the items too (their texts follow a copy of the language).

use std::time::Duration;

use su_render_e2e::journal::{is_final, wait_until, Journal};
use su_render_e2e::{AppPage, Harness, Options, Result, SimConfig};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const REFERENCE: &str = "api/reference.png";
/// The app's page size (`history_panel::PAGE`).
const PAGE: usize = 12;
/// Renders made: a page and a few more.
const RENDERS: usize = PAGE + 3;

const WAIT: Duration = Duration::from_secs(20);
const FINISH: Duration = Duration::from_secs(40);

/// Renders `api/view-<n>.png` and waits until the journal holds `n` finished renders.
async fn render(j: Journal<'_>, page: &AppPage<'_>, n: usize) -> Result {
    page.set_screenshot(&format!("api/view-{n}.png")).await?;
    page.click_render().await?;
    wait_until(
        page,
        FINISH,
        &format!("render {n} is in the journal, finished"),
        move || async move {
            let records = j.records().await?;
            let done = records.len() == n && records.iter().all(|r| is_final(r.phase()));
            Ok(done.then_some(()))
        },
    )
    .await
}

/// Ids of the journal's records, newest first.
async fn journal_ids(j: Journal<'_>) -> Result<Vec<String>> {
    Ok(j.records()
        .await?
        .iter()
        .map(|r| r.id().to_string())
        .collect())
}

/// Waits until the list shows exactly `ids`, in that order.
async fn wait_shown(j: Journal<'_>, what: &str, ids: &[String]) -> Result {
    j.wait_history(what, WAIT, |items| {
        items
            .iter()
            .map(|i| i.id.as_str())
            .eq(ids.iter().map(String::as_str))
    })
    .await
    .map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_shows_a_page_and_more_on_request() -> Result {
    let mut options = Options::new("history-paging");
    options.sim = SimConfig {
        queue_ms: 100,
        run_ms: 200,
        poll_first_ms: Some(100),
        poll_steady_ms: Some(150),
        require_key: None,
        socket_hidden_close_ms: None,
    };
    let h = Harness::start(options).await?;
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    page.set_key(KEY).await?;
    page.set_reference(REFERENCE).await?;
    for n in 1..=RENDERS {
        render(j, &page, n).await?;
    }
    let all = journal_ids(j).await?;
    assert_eq!(all.len(), RENDERS);

    // Only the newest page is built: items, and nothing of the others in the DOM.
    wait_shown(j, "the newest page of renders", &all[..PAGE]).await?;
    assert_eq!(page.count("#history li.history-item").await?, PAGE);
    // The count names both numbers.
    j.wait_count(&[PAGE, RENDERS]).await?;
    assert_eq!(page.text_of("#history-more").await?, "Show more");

    // Keep a picture on the first page.
    let kept = all[1].clone();
    j.click_item_button(&kept, "keep").await?;
    j.wait_history("the second render says it is kept", WAIT, |items| {
        items.iter().any(|i| i.id == kept && i.kept)
    })
    .await?;
    let record = j
        .wait_record("the journal lists the kept picture", WAIT, |r| {
            r.id() == kept && !r.kept().is_empty()
        })
        .await?;
    let files = j.kept_files().await?;
    assert!(
        record
            .kept()
            .iter()
            .all(|u| files.iter().any(|(f, size)| f == u && *size > 0)),
        "the kept picture's bytes are stored: {files:?}"
    );

    // Delete the newest: the next one moves into the page, which stays a page.
    j.click_item_button(&all[0], "delete").await?;
    wait_shown(j, "the page after deleting the newest", &all[1..=PAGE]).await?;
    // The count follows.
    j.wait_count(&[RENDERS - 1]).await?;

    // Show more: the rest appears, and the button goes.
    page.wait_for("#history-more").await?.click().await?;
    wait_shown(j, "every render after Show more", &all[1..]).await?;
    let p = &page;
    wait_until(
        &page,
        WAIT,
        "Show more and the count go once all is shown",
        move || async move {
            let gone = !p.exists("#history-more").await? && !p.exists("#history-count").await?;
            Ok(gone.then_some(()))
        },
    )
    .await?;

    // An item of the second page works too: delete the oldest render.
    let oldest = all[RENDERS - 1].clone();
    j.click_item_button(&oldest, "delete").await?;
    wait_shown(j, "the oldest render is gone", &all[1..RENDERS - 1]).await?;
    assert_eq!(
        journal_ids(j).await?,
        all[1..RENDERS - 1].to_vec(),
        "and gone from the journal"
    );

    // The language switch reaches the items and the button (they follow a copy of it).
    page.wait_for("#lang").await?.click().await?;
    let reuse = format!("#history li.history-item[data-id='{kept}'] button.reuse");
    let reuse = reuse.as_str();
    wait_until(
        &page,
        WAIT,
        "the history item speaks Chinese",
        move || async move { Ok((p.text_of(reuse).await? == "使用相同设置").then_some(())) },
    )
    .await?;
    assert_eq!(
        page.text_of("#history-more").await.ok(),
        None,
        "all is shown"
    );
    let status = page.text_of("#job-status .status-text").await?;
    assert!(
        status
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "the job view follows the switch too: {status:?}"
    );
    page.wait_for("#lang").await?.click().await?;

    // After a reload the list starts at one page again; the kept picture is still kept.
    j.reload().await?;
    let items = j
        .wait_history("one page after the reload", WAIT, |items| {
            items.len() == PAGE
        })
        .await?;
    assert_eq!(
        items.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        all[1..=PAGE].to_vec()
    );
    assert!(
        items.iter().any(|i| i.id == kept && i.kept),
        "still kept after the reload: {items:?}"
    );
    // The count after the reload.
    j.wait_count(&[RENDERS - 2]).await?;
    page.wait_for("#history-more").await?;
    h.screenshot("history-paging").await?;
    Ok(())
}

/// Rewrites a journal record's phase in IndexedDB (as a task that timed out would have left it).
const SET_PHASE: &str = r#"
const [id, phase, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const open = indexedDB.open('su-render');
open.onerror = () => done(String(open.error));
open.onsuccess = () => {
  const db = open.result;
  const tx = db.transaction('jobs', 'readwrite');
  const store = tx.objectStore('jobs');
  const get = store.get(id);
  get.onsuccess = () => {
    const row = get.result;
    const record = JSON.parse(row.json);
    record.phase = phase;
    record.ended_ms = null;
    row.json = JSON.stringify(record);
    store.put(row);
  };
  tx.oncomplete = () => { db.close(); done(true); };
  tx.onerror = () => { db.close(); done(String(tx.error)); };
};
"#;

/// "Check again" on a history item starts a job view that outlives the item: the item is rebuilt
/// as soon as the job writes its record, and the job must go on (its state once belonged to the
/// item and went with it, leaving the job view polling a disposed signal).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_again_from_history_outlives_the_item() -> Result {
    let h = Harness::start(Options::new("history-check-again")).await?;
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    page.set_key(KEY).await?;
    page.set_reference(REFERENCE).await?;
    render(j, &page, 1).await?;
    let record = j
        .wait_record("the render is in the journal", WAIT, |r| {
            r.phase() == "succeeded"
        })
        .await?;
    let id = record.id().to_string();
    let task = record.task_id().unwrap_or_default().to_string();

    let answer = h
        .client
        .execute_async(
            SET_PHASE,
            vec![serde_json::json!(id), serde_json::json!("timed-out")],
        )
        .await?;
    assert_eq!(
        answer,
        serde_json::json!(true),
        "rewriting the record: {answer}"
    );
    j.reload().await?;
    j.wait_history("the timed-out render offers Check again", WAIT, |items| {
        items.iter().any(|i| i.id == id && i.resume)
    })
    .await?;
    assert!(
        !page.exists("#job").await?,
        "a timed-out task waits for the user"
    );

    j.click_item_button(&id, "resume").await?;
    j.wait_phase("succeeded", FINISH).await?;
    assert_eq!(j.shown_task_id().await?, task, "the same task is checked");
    j.wait_history("the item follows the job", WAIT, |items| {
        items
            .iter()
            .any(|i| i.id == id && i.phase == "succeeded" && !i.resume)
    })
    .await?;
    // The job view's clock ticks every second: it must still find its job.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let console = h.console().await;
    assert!(
        !console.contains("panicked") && !console.contains("disposed"),
        "no panic after Check again:\n{console}"
    );
    assert_eq!(
        j.run_requests().await?,
        1,
        "Check again polls, it never runs the task again"
    );
    Ok(())
}
