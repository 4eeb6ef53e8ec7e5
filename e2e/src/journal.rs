//! Helpers for the job-journal tests: what the app keeps in IndexedDB, the history list, reloads,
//! phase watching with longer limits, and the fault ledger that adds up what every test measured.
//!
//! The journal is read straight from IndexedDB (database `su-render`, stores `jobs` and `files`)
//! with a script that never creates the database: opening it before the app does would leave it
//! without stores.

use std::future::Future;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};

pub use crate::client::{OUTPUTS, QUERY, RUN};
use crate::driver::Browser;
use crate::{entry_body, id_text, log_entries_for, poll, AppPage, Harness, Result};

/// Makes result files answer 404 (`{"taskId": …}` or `{}` for all).
pub const EXPIRE: &str = "/__sim/expire";

/// Phases after which a job no longer changes by itself, as the page and the journal name them.
pub const FINAL_PHASES: [&str; 9] = [
    "succeeded",
    "no-output",
    "failed",
    "refused",
    "not-found",
    "timed-out",
    "cancelled",
    "unknown",
    "not-sent",
];

pub fn is_final(phase: &str) -> bool {
    FINAL_PHASES.contains(&phase)
}

/// Reads one store of the app's database; resolves `[]` when the database or store does not
/// exist yet (and aborts the upgrade, so the app still creates it with its stores).
const READ_STORE: &str = r#"
const store = arguments[0];
const done = arguments[arguments.length - 1];
let fresh = false;
let request;
try { request = indexedDB.open('su-render'); } catch (e) { done({ error: String(e) }); return; }
request.onupgradeneeded = () => { fresh = true; request.transaction.abort(); };
request.onerror = () => done(fresh ? [] : { error: String(request.error) });
request.onsuccess = () => {
  const db = request.result;
  if (!db.objectStoreNames.contains(store)) { db.close(); done([]); return; }
  const all = db.transaction(store, 'readonly').objectStore(store).getAll();
  all.onsuccess = () => {
    const out = all.result.map(r => store === 'files'
      ? { url: r.url, size: r.blob && r.blob.size, isBlob: r.blob instanceof Blob }
      : r);
    db.close();
    done(out);
  };
  all.onerror = () => { db.close(); done({ error: String(all.error) }); };
};
"#;

/// Writes rows into the app's journal (`arguments[0]`: a list of rows) at the database's current
/// version, in one transaction; resolves `true`, or the error. The app must have opened the
/// database first (it creates the stores and indexes).
const SEED_ROWS: &str = r#"
const [rows, done] = [arguments[0], arguments[arguments.length - 1]];
const open = indexedDB.open('su-render');
open.onerror = () => done(String(open.error));
open.onsuccess = () => {
  const db = open.result;
  const tx = db.transaction('jobs', 'readwrite');
  const store = tx.objectStore('jobs');
  for (const row of rows) store.put(row);
  tx.oncomplete = () => { db.close(); done(true); };
  tx.onerror = () => { db.close(); done(String(tx.error)); };
};
"#;

/// Replaces the app's database by a version-1 one (as the app wrote it before its journal was
/// indexed: stores `jobs` keyed by `id` and `files` keyed by `url`, rows `{id, json}`) holding
/// `arguments[0]`; resolves `true`, or the error. No page of the app may be open meanwhile
/// elsewhere (its connections are short, so one that is idle does not block).
const SEED_V1: &str = r#"
const [rows, done] = [arguments[0], arguments[arguments.length - 1]];
const gone = indexedDB.deleteDatabase('su-render');
gone.onerror = () => done('delete: ' + String(gone.error));
gone.onsuccess = () => {
  const open = indexedDB.open('su-render', 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    const jobs = db.createObjectStore('jobs', { keyPath: 'id' });
    db.createObjectStore('files', { keyPath: 'url' });
    for (const row of rows) jobs.put(row);
  };
  open.onerror = () => done('open: ' + String(open.error));
  open.onsuccess = () => { open.result.close(); done(true); };
};
"#;

/// Reads the rows of the journal as stored, with their index fields (`created`, `live`).
const READ_ROW_KEYS: &str = r#"
const done = arguments[arguments.length - 1];
const open = indexedDB.open('su-render');
open.onerror = () => done({ error: String(open.error) });
open.onsuccess = () => {
  const db = open.result;
  const all = db.transaction('jobs', 'readonly').objectStore('jobs').getAll();
  all.onsuccess = () => {
    const out = all.result.map(r => ({ id: r.id, created: r.created, live: r.live, version: db.version }));
    db.close();
    done(out);
  };
  all.onerror = () => { db.close(); done({ error: String(all.error) }); };
};
"#;

/// A journal record as the app writes it (`JobRecord`'s JSON): a render of the SketchUp app on
/// `base`, made at `created_ms`, in `phase`, with its task id and output picture when given.
pub fn record_json(
    id: &str,
    created_ms: f64,
    base: &str,
    phase: &str,
    task_id: Option<&str>,
    output: Option<&str>,
) -> Value {
    json!({
        "v": 1, "id": id, "created_ms": created_ms, "base": base,
        "webapp_id": crate::page::SU_APP,
        "nodes": [{"nodeId": "112", "fieldName": "image", "fieldValue": "api/seeded.png"}],
        "instance_type": null, "source_name": format!("{id}.png"), "task_id": task_id,
        "phase": phase,
        "outputs": output.map(|url| vec![json!({"url": url, "file_type": "png"})]).unwrap_or_default(),
        "cost_time": output.map(|_| "11"), "coins": output.map(|_| "12"),
        "ended_ms": output.map(|_| created_ms + 11_000.0), "kept": [], "source_kept": false,
    })
}

/// The row the app stores for `record`: `{id, json, created, live}`, `live` (1) only while a
/// reload has to look at the record (the phases of a task that may still be going on, but not
/// `timed-out`). The same rule as the app's `RowKeys`.
pub fn journal_row(record: &Value) -> Value {
    let live = matches!(
        record["phase"].as_str().unwrap_or(""),
        "submitting" | "waiting" | "queued" | "running" | "reconnecting"
    );
    let mut row = json!({
        "id": record["id"], "json": record.to_string(), "created": record["created_ms"],
    });
    if live {
        row["live"] = json!(1);
    }
    row
}

/// Writes `rows` (see [`journal_row`]) into the journal of the page open in `client`.
pub async fn seed_rows(client: &fantoccini::Client, rows: Vec<Value>) -> Result {
    let answer = client
        .execute_async(SEED_ROWS, vec![Value::Array(rows)])
        .await?;
    match answer {
        Value::Bool(true) => Ok(()),
        other => Err(format!("seeding the journal failed: {other}").into()),
    }
}

const HISTORY_ITEMS: &str = r#"
return Array.from(document.querySelectorAll('#history li.history-item')).map(li => {
  const img = li.querySelector('button.thumb img');
  return {
    id: li.getAttribute('data-id'),
    phase: li.getAttribute('data-phase'),
    kept: !!li.querySelector('.kept'),
    keep: !!li.querySelector('button.keep'),
    resume: !!li.querySelector('button.resume'),
    reuse: !!li.querySelector('button.reuse'),
    delete: !!li.querySelector('button.delete'),
    thumb: img ? img.getAttribute('src') : null,
    thumbWidth: img && img.complete ? img.naturalWidth : 0,
  };
});
"#;

/// One journal record as stored: the `{id, json}` row with its JSON parsed.
#[derive(Debug, Clone)]
pub struct Record {
    /// The row's key.
    pub key: String,
    /// The stored JSON text, unparsed (to check what it does not contain).
    pub raw: String,
    pub json: Value,
}

impl Record {
    pub fn id(&self) -> &str {
        self.json["id"].as_str().unwrap_or("")
    }
    pub fn phase(&self) -> &str {
        self.json["phase"].as_str().unwrap_or("")
    }
    pub fn task_id(&self) -> Option<&str> {
        self.json["task_id"].as_str()
    }
    pub fn created_ms(&self) -> f64 {
        self.json["created_ms"].as_f64().unwrap_or(0.0)
    }
    pub fn output_urls(&self) -> Vec<String> {
        self.json["outputs"]
            .as_array()
            .map(|o| {
                o.iter()
                    .filter_map(|o| o["url"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
    pub fn kept(&self) -> Vec<String> {
        self.json["kept"]
            .as_array()
            .map(|k| {
                k.iter()
                    .filter_map(|u| u.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One `li.history-item` as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryItem {
    pub id: String,
    pub phase: String,
    pub kept: bool,
    pub keep: bool,
    pub resume: bool,
    pub reuse: bool,
    pub delete: bool,
    pub thumb: Option<String>,
    pub thumb_width: u64,
}

/// The journal side of the app: storage, history and reloads.
#[derive(Clone, Copy)]
pub struct Journal<'a> {
    pub h: &'a Harness,
}

/// Polls `probe` every 100 ms until it yields a value; fails with `what` (and the page's state)
/// after `limit`.
pub async fn wait_until<T, F, Fut>(
    page: &Browser,
    limit: Duration,
    what: &str,
    probe: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    page.wait_on(limit, what, probe).await
}

impl<'a> Journal<'a> {
    pub fn new(h: &'a Harness) -> Self {
        Journal { h }
    }

    pub fn page(&self) -> AppPage<'a> {
        self.h.page()
    }

    /// Reloads the page the way a user does (the same address again) and waits for the app.
    pub async fn reload(&self) -> Result {
        self.page().open().await
    }

    async fn read_store(&self, store: &str) -> Result<Vec<Value>> {
        let answer = self
            .h
            .client
            .execute_async(READ_STORE, vec![json!(store)])
            .await?;
        match answer {
            Value::Array(rows) => Ok(rows),
            other => Err(format!("reading IndexedDB store `{store}` failed: {other}").into()),
        }
    }

    /// Every journal record, newest first.
    pub async fn records(&self) -> Result<Vec<Record>> {
        let mut records = Vec::new();
        for row in self.read_store("jobs").await? {
            let key = row["id"].as_str().unwrap_or("").to_string();
            let raw = row["json"]
                .as_str()
                .ok_or_else(|| format!("a journal row without JSON text: {row}"))?
                .to_string();
            let json: Value = serde_json::from_str(&raw)
                .map_err(|e| format!("a journal row is not JSON ({e}): {raw}"))?;
            records.push(Record { key, raw, json });
        }
        records.sort_by(|a, b| b.created_ms().total_cmp(&a.created_ms()));
        Ok(records)
    }

    /// Writes `records` (see [`record_json`]) into the journal as the app stores them.
    pub async fn seed(&self, records: &[Value]) -> Result {
        seed_rows(&self.h.client, records.iter().map(journal_row).collect()).await
    }

    /// Replaces the journal by a version-1 database (before its indexes) holding `records`.
    pub async fn seed_v1(&self, records: &[Value]) -> Result {
        let rows: Vec<Value> = records
            .iter()
            .map(|r| json!({"id": r["id"], "json": r.to_string()}))
            .collect();
        let answer = self
            .h
            .client
            .execute_async(SEED_V1, vec![Value::Array(rows)])
            .await?;
        match answer {
            Value::Bool(true) => Ok(()),
            other => Err(format!("writing a version-1 journal failed: {other}").into()),
        }
    }

    /// Every row's index fields as stored: `{id, created, live, version}` (`version`: the
    /// database's).
    pub async fn row_keys(&self) -> Result<Vec<Value>> {
        match self.h.client.execute_async(READ_ROW_KEYS, vec![]).await? {
            Value::Array(rows) => Ok(rows),
            other => Err(format!("reading the journal's rows failed: {other}").into()),
        }
    }

    /// Kept files: `(url, size in bytes)`, for rows that hold a real `Blob`.
    pub async fn kept_files(&self) -> Result<Vec<(String, u64)>> {
        Ok(self
            .read_store("files")
            .await?
            .into_iter()
            .filter(|f| f["isBlob"] == true)
            .map(|f| {
                (
                    f["url"].as_str().unwrap_or("").to_string(),
                    f["size"].as_u64().unwrap_or(0),
                )
            })
            .collect())
    }

    /// Waits until a journal record satisfies `pred`; returns it.
    pub async fn wait_record(
        &self,
        what: &str,
        limit: Duration,
        pred: impl Fn(&Record) -> bool,
    ) -> Result<Record> {
        let page = self.page();
        let journal = *self;
        let pred = &pred;
        wait_until(&page, limit, what, move || async move {
            let records = journal.records().await?;
            Ok(records.into_iter().find(|r| pred(r)))
        })
        .await
    }

    /// The history list as shown, newest first (empty when there is no `#history`).
    pub async fn history(&self) -> Result<Vec<HistoryItem>> {
        let answer = self.h.client.execute(HISTORY_ITEMS, vec![]).await?;
        let Value::Array(items) = answer else {
            return Err(format!("history items: {answer}").into());
        };
        Ok(items
            .iter()
            .map(|i| HistoryItem {
                id: i["id"].as_str().unwrap_or("").to_string(),
                phase: i["phase"].as_str().unwrap_or("").to_string(),
                kept: i["kept"] == true,
                keep: i["keep"] == true,
                resume: i["resume"] == true,
                reuse: i["reuse"] == true,
                delete: i["delete"] == true,
                thumb: i["thumb"].as_str().map(str::to_string),
                thumb_width: i["thumbWidth"].as_u64().unwrap_or(0),
            })
            .collect())
    }

    /// Waits until the history list satisfies `pred`; returns it.
    pub async fn wait_history(
        &self,
        what: &str,
        limit: Duration,
        pred: impl Fn(&[HistoryItem]) -> bool,
    ) -> Result<Vec<HistoryItem>> {
        let page = self.page();
        let journal = *self;
        let pred = &pred;
        wait_until(&page, limit, what, move || async move {
            let items = journal.history().await?;
            Ok(pred(&items).then_some(items))
        })
        .await
    }

    /// Waits until the history's count ("12 of 40", `#history-count`) names each of `numbers`
    /// (the page counts the journal after it has shown the list); returns its text.
    pub async fn wait_count(&self, numbers: &[usize]) -> Result<String> {
        let page = self.page();
        let p = &page;
        wait_until(
            &page,
            Duration::from_secs(10),
            &format!("the history count naming {numbers:?}"),
            move || async move {
                let text = if p.exists("#history-count").await? {
                    p.text_of("#history-count").await?
                } else {
                    String::new()
                };
                let all = numbers.iter().all(|n| text.contains(&n.to_string()));
                Ok(all.then_some(text))
            },
        )
        .await
    }

    /// Clicks `button` (a class: `keep`, `reuse`, `delete`, `thumb`, `resume`) of the history
    /// item with this journal id.
    pub async fn click_item_button(&self, id: &str, button: &str) -> Result {
        let css = format!("#history li.history-item[data-id='{id}'] button.{button}");
        self.page().wait_for(&css).await?.click().await?;
        Ok(())
    }

    /// Waits until the job view shows `phase`; returns every phase seen on the way. Fails when
    /// the job ends in another final phase, or after `limit`.
    pub async fn wait_phase(&self, phase: &str, limit: Duration) -> Result<Vec<String>> {
        self.page().wait_phase_in(phase, limit, &FINAL_PHASES).await
    }

    /// The task id the job view shows (empty when none).
    pub async fn shown_task_id(&self) -> Result<String> {
        let page = self.page();
        if page.exists("#task-id").await? {
            page.text_of("#task-id").await
        } else {
            Ok(String::new())
        }
    }

    /// How many run requests reached the simulator.
    pub async fn run_requests(&self) -> Result<usize> {
        let log = self.h.sim_log().await?;
        Ok(log_entries_for(&log, RUN).len())
    }

    /// The `taskId`s of every poll (v2 query or v1 outputs) the simulator received, oldest first.
    pub async fn polled_task_ids(&self) -> Result<Vec<String>> {
        let log = self.h.sim_log().await?;
        Ok(crate::client::poll_entries(&log)
            .into_iter()
            .map(|e| id_text(&entry_body(e)["taskId"]))
            .collect())
    }

    /// Makes every result URL of the simulator answer 404 from now on.
    pub async fn expire_all(&self) -> Result {
        self.h.sim_post(EXPIRE, &json!({})).await?;
        Ok(())
    }

    /// The `window.confirm` of the next click answers `answer` (through the WebDriver dialog
    /// API, so the test also proves a confirmation was really asked). Returns its text.
    pub async fn answer_confirm(&self, answer: bool) -> Result<String> {
        let client = &self.h.client;
        let text = poll(
            Duration::from_secs(5),
            Duration::from_millis(100),
            || async { Ok(client.get_alert_text().await.ok()) },
        )
        .await?
        .ok_or("no confirmation dialog was shown")?;
        if answer {
            client.accept_alert().await?;
        } else {
            client.dismiss_alert().await?;
        }
        Ok(text)
    }

    /// What this test's simulator and journal say about faults and tasks; `renders` is how many
    /// renders the test started (each may send one run request, no more).
    pub async fn tally(&self, renders: u64) -> Result<Tally> {
        let stats = self.h.sim_stats().await?;
        let number = |name: &str| {
            stats[name]
                .as_u64()
                .ok_or_else(|| format!("/__sim/stats has no `{name}`: {stats}"))
        };
        let records = self.records().await?;
        Ok(Tally {
            faults: number("faultsInjected")?,
            started: number("runs")?,
            finished: number("tasksFinished")?,
            renders,
            run_requests: self.run_requests().await? as u64,
            final_on_page: records.iter().filter(|r| is_final(r.phase())).count() as u64,
        })
    }
}

/// What one test measured.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Faults the simulator injected.
    pub faults: u64,
    /// Tasks the simulator created (answered or not).
    pub started: u64,
    /// Tasks that finished on the simulator.
    pub finished: u64,
    /// Renders the test started.
    pub renders: u64,
    /// Run requests that reached the simulator.
    pub run_requests: u64,
    /// Journal entries (= history items) that reached a final phase.
    pub final_on_page: u64,
}

impl Tally {
    /// Tasks started that never reached a final phase on the page.
    pub fn lost(&self) -> u64 {
        self.started.saturating_sub(self.final_on_page)
    }

    /// Run requests beyond one per render.
    pub fn duplicates(&self) -> u64 {
        self.run_requests.saturating_sub(self.renders)
    }

    pub fn add(&mut self, other: &Tally) {
        self.faults += other.faults;
        self.started += other.started;
        self.finished += other.finished;
        self.renders += other.renders;
        self.run_requests += other.run_requests;
        self.final_on_page += other.final_on_page;
    }

    pub fn line(&self) -> String {
        format!(
            "fault summary: faults injected {}, tasks started {}, tasks finished {}, lost {}, duplicate runs {}",
            self.faults,
            self.started,
            self.finished,
            self.lost(),
            self.duplicates()
        )
    }
}

/// The tests of one binary run as threads of one process: each scenario registers here and
/// reports its tally; the summary test adds them up once every registered scenario is done.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    pub registered: Vec<String>,
    pub measured: Vec<(String, Tally)>,
    /// Scenarios that ended (failed) before they could measure.
    pub unmeasured: Vec<String>,
}

impl Ledger {
    pub fn done(&self) -> bool {
        self.measured.len() + self.unmeasured.len() >= self.registered.len()
    }

    pub fn total(&self) -> Tally {
        let mut total = Tally::default();
        for (_, t) in &self.measured {
            total.add(t);
        }
        total
    }
}

static LEDGER: Mutex<Ledger> = Mutex::new(Ledger {
    registered: Vec::new(),
    measured: Vec::new(),
    unmeasured: Vec::new(),
});

fn ledger() -> std::sync::MutexGuard<'static, Ledger> {
    LEDGER.lock().unwrap_or_else(|e| e.into_inner())
}

/// A scenario's place in the ledger; dropping it without [`Scenario::report`] (a failed test)
/// marks it unmeasured, so the summary does not wait for it.
pub struct Scenario {
    name: String,
    reported: bool,
}

impl Scenario {
    pub fn register(name: &str) -> Scenario {
        ledger().registered.push(name.to_string());
        Scenario {
            name: name.to_string(),
            reported: false,
        }
    }

    /// Records this scenario's numbers and prints them (visible with `--nocapture`).
    pub fn report(mut self, tally: Tally) -> Tally {
        println!("{}: {}", self.name, tally.line());
        ledger().measured.push((self.name.clone(), tally));
        self.reported = true;
        tally
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        if !self.reported {
            ledger().unmeasured.push(self.name.clone());
        }
    }
}

/// Waits (up to `limit`) until every registered scenario has reported or failed; returns the
/// ledger as it then is.
pub async fn wait_for_scenarios(limit: Duration) -> Ledger {
    // Scenarios started in the same breath register in their first statement.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let done = poll(limit, Duration::from_millis(250), || async {
        let snapshot = ledger().clone();
        Ok(snapshot.done().then_some(snapshot))
    })
    .await;
    match done {
        Ok(Some(snapshot)) => snapshot,
        _ => ledger().clone(),
    }
}

/// Prints a line outside the test harness's output capture (so the summary shows in every run)
/// and appends it to `e2e/artifacts/fault-summary.txt`.
pub fn announce(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
    let _ = std::fs::create_dir_all(crate::artifacts_dir());
    let _ = std::fs::write(
        crate::artifacts_dir().join("fault-summary.txt"),
        format!("{line}\n"),
    );
}
