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

/// The newest records of the journal, newest first, and how many readable records it holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recent {
    /// Every readable record, shown or not.
    pub total: usize,
    /// The newest `limit` of them.
    pub records: Vec<JobRecord>,
}

/// The newest `limit` of `len` stored JSON texts, which `text_at` hands out one at a time.
/// Each text is read for its version and date only (serde skips the rest without building it)
/// and dropped at once; only the `limit` kept are read again and parsed in full. So reading the
/// history costs memory for the records shown, not for the journal: handing all texts over at
/// once used to raise the wasm memory's high-water mark by the journal's whole size (about a
/// kilobyte more for every render ever made), and wasm memory never shrinks.
pub fn recent_of(len: usize, text_at: impl Fn(usize) -> Option<String>, limit: usize) -> Recent {
    #[derive(Deserialize)]
    struct Head {
        v: u32,
        created_ms: f64,
    }
    let mut dated: Vec<(f64, usize)> = (0..len)
        .filter_map(|i| {
            let head: Head = serde_json::from_str(&text_at(i)?).ok()?;
            (head.v <= RECORD_VERSION).then_some((head.created_ms, i))
        })
        .collect();
    dated.sort_by(|a, b| b.0.total_cmp(&a.0));
    Recent {
        total: dated.len(),
        records: dated
            .into_iter()
            .take(limit)
            .filter_map(|(_, i)| JobRecord::from_json(&text_at(i)?))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::PollPlan;

    #[test]
    fn recent_keeps_the_newest_and_counts_all() {
        let texts: Vec<String> = [3.0, 1.0, 5.0, 2.0, 4.0]
            .iter()
            .map(|ms| {
                let mut r = record();
                r.id = format!("j{ms}");
                r.created_ms = *ms;
                r.to_json()
            })
            .chain([
                "not json".to_owned(),
                record().to_json().replacen("\"v\":1", "\"v\":9", 1),
            ])
            .collect();
        let reads = std::cell::Cell::new(0);
        let text_at = |i: usize| {
            reads.set(reads.get() + 1);
            texts.get(i).cloned()
        };
        let recent = recent_of(texts.len(), text_at, 2);
        assert_eq!(
            recent.total, 5,
            "damaged and newer-version records are not counted"
        );
        let ids: Vec<&str> = recent.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["j5", "j4"], "newest first, no more than asked");
        assert_eq!(
            reads.get(),
            texts.len() + 2,
            "only the kept texts are read twice"
        );
        assert_eq!(recent_of(texts.len(), text_at, 10).records.len(), 5);
        assert_eq!(recent_of(texts.len(), text_at, 0).records, Vec::new());
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

    use super::JobRecord;
    use crate::storage::db::{Db, FILES, JOBS};

    /// Writes or replaces a record.
    pub async fn save(record: &JobRecord) -> Result<(), String> {
        Db::open()
            .await?
            .put(
                JOBS,
                "id",
                &record.id,
                "json",
                &JsValue::from_str(&record.to_json()),
            )
            .await
    }

    /// One record.
    pub async fn load(id: &str) -> Option<JobRecord> {
        let json = Db::open().await.ok()?.get(JOBS, id, "json").await.ok()??;
        JobRecord::from_json(&json.as_string()?)
    }

    /// Every readable record, newest first.
    pub async fn load_all() -> Vec<JobRecord> {
        let Ok(db) = Db::open().await else {
            return Vec::new();
        };
        let mut records: Vec<JobRecord> = db
            .all(JOBS, "json")
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| v.as_string())
            .filter_map(|json| JobRecord::from_json(&json))
            .collect();
        records.sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
        records
    }

    /// The newest `limit` records, newest first, and how many there are in all (see
    /// [`super::recent_of`]: the others are not kept).
    pub async fn load_recent(limit: usize) -> super::Recent {
        let Ok(db) = Db::open().await else {
            return super::Recent::default();
        };
        // JS strings: each becomes a Rust one only while it is read.
        let texts = db.all(JOBS, "json").await.unwrap_or_default();
        super::recent_of(texts.len(), |i| texts.get(i)?.as_string(), limit)
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
    clear_all, delete, keep_file, keep_outputs, kept_file, load, load_all, load_recent, save,
};
