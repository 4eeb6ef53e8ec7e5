//! Request bodies and parsed answers. IDs are strings throughout (they exceed 2^53).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One override of an AI app's input: `fieldValue` replaces the node's default and must have the
/// same JSON type as the field it replaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    pub node_id: String,
    pub field_name: String,
    pub field_value: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl NodeInfo {
    /// An image (or any string) override.
    pub fn text(node_id: &str, field_name: &str, value: &str) -> Self {
        NodeInfo {
            node_id: node_id.to_owned(),
            field_name: field_name.to_owned(),
            field_value: Value::String(value.to_owned()),
            description: None,
        }
    }
}

/// Body of `POST /task/openapi/ai-app/run`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest<'a> {
    pub api_key: &'a str,
    pub webapp_id: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub node_info_list: &'a [NodeInfo],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<&'a str>,
}

/// Body of the calls that name a task (`outputs`, `status`, `cancel`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRequest<'a> {
    pub api_key: &'a str,
    pub task_id: &'a str,
}

/// Body of `POST /uc/openapi/accountStatus`: this one endpoint spells the field `apikey`.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRequest<'a> {
    pub apikey: &'a str,
}

/// What `run` answers on success.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunData {
    pub task_id: String,
    /// QUEUED, RUNNING or FAILED, as sent.
    pub task_status: Option<String>,
    pub client_id: Option<String>,
    pub prompt_tips: Option<PromptTips>,
}

/// ComfyUI's validation report, sent as a JSON document inside the `promptTips` string.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptTips {
    pub result: Option<bool>,
    /// The top-level error's message, when the graph was rejected.
    pub error: Option<String>,
    pub outputs_to_execute: Vec<String>,
    pub node_errors: Vec<NodeError>,
}

/// Why ComfyUI rejected one node of the graph.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeError {
    pub node_id: String,
    pub class_type: Option<String>,
    /// One line per error: its message, then its details when there are any.
    pub messages: Vec<String>,
}

/// One file a finished task produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutputFile {
    pub file_url: String,
    pub file_type: String,
    /// Seconds, as RunningHub sends it (a string).
    pub task_cost_time: Option<String>,
    pub node_id: Option<String>,
    pub consume_coins: Option<String>,
    pub consume_money: Option<String>,
}

impl OutputFile {
    /// True when the browser can show the file as an `<img>`.
    pub fn is_image(&self) -> bool {
        let kind = if self.file_type.is_empty() {
            self.file_url
                .rsplit('.')
                .next()
                .and_then(|ext| ext.split(['?', '#']).next())
                .unwrap_or("")
        } else {
            self.file_type.as_str()
        };
        matches!(
            kind.to_ascii_lowercase().as_str(),
            "png" | "jpg" | "jpeg" | "webp" | "gif" | "bmp" | "avif" | "image"
        )
    }
}

/// Why a task failed, from `outputs` code 805 (`data.failedReason`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FailedReason {
    pub node_name: Option<String>,
    pub node_id: Option<String>,
    pub exception_type: Option<String>,
    pub exception_message: Option<String>,
    /// Lines of the Python traceback (sent as a JSON array inside a string).
    pub traceback: Vec<String>,
}

/// What one `outputs` poll says about the task.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputsAnswer {
    /// Finished with these files.
    Done(Vec<OutputFile>),
    /// Finished, but produced no file.
    Empty,
    /// Still running (804, or code 0 with null data).
    Running,
    /// Waiting for a machine (813).
    Queued,
    /// Failed or cancelled (805).
    Failed(FailedReason),
    /// No such task for this key (807, 423).
    NotFound,
}

/// The key's account, from `accountStatus`. All values arrive as strings (or null).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountStatus {
    pub remain_coins: Option<String>,
    pub current_task_counts: Option<String>,
    pub remain_money: Option<String>,
    pub currency: Option<String>,
    pub api_type: Option<String>,
}

/// What `upload` answers: the name to put in an image node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Uploaded {
    pub file_name: String,
    pub file_type: Option<String>,
}

/// One input of an AI app, from `apiCallDemo`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppField {
    pub node_id: String,
    pub node_name: Option<String>,
    pub field_name: String,
    /// The default, as sent (a string, number or boolean).
    pub field_value: Value,
    /// IMAGE, STRING, INT, FLOAT, LIST, SWITCH, …
    pub field_type: String,
    /// LIST choices (RunningHub sends them inside a JSON string).
    pub choices: Vec<String>,
    pub description: Option<String>,
    pub description_en: Option<String>,
}

/// An AI app's name and inputs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppDemo {
    pub webapp_name: Option<String>,
    pub fields: Vec<AppField>,
}
