//! Live progress from a task's WebSocket (`netWssUrl`): ComfyUI's own messages, parsed into what
//! the progress bar shows. The socket is a hint, never the truth: nothing here can finish, fail
//! or cancel a job (only a poll does, see [`super::Job`]); a message that is not valid JSON, or
//! has an unknown type, or fields of the wrong type, is ignored.
//!
//! Shapes, as ComfyUI's server sends them (`{"type": …, "data": {…}}`): `status`
//! (`status.exec_info.queue_remaining`), `execution_start`, `execution_cached` (`nodes`),
//! `executing` (`node`, null once the graph is done), `progress` (`value`, `max`, `node`),
//! `executed` (`node`), `execution_success`, `execution_error` (`node_id`, `node_type`,
//! `exception_message`), `execution_interrupted`. RunningHub's socket relays these as they are
//! (its official ComfyUI plugin reads `type` and `data.node` of the same messages).

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::protocol::loose::{self, object};

/// One message of the socket that matters to the bar.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Tasks still waiting ahead in the machine's queue.
    Queue(u32),
    /// The graph started.
    Started,
    /// These nodes were taken from the cache (not executed again).
    Cached(Vec<String>),
    /// This node is executing; `None`: the graph is through.
    Executing(Option<String>),
    /// A step of the node that is executing.
    Step {
        value: u32,
        max: u32,
        node: Option<String>,
    },
    /// This node finished.
    Executed(String),
    /// ComfyUI says the graph succeeded (a hint: the outcome comes from polling).
    Success,
    /// ComfyUI says a node failed (a hint: the outcome comes from polling).
    Error {
        node: Option<String>,
        node_type: Option<String>,
    },
    /// The graph was stopped.
    Interrupted,
}

/// A frame: its `type` first, then its `data` as the type says.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// `data` of `status`: `{status: {exec_info: {queue_remaining}}}`.
#[derive(Deserialize)]
struct Status {
    status: ExecInfo,
}

#[derive(Deserialize)]
struct ExecInfo {
    exec_info: Queue,
}

#[derive(Deserialize)]
struct Queue {
    #[serde(deserialize_with = "count")]
    queue_remaining: u32,
}

/// `data` of `execution_cached`.
#[derive(Deserialize)]
struct Cached {
    #[serde(deserialize_with = "node_ids")]
    nodes: Vec<String>,
}

/// `data` of `executing`: `node` is null once the graph is through.
#[derive(Deserialize)]
struct Executing<'a> {
    #[serde(borrow)]
    node: &'a RawValue,
}

/// `data` of `progress`.
#[derive(Deserialize)]
struct Step {
    #[serde(deserialize_with = "count")]
    value: u32,
    #[serde(deserialize_with = "count")]
    max: u32,
    #[serde(default, deserialize_with = "node")]
    node: Option<String>,
}

/// `data` of `executed`.
#[derive(Deserialize)]
struct Executed {
    #[serde(deserialize_with = "node")]
    node: Option<String>,
}

/// `data` of `execution_error`.
#[derive(Deserialize)]
struct Failed {
    #[serde(default, deserialize_with = "node")]
    node_id: Option<String>,
    #[serde(default, deserialize_with = "loose::lenient")]
    node_type: Option<String>,
}

/// Reads one text frame. Anything that is not a known message of the right shape is `None`.
pub fn parse_message(frame: &str) -> Option<Message> {
    // Frames are small; a huge one is not one of ComfyUI's progress messages.
    if frame.len() > 64 * 1024 {
        return None;
    }
    let frame: Frame = object(frame)?;
    // `data` as the type says; absent, or not an object, for a type that needs one: no message.
    let data = frame.data.map(RawValue::get);
    let data = || data.filter(|d| d.starts_with('{'));
    Some(match frame.kind.as_str() {
        "status" => Message::Queue(object::<Status>(data()?)?.status.exec_info.queue_remaining),
        "execution_start" => Message::Started,
        "execution_cached" => Message::Cached(object::<Cached>(data()?)?.nodes),
        "executing" => {
            let node = object::<Executing>(data()?)?.node;
            if node.get() == "null" {
                Message::Executing(None)
            } else {
                Message::Executing(Some(node_id(node)?))
            }
        }
        "progress" => {
            let step: Step = object(data()?)?;
            if step.max == 0 || step.value > step.max {
                return None;
            }
            Message::Step {
                value: step.value,
                max: step.max,
                node: step.node,
            }
        }
        "executed" => Message::Executed(object::<Executed>(data()?)?.node?),
        "execution_success" => Message::Success,
        "execution_error" => {
            let failed = data().and_then(object::<Failed>);
            let (node, node_type) = failed.map_or((None, None), |f| (f.node_id, f.node_type));
            Message::Error { node, node_type }
        }
        "execution_interrupted" => Message::Interrupted,
        _ => return None,
    })
}

/// A node id: a short string or a whole number.
fn node_id(raw: &RawValue) -> Option<String> {
    if matches!(raw.get().as_bytes().first(), Some(b't' | b'f')) {
        return None;
    }
    loose::scalar(raw).filter(|id| !id.is_empty() && id.len() <= 64)
}

/// A field holding a node id; another value is no node.
fn node<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(node_id(<&RawValue>::deserialize(d)?))
}

/// A list of node ids (the others left out); not a list makes the message unreadable.
fn node_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let ids = Vec::<&RawValue>::deserialize(d)?;
    Ok(ids.into_iter().filter_map(node_id).collect())
}

/// A count: a non-negative whole number (a float with no fraction is taken too).
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = f64::deserialize(d)?;
    if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
        Ok(n as u32)
    } else {
        Err(serde::de::Error::custom("not a count"))
    }
}

/// What the bar shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress {
    /// Steps of the node in progress, as the last `progress` message said.
    pub value: u32,
    pub max: u32,
    /// The node executing now.
    pub node: Option<String>,
    /// Nodes taken from the cache.
    pub cached: u32,
    /// Nodes that finished.
    pub executed: u32,
    /// Tasks ahead in the machine's queue, when it said.
    pub queue: Option<u32>,
    /// ComfyUI said the graph is through (success, or `executing` with no node).
    pub through: bool,
    /// ComfyUI said a node failed, and which type it was, when it said.
    pub failed_node: Option<(Option<String>, Option<String>)>,
    /// Messages taken (any known one).
    pub messages: u32,
}

impl Progress {
    /// Takes one message in.
    pub fn apply(&mut self, message: Message) {
        self.messages = self.messages.saturating_add(1);
        match message {
            Message::Queue(n) => self.queue = Some(n),
            Message::Started => {
                self.queue = Some(0);
                self.through = false;
            }
            Message::Cached(nodes) => {
                self.cached = self.cached.saturating_add(nodes.len() as u32);
            }
            Message::Executing(Some(node)) => {
                if self.node.as_ref() != Some(&node) {
                    // A new node: its steps are not known until it reports them.
                    self.value = 0;
                    self.max = 0;
                }
                self.node = Some(node);
                self.queue = Some(0);
            }
            Message::Executing(None) | Message::Success => {
                self.node = None;
                self.through = true;
            }
            Message::Step { value, max, node } => {
                let same = node.is_none() || node == self.node;
                // Within one node a late frame never moves the bar back.
                if !(same && max == self.max && value < self.value) {
                    self.value = value;
                    self.max = max;
                }
                if let Some(node) = node {
                    self.node = Some(node);
                }
                self.queue = Some(0);
            }
            Message::Executed(_) => self.executed = self.executed.saturating_add(1),
            Message::Error { node, node_type } => self.failed_node = Some((node, node_type)),
            Message::Interrupted => self.node = None,
        }
    }

    /// The bar's value in whole percent: the steps of the node in progress, 100 once ComfyUI
    /// says the graph is through, `None` before any step was reported.
    pub fn percent(&self) -> Option<u8> {
        if self.through {
            return Some(100);
        }
        (self.max > 0).then(|| ((u64::from(self.value) * 100) / u64::from(self.max)).min(100) as u8)
    }
}

/// When to give up on a task's socket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SocketPlan {
    /// Connections after the first, per task.
    pub max_reconnects: u32,
    /// Wait before reconnect `n` (1-based) is `n × this`, in ms.
    pub reconnect_ms: u32,
    /// Close the socket after the tab has been hidden this long, in ms (polling goes on).
    pub hidden_close_ms: u32,
}

impl Default for SocketPlan {
    fn default() -> Self {
        SocketPlan {
            max_reconnects: 3,
            reconnect_ms: 2_000,
            hidden_close_ms: 60_000,
        }
    }
}

impl SocketPlan {
    /// The wait before reconnect number `attempt` (1-based), or `None` when the reconnects are
    /// used up.
    pub fn reconnect_delay(&self, attempt: u32) -> Option<u32> {
        (attempt >= 1 && attempt <= self.max_reconnects)
            .then(|| self.reconnect_ms.saturating_mul(attempt))
    }
}

/// How long to wait before the next poll while the socket tells progress: at least the steady
/// delay (the socket shows the moves; the poll only has to catch the outcome).
pub fn poll_delay_with_socket(delay_ms: u32, steady_ms: u32, socket_live: bool) -> u32 {
    if socket_live {
        delay_ms.max(steady_ms)
    } else {
        delay_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of a small graph as ComfyUI sends it (prompt ids and timestamps included).
    const RUN: [&str; 10] = [
        r#"{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 1}}, "sid": "4c8a885a"}}"#,
        r#"{"type": "execution_start", "data": {"prompt_id": "p1", "timestamp": 1742822929000}}"#,
        r#"{"type": "execution_cached", "data": {"nodes": ["4", "112"], "prompt_id": "p1", "timestamp": 1742822929001}}"#,
        r#"{"type": "executing", "data": {"node": "3", "display_node": "3", "prompt_id": "p1"}}"#,
        r#"{"type": "progress", "data": {"value": 1, "max": 4, "prompt_id": "p1", "node": "3"}}"#,
        r#"{"type": "progress", "data": {"value": 2, "max": 4, "prompt_id": "p1", "node": "3"}}"#,
        r#"{"type": "progress", "data": {"value": 4, "max": 4, "prompt_id": "p1", "node": "3"}}"#,
        r#"{"type": "executed", "data": {"node": "160", "display_node": "160", "output": {"images": []}, "prompt_id": "p1"}}"#,
        r#"{"type": "executing", "data": {"node": null, "prompt_id": "p1"}}"#,
        r#"{"type": "execution_success", "data": {"prompt_id": "p1", "timestamp": 1742822999000}}"#,
    ];

    #[test]
    fn a_run_moves_the_bar_from_nothing_to_100() {
        let mut progress = Progress::default();
        let mut seen = Vec::new();
        for frame in RUN {
            progress.apply(parse_message(frame).expect(frame));
            seen.push(progress.percent());
        }
        assert_eq!(
            seen,
            [
                None,
                None,
                None,
                None,
                Some(25),
                Some(50),
                Some(100),
                Some(100),
                Some(100),
                Some(100)
            ]
        );
        assert_eq!(progress.cached, 2);
        assert_eq!(progress.executed, 1);
        assert_eq!(progress.queue, Some(0));
        assert!(progress.through);
        assert_eq!(progress.node, None);
    }

    #[test]
    fn the_node_in_progress_is_named() {
        let mut progress = Progress::default();
        progress.apply(parse_message(RUN[3]).expect("executing"));
        assert_eq!(progress.node.as_deref(), Some("3"));
        progress.apply(Message::Executing(Some("8".into())));
        assert_eq!(
            (progress.node.as_deref(), progress.percent()),
            (Some("8"), None)
        );
        // Numeric ids are ids too.
        assert_eq!(
            parse_message(r#"{"type":"executing","data":{"node":9}}"#),
            Some(Message::Executing(Some("9".into())))
        );
    }

    #[test]
    fn nonsense_is_ignored() {
        for frame in [
            "",
            "not json",
            "{\"type\":\"progress\",\"data\":{\"value\":1",
            "[1,2,3]",
            r#"{"data":{"value":1,"max":2}}"#,
            r#"{"type":"crystal_ball","data":{}}"#,
            r#"{"type":"progress","data":{"value":"1","max":"2"}}"#,
            r#"{"type":"progress","data":{"value":5,"max":2}}"#,
            r#"{"type":"progress","data":{"value":1,"max":0}}"#,
            r#"{"type":"progress","data":{"value":-1,"max":4}}"#,
            r#"{"type":"progress","data":null}"#,
            r#"{"type":"executing","data":{"node":{"x":1}}}"#,
            r#"{"type":"executing","data":{}}"#,
            r#"{"type":"status","data":{"status":{}}}"#,
            r#"{"type":"execution_cached","data":{"nodes":"4"}}"#,
            r#"{"type":7,"data":{}}"#,
        ] {
            assert_eq!(parse_message(frame), None, "{frame}");
        }
        let huge = format!(
            r#"{{"type":"execution_success","data":{{"x":"{}"}}}}"#,
            "y".repeat(70_000)
        );
        assert_eq!(parse_message(&huge), None);
    }

    #[test]
    fn a_late_frame_never_moves_the_bar_back_within_a_node() {
        let mut progress = Progress::default();
        progress.apply(Message::Executing(Some("3".into())));
        for value in [3, 1, 4] {
            progress.apply(Message::Step {
                value,
                max: 8,
                node: Some("3".into()),
            });
        }
        assert_eq!(progress.percent(), Some(50));
        // A second sampler starts over.
        progress.apply(Message::Executing(Some("15".into())));
        progress.apply(Message::Step {
            value: 1,
            max: 10,
            node: Some("15".into()),
        });
        assert_eq!(progress.percent(), Some(10));
    }

    #[test]
    fn errors_and_success_are_hints_only() {
        let error = r#"{"type":"execution_error","data":{"prompt_id":"p1","node_id":"3","node_type":"KSampler","executed":[],"exception_message":"CUDA out of memory","exception_type":"torch.OutOfMemoryError","traceback":[],"current_inputs":[],"current_outputs":[]}}"#;
        let mut progress = Progress::default();
        progress.apply(parse_message(error).expect("error"));
        assert_eq!(
            progress.failed_node,
            Some((Some("3".into()), Some("KSampler".into())))
        );
        assert_eq!(
            parse_message(
                r#"{"type":"execution_interrupted","data":{"prompt_id":"p1","node_id":"3","node_type":"KSampler","executed":[]}}"#
            ),
            Some(Message::Interrupted)
        );
        assert_eq!(parse_message(RUN[9]), Some(Message::Success));
    }

    #[test]
    fn reconnects_are_bounded() {
        let plan = SocketPlan::default();
        assert_eq!(plan.reconnect_delay(0), None);
        assert_eq!(plan.reconnect_delay(1), Some(2_000));
        assert_eq!(plan.reconnect_delay(3), Some(6_000));
        assert_eq!(plan.reconnect_delay(4), None);
    }

    #[test]
    fn polling_slows_while_the_socket_talks() {
        assert_eq!(poll_delay_with_socket(2_000, 5_000, true), 5_000);
        assert_eq!(poll_delay_with_socket(2_000, 5_000, false), 2_000);
        assert_eq!(poll_delay_with_socket(8_000, 5_000, true), 8_000);
    }
}
