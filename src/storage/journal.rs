//! The job journal: every render is written down before its run request leaves, and updated as
//! it goes, so that a reload resumes it and history shows how it ended. The key is never stored.

use serde::{Deserialize, Serialize};

use crate::lifecycle::{Job, Phase};
use crate::protocol::{NodeInfo, OutputFile, Usage};

/// Bumped when the record's shape changes incompatibly; readers skip newer versions.
pub const RECORD_VERSION: u32 = 1;

/// One output file as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOutput {
    pub url: String,
    pub file_type: String,
}

/// One render as stored in the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub v: u32,
    /// Local id (the task id is only known after the run answer).
    pub id: String,
    pub created_ms: f64,
    pub base: String,
    pub webapp_id: String,
    pub nodes: Vec<NodeInfo>,
    #[serde(default)]
    pub instance_type: Option<String>,
    #[serde(default)]
    pub source_name: Option<String>,
    #[serde(default)]
    pub task_id: Option<String>,
    /// A [`Phase::slug`].
    pub phase: String,
    #[serde(default)]
    pub outputs: Vec<StoredOutput>,
    #[serde(default)]
    pub cost_time: Option<String>,
    #[serde(default)]
    pub coins: Option<String>,
    /// Money for the run time, and for third-party APIs, as RunningHub reported them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub money: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_money: Option<String>,
    /// The wallet's currency (from the account check), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Which API the pictures were uploaded with (`v1`/`v2`), when the page uploaded them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_api: Option<String>,
    /// Which API the last poll used (`v1`/`v2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_api: Option<String>,
    #[serde(default)]
    pub ended_ms: Option<f64>,
    /// URLs whose bytes are kept in the database.
    #[serde(default)]
    pub kept: Vec<String>,
    /// The screenshot as picked on the device is kept too (under [`JobRecord::source_key`]).
    #[serde(default)]
    pub source_kept: bool,
}

impl JobRecord {
    /// Where the picked screenshot is kept in the files store.
    pub fn source_key(&self) -> String {
        format!("source:{}", self.id)
    }

    /// Brings the record up to date with the job.
    pub fn update_from(&mut self, job: &Job) {
        self.task_id = job.task_id.clone();
        self.phase = job.phase.slug().to_owned();
        self.outputs = job
            .outputs
            .iter()
            .map(|o| StoredOutput {
                url: o.file_url.clone(),
                file_type: o.file_type.clone(),
            })
            .collect();
        let cost = job.cost();
        self.cost_time = cost.task_cost_time;
        self.coins = cost.consume_coins;
        self.money = cost.consume_money;
        self.third_party_money = cost.third_party_consume_money;
        if let Some(api) = job.api {
            self.poll_api = Some(api.slug().to_owned());
        }
        self.ended_ms = job.ended_ms;
    }

    /// What the render cost, as recorded.
    pub fn usage(&self) -> Usage {
        Usage {
            consume_coins: self.coins.clone(),
            consume_money: self.money.clone(),
            third_party_consume_money: self.third_party_money.clone(),
            task_cost_time: self.cost_time.clone(),
        }
    }

    /// True while the task may still be going on (it should be polled again after a reload).
    pub fn unfinished(&self) -> bool {
        matches!(
            self.phase.as_str(),
            "submitting" | "waiting" | "queued" | "running" | "reconnecting" | "timed-out"
        )
    }

    /// True while a reload has to look at the record: a task that may still be going on and is
    /// followed without being asked (a timed-out one waits for "Check again"). The journal's
    /// `live` index holds these records only, so the start-up reads them and nothing else.
    pub fn live(&self) -> bool {
        is_live_phase(&self.phase)
    }

    /// What a reload makes of an unfinished record: with a task id, poll it again; without one
    /// the run answer never came, so the outcome is unknown and nothing is sent again.
    pub fn after_reload(&mut self) -> Option<Phase> {
        // A timed-out task is checked again only when the user asks ("Check again").
        if !self.unfinished() || self.phase == "timed-out" {
            return None;
        }
        if self.task_id.is_none() {
            self.phase = Phase::Unknown.slug().to_owned();
            return None;
        }
        Some(if self.phase == "running" {
            Phase::Running
        } else {
            Phase::Queued
        })
    }

    /// Copies what this record says onto a job that another tab drives.
    pub fn show_on(&self, job: &mut Job) {
        let phase = Phase::from_slug(&self.phase).unwrap_or(Phase::Unknown);
        job.follow(
            phase,
            self.task_id.clone(),
            self.output_files(),
            self.ended_ms,
        );
    }

    pub fn output_files(&self) -> Vec<OutputFile> {
        self.outputs
            .iter()
            .map(|o| OutputFile {
                file_url: o.url.clone(),
                file_type: o.file_type.clone(),
                ..OutputFile::default()
            })
            .collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored record; records from a newer release or damaged ones are skipped.
    pub fn from_json(json: &str) -> Option<JobRecord> {
        let record: JobRecord = serde_json::from_str(json).ok()?;
        (record.v <= RECORD_VERSION).then_some(record)
    }
}

/// See [`JobRecord::live`].
fn is_live_phase(phase: &str) -> bool {
    matches!(
        phase,
        "submitting" | "waiting" | "queued" | "running" | "reconnecting"
    )
}

/// What a stored row carries beside its JSON text, for the database's indexes: when the render
/// was made (the history's order) and whether a reload has to look at it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowKeys {
    pub created_ms: f64,
    pub live: bool,
}

impl RowKeys {
    pub fn of(record: &JobRecord) -> RowKeys {
        RowKeys {
            created_ms: record.created_ms,
            live: record.live(),
        }
    }

    /// The migration to the indexed journal (database version 2): the keys of a row stored
    /// without them, read from its JSON text (only its date, version and phase). A damaged text
    /// sorts as the oldest and is never live; one from a newer release is never live either
    /// (this release can't follow it), as the reload skipped both before.
    pub fn of_json(json: &str) -> RowKeys {
        #[derive(Deserialize)]
        struct Head {
            v: u32,
            created_ms: f64,
            phase: String,
        }
        match serde_json::from_str::<Head>(json) {
            Ok(head) => RowKeys {
                created_ms: head.created_ms,
                live: head.v <= RECORD_VERSION && is_live_phase(&head.phase),
            },
            Err(_) => RowKeys {
                created_ms: 0.0,
                live: false,
            },
        }
    }
}

/// Records of the journal as the history shows them, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recent {
    pub records: Vec<JobRecord>,
    /// Older rows follow the last of these.
    pub more: bool,
}

/// Adds a page of older records after those shown; a record already shown (the journal moved
/// on between the reads) is not shown twice.
pub fn append_page(shown: &mut Vec<JobRecord>, page: Vec<JobRecord>) {
    for record in page {
        if !shown.iter().any(|r| r.id == record.id) {
            shown.push(record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::PollPlan;

    #[test]
    fn row_keys_of_records_and_of_old_rows() {
        let mut r = record();
        r.created_ms = 42.0;
        for (phase, live) in [
            ("submitting", true),
            ("queued", true),
            ("running", true),
            ("reconnecting", true),
            ("waiting", true),
            ("timed-out", false),
            ("unknown", false),
            ("succeeded", false),
            ("failed", false),
        ] {
            r.phase = phase.into();
            let keys = RowKeys {
                created_ms: 42.0,
                live,
            };
            assert_eq!(RowKeys::of(&r), keys, "{phase}");
            assert_eq!(
                RowKeys::of_json(&r.to_json()),
                keys,
                "migrating a {phase} row"
            );
        }
        r.phase = "running".into();
        let newer = r.to_json().replacen("\"v\":1", "\"v\":2", 1);
        assert_eq!(
            RowKeys::of_json(&newer),
            RowKeys {
                created_ms: 42.0,
                live: false
            },
            "a newer release's record is not followed"
        );
        assert_eq!(
            RowKeys::of_json("not json"),
            RowKeys {
                created_ms: 0.0,
                live: false
            }
        );
    }

    #[test]
    fn a_page_appends_without_repeats() {
        let with_id = |id: &str| JobRecord {
            id: id.into(),
            ..record()
        };
        let mut shown = vec![with_id("c"), with_id("b")];
        append_page(&mut shown, vec![with_id("b"), with_id("a")]);
        let ids: Vec<&str> = shown.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"]);
    }

    fn record() -> JobRecord {
        JobRecord {
            v: 1,
            id: "j1".into(),
            created_ms: 1.0,
            base: "https://www.runninghub.cn".into(),
            webapp_id: "1983061233110790146".into(),
            nodes: vec![NodeInfo::text("112", "image", "api/a.png")],
            instance_type: None,
            source_name: Some("room.png".into()),
            task_id: None,
            phase: "submitting".into(),
            outputs: Vec::new(),
            cost_time: None,
            coins: None,
            money: None,
            third_party_money: None,
            currency: None,
            upload_api: None,
            poll_api: None,
            ended_ms: None,
            kept: Vec::new(),
            source_kept: false,
        }
    }

    #[test]
    fn cost_and_api_are_recorded_and_old_records_still_read() {
        let mut r = record();
        let mut job = Job::new(0.0, &PollPlan::default());
        job.task_id = Some("7".into());
        job.phase = Phase::Succeeded;
        job.api = Some(crate::protocol::ApiVersion::V2);
        job.usage = Usage {
            consume_coins: Some("12".into()),
            consume_money: Some("0.35".into()),
            third_party_consume_money: None,
            task_cost_time: Some("33".into()),
        };
        r.update_from(&job);
        assert_eq!(r.usage(), job.usage);
        assert_eq!(r.poll_api.as_deref(), Some("v2"));
        let json = r.to_json();
        assert!(json.contains("\"money\":\"0.35\""), "{json}");
        // A record written before these fields existed.
        let old = record().to_json();
        assert!(!old.contains("money") && !old.contains("poll_api"), "{old}");
        assert_eq!(
            JobRecord::from_json(&old).map(|r| r.usage()),
            Some(Usage::default())
        );
    }

    #[test]
    fn never_holds_a_key_and_round_trips() {
        let r = record();
        let json = r.to_json();
        assert!(!json.to_ascii_lowercase().contains("apikey"), "{json}");
        assert_eq!(JobRecord::from_json(&json), Some(r));
        let newer = json.replacen("\"v\":1", "\"v\":2", 1);
        assert_eq!(JobRecord::from_json(&newer), None);
    }

    #[test]
    fn a_lost_run_answer_becomes_unknown_on_reload() {
        let mut r = record();
        assert_eq!(r.after_reload(), None);
        assert_eq!(r.phase, "unknown");
        assert!(!r.unfinished());
    }

    #[test]
    fn a_known_task_is_polled_again() {
        let mut r = record();
        r.task_id = Some("1983070826507472898".into());
        r.phase = "running".into();
        assert_eq!(r.after_reload(), Some(Phase::Running));
        r.phase = "queued".into();
        assert_eq!(r.after_reload(), Some(Phase::Queued));
        r.phase = "timed-out".into();
        assert_eq!(
            r.after_reload(),
            None,
            "a timed-out task waits for the user's 'check again'"
        );
        assert_eq!(r.phase, "timed-out");
        r.phase = "succeeded".into();
        assert_eq!(r.after_reload(), None);
        assert_eq!(r.phase, "succeeded");
    }

    #[test]
    fn update_from_a_job() {
        let mut r = record();
        let mut job = Job::new(0.0, &PollPlan::default());
        job.task_id = Some("7".into());
        job.phase = Phase::Queued;
        r.update_from(&job);
        assert_eq!(
            (r.task_id.as_deref(), r.phase.as_str()),
            (Some("7"), "queued")
        );
    }
}

/// Browser side: the journal in IndexedDB. Each call opens the database (cheap) so no handle has
/// to live in app state.
mod idb {
    use wasm_bindgen::{JsCast, JsValue};

    use super::{JobRecord, Recent, RowKeys};
    use crate::storage::db::{Db, FILES, JOBS, JOBS_BY_DATE, LIVE_JOBS};

    /// Writes or replaces a record: `{id, json, created, live}`, where `created` and `live`
    /// (present only while the record is live) feed the indexes (see [`crate::storage::db`]).
    pub async fn save(record: &JobRecord) -> Result<(), String> {
        let row = js_sys::Object::new();
        let keys = RowKeys::of(record);
        let mut fields = vec![
            ("id", JsValue::from_str(&record.id)),
            ("json", JsValue::from_str(&record.to_json())),
            ("created", JsValue::from_f64(keys.created_ms)),
        ];
        if keys.live {
            fields.push(("live", JsValue::from_f64(1.0)));
        }
        for (field, value) in fields {
            js_sys::Reflect::set(&row, &field.into(), &value).map_err(|e| format!("{e:?}"))?;
        }
        Db::open().await?.put_row(JOBS, &row).await
    }

    /// One record.
    pub async fn load(id: &str) -> Option<JobRecord> {
        let json = Db::open().await.ok()?.get(JOBS, id, "json").await.ok()??;
        JobRecord::from_json(&json.as_string()?)
    }

    /// The records a reload has to look at ([`JobRecord::live`]), newest first: read through
    /// the `live` index, so what this costs does not grow with the history.
    pub async fn load_live() -> Vec<JobRecord> {
        let Ok(db) = Db::open().await else {
            return Vec::new();
        };
        let mut records: Vec<JobRecord> = db
            .all_in(JOBS, LIVE_JOBS, "json")
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| v.as_string())
            .filter_map(|json| JobRecord::from_json(&json))
            .collect();
        records.sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
        records
    }

    /// A page of the history: up to `limit` records, newest first, older than `after` (the last
    /// record shown) when given. A cursor on the date index reads these rows and no others.
    pub async fn page(after: Option<&JobRecord>, limit: usize) -> Recent {
        let Ok(db) = Db::open().await else {
            return Recent::default();
        };
        let below = after.map(|r| {
            js_sys::Array::of2(&JsValue::from_f64(r.created_ms), &JsValue::from_str(&r.id)).into()
        });
        // One row more than asked for tells whether older ones follow.
        let mut texts = db
            .newest(JOBS, JOBS_BY_DATE, below.as_ref(), limit + 1, "json")
            .await
            .unwrap_or_default();
        let more = texts.len() > limit;
        texts.truncate(limit);
        Recent {
            records: texts
                .into_iter()
                .filter_map(|v| v.as_string())
                .filter_map(|json| JobRecord::from_json(&json))
                .collect(),
            more,
        }
    }

    /// The newest `limit` records (the first page of [`page`]).
    pub async fn load_recent(limit: usize) -> Recent {
        page(None, limit).await
    }

    /// How many rows the journal holds. Nothing is read for it, but the database still counts
    /// every row: the history asks once its page is shown, not before.
    pub async fn count() -> usize {
        match Db::open().await {
            Ok(db) => db.count(JOBS).await.unwrap_or(0),
            Err(_) => 0,
        }
    }

    /// Deletes a record and the files kept for it.
    pub async fn delete(record: &JobRecord) -> Result<(), String> {
        let db = Db::open().await?;
        for url in &record.kept {
            db.delete(FILES, url).await?;
        }
        if record.source_kept {
            db.delete(FILES, &record.source_key()).await?;
        }
        db.delete(JOBS, &record.id).await
    }

    /// Deletes all history and kept files.
    pub async fn clear_all() -> Result<(), String> {
        let db = Db::open().await?;
        db.clear(FILES).await?;
        db.clear(JOBS).await
    }

    /// Keeps a file's bytes.
    pub async fn keep_file(url: &str, blob: &web_sys::Blob) -> Result<(), String> {
        Db::open()
            .await?
            .put(FILES, "url", url, "blob", blob.as_ref())
            .await
    }

    /// Keeps the pictures of a record on this device (those the image host lets the page fetch)
    /// and saves the record. False when some could not be fetched (no CORS on the host).
    pub async fn keep_outputs(record: &mut JobRecord) -> bool {
        let mut all = true;
        let urls: Vec<String> = record
            .output_files()
            .into_iter()
            .filter(|o| o.is_image())
            .map(|o| o.file_url)
            .collect();
        for url in urls {
            match crate::browser::fetch_blob(&url).await {
                Some(blob) if keep_file(&url, &blob).await.is_ok() => {
                    if !record.kept.contains(&url) {
                        record.kept.push(url);
                    }
                }
                _ => all = false,
            }
        }
        let _ = save(record).await;
        all
    }

    /// A kept file's bytes.
    pub async fn kept_file(url: &str) -> Option<web_sys::Blob> {
        Db::open()
            .await
            .ok()?
            .get(FILES, url, "blob")
            .await
            .ok()??
            .dyn_into()
            .ok()
    }
}

pub use idb::{
    clear_all, count, delete, keep_file, keep_outputs, kept_file, load, load_live, load_recent,
    page, save,
};
