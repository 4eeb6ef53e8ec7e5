//! One render as the journal stores it: its record, the record's JSON text (and the recipe of an
//! exported render set), and the keys its database row is indexed by. The key is never stored.

use serde::{Deserialize, Serialize};

use crate::lifecycle::sketchup::FromSketchup;
use crate::lifecycle::{Job, Phase};
use crate::protocol::loose::object;
use crate::protocol::{NodeInfo, OutputFile, Usage};

/// Bumped when the record's shape changes incompatibly; readers skip newer versions.
pub const RECORD_VERSION: u32 = 1;

/// One output file as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOutput {
    pub url: String,
    pub file_type: String,
}

/// One render as stored in the journal: a JSON object with these fields' names (snake_case).
/// `money`, `third_party_money`, `currency`, `upload_api` and `poll_api` are left out when
/// unknown; the other options are written as `null`. `v`, `id`, `created_ms`, `base`,
/// `webapp_id`, `nodes` and `phase` are required; the others may be missing (records written
/// before they existed). A field of the wrong type makes the record unreadable; unknown fields
/// are ignored.
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
    /// The SketchUp model and scene the screenshot came from, when the extension sent it
    /// (stored as `"sketchup": {"model", "scene"}`, left out otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sketchup: Option<FromSketchup>,
}

/// `recipe.json` of an exported render set (see [`JobRecord::recipe`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Recipe<'a> {
    app: &'a str,
    site: &'a str,
    task_id: &'a Option<String>,
    state: &'a str,
    created: &'a str,
    created_ms: f64,
    ended_ms: Option<f64>,
    task_cost_time: &'a Option<String>,
    coins: &'a Option<String>,
    money: &'a Option<String>,
    third_party_money: &'a Option<String>,
    currency: &'a Option<String>,
    upload_api: &'a Option<String>,
    poll_api: &'a Option<String>,
    instance_type: &'a Option<String>,
    node_info_list: &'a [NodeInfo],
    source: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sketchup: &'a Option<FromSketchup>,
    outputs: Vec<&'a str>,
    not_included: Vec<String>,
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
        // Strings, numbers, flags and lists of them: writing them can't fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// `recipe.json` of an exported render set: how the render was made, for a person to read
    /// (indented, keys in this order), never the key. `created` is the date as text;
    /// `not_included` the pictures the ZIP lacks.
    pub fn recipe(&self, created: &str, not_included: Vec<String>) -> String {
        let recipe = Recipe {
            app: &self.webapp_id,
            site: &self.base,
            task_id: &self.task_id,
            state: &self.phase,
            created,
            created_ms: self.created_ms,
            ended_ms: self.ended_ms,
            task_cost_time: &self.cost_time,
            coins: &self.coins,
            money: &self.money,
            third_party_money: &self.third_party_money,
            currency: &self.currency,
            upload_api: &self.upload_api,
            poll_api: &self.poll_api,
            instance_type: &self.instance_type,
            node_info_list: &self.nodes,
            source: &self.source_name,
            sketchup: &self.sketchup,
            outputs: self.outputs.iter().map(|o| o.url.as_str()).collect(),
            not_included,
        };
        serde_json::to_string_pretty(&recipe).unwrap_or_default()
    }

    /// Reads a stored record; records from a newer release or damaged ones are skipped.
    pub fn from_json(json: &str) -> Option<JobRecord> {
        object::<JobRecord>(json).filter(|record| record.v <= RECORD_VERSION)
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
        let head = object(json).map(|row: Head| RowKeys {
            created_ms: row.created_ms,
            live: row.v <= RECORD_VERSION && is_live_phase(&row.phase),
        });
        head.unwrap_or(RowKeys {
            created_ms: 0.0,
            live: false,
        })
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
            sketchup: None,
        }
    }

    #[test]
    fn sketchup_names_are_kept_and_older_records_read_without_them() {
        let mut r = record();
        r.sketchup = Some(FromSketchup {
            model: "别墅 \"Villa\"".into(),
            scene: "Scene 1".into(),
        });
        let json = r.to_json();
        assert!(
            json.ends_with(
                r#""source_kept":false,"sketchup":{"model":"别墅 \"Villa\"","scene":"Scene 1"}}"#
            ),
            "{json}"
        );
        assert_eq!(JobRecord::from_json(&json), Some(r.clone()));
        let recipe: serde_json::Value =
            serde_json::from_str(&r.recipe("2026-12-24 10:00", Vec::new())).expect("JSON");
        assert_eq!(
            recipe["sketchup"],
            serde_json::json!({"model": "别墅 \"Villa\"", "scene": "Scene 1"})
        );
        // Without names, neither the record nor the recipe mentions SketchUp.
        let plain = record();
        assert!(!plain.to_json().contains("sketchup"));
        assert!(!plain.recipe("d", Vec::new()).contains("sketchup"));
        assert_eq!(
            JobRecord::from_json(SERDE_FULL).map(|r| r.sketchup),
            Some(None)
        );
        let damaged = json.replace(r#""scene":"Scene 1""#, r#""scene":1"#);
        assert_eq!(
            JobRecord::from_json(&damaged),
            None,
            "a wrong type, as elsewhere"
        );
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

    /// Records as the serde-derived writer of earlier releases wrote them (printed by that
    /// code): every field, and a submitting one with the options unknown.
    const SERDE_FULL: &str = r#"{"v":1,"id":"1742822929000-123456","created_ms":1742822929000.0,"base":"https://www.runninghub.cn","webapp_id":"1983061233110790146","nodes":[{"nodeId":"112","fieldName":"image","fieldValue":"api/a.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75,"description":"去噪 \"strength\"\n\t\u0001"},{"nodeId":"3","fieldName":"seed","fieldValue":42},{"nodeId":"6","fieldName":"upscale","fieldValue":true}],"instance_type":"plus","source_name":"客厅 😀.png","task_id":"1983070826507472898","phase":"succeeded","outputs":[{"url":"https://rh-images.example/out/a.png?x=1&y=2","file_type":"png"}],"cost_time":"33","coins":"12","money":"0.35","third_party_money":"0.010","currency":"CNY","upload_api":"v2","poll_api":"v1","ended_ms":1742822962000.0,"kept":["https://rh-images.example/out/a.png?x=1&y=2"],"source_kept":true}"#;
    const SERDE_SUBMITTING: &str = r#"{"v":1,"id":"1742822929000-123456","created_ms":1742822929123.5,"base":"https://www.runninghub.cn","webapp_id":"1983061233110790146","nodes":[{"nodeId":"112","fieldName":"image","fieldValue":"api/a.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75,"description":"去噪 \"strength\"\n\t\u0001"},{"nodeId":"3","fieldName":"seed","fieldValue":42},{"nodeId":"6","fieldName":"upscale","fieldValue":true}],"instance_type":null,"source_name":"客厅 😀.png","task_id":null,"phase":"submitting","outputs":[],"cost_time":null,"coins":null,"ended_ms":null,"kept":[],"source_kept":false}"#;

    #[test]
    fn records_written_by_serde_read_and_are_written_back_byte_for_byte() {
        let full = JobRecord::from_json(SERDE_FULL).expect("reads");
        assert_eq!(full.created_ms, 1742822929000.0);
        assert_eq!(full.task_id.as_deref(), Some("1983070826507472898"));
        assert_eq!(full.nodes.len(), 4);
        assert_eq!(
            full.nodes[1].description.as_deref(),
            Some("去噪 \"strength\"\n\t\u{1}")
        );
        assert_eq!(full.nodes[2].field_value.json(), "42");
        assert_eq!(full.source_name.as_deref(), Some("客厅 😀.png"));
        assert_eq!(
            full.outputs,
            vec![StoredOutput {
                url: "https://rh-images.example/out/a.png?x=1&y=2".into(),
                file_type: "png".into()
            }]
        );
        assert_eq!(
            (full.money.as_deref(), full.third_party_money.as_deref()),
            (Some("0.35"), Some("0.010"))
        );
        assert_eq!(full.ended_ms, Some(1742822962000.0));
        assert!(full.source_kept && full.kept.len() == 1);
        assert_eq!(full.to_json(), SERDE_FULL);
        let submitting = JobRecord::from_json(SERDE_SUBMITTING).expect("reads");
        assert_eq!(submitting.created_ms, 1742822929123.5);
        assert!(submitting.live());
        assert_eq!((submitting.task_id, submitting.ended_ms), (None, None));
        assert_eq!(
            JobRecord::from_json(SERDE_SUBMITTING).map(|r| r.to_json()),
            Some(SERDE_SUBMITTING.to_owned())
        );
        assert_eq!(
            RowKeys::of_json(SERDE_SUBMITTING),
            RowKeys {
                created_ms: 1742822929123.5,
                live: true
            }
        );
    }

    /// Records exactly as the build before serde (commit 566368b, the page's own JSON) wrote
    /// them, printed by its `JobRecord::to_json` for renders in every state a journal holds,
    /// with field values of each JSON type (a seed above 2^53, money as `"0.350"`).
    const TODAY_SUCCEEDED: &str = r#"{"v":1,"id":"1764687772123-482913","created_ms":1764687772123.0,"base":"https://www.runninghub.cn","webapp_id":"1983061233110790146","nodes":[{"nodeId":"112","fieldName":"image","fieldValue":"api/7f3c9a.png"},{"nodeId":"158","fieldName":"image","fieldValue":"openapi/61432ac1b3f3f5b1.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75},{"nodeId":"3","fieldName":"seed","fieldValue":1983070826507472898},{"nodeId":"6","fieldName":"upscale","fieldValue":true,"description":"放大 2×"},{"nodeId":"9","fieldName":"prompt","fieldValue":"客厅, \"modern\"\nnordic"}],"instance_type":"plus","source_name":"客厅 view 1.png","task_id":"1996107323400220674","phase":"succeeded","outputs":[{"url":"https://rh-images.xiaoyaoyou.com/de0d/output/ComfyUI_00033_hpgko_1764687800.png","file_type":"png"}],"cost_time":"33","coins":"12","money":"0.350","third_party_money":"0","currency":"CNY","upload_api":"v2","poll_api":"v2","ended_ms":1764687805870.5,"kept":["https://rh-images.xiaoyaoyou.com/de0d/output/ComfyUI_00033_hpgko_1764687800.png"],"source_kept":true}"#;
    const TODAY_FAILED: &str = r#"{"v":1,"id":"1764687772123-482913","created_ms":1764687772123.0,"base":"https://www.runninghub.ai","webapp_id":"1983061233110790146","nodes":[{"nodeId":"112","fieldName":"image","fieldValue":"api/7f3c9a.png"},{"nodeId":"158","fieldName":"image","fieldValue":"openapi/61432ac1b3f3f5b1.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75},{"nodeId":"3","fieldName":"seed","fieldValue":1983070826507472898},{"nodeId":"6","fieldName":"upscale","fieldValue":true,"description":"放大 2×"},{"nodeId":"9","fieldName":"prompt","fieldValue":"客厅, \"modern\"\nnordic"}],"instance_type":null,"source_name":"客厅 view 1.png","task_id":"1996107323400220674","phase":"failed","outputs":[],"cost_time":"4","coins":null,"upload_api":"v1","poll_api":"v1","ended_ms":1764687805870.5,"kept":[],"source_kept":false}"#;
    const TODAY_RUNNING: &str = r#"{"v":1,"id":"1764687772123-482913","created_ms":1764687900001.25,"base":"http://127.0.0.1:8080/cn","webapp_id":"1983061233110790146","nodes":[{"nodeId":"112","fieldName":"image","fieldValue":"api/7f3c9a.png"},{"nodeId":"158","fieldName":"image","fieldValue":"openapi/61432ac1b3f3f5b1.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75},{"nodeId":"3","fieldName":"seed","fieldValue":1983070826507472898},{"nodeId":"6","fieldName":"upscale","fieldValue":true,"description":"放大 2×"},{"nodeId":"9","fieldName":"prompt","fieldValue":"客厅, \"modern\"\nnordic"}],"instance_type":"plus","source_name":"客厅 view 1.png","task_id":"1996107323400220674","phase":"running","outputs":[],"cost_time":null,"coins":null,"upload_api":"v2","poll_api":"v2","ended_ms":null,"kept":[],"source_kept":true}"#;
    const TODAY_SUBMITTING: &str = r#"{"v":1,"id":"1764687772123-482913","created_ms":1764687900001.25,"base":"http://127.0.0.1:8080/cn","webapp_id":"1983061233110790146","nodes":[{"nodeId":"112","fieldName":"image","fieldValue":"api/7f3c9a.png"},{"nodeId":"158","fieldName":"image","fieldValue":"openapi/61432ac1b3f3f5b1.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75},{"nodeId":"3","fieldName":"seed","fieldValue":1983070826507472898},{"nodeId":"6","fieldName":"upscale","fieldValue":true,"description":"放大 2×"},{"nodeId":"9","fieldName":"prompt","fieldValue":"客厅, \"modern\"\nnordic"}],"instance_type":"plus","source_name":"客厅 view 1.png","task_id":null,"phase":"submitting","outputs":[],"cost_time":null,"coins":null,"upload_api":"v2","ended_ms":null,"kept":[],"source_kept":true}"#;
    const TODAY_UNKNOWN: &str = r#"{"v":1,"id":"1764687772123-482913","created_ms":1764687900001.25,"base":"http://127.0.0.1:8080/cn","webapp_id":"1983061233110790146","nodes":[{"nodeId":"112","fieldName":"image","fieldValue":"api/7f3c9a.png"},{"nodeId":"158","fieldName":"image","fieldValue":"openapi/61432ac1b3f3f5b1.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75},{"nodeId":"3","fieldName":"seed","fieldValue":1983070826507472898},{"nodeId":"6","fieldName":"upscale","fieldValue":true,"description":"放大 2×"},{"nodeId":"9","fieldName":"prompt","fieldValue":"客厅, \"modern\"\nnordic"}],"instance_type":"plus","source_name":"客厅 view 1.png","task_id":null,"phase":"unknown","outputs":[],"cost_time":null,"coins":null,"upload_api":"v2","ended_ms":null,"kept":[],"source_kept":true}"#;
    const TODAY_TIMED_OUT: &str = r#"{"v":1,"id":"1764687772123-482913","created_ms":1764687900001.25,"base":"http://127.0.0.1:8080/cn","webapp_id":"1983061233110790146","nodes":[{"nodeId":"112","fieldName":"image","fieldValue":"api/7f3c9a.png"},{"nodeId":"158","fieldName":"image","fieldValue":"openapi/61432ac1b3f3f5b1.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75},{"nodeId":"3","fieldName":"seed","fieldValue":1983070826507472898},{"nodeId":"6","fieldName":"upscale","fieldValue":true,"description":"放大 2×"},{"nodeId":"9","fieldName":"prompt","fieldValue":"客厅, \"modern\"\nnordic"}],"instance_type":"plus","source_name":"客厅 view 1.png","task_id":"1996107323400220674","phase":"timed-out","outputs":[],"cost_time":null,"coins":null,"upload_api":"v2","poll_api":"v2","ended_ms":null,"kept":[],"source_kept":true}"#;
    /// The same build's `recipe.json` for `TODAY_SUCCEEDED`.
    const TODAY_RECIPE: &str = r#"{
  "app": "1983061233110790146",
  "site": "https://www.runninghub.cn",
  "taskId": "1996107323400220674",
  "state": "succeeded",
  "created": "2025-12-02 15:02",
  "createdMs": 1764687772123.0,
  "endedMs": 1764687805870.5,
  "taskCostTime": "33",
  "coins": "12",
  "money": "0.350",
  "thirdPartyMoney": "0",
  "currency": "CNY",
  "uploadApi": "v2",
  "pollApi": "v2",
  "instanceType": "plus",
  "nodeInfoList": [
    {
      "nodeId": "112",
      "fieldName": "image",
      "fieldValue": "api/7f3c9a.png"
    },
    {
      "nodeId": "158",
      "fieldName": "image",
      "fieldValue": "openapi/61432ac1b3f3f5b1.png"
    },
    {
      "nodeId": "4",
      "fieldName": "denoise",
      "fieldValue": 0.75
    },
    {
      "nodeId": "3",
      "fieldName": "seed",
      "fieldValue": 1983070826507472898
    },
    {
      "nodeId": "6",
      "fieldName": "upscale",
      "fieldValue": true,
      "description": "放大 2×"
    },
    {
      "nodeId": "9",
      "fieldName": "prompt",
      "fieldValue": "客厅, \"modern\"\nnordic"
    }
  ],
  "source": "客厅 view 1.png",
  "outputs": [
    "https://rh-images.xiaoyaoyou.com/de0d/output/ComfyUI_00033_hpgko_1764687800.png"
  ],
  "notIncluded": [
    "https://x/b.png"
  ]
}"#;

    #[test]
    fn records_written_before_serde_load_and_are_written_back_the_same() {
        let all = [
            (TODAY_SUCCEEDED, "succeeded", false),
            (TODAY_FAILED, "failed", false),
            (TODAY_RUNNING, "running", true),
            (TODAY_SUBMITTING, "submitting", true),
            (TODAY_UNKNOWN, "unknown", false),
            (TODAY_TIMED_OUT, "timed-out", false),
        ];
        for (json, phase, live) in all {
            let read = JobRecord::from_json(json).unwrap_or_else(|| panic!("reads {phase}"));
            assert_eq!(read.phase, phase);
            assert_eq!(read.live(), live, "{phase}");
            assert_eq!(
                read.to_json(),
                json,
                "{phase} is written back byte for byte"
            );
            assert_eq!(RowKeys::of_json(json), RowKeys::of(&read), "{phase}");
        }
        let done = JobRecord::from_json(TODAY_SUCCEEDED).expect("reads");
        assert_eq!(done.task_id.as_deref(), Some("1996107323400220674"));
        assert_eq!(
            (done.created_ms, done.ended_ms),
            (1764687772123.0, Some(1764687805870.5))
        );
        assert_eq!(done.nodes[3].field_value.json(), "1983070826507472898");
        assert_eq!(done.nodes[2].field_value.json(), "0.75");
        assert_eq!(done.nodes[4].description.as_deref(), Some("放大 2×"));
        assert_eq!(
            done.nodes[5].field_value.as_str().as_deref(),
            Some("客厅, \"modern\"\nnordic")
        );
        assert_eq!(done.usage().consume_money.as_deref(), Some("0.350"));
        assert_eq!(done.outputs.len(), 1);
        assert!(done.source_kept && done.kept == vec![done.outputs[0].url.clone()]);
        assert_eq!(
            done.recipe("2025-12-02 15:02", vec!["https://x/b.png".into()]),
            TODAY_RECIPE
        );
        let running = JobRecord::from_json(TODAY_RUNNING).expect("reads");
        assert_eq!(running.created_ms, 1764687900001.25);
        assert_eq!((running.money, running.ended_ms), (None, None));
        let mut submitting = JobRecord::from_json(TODAY_SUBMITTING).expect("reads");
        assert_eq!(submitting.after_reload(), None);
        assert_eq!(
            submitting.to_json(),
            TODAY_UNKNOWN,
            "a lost run answer, as before"
        );
    }

    /// Rows of the first journal (database version 1, before its indexes) as the browser tests
    /// seed them (e2e/src/journal.rs `record_json`, keys in serde_json's sorted order): read,
    /// and keyed by the migration to version 2.
    #[test]
    fn rows_of_the_first_journal_still_load_and_migrate() {
        let done = r#"{"base":"http://127.0.0.1:41234","coins":"12","cost_time":"11","created_ms":1764687000000.0,"ended_ms":1764687011000.0,"id":"seed-1","instance_type":null,"kept":[],"nodes":[{"fieldName":"image","fieldValue":"api/seeded.png","nodeId":"112"}],"outputs":[{"file_type":"png","url":"http://127.0.0.1:41234/files/out.png"}],"phase":"succeeded","source_kept":false,"source_name":"seed-1.png","task_id":"1996107323400220001","v":1,"webapp_id":"1983061233110790146"}"#;
        let queued = r#"{"base":"http://127.0.0.1:41234","coins":null,"cost_time":null,"created_ms":1764687100000.0,"ended_ms":null,"id":"seed-2","instance_type":null,"kept":[],"nodes":[{"fieldName":"image","fieldValue":"api/seeded.png","nodeId":"112"}],"outputs":[],"phase":"queued","source_kept":false,"source_name":"seed-2.png","task_id":"1996107323400220002","v":1,"webapp_id":"1983061233110790146"}"#;
        let read = JobRecord::from_json(done).expect("reads");
        assert_eq!(
            read.output_files()[0].file_url,
            "http://127.0.0.1:41234/files/out.png"
        );
        assert_eq!(read.usage().consume_coins.as_deref(), Some("12"));
        assert_eq!(
            RowKeys::of_json(done),
            RowKeys {
                created_ms: 1764687000000.0,
                live: false
            }
        );
        let mut waiting = JobRecord::from_json(queued).expect("reads");
        assert_eq!(
            RowKeys::of_json(queued),
            RowKeys {
                created_ms: 1764687100000.0,
                live: true
            }
        );
        assert_eq!(waiting.after_reload(), Some(Phase::Queued));
    }

    #[test]
    fn missing_fields_default_and_wrong_types_are_skipped_as_serde_did() {
        // The first release's shape: none of the optional fields.
        let first = r#"{"v":1,"id":"a","created_ms":1,"base":"b","webapp_id":"1","nodes":[{"nodeId":"112","fieldName":"image","fieldValue":"api/a.png","description":null}],"phase":"succeeded","future":{"x":[1]}}"#;
        let read = JobRecord::from_json(first).expect("reads");
        assert_eq!(read.created_ms, 1.0);
        assert_eq!(
            read.nodes,
            vec![NodeInfo::text("112", "image", "api/a.png")]
        );
        assert!(read.outputs.is_empty() && read.kept.is_empty() && !read.source_kept);
        assert_eq!(read.usage(), Usage::default());
        assert_eq!((read.task_id, read.instance_type), (None, None));
        for damaged in [
            r#"{"v":1,"id":"a","created_ms":1,"base":"b","webapp_id":"1","nodes":[]}"#,
            r#"{"v":1.0,"id":"a","created_ms":1,"base":"b","webapp_id":"1","nodes":[],"phase":"x"}"#,
            r#"{"v":1,"id":7,"created_ms":1,"base":"b","webapp_id":"1","nodes":[],"phase":"x"}"#,
            r#"{"v":1,"id":"a","created_ms":"1","base":"b","webapp_id":"1","nodes":[],"phase":"x"}"#,
            r#"{"v":1,"id":"a","created_ms":1,"base":"b","webapp_id":"1","nodes":null,"phase":"x"}"#,
            r#"{"v":1,"id":"a","created_ms":1,"base":"b","webapp_id":"1","nodes":[{"nodeId":"1"}],"phase":"x"}"#,
            r#"{"v":1,"id":"a","created_ms":1,"base":"b","webapp_id":"1","nodes":[],"phase":"x","task_id":7}"#,
            r#"{"v":1,"id":"a","created_ms":1,"base":"b","webapp_id":"1","nodes":[],"phase":"x","kept":null}"#,
            r#"{"v":1,"id":"a","created_ms":1,"base":"b","webapp_id":"1","nodes":[],"phase":"x","source_kept":null}"#,
            r#"{"v":1,"id":"a","created_ms":1,"base":"b","webapp_id":"1","nodes":[],"phase":"x","outputs":[{"url":"u"}]}"#,
            r#"[1,"a"]"#,
            "",
        ] {
            assert_eq!(JobRecord::from_json(damaged), None, "{damaged}");
        }
    }

    #[test]
    fn the_recipe_is_indented_json_for_people() {
        let mut r = record();
        r.task_id = Some("1983070826507472898".into());
        r.coins = Some("12".into());
        r.created_ms = 1742822929000.0;
        let recipe = r.recipe("2025-03-24 21:28", vec!["https://x/b.png".into()]);
        assert!(
            recipe.starts_with("{\n  \"app\": \"1983061233110790146\",\n  \"site\": "),
            "{recipe}"
        );
        assert!(
            recipe.contains("\n  \"nodeInfoList\": [\n    {\n      \"nodeId\": \"112\",\n"),
            "{recipe}"
        );
        let read: serde_json::Value = serde_json::from_str(&recipe).expect("JSON");
        assert_eq!(read["taskId"], "1983070826507472898");
        assert_eq!(read["coins"], "12");
        assert_eq!(read["createdMs"], 1742822929000.0);
        assert_eq!(read["endedMs"], serde_json::Value::Null);
        assert_eq!(read["outputs"], serde_json::json!([]));
        assert_eq!(read["notIncluded"], serde_json::json!(["https://x/b.png"]));
        assert_eq!(read["nodeInfoList"][0]["fieldValue"], "api/a.png");
        assert!(!recipe.to_ascii_lowercase().contains("apikey"), "{recipe}");
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
