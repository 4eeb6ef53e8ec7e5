//! Request bodies and parsed answers. IDs are strings throughout (they exceed 2^53).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::loose;

/// One override of an AI app's input: `fieldValue` replaces the node's default and must have the
/// same JSON type as the field it replaces. `{nodeId, fieldName, fieldValue, description?}`, as
/// RunningHub takes it and as the journal stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    pub node_id: String,
    pub field_name: String,
    pub field_value: FieldValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl NodeInfo {
    /// An image (or any string) override.
    pub fn text(node_id: &str, field_name: &str, value: &str) -> Self {
        NodeInfo {
            node_id: node_id.to_owned(),
            field_name: field_name.to_owned(),
            field_value: FieldValue::from(value),
            description: None,
        }
    }
}

/// A node's value (`fieldValue`): any JSON, kept as the text it came in and sent back as it is,
/// so a default sent as a number above 2^53 goes back with every digit. serde_json's
/// [`RawValue`] rather than its `Value` tree: the form only needs to know a value's kind and
/// text, and the tree's reader and writer (and the map under its objects) cost the first load
/// about 9 KB of wasm (issue 21). Equal when written alike.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldValue(Box<RawValue>);

impl FieldValue {
    /// JSON text a person entered (an advanced override); `None` when it is not JSON.
    pub fn parse(text: &str) -> Option<FieldValue> {
        serde_json::from_str(text).ok().map(FieldValue)
    }

    /// `value` written as JSON (null should it not be writable, which strings, numbers and
    /// flags always are).
    pub fn of(value: &impl Serialize) -> FieldValue {
        serde_json::value::to_raw_value(value).map_or_else(|_| FieldValue::default(), FieldValue)
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<String> {
        self.is_string()
            .then(|| serde_json::from_str(self.json()).ok())
            .flatten()
    }

    pub fn is_string(&self) -> bool {
        self.json().starts_with('"')
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.json() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// True for a JSON number.
    pub fn is_number(&self) -> bool {
        matches!(self.json().as_bytes().first(), Some(b'-' | b'0'..=b'9'))
    }

    /// A string, a number or a boolean as text (see [`loose::scalar`]).
    pub fn text(&self) -> Option<String> {
        loose::scalar(&self.0)
    }
}

impl Default for FieldValue {
    /// `null`.
    fn default() -> Self {
        FieldValue(RawValue::NULL.to_owned())
    }
}

impl PartialEq for FieldValue {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json()
    }
}

impl From<&str> for FieldValue {
    fn from(text: &str) -> Self {
        FieldValue::of(&text)
    }
}

impl From<i64> for FieldValue {
    fn from(n: i64) -> Self {
        FieldValue::of(&n)
    }
}

impl From<bool> for FieldValue {
    fn from(b: bool) -> Self {
        FieldValue::of(&b)
    }
}

/// Body of `POST /task/openapi/ai-app/run`: an empty list and absent options are left out.
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

/// Body of the calls that name a task (`outputs`, `status`, `cancel`): `{apiKey, taskId}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRequest<'a> {
    pub api_key: &'a str,
    pub task_id: &'a str,
}

/// Body of v2's `query`: `{taskId}` (the key goes in `Authorization`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequest<'a> {
    pub task_id: &'a str,
}

/// Body of `POST /uc/openapi/accountStatus`: this one endpoint spells the field `apikey`.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRequest<'a> {
    pub apikey: &'a str,
}

/// Body of `apiCallDemo` as the project's own server takes it (a JSON POST): `{apiKey, webappId}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDemoRequest<'a> {
    pub api_key: &'a str,
    pub webapp_id: &'a str,
}

/// What `run` answers on success (its `data`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunData {
    #[serde(deserialize_with = "loose::required_text")]
    pub task_id: String,
    /// QUEUED, RUNNING or FAILED, as sent.
    #[serde(default, deserialize_with = "loose::text")]
    pub task_status: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "PromptTips::loose")]
    pub prompt_tips: Option<PromptTips>,
    /// The task's live-progress WebSocket, when the answer names one.
    #[serde(default, rename = "netWssUrl", deserialize_with = "SocketUrl::loose")]
    pub socket: Option<SocketUrl>,
}

/// Which generation of RunningHub's API answered a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// `/task/openapi/*`: key in the body, `{code, msg, data}` answers.
    V1,
    /// `/openapi/v2/*`: key in `Authorization: Bearer`, flat answers.
    V2,
}

impl ApiVersion {
    /// `v1` or `v2`, as the journal stores it.
    pub fn slug(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V2 => "v2",
        }
    }
}

/// A task's `netWssUrl`: the WebSocket that carries ComfyUI's progress messages. RunningHub's
/// carries a signed token (`Rh-Comfy-Auth`) in its query string, so it is a secret: it is never
/// logged (`Debug` hides it), journaled or shown, and the browser sends it in a URL to
/// RunningHub's own socket host only.
#[derive(Clone, PartialEq, Eq)]
pub struct SocketUrl {
    url: String,
    /// Through a relay: the first text frame to send once the socket is open,
    /// `{"query":"<the socket's query>"}`. The relay opens RunningHub's socket with that query;
    /// the URL the browser sends holds none, so the token stays out of every access log between
    /// the page and the relay.
    hello: Option<String>,
}

impl SocketUrl {
    /// A `ws:` or `wss:` URL; anything else (null, empty, another scheme) is no socket.
    pub fn parse(text: &str) -> Option<SocketUrl> {
        let text = text.trim();
        let lower = text.get(..6).unwrap_or(text).to_ascii_lowercase();
        let usable = (lower.starts_with("ws://") || lower.starts_with("wss://"))
            && text.len() > 6
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        usable.then(|| SocketUrl {
            url: text.to_owned(),
            hello: None,
        })
    }

    /// `netWssUrl` as RunningHub sends it: a usable URL, or null, empty or something else.
    pub(crate) fn loose<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SocketUrl>, D::Error> {
        Ok(loose::text(d)?.and_then(|url| SocketUrl::parse(&url)))
    }

    /// The URL, for opening the socket and nothing else.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// The frame to send first, when the socket goes through a relay (see [`SocketUrl::via_relay`]).
    pub fn hello(&self) -> Option<&str> {
        self.hello.as_deref()
    }

    /// This socket through the relay whose API base for the task's site is `relay_base`
    /// (`http(s)://relay/cn`): `ws(s)://relay/cn/ws/…` without the query, which goes in the
    /// first frame instead ([`SocketUrl::hello`]). Only a socket on the host the relay forwards
    /// that site to (`upstream`, `http(s)://host[:port]`), under `/ws/`, is moved; `None` for any
    /// other (the page then connects to it directly: it is RunningHub's own).
    pub fn via_relay(&self, relay_base: &str, upstream: &str) -> Option<SocketUrl> {
        let (secure, rest) = scheme_split(&self.url)?;
        let (authority, path) = rest.split_at(rest.find('/')?);
        let (upstream_secure, upstream_rest) = scheme_split(upstream)?;
        let upstream_authority = upstream_rest.split('/').next()?;
        let port = if secure { ":443" } else { ":80" };
        let same_host = secure == upstream_secure
            && host(authority, port).eq_ignore_ascii_case(host(upstream_authority, port));
        let (relay_secure, relay_rest) = scheme_split(relay_base)?;
        (same_host && path.starts_with("/ws/")).then(|| {
            let scheme = if relay_secure { "wss" } else { "ws" };
            let (path, query) = path.split_once('?').unwrap_or((path, ""));
            SocketUrl {
                url: format!("{scheme}://{}{path}", relay_rest.trim_end_matches('/')),
                // A struct of one string: writing it can't fail.
                hello: serde_json::to_string(&Hello { query }).ok(),
            }
        })
    }
}

/// The first frame of a socket through the relay: `{"query": "<the socket's query string>"}`.
#[derive(Serialize)]
struct Hello<'a> {
    query: &'a str,
}

/// `host[:port]` without the scheme's `default_port`.
fn host<'a>(authority: &'a str, default_port: &str) -> &'a str {
    authority.strip_suffix(default_port).unwrap_or(authority)
}

/// Whether a `ws`/`http` (false) or `wss`/`https` (true) URL, and what follows `://`.
fn scheme_split(url: &str) -> Option<(bool, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let secure = scheme.eq_ignore_ascii_case("wss") || scheme.eq_ignore_ascii_case("https");
    let plain = scheme.eq_ignore_ascii_case("ws") || scheme.eq_ignore_ascii_case("http");
    (secure || plain).then_some((secure, rest))
}

impl std::fmt::Debug for SocketUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SocketUrl(***)")
    }
}

/// What a task cost, as RunningHub reports it: v2's `usage`, or v1's per-file fields. Every
/// value is kept as sent (a decimal string, or the digits of a number); absent or null is `None`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// RH coins.
    #[serde(default, deserialize_with = "loose::text")]
    pub consume_coins: Option<String>,
    /// Money for the run time (wallet accounts).
    #[serde(default, deserialize_with = "loose::text")]
    pub consume_money: Option<String>,
    /// Money for third-party APIs the workflow called.
    #[serde(default, deserialize_with = "loose::text")]
    pub third_party_consume_money: Option<String>,
    /// Seconds the workflow ran.
    #[serde(default, deserialize_with = "loose::text")]
    pub task_cost_time: Option<String>,
}

impl Usage {
    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self == &Usage::default()
    }

    /// Fills what this one lacks from `other`.
    pub fn or(self, other: Usage) -> Usage {
        Usage {
            consume_coins: self.consume_coins.or(other.consume_coins),
            consume_money: self.consume_money.or(other.consume_money),
            third_party_consume_money: self
                .third_party_consume_money
                .or(other.third_party_consume_money),
            task_cost_time: self.task_cost_time.or(other.task_cost_time),
        }
    }

    /// What v1's result files say (every file of a task repeats the task's figures).
    pub fn from_files(files: &[OutputFile]) -> Usage {
        let first = |f: fn(&OutputFile) -> &Option<String>| files.iter().find_map(|o| f(o).clone());
        Usage {
            consume_coins: first(|o| &o.consume_coins),
            consume_money: first(|o| &o.consume_money),
            third_party_consume_money: first(|o| &o.third_party_consume_money),
            task_cost_time: first(|o| &o.task_cost_time),
        }
    }
}

/// One poll of a task, whichever API answered: the one [`OutputsAnswer`] model, what the task
/// cost so far, and the progress socket when the answer named one.
#[derive(Debug, Clone, PartialEq)]
pub struct Polled {
    pub answer: OutputsAnswer,
    pub usage: Usage,
    pub api: ApiVersion,
    pub socket: Option<SocketUrl>,
}

/// ComfyUI's validation report, sent as a JSON document inside the `promptTips` string.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct PromptTips {
    #[serde(default, deserialize_with = "loose::lenient")]
    pub result: Option<bool>,
    /// The top-level error's message, when the graph was rejected.
    #[serde(default, deserialize_with = "prompt_error")]
    pub error: Option<String>,
    #[serde(default, deserialize_with = "loose::texts")]
    pub outputs_to_execute: Vec<String>,
    #[serde(default, deserialize_with = "node_errors")]
    pub node_errors: Vec<NodeError>,
}

impl PromptTips {
    /// `promptTips`: the report inside a string, or (older answers) the object itself.
    fn loose<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<PromptTips>, D::Error> {
        Ok(loose::nested(<&RawValue>::deserialize(d)?))
    }
}

/// The report's `error`: an object with a `message`, or the message itself.
fn prompt_error<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Error {
        #[serde(default, deserialize_with = "loose::text")]
        message: Option<String>,
    }
    let raw = <&RawValue>::deserialize(d)?;
    Ok(match loose::object::<Error>(raw.get()) {
        Some(error) => error.message,
        None => loose::scalar(raw).filter(|m| !m.is_empty()),
    })
}

/// `node_errors`: `{"<node id>": {"class_type", "errors": [{"message", "details"}]}}`, in the
/// order sent; not an object is none.
fn node_errors<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<NodeError>, D::Error> {
    #[derive(Deserialize, Default)]
    struct Detail {
        #[serde(default, deserialize_with = "loose::text")]
        class_type: Option<String>,
        #[serde(default, deserialize_with = "messages")]
        errors: Vec<String>,
    }
    let raw = <&RawValue>::deserialize(d)?;
    let nodes: loose::InOrder<&RawValue> = serde_json::from_str(raw.get()).unwrap_or_default();
    Ok(nodes
        .0
        .into_iter()
        .map(|(node_id, detail)| {
            let detail = loose::object::<Detail>(detail.get()).unwrap_or_default();
            NodeError {
                node_id,
                class_type: detail.class_type,
                messages: detail.errors,
            }
        })
        .collect())
}

/// A node's `errors`, one line each: its message, then its details when there are any.
fn messages<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct Error {
        #[serde(default, deserialize_with = "loose::text")]
        message: Option<String>,
        #[serde(default, deserialize_with = "loose::text")]
        details: Option<String>,
    }
    let errors: Vec<Error> = loose::items(<&RawValue>::deserialize(d)?).unwrap_or_default();
    Ok(errors
        .into_iter()
        .filter_map(|e| match (e.message, e.details) {
            (Some(message), Some(details)) => Some(format!("{message}: {details}")),
            (message, details) => message.or(details),
        })
        .collect())
}

/// Why ComfyUI rejected one node of the graph.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeError {
    pub node_id: String,
    pub class_type: Option<String>,
    /// One line per error: its message, then its details when there are any.
    pub messages: Vec<String>,
}

/// One file a finished task produced (an item of v1's `outputs` answer).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputFile {
    #[serde(deserialize_with = "loose::required_text")]
    pub file_url: String,
    #[serde(default, deserialize_with = "loose::text_or_empty")]
    pub file_type: String,
    /// Seconds, as RunningHub sends it (a string).
    #[serde(default, deserialize_with = "loose::text")]
    pub task_cost_time: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub node_id: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub consume_coins: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub consume_money: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub third_party_consume_money: Option<String>,
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

/// Why a task failed, from `outputs` code 805 (`data.failedReason`) or v2's `failedReason`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct FailedReason {
    #[serde(default, deserialize_with = "loose::text")]
    pub node_name: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub node_id: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub exception_type: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub exception_message: Option<String>,
    /// Lines of the Python traceback (sent as a JSON array inside a string).
    #[serde(default, deserialize_with = "traceback")]
    pub traceback: Vec<String>,
}

impl FailedReason {
    /// `failedReason` as it comes: an object, the same inside a string (v2), or only a message;
    /// nothing known for null, `{}` or a list.
    pub fn from_raw(raw: &RawValue) -> FailedReason {
        let message = loose::scalar(raw);
        let inside = message.as_deref().and_then(loose::object);
        loose::object(raw.get())
            .or(inside)
            .unwrap_or_else(|| FailedReason {
                exception_message: message.filter(|m| !m.is_empty()),
                ..FailedReason::default()
            })
    }
}

/// The traceback's lines: a JSON array inside a string, a real array, or plain text.
fn traceback<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let raw = <&RawValue>::deserialize(d)?;
    if let Some(lines) = loose::scalars(raw) {
        return Ok(lines);
    }
    let Ok(text) = serde_json::from_str::<String>(raw.get()) else {
        return Ok(Vec::new());
    };
    Ok(
        match serde_json::from_str(&text).ok().and_then(loose::scalars) {
            Some(lines) => lines,
            None if text.is_empty() => Vec::new(),
            None => vec![text],
        },
    )
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
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    #[serde(default, deserialize_with = "loose::text")]
    pub remain_coins: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub current_task_counts: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub remain_money: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub api_type: Option<String>,
}

/// What `upload` answers: the name to put in an image node.
#[derive(Debug, Clone, PartialEq)]
pub struct Uploaded {
    pub file_name: String,
    pub file_type: Option<String>,
    /// Which upload answered (v2 `media/upload/binary` or v1 `task/openapi/upload`).
    pub api: ApiVersion,
}

/// One input of an AI app, from `apiCallDemo` (an item of its `nodeInfoList`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppField {
    #[serde(deserialize_with = "loose::required_text")]
    pub node_id: String,
    #[serde(default, deserialize_with = "loose::text")]
    pub node_name: Option<String>,
    #[serde(deserialize_with = "loose::required_text")]
    pub field_name: String,
    /// The default, as sent (a string, number or boolean).
    #[serde(default)]
    pub field_value: FieldValue,
    /// IMAGE, STRING, INT, FLOAT, LIST, SWITCH, … (upper case).
    #[serde(default, deserialize_with = "field_type")]
    pub field_type: String,
    /// LIST choices (RunningHub sends them inside a JSON string).
    #[serde(default, rename = "fieldData", deserialize_with = "choices")]
    pub choices: Vec<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub description_en: Option<String>,
}

fn field_type<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(loose::text_or_empty(d)?.to_ascii_uppercase())
}

/// LIST choices arrive as `"[[\"a\",\"b\"],{\"default\":\"a\"}]"` (a string holding JSON),
/// or as a plain list: the first list of scalars found.
fn choices<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    fn first_list(raw: &RawValue) -> Vec<String> {
        let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) else {
            return Vec::new();
        };
        let nested = |i: &&RawValue| matches!(i.get().as_bytes().first(), Some(b'[' | b'{'));
        if !items.iter().any(nested) {
            return items.into_iter().filter_map(loose::scalar).collect();
        }
        items
            .into_iter()
            .find(|i| i.get().starts_with('['))
            .map(first_list)
            .unwrap_or_default()
    }
    let raw = <&RawValue>::deserialize(d)?;
    Ok(match serde_json::from_str::<String>(raw.get()) {
        Ok(inside) => serde_json::from_str(&inside)
            .map(first_list)
            .unwrap_or_default(),
        Err(_) => first_list(raw),
    })
}

/// An AI app's name and inputs (the `data` of `apiCallDemo`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDemo {
    #[serde(default, deserialize_with = "loose::text")]
    pub webapp_name: Option<String>,
    /// The inputs that read; an input without a node or field name is left out.
    #[serde(default, rename = "nodeInfoList", deserialize_with = "app_fields")]
    pub fields: Vec<AppField>,
}

fn app_fields<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<AppField>, D::Error> {
    Ok(loose::items(<&RawValue>::deserialize(d)?).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::super::answers::{parse_app_demo, parse_run};
    use super::*;

    /// The body the serde-derived writer of earlier releases sent for these nodes.
    const SERDE_RUN: &str = r#"{"apiKey":"k","webappId":"1","nodeInfoList":[{"nodeId":"112","fieldName":"image","fieldValue":"api/a.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75,"description":"去噪 \"strength\"\n\t\u0001"},{"nodeId":"3","fieldName":"seed","fieldValue":42},{"nodeId":"6","fieldName":"upscale","fieldValue":true}],"instanceType":"plus"}"#;

    fn number(text: &str) -> FieldValue {
        FieldValue::parse(text).expect("number")
    }

    fn json(body: &impl Serialize) -> String {
        serde_json::to_string(body).expect("serialises")
    }

    #[test]
    fn request_bodies_as_serde_wrote_them() {
        let nodes = [
            NodeInfo::text("112", "image", "api/a.png"),
            NodeInfo {
                node_id: "4".into(),
                field_name: "denoise".into(),
                field_value: number("0.75"),
                description: Some("去噪 \"strength\"\n\t\u{1}".into()),
            },
            NodeInfo {
                node_id: "3".into(),
                field_name: "seed".into(),
                field_value: number("42"),
                description: None,
            },
            NodeInfo {
                node_id: "6".into(),
                field_name: "upscale".into(),
                field_value: FieldValue::from(true),
                description: None,
            },
        ];
        let run = RunRequest {
            api_key: "k",
            webapp_id: "1",
            node_info_list: &nodes,
            webhook_url: None,
            instance_type: Some("plus"),
        };
        assert_eq!(json(&run), SERDE_RUN);
        let bare = RunRequest {
            node_info_list: &[],
            instance_type: None,
            webhook_url: Some("https://hook"),
            ..run
        };
        assert_eq!(
            json(&bare),
            r#"{"apiKey":"k","webappId":"1","webhookUrl":"https://hook"}"#
        );
        assert_eq!(json(&AccountRequest { apikey: "k" }), r#"{"apikey":"k"}"#);
    }

    #[test]
    fn a_task_id_sent_as_a_big_number_goes_back_with_every_digit() {
        let answer = r#"{"code":0,"msg":"success","data":{"taskId":1983070826507472898,"taskStatus":"QUEUED"}}"#;
        let task_id = parse_run(answer).expect("parses").task_id;
        let body = json(&TaskRequest {
            api_key: "k",
            task_id: &task_id,
        });
        assert_eq!(body, r#"{"apiKey":"k","taskId":"1983070826507472898"}"#);
        // A default sent as a big number is sent back as the same number.
        let demo = r#"{"code":0,"msg":"success","data":{"nodeInfoList":[{"nodeId":"9","fieldName":"seed","fieldValue":1983070826507472898,"fieldType":"INT"}]}}"#;
        let field = &parse_app_demo(demo).expect("parses").fields[0];
        let node = NodeInfo {
            node_id: field.node_id.clone(),
            field_name: field.field_name.clone(),
            field_value: field.field_value.clone(),
            description: None,
        };
        let written = json(&node);
        assert_eq!(
            written,
            r#"{"nodeId":"9","fieldName":"seed","fieldValue":1983070826507472898}"#
        );
        assert_eq!(serde_json::from_str::<NodeInfo>(&written).ok(), Some(node));
    }
}

#[cfg(test)]
mod socket_tests {
    use super::SocketUrl;

    fn socket(url: &str) -> SocketUrl {
        SocketUrl::parse(url).expect("a socket URL")
    }

    /// The relayed socket's URL, and the query its first frame carries.
    fn moved(url: &str, relay_base: &str, upstream: &str) -> Option<(String, String)> {
        socket(url).via_relay(relay_base, upstream).map(|s| {
            let hello: serde_json::Value =
                serde_json::from_str(s.hello().expect("a first frame")).expect("JSON");
            let query = hello
                .get("query")
                .and_then(|q| q.as_str())
                .expect("a query");
            (s.expose().to_owned(), query.to_owned())
        })
    }

    fn pair(url: &str, query: &str) -> Option<(String, String)> {
        Some((url.to_owned(), query.to_owned()))
    }

    #[test]
    fn a_socket_on_the_relayed_host_goes_through_the_relay_without_its_query_in_the_url() {
        let rh =
            "wss://www.runninghub.cn:443/ws/c_instance?c_host=1&clientId=ab&Rh-Comfy-Auth=eyJ%2B==";
        assert_eq!(
            moved(rh, "http://127.0.0.1:8080/cn", "https://www.runninghub.cn"),
            pair(
                "ws://127.0.0.1:8080/cn/ws/c_instance",
                "c_host=1&clientId=ab&Rh-Comfy-Auth=eyJ%2B=="
            )
        );
        assert_eq!(
            moved(
                "wss://WWW.runninghub.ai/ws/c_instance?x=1",
                "https://relay.example/team/ai",
                "https://www.runninghub.ai"
            ),
            pair("wss://relay.example/team/ai/ws/c_instance", "x=1")
        );
        // A relay to a simulator (plain http) in tests.
        assert_eq!(
            moved(
                "ws://127.0.0.1:9000/ws/c_instance?t=1",
                "http://127.0.0.1:8080/ai",
                "http://127.0.0.1:9000"
            ),
            pair("ws://127.0.0.1:8080/ai/ws/c_instance", "t=1")
        );
        // No query: the relay still waits for the first frame, which says so.
        assert_eq!(
            moved(
                "wss://www.runninghub.cn/ws/c_instance",
                "http://127.0.0.1:8080/cn",
                "https://www.runninghub.cn"
            ),
            pair("ws://127.0.0.1:8080/cn/ws/c_instance", "")
        );
        // Opened directly, a socket sends nothing first.
        assert_eq!(socket(rh).hello(), None);
        assert_eq!(
            format!(
                "{:?}",
                socket(rh).via_relay("http://r/cn", "https://www.runninghub.cn")
            ),
            "Some(SocketUrl(***))"
        );
    }

    #[test]
    fn other_sockets_are_opened_directly() {
        let relay = "http://127.0.0.1:8080/cn";
        for (url, upstream) in [
            // Another host, another port, another scheme, another path family.
            (
                "wss://ws.runninghub.cn/ws/c_instance?x",
                "https://www.runninghub.cn",
            ),
            (
                "ws://127.0.0.1:9001/ws/c_instance?x",
                "http://127.0.0.1:9000",
            ),
            (
                "ws://www.runninghub.cn/ws/c_instance?x",
                "https://www.runninghub.cn",
            ),
            (
                "wss://www.runninghub.cn/socket/c_instance?x",
                "https://www.runninghub.cn",
            ),
            (
                "wss://www.runninghub.cn.evil.example/ws/x",
                "https://www.runninghub.cn",
            ),
            ("wss://www.runninghub.cn", "https://www.runninghub.cn"),
        ] {
            assert_eq!(moved(url, relay, upstream), None, "{url}");
        }
    }
}
