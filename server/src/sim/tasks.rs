//! The one task table every endpoint family reads: how a task goes QUEUED → RUNNING → done, what
//! it ends in, what it cost, and how its progress socket behaves.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{json, Value};

use super::{Inner, Sim};

/// How a task ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Multi,
    Empty,
    Fail,
    NodeErrors,
    StayQueued,
}

impl Outcome {
    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "success" => Outcome::Success,
            "multi" => Outcome::Multi,
            "empty" => Outcome::Empty,
            "fail" => Outcome::Fail,
            "node_errors" => Outcome::NodeErrors,
            "stay_queued" => Outcome::StayQueued,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Multi => "multi",
            Outcome::Empty => "empty",
            Outcome::Fail => "fail",
            Outcome::NodeErrors => "node_errors",
            Outcome::StayQueued => "stay_queued",
        }
    }
}

/// How a task's progress socket behaves (see [`super::socket`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketKind {
    /// ComfyUI's messages over the run time, as they would come.
    Normal,
    /// No `netWssUrl` is handed out.
    None,
    /// Closes without a word at 40% of the run, and refuses connections after that.
    Drop,
    /// Only nonsense: broken JSON, unknown types, wrong field types, binary frames.
    Garbage,
    /// Says the graph succeeded half-way through the run, long before the task is done.
    Lie,
}

impl SocketKind {
    pub fn parse(s: &str) -> Option<SocketKind> {
        Some(match s {
            "normal" => SocketKind::Normal,
            "none" => SocketKind::None,
            "drop" => SocketKind::Drop,
            "garbage" => SocketKind::Garbage,
            "lie" => SocketKind::Lie,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SocketKind::Normal => "normal",
            SocketKind::None => "none",
            SocketKind::Drop => "drop",
            SocketKind::Garbage => "garbage",
            SocketKind::Lie => "lie",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Task {
    pub key: String,
    pub created: Instant,
    pub queue_ms: u64,
    pub run_ms: u64,
    pub outcome: Outcome,
    pub cancelled: bool,
    pub finished_counted: bool,
    pub socket: SocketKind,
    pub webapp: String,
    /// ComfyUI's client id of the task's socket (32 hex characters, like RunningHub's).
    pub client_id: String,
    /// The socket's signed token (`Rh-Comfy-Auth`), checked when it is opened.
    pub socket_token: String,
    /// `usage` over the defaults (the `usage` knob when the task was made).
    pub usage: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Queued,
    Running,
    Done,
    Cancelled,
}

impl Task {
    pub fn state(&self, now: Instant) -> TaskState {
        let ms = self.age_ms(now);
        if self.cancelled {
            TaskState::Cancelled
        } else if self.outcome == Outcome::NodeErrors {
            TaskState::Done
        } else if self.outcome == Outcome::StayQueued || ms < self.queue_ms {
            TaskState::Queued
        } else if ms < self.queue_ms + self.run_ms {
            TaskState::Running
        } else {
            TaskState::Done
        }
    }

    pub fn age_ms(&self, now: Instant) -> u64 {
        now.duration_since(self.created).as_millis() as u64
    }

    /// True when the task failed (or was cancelled) rather than produced something.
    pub fn failed(&self, now: Instant) -> bool {
        match self.state(now) {
            TaskState::Cancelled => true,
            TaskState::Done => matches!(self.outcome, Outcome::Fail | Outcome::NodeErrors),
            _ => false,
        }
    }

    /// Seconds the run took, as RunningHub reports it (a string).
    pub fn cost_seconds(&self) -> String {
        ((self.queue_ms + self.run_ms) / 1000).max(1).to_string()
    }

    /// v2's `usage`: coins, money and time, each a string or null; the `usage` knob's values win.
    pub fn usage(&self) -> Value {
        let mut usage = json!({
            "consumeCoins": "12", "consumeMoney": null, "thirdPartyConsumeMoney": null,
            "taskCostTime": self.cost_seconds(),
        });
        if let (Some(usage), Some(knob)) = (usage.as_object_mut(), self.usage.as_object()) {
            for (name, value) in knob {
                usage.insert(name.clone(), value.clone());
            }
        }
        usage
    }
}

/// A 32-hex-digit id from a seed (for client ids and tokens).
fn hex_id(seed: &str, salt: u32) -> String {
    let a = crc32fast::hash(format!("{salt}:{seed}").as_bytes());
    let b = crc32fast::hash(format!("{seed}:{salt}:b").as_bytes());
    let c = crc32fast::hash(format!("{salt}{seed}c").as_bytes());
    let d = crc32fast::hash(format!("d{seed}{salt}").as_bytes());
    format!("{a:08x}{b:08x}{c:08x}{d:08x}")
}

impl Sim {
    /// Makes a task for `key` running `webapp`, with the timings, outcome and socket the knobs
    /// say now. Returns its id (19 digits, above 2^53, like RunningHub's) and outcome.
    pub(super) fn create_task(&self, key: String, webapp: String) -> (String, Outcome) {
        let mut inner = self.lock();
        Sim::observe(&mut inner);
        inner.next_id += 1;
        let task_id = format!("{}", 1_983_070_826_507_472_898u64 + inner.next_id * 7919);
        let outcome = inner.next_outcomes.pop_front().unwrap_or(inner.outcome);
        // Base64 of a JSON document, as RunningHub's `Rh-Comfy-Auth` is (here: not secret).
        let token = format!("eyJzaW0iOi{}", hex_id(&task_id, 2));
        let task = Task {
            key,
            created: Instant::now(),
            queue_ms: inner.queue_ms,
            run_ms: inner.run_ms,
            outcome,
            cancelled: false,
            finished_counted: false,
            socket: inner.socket,
            webapp,
            client_id: hex_id(&task_id, 1),
            socket_token: token,
            usage: inner.usage.clone(),
        };
        inner.tasks.insert(task_id.clone(), task);
        inner.runs += 1;
        Sim::observe(&mut inner);
        (task_id, outcome)
    }

    /// A copy of a task, with the statistics brought up to date.
    pub(super) fn task(&self, task_id: &str) -> Option<Task> {
        let mut inner = self.lock();
        Sim::observe(&mut inner);
        inner.tasks.get(task_id).cloned()
    }

    /// The task whose socket has this client id.
    pub(super) fn task_by_client(&self, client_id: &str) -> Option<(String, Task)> {
        self.lock()
            .tasks
            .iter()
            .find(|(_, t)| t.client_id == client_id)
            .map(|(id, t)| (id.clone(), t.clone()))
    }

    /// Counts tasks that are queued or running per key, and finished ones, as time goes by.
    pub(super) fn observe(inner: &mut Inner) {
        let now = Instant::now();
        let mut active: HashMap<&str, u64> = HashMap::new();
        let mut newly_finished = Vec::new();
        for (id, task) in &inner.tasks {
            match task.state(now) {
                TaskState::Queued | TaskState::Running => {
                    *active.entry(task.key.as_str()).or_default() += 1
                }
                _ if !task.finished_counted => newly_finished.push(id.clone()),
                _ => {}
            }
        }
        let most = active.values().copied().max().unwrap_or(0);
        inner.max_concurrent = inner.max_concurrent.max(most);
        for id in newly_finished {
            if let Some(task) = inner.tasks.get_mut(&id) {
                task.finished_counted = true;
                inner.finished += 1;
            }
        }
    }
}
