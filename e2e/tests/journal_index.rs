//! The indexed journal (database version 2): a journal written before the indexes is migrated
//! on the first visit (every row gets its date and, while unfinished, its `live` mark), the
//! start-up finds an unfinished task through the index and polls it, and the history pages
//! through a cursor: newest first, a page of 12, "Show more" going on where the list ends, even
//! where several renders share a date.

use std::time::Duration;

use rh_api::path::RUN;
use serde_json::{json, Value};
use su_render_e2e::journal::{record_json, Journal};
use su_render_e2e::page::SU_APP;
use su_render_e2e::{Harness, Options, Result};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const WAIT: Duration = Duration::from_secs(20);
const PAGE: usize = 12;

/// Ids of the history list as shown.
async fn shown(j: Journal<'_>) -> Result<Vec<String>> {
    Ok(j.history().await?.into_iter().map(|i| i.id).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_one_journal_is_migrated_and_its_task_resumed() -> Result {
    let h = Harness::start(Options::new("journal-migration")).await?;
    let j = Journal::new(&h);
    let base = h.base_url.clone();
    // A task that is still going on at the simulator, and the journal of an older release that
    // knows it, with finished renders around it, a timed-out one and a damaged row.
    let answer = h
        .post(
            RUN,
            &json!({"apiKey": KEY, "webappId": SU_APP, "nodeInfoList": []}),
        )
        .await?;
    let task: Value = serde_json::from_str(&answer.1)?;
    let task_id = task["data"]["taskId"]
        .as_str()
        .ok_or("the simulator started no task")?
        .to_owned();
    let picture = format!("{base}/sim-files/cover.png/seeded.png");
    let mut records = vec![record_json(
        "live",
        50_000.0,
        &base,
        "running",
        Some(&task_id),
        None,
    )];
    for i in 0..20 {
        let id = format!("done-{i:02}");
        let created = 10_000.0 + f64::from(i) * 1_000.0;
        records.push(record_json(
            &id,
            created,
            &base,
            "succeeded",
            Some("1"),
            Some(&picture),
        ));
    }
    records.push(record_json(
        "waits",
        9_000.0,
        &base,
        "timed-out",
        Some("2"),
        None,
    ));
    let mut damaged = json!({"id": "damaged"});
    damaged["v"] = json!(1);
    // Not a record: `seed_v1` stores it as its JSON text, which the app can't read.
    records.push(damaged);

    // Written before the app ever opens the database, from another page of the same origin:
    // the JS glue shown as text (it runs nothing). Not an API answer such as `/__su/info`: the
    // server sandboxes those (an opaque origin, no IndexedDB).
    let glue = std::fs::read_dir(su_render_e2e::dist_dir())?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .find(|name| name.starts_with("su-render-") && name.ends_with(".js"))
        .ok_or("dist/ holds no JS glue")?;
    h.client.goto(&format!("{base}/{glue}")).await?;
    j.seed_v1(&records).await?;
    let page = j.page();
    page.open().await?;

    // The start-up found the running task through the index and polls it to its end.
    j.wait_phase("succeeded", WAIT).await?;
    assert_eq!(j.shown_task_id().await?, task_id);
    assert_eq!(
        j.run_requests().await?,
        1,
        "our own run only: polled, not run"
    );
    assert!(
        j.polled_task_ids().await?.iter().all(|id| *id == task_id),
        "only the live task is polled (not the timed-out one)"
    );

    // The app writes the ended task's row itself (without `live`) just after showing it.
    let keys = page
        .wait_on(WAIT, "no row is live once the task has ended", || async {
            let keys = j.row_keys().await?;
            Ok(keys.iter().all(|k| k["live"].is_null()).then_some(keys))
        })
        .await?;
    assert_eq!(keys.len(), records.len(), "every row is kept: {keys:?}");
    for row in &keys {
        assert_eq!(row["version"], 2, "the database is at version 2");
        let id = row["id"].as_str().unwrap_or("");
        let expected = records
            .iter()
            .find(|r| r["id"] == id)
            .and_then(|r| r["created_ms"].as_f64())
            .unwrap_or(0.0);
        assert_eq!(row["created"].as_f64(), Some(expected), "{row}");
    }

    // The history: the newest page from the date index, the timed-out render further down.
    let items = j
        .wait_history("the first page of the migrated history", WAIT, |items| {
            items.len() == PAGE
        })
        .await?;
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let mut expected = vec!["live".to_owned()];
    expected.extend((0..20).rev().map(|i| format!("done-{i:02}")));
    assert_eq!(ids, expected[..PAGE].to_vec());
    page.wait_for("#history-more").await?.click().await?;
    let items = j
        .wait_history("the rest of the history", WAIT, |items| items.len() == 22)
        .await?;
    let last = items.last().ok_or("no items")?;
    assert_eq!(last.id, "waits");
    assert!(last.resume, "a timed-out render offers Check again");
    page.wait_gone("#history-more").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_more_goes_on_where_the_list_ends() -> Result {
    let h = Harness::start(Options::new("journal-cursor")).await?;
    let j = Journal::new(&h);
    let page = j.page();
    page.open().await?;
    let base = h.base_url.clone();
    let picture = format!("{base}/sim-files/cover.png/seeded.png");
    // Thirty renders, three at a time sharing a date: the page boundaries fall inside a group.
    let records: Vec<Value> = (0..30)
        .map(|i| {
            let created = 1_000.0 + f64::from(i / 3);
            record_json(
                &format!("r{i:02}"),
                created,
                &base,
                "succeeded",
                Some("1"),
                Some(&picture),
            )
        })
        .collect();
    j.seed(&records).await?;
    j.reload().await?;
    let newest_first: Vec<String> = (0..30).rev().map(|i| format!("r{i:02}")).collect();

    j.wait_history("the first page", WAIT, |items| items.len() == PAGE)
        .await?;
    assert_eq!(shown(j).await?, newest_first[..PAGE].to_vec());
    j.wait_count(&[PAGE, 30]).await?;
    page.click("#history-more").await?;
    j.wait_history("two pages", WAIT, |items| items.len() == 2 * PAGE)
        .await?;
    assert_eq!(shown(j).await?, newest_first[..2 * PAGE].to_vec());
    page.click("#history-more").await?;
    j.wait_history("everything", WAIT, |items| items.len() == 30)
        .await?;
    assert_eq!(shown(j).await?, newest_first);
    page.wait_gone("#history-more").await?;

    // A change to the journal reads the list again as long as it is now.
    j.click_item_button("r29", "delete").await?;
    j.wait_history("the newest is gone", WAIT, |items| items.len() == 29)
        .await?;
    assert_eq!(shown(j).await?, newest_first[1..].to_vec());
    Ok(())
}
