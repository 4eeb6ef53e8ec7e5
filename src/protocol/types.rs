//! Request bodies and parsed answers. IDs are strings throughout (they exceed 2^53).

use super::json::{Object, Value};

/// One override of an AI app's input: `fieldValue` replaces the node's default and must have the
/// same JSON type as the field it replaces.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    pub node_id: String,
    pub field_name: String,
    pub field_value: Value,
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

    /// `{nodeId, fieldName, fieldValue, description?}`, as RunningHub takes it (and as the
    /// journal stores it).
    pub fn to_value(&self) -> Value {
        let node = Object::new()
            .with("nodeId", &self.node_id)
            .with("fieldName", &self.field_name)
            .with("fieldValue", self.field_value.clone());
        match &self.description {
            Some(description) => node.with("description", description),
            None => node,
        }
        .into()
    }

    /// Reads what [`NodeInfo::to_value`] wrote: the three fields required, `description`
    /// optional (null or missing). `None` when a field is missing or of the wrong type.
    pub fn from_value(value: &Value) -> Option<NodeInfo> {
        let text = |name: &str| value.get(name)?.as_str().map(str::to_owned);
        Some(NodeInfo {
            node_id: text("nodeId")?,
            field_name: text("fieldName")?,
            field_value: value.get("fieldValue")?.clone(),
            description: match value.get("description") {
                None | Some(Value::Null) => None,
                Some(other) => Some(other.as_str()?.to_owned()),
            },
        })
    }
}

/// The JSON of a list of nodes.
fn nodes_value(nodes: &[NodeInfo]) -> Value {
    Value::Array(nodes.iter().map(NodeInfo::to_value).collect())
}

/// Body of `POST /task/openapi/ai-app/run`.
#[derive(Debug, Clone)]
pub struct RunRequest<'a> {
    pub api_key: &'a str,
    pub webapp_id: &'a str,
    pub node_info_list: &'a [NodeInfo],
    pub webhook_url: Option<&'a str>,
    pub instance_type: Option<&'a str>,
}

impl RunRequest<'_> {
    /// `{apiKey, webappId, nodeInfoList?, webhookUrl?, instanceType?}`: an empty list and
    /// absent options are left out.
    pub fn to_json(&self) -> String {
        let mut body = Object::new()
            .with("apiKey", self.api_key)
            .with("webappId", self.webapp_id);
        if !self.node_info_list.is_empty() {
            body = body.with("nodeInfoList", nodes_value(self.node_info_list));
        }
        for (name, value) in [
            ("webhookUrl", self.webhook_url),
            ("instanceType", self.instance_type),
        ] {
            if let Some(value) = value {
                body = body.with(name, value);
            }
        }
        body.to_json()
    }
}

/// Body of the calls that name a task (`outputs`, `status`, `cancel`).
#[derive(Debug, Clone)]
pub struct TaskRequest<'a> {
    pub api_key: &'a str,
    pub task_id: &'a str,
}

impl TaskRequest<'_> {
    /// `{apiKey, taskId}`.
    pub fn to_json(&self) -> String {
        Object::new()
            .with("apiKey", self.api_key)
            .with("taskId", self.task_id)
            .to_json()
    }
}

/// Body of `POST /uc/openapi/accountStatus`: this one endpoint spells the field `apikey`.
#[derive(Debug, Clone)]
pub struct AccountRequest<'a> {
    pub apikey: &'a str,
}

impl AccountRequest<'_> {
    /// `{apikey}`.
    pub fn to_json(&self) -> String {
        Object::new().with("apikey", self.apikey).to_json()
    }
}

/// What `run` answers on success.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunData {
    pub task_id: String,
    /// QUEUED, RUNNING or FAILED, as sent.
    pub task_status: Option<String>,
    pub client_id: Option<String>,
    pub prompt_tips: Option<PromptTips>,
    /// The task's live-progress WebSocket, when the answer names one.
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
                hello: Some(Object::new().with("query", query).to_json()),
            }
        })
    }
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
/// value is kept as sent (a decimal string); absent or null is `None`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    /// RH coins.
    pub consume_coins: Option<String>,
    /// Money for the run time (wallet accounts).
    pub consume_money: Option<String>,
    /// Money for third-party APIs the workflow called.
    pub third_party_consume_money: Option<String>,
    /// Seconds the workflow ran.
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
#[derive(Debug, Clone, PartialEq)]
pub struct Uploaded {
    pub file_name: String,
    pub file_type: Option<String>,
    /// Which upload answered (v2 `media/upload/binary` or v1 `task/openapi/upload`).
    pub api: ApiVersion,
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

#[cfg(test)]
mod tests {
    use super::super::answers::{parse_app_demo, parse_run};
    use super::*;

    /// The body the serde-derived writer of earlier releases sent for these nodes.
    const SERDE_RUN: &str = r#"{"apiKey":"k","webappId":"1","nodeInfoList":[{"nodeId":"112","fieldName":"image","fieldValue":"api/a.png"},{"nodeId":"4","fieldName":"denoise","fieldValue":0.75,"description":"去噪 \"strength\"\n\t\u0001"},{"nodeId":"3","fieldName":"seed","fieldValue":42},{"nodeId":"6","fieldName":"upscale","fieldValue":true}],"instanceType":"plus"}"#;

    fn number(text: &str) -> Value {
        Value::Number(super::super::json::Number::parse(text).expect("number"))
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
                field_value: Value::Bool(true),
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
        assert_eq!(run.to_json(), SERDE_RUN);
        let bare = RunRequest {
            node_info_list: &[],
            instance_type: None,
            webhook_url: Some("https://hook"),
            ..run
        };
        assert_eq!(
            bare.to_json(),
            r#"{"apiKey":"k","webappId":"1","webhookUrl":"https://hook"}"#
        );
        assert_eq!(
            AccountRequest { apikey: "k" }.to_json(),
            r#"{"apikey":"k"}"#
        );
    }

    #[test]
    fn a_task_id_sent_as_a_big_number_goes_back_with_every_digit() {
        let answer = r#"{"code":0,"msg":"success","data":{"taskId":1983070826507472898,"taskStatus":"QUEUED"}}"#;
        let task_id = parse_run(answer).expect("parses").task_id;
        let body = TaskRequest {
            api_key: "k",
            task_id: &task_id,
        }
        .to_json();
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
        assert_eq!(
            node.to_value().to_json(),
            r#"{"nodeId":"9","fieldName":"seed","fieldValue":1983070826507472898}"#
        );
        assert_eq!(NodeInfo::from_value(&node.to_value()), Some(node));
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
            let hello =
                crate::protocol::json::parse(s.hello().expect("a first frame")).expect("JSON");
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
