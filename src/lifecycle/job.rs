//! One render job's state machine. The view feeds it answers and the clock; it answers with the
//! next [`Step`]. It never decides to submit twice when a run answer was lost.

use crate::protocol::codes::Retry;
use crate::protocol::{
    ApiError, ApiVersion, FailedReason, NodeError, OutputFile, OutputsAnswer, Polled, RunData,
    SocketUrl, Usage,
};

use super::schedule::PollPlan;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The run request is on its way.
    Submitting,
    /// RunningHub had no free slot (415, 421, 1003, 1520): the run will be sent again after a
    /// pause; no task exists yet.
    Waiting,
    Queued,
    Running,
    /// Polls are failing (network, 5xx, garbage); still trying until the timeout.
    Reconnecting,
    Succeeded,
    /// Finished without any output file.
    NoOutput,
    /// The task failed (a node raised, or the graph was rejected).
    Failed,
    /// The run was refused (bad key, balance, inputs…): no task was started.
    Refused,
    NotFound,
    /// Polling stopped at the timeout; the task may still finish ("keep waiting").
    TimedOut,
    Cancelled,
    /// The run request left but its answer never came: a task may or may not exist.
    Unknown,
    /// The run request was never sent: the free check before it could not reach the base URL
    /// (the browser blocked it, or it was offline), or our relay could not reach RunningHub.
    /// No task exists and nothing was billed; rendering again is safe.
    NotSent,
}

impl Phase {
    /// A stable name for the phase (used as `data-phase` in the page and in tests).
    pub fn slug(self) -> &'static str {
        match self {
            Phase::Submitting => "submitting",
            Phase::Waiting => "waiting",
            Phase::Queued => "queued",
            Phase::Running => "running",
            Phase::Reconnecting => "reconnecting",
            Phase::Succeeded => "succeeded",
            Phase::NoOutput => "no-output",
            Phase::Failed => "failed",
            Phase::Refused => "refused",
            Phase::NotFound => "not-found",
            Phase::TimedOut => "timed-out",
            Phase::Cancelled => "cancelled",
            Phase::Unknown => "unknown",
            Phase::NotSent => "not-sent",
        }
    }

    /// Every phase, for lookups by slug.
    pub const ALL: [Phase; 14] = [
        Phase::Submitting,
        Phase::Waiting,
        Phase::Queued,
        Phase::Running,
        Phase::Reconnecting,
        Phase::Succeeded,
        Phase::NoOutput,
        Phase::Failed,
        Phase::Refused,
        Phase::NotFound,
        Phase::TimedOut,
        Phase::Cancelled,
        Phase::Unknown,
        Phase::NotSent,
    ];

    /// The phase with this slug.
    pub fn from_slug(slug: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.slug() == slug)
    }

    /// True once nothing more will happen without the user.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            Phase::Submitting
                | Phase::Waiting
                | Phase::Queued
                | Phase::Running
                | Phase::Reconnecting
        )
    }
}

/// What the caller should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Poll `outputs` after this many ms.
    Poll(u32),
    /// Send the run request again after this many ms (only after a busy answer: no task exists).
    Resubmit(u32),
    /// Nothing more to do.
    Stop,
}

/// One render job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub phase: Phase,
    pub task_id: Option<String>,
    pub outputs: Vec<OutputFile>,
    pub failure: Option<FailedReason>,
    pub node_errors: Vec<NodeError>,
    /// The graph-level validation message from `promptTips`, if any.
    pub prompt_error: Option<String>,
    /// The last error seen: why it was refused, or what the reconnecting is about.
    pub error: Option<ApiError>,
    pub started_ms: f64,
    pub ended_ms: Option<f64>,
    deadline_ms: f64,
    /// Answers received to polls (for the schedule).
    pub polls: u32,
    pub error_streak: u32,
    pub submit_attempts: u32,
    /// Set when the user asked to cancel: a failed answer then reads as cancelled.
    pub cancel_requested: bool,
    /// The phase before a timeout, to go back to on "keep waiting".
    live_phase: Phase,
    /// What the task cost, as the last poll that told it said.
    pub usage: Usage,
    /// Which API the last answered poll used.
    pub api: Option<ApiVersion>,
    /// The task's live-progress socket, once an answer named one (a secret: see [`SocketUrl`]).
    pub socket: Option<SocketUrl>,
    /// Polls made through v1 `outputs` to learn the socket (v2 never names it), and when the
    /// last one was.
    socket_lookups: u32,
    last_lookup_ms: f64,
}

/// How many polls of a running task may go to v1 `outputs` to learn its progress socket.
pub const SOCKET_LOOKUPS: u32 = 3;
/// The least time between two of them, in ms (a task that has just started may not have its
/// socket yet).
pub const SOCKET_LOOKUP_GAP_MS: f64 = 1_000.0;

impl Job {
    /// A job whose run request is about to be sent.
    pub fn new(now_ms: f64, plan: &PollPlan) -> Self {
        Job {
            phase: Phase::Submitting,
            task_id: None,
            outputs: Vec::new(),
            failure: None,
            node_errors: Vec::new(),
            prompt_error: None,
            error: None,
            started_ms: now_ms,
            ended_ms: None,
            deadline_ms: now_ms + plan.timeout_ms as f64,
            polls: 0,
            error_streak: 0,
            submit_attempts: 1,
            cancel_requested: false,
            live_phase: Phase::Submitting,
            usage: Usage::default(),
            api: None,
            socket: None,
            socket_lookups: 0,
            last_lookup_ms: f64::NEG_INFINITY,
        }
    }

    /// A job found unfinished in the journal after a reload: its task exists, so it is polled
    /// again (never submitted again), with a fresh timeout.
    pub fn resumed(
        task_id: String,
        phase: Phase,
        started_ms: f64,
        now_ms: f64,
        plan: &PollPlan,
    ) -> Self {
        let mut job = Job::new(started_ms, plan);
        job.task_id = Some(task_id);
        job.deadline_ms = now_ms + plan.timeout_ms as f64;
        job.go_on(phase);
        job
    }

    /// Shows what another tab, which drives this job, wrote to the journal.
    pub fn follow(
        &mut self,
        phase: Phase,
        task_id: Option<String>,
        outputs: Vec<OutputFile>,
        ended_ms: Option<f64>,
    ) {
        self.phase = phase;
        self.task_id = task_id;
        self.outputs = outputs;
        self.ended_ms = ended_ms;
        if !phase.is_final() {
            self.live_phase = phase;
        }
    }

    /// Milliseconds from the start to the end (or to `now_ms` while it goes on).
    pub fn elapsed_ms(&self, now_ms: f64) -> f64 {
        (self.ended_ms.unwrap_or(now_ms) - self.started_ms).max(0.0)
    }

    fn finish(&mut self, phase: Phase, now_ms: f64) -> Step {
        self.phase = phase;
        self.ended_ms = Some(now_ms);
        Step::Stop
    }

    fn go_on(&mut self, phase: Phase) {
        self.phase = phase;
        self.live_phase = phase;
    }

    fn past_deadline(&self, now_ms: f64) -> bool {
        now_ms >= self.deadline_ms
    }

    /// The answer to the run request.
    pub fn on_run(
        &mut self,
        answer: Result<RunData, ApiError>,
        now_ms: f64,
        plan: &PollPlan,
        jitter: f64,
    ) -> Step {
        match answer {
            Ok(run) => {
                self.task_id = Some(run.task_id);
                self.socket = run.socket;
                self.error = None;
                self.error_streak = 0;
                if let Some(tips) = run.prompt_tips {
                    self.node_errors = tips.node_errors;
                    if tips.result == Some(false) || !self.node_errors.is_empty() {
                        self.prompt_error = tips.error;
                    }
                }
                let rejected = run.task_status.as_deref() == Some("FAILED");
                if rejected || !self.node_errors.is_empty() {
                    // ComfyUI does not execute a graph with node errors.
                    return self.finish(Phase::Failed, now_ms);
                }
                self.go_on(if run.task_status.as_deref() == Some("RUNNING") {
                    Phase::Running
                } else {
                    Phase::Queued
                });
                Step::Poll(plan.next_delay(0, 0, jitter))
            }
            Err(ApiError::Aborted) => self.finish(Phase::Cancelled, now_ms),
            Err(error @ (ApiError::RelayUnreachable | ApiError::Blocked)) => {
                self.not_sent(error, now_ms)
            }
            Err(error) => {
                // 415, 421, 1003, 1520: RunningHub had no free slot and made no task.
                let busy = error.retry() == Retry::Wait;
                let lost = error.answer_lost();
                self.error = Some(error);
                if busy {
                    // A busy answer means no task was created, so sending again is safe.
                    self.error_streak += 1;
                    if self.past_deadline(now_ms) || self.cancel_requested {
                        let phase = if self.cancel_requested {
                            Phase::Cancelled
                        } else {
                            Phase::TimedOut
                        };
                        return self.finish(phase, now_ms);
                    }
                    self.go_on(Phase::Waiting);
                    self.submit_attempts += 1;
                    Step::Resubmit(plan.next_delay(0, self.error_streak, jitter))
                } else if lost {
                    // The request may have started a task: never send it again on our own.
                    self.finish(Phase::Unknown, now_ms)
                } else {
                    self.finish(Phase::Refused, now_ms)
                }
            }
        }
    }

    /// The answer to one poll (v2 `query` or v1 `outputs`): what it says of the cost, the API
    /// and the socket is kept, then the answer goes on as in [`Job::on_outputs`].
    pub fn on_poll(
        &mut self,
        answer: Result<Polled, ApiError>,
        now_ms: f64,
        plan: &PollPlan,
        jitter: f64,
    ) -> Step {
        if self.phase.is_final() {
            return Step::Stop;
        }
        let answer = answer.map(|polled| {
            self.usage = polled.usage.or(std::mem::take(&mut self.usage));
            self.api = Some(polled.api);
            if polled.socket.is_some() {
                self.socket = polled.socket;
            }
            polled.answer
        });
        self.on_outputs(answer, now_ms, plan, jitter)
    }

    /// True when the poll at `now_ms` should go to v1 `outputs` to learn the progress socket:
    /// the task runs, no answer named its socket yet, the few lookups allowed are not used up,
    /// and the last was a while ago. Counts the lookup.
    pub fn take_socket_lookup(&mut self, now_ms: f64) -> bool {
        let wanted = self.phase == Phase::Running
            && self.socket.is_none()
            && self.socket_lookups < SOCKET_LOOKUPS
            && now_ms - self.last_lookup_ms >= SOCKET_LOOKUP_GAP_MS;
        if wanted {
            self.socket_lookups += 1;
            self.last_lookup_ms = now_ms;
        }
        wanted
    }

    /// The answer to one `outputs` poll.
    pub fn on_outputs(
        &mut self,
        answer: Result<OutputsAnswer, ApiError>,
        now_ms: f64,
        plan: &PollPlan,
        jitter: f64,
    ) -> Step {
        if self.phase.is_final() {
            return Step::Stop;
        }
        match answer {
            Ok(answer) => {
                self.polls += 1;
                self.error_streak = 0;
                self.error = None;
                match answer {
                    OutputsAnswer::Done(files) => {
                        self.outputs = files;
                        self.finish(Phase::Succeeded, now_ms)
                    }
                    OutputsAnswer::Empty => self.finish(Phase::NoOutput, now_ms),
                    OutputsAnswer::Failed(reason) => {
                        self.failure = Some(reason);
                        let phase = if self.cancel_requested {
                            Phase::Cancelled
                        } else {
                            Phase::Failed
                        };
                        self.finish(phase, now_ms)
                    }
                    OutputsAnswer::NotFound => self.finish(Phase::NotFound, now_ms),
                    OutputsAnswer::Queued => self.keep_polling(Phase::Queued, now_ms, plan, jitter),
                    OutputsAnswer::Running => {
                        self.keep_polling(Phase::Running, now_ms, plan, jitter)
                    }
                }
            }
            Err(ApiError::Aborted) => Step::Stop,
            Err(error) => {
                let retry = error.retry();
                self.error = Some(error);
                if retry != Retry::Never {
                    self.error_streak += 1;
                    self.phase = Phase::Reconnecting;
                    if self.past_deadline(now_ms) {
                        return self.finish(Phase::TimedOut, now_ms);
                    }
                    Step::Poll(plan.next_delay(self.polls, self.error_streak, jitter))
                } else {
                    // A refusal mid-way (key revoked, relay misconfigured): polling can't fix it.
                    self.finish(Phase::Refused, now_ms)
                }
            }
        }
    }

    fn keep_polling(&mut self, phase: Phase, now_ms: f64, plan: &PollPlan, jitter: f64) -> Step {
        self.go_on(phase);
        if self.past_deadline(now_ms) {
            return self.finish(Phase::TimedOut, now_ms);
        }
        Step::Poll(plan.next_delay(self.polls, 0, jitter))
    }

    /// "Keep waiting" after a timeout: a fresh timeout, and poll at once.
    pub fn keep_waiting(&mut self, now_ms: f64, plan: &PollPlan) -> Step {
        if self.phase != Phase::TimedOut || self.task_id.is_none() {
            return Step::Stop;
        }
        self.phase = self.live_phase;
        self.ended_ms = None;
        self.deadline_ms = now_ms + plan.timeout_ms as f64;
        Step::Poll(0)
    }

    /// The run was not sent (see [`Phase::NotSent`]), for `error`.
    pub fn not_sent(&mut self, error: ApiError, now_ms: f64) -> Step {
        self.error = Some(error);
        self.finish(Phase::NotSent, now_ms)
    }

    /// The user asked to cancel. Before a task exists (waiting to resubmit) the job just ends;
    /// after, the next failed answer reads as cancelled.
    pub fn request_cancel(&mut self, now_ms: f64) -> Step {
        self.cancel_requested = true;
        match self.phase {
            Phase::Waiting => self.finish(Phase::Cancelled, now_ms),
            _ => Step::Stop,
        }
    }

    /// The cancel request succeeded: the task is cancelled even if no poll says so yet.
    pub fn on_cancelled(&mut self, now_ms: f64) -> Step {
        if self.phase.is_final() {
            return Step::Stop;
        }
        self.finish(Phase::Cancelled, now_ms)
    }

    /// What the task cost as far as RunningHub told: the polls' figures, else the files'.
    pub fn cost(&self) -> Usage {
        self.usage.clone().or(Usage::from_files(&self.outputs))
    }

    /// Coins the task cost, when known.
    pub fn coins(&self) -> Option<String> {
        self.cost().consume_coins
    }

    /// Seconds the service reports for the task, when it does.
    pub fn cost_time(&self) -> Option<String> {
        self.cost().task_cost_time
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{parse_outputs, parse_run, PromptTips};

    const PLAN: PollPlan = PollPlan {
        first_ms: 2_000,
        fast_polls: 3,
        steady_ms: 5_000,
        max_backoff_ms: 60_000,
        timeout_ms: 900_000,
    };

    fn started() -> (Job, Step) {
        let mut job = Job::new(0.0, &PLAN);
        let run = RunData {
            task_id: "1983070826507472898".into(),
            task_status: Some("QUEUED".into()),
            ..RunData::default()
        };
        let step = job.on_run(Ok(run), 100.0, &PLAN, 0.5);
        (job, step)
    }

    #[test]
    fn a_relay_that_could_not_reach_runninghub_sent_nothing() {
        let mut job = Job::new(0.0, &PLAN);
        let step = job.on_run(Err(ApiError::RelayUnreachable), 10.0, &PLAN, 0.5);
        assert_eq!((job.phase, step), (Phase::NotSent, Step::Stop));
        assert!(job.phase.is_final());
        assert_eq!(job.task_id, None);
        // A lost answer is still unknown: the request may have started a task.
        let mut job = Job::new(0.0, &PLAN);
        job.on_run(Err(ApiError::Http(502)), 10.0, &PLAN, 0.5);
        assert_eq!(job.phase, Phase::Unknown);
    }

    fn service(code: i64) -> ApiError {
        ApiError::Service {
            code,
            msg: String::new(),
        }
    }

    #[test]
    fn happy_path_queued_running_succeeded() {
        let (mut job, step) = started();
        assert_eq!(step, Step::Poll(2_000));
        assert_eq!(job.phase, Phase::Queued);
        assert_eq!(job.task_id.as_deref(), Some("1983070826507472898"));
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Queued), 2_000.0, &PLAN, 0.5),
            Step::Poll(2_000)
        );
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Running), 4_000.0, &PLAN, 0.5),
            Step::Poll(2_000)
        );
        assert_eq!(job.phase, Phase::Running);
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Running), 6_000.0, &PLAN, 0.5),
            Step::Poll(5_000)
        );
        let file = OutputFile {
            file_url: "http://x/a.png".into(),
            file_type: "png".into(),
            consume_coins: Some("12".into()),
            task_cost_time: Some("33".into()),
            ..OutputFile::default()
        };
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Done(vec![file])), 11_000.0, &PLAN, 0.5),
            Step::Stop
        );
        assert_eq!(job.phase, Phase::Succeeded);
        assert_eq!(job.elapsed_ms(99_999.0), 11_000.0);
        assert_eq!(job.coins().as_deref(), Some("12"));
        assert_eq!(job.cost_time().as_deref(), Some("33"));
        // Late answers change nothing.
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Running), 12_000.0, &PLAN, 0.5),
            Step::Stop
        );
        assert_eq!(job.phase, Phase::Succeeded);
    }

    #[test]
    fn final_answers() {
        for (answer, phase) in [
            (OutputsAnswer::Empty, Phase::NoOutput),
            (
                OutputsAnswer::Failed(FailedReason::default()),
                Phase::Failed,
            ),
            (OutputsAnswer::NotFound, Phase::NotFound),
        ] {
            let (mut job, _) = started();
            assert_eq!(job.on_outputs(Ok(answer), 2_000.0, &PLAN, 0.5), Step::Stop);
            assert_eq!(job.phase, phase);
            assert!(job.phase.is_final());
        }
    }

    #[test]
    fn transient_errors_reconnect_then_recover() {
        let (mut job, _) = started();
        for (i, error) in [
            ApiError::Http(502),
            ApiError::NotJson,
            ApiError::Network("x".into()),
            service(500),
        ]
        .into_iter()
        .enumerate()
        {
            let step = job.on_outputs(Err(error), 2_000.0 * (i as f64 + 1.0), &PLAN, 0.5);
            assert_eq!(job.phase, Phase::Reconnecting);
            assert_eq!(step, Step::Poll(PLAN.next_delay(0, i as u32 + 1, 0.5)));
        }
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Running), 30_000.0, &PLAN, 0.5),
            Step::Poll(2_000)
        );
        assert_eq!(job.phase, Phase::Running);
        assert_eq!(job.error_streak, 0);
        assert_eq!(job.error, None);
    }

    #[test]
    fn refusal_while_polling_stops() {
        let (mut job, _) = started();
        assert_eq!(
            job.on_outputs(Err(service(802)), 2_000.0, &PLAN, 0.5),
            Step::Stop
        );
        assert_eq!(job.phase, Phase::Refused);
    }

    #[test]
    fn timeout_then_keep_waiting() {
        let (mut job, _) = started();
        job.on_outputs(Ok(OutputsAnswer::Running), 2_000.0, &PLAN, 0.5);
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Running), 900_000.0, &PLAN, 0.5),
            Step::Stop
        );
        assert_eq!(job.phase, Phase::TimedOut);
        assert_eq!(job.keep_waiting(910_000.0, &PLAN), Step::Poll(0));
        assert_eq!(job.phase, Phase::Running);
        assert_eq!(job.ended_ms, None);
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Running), 1_000_000.0, &PLAN, 0.5),
            Step::Poll(5_000)
        );
        // The fresh timeout counts from the "keep waiting" click.
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Running), 1_810_000.0, &PLAN, 0.5),
            Step::Stop
        );
        assert_eq!(job.phase, Phase::TimedOut);
    }

    #[test]
    fn errors_until_the_timeout_end_in_timed_out() {
        let (mut job, _) = started();
        assert!(matches!(
            job.on_outputs(Err(ApiError::NotJson), 899_000.0, &PLAN, 0.5),
            Step::Poll(_)
        ));
        assert_eq!(
            job.on_outputs(Err(ApiError::NotJson), 900_100.0, &PLAN, 0.5),
            Step::Stop
        );
        assert_eq!(job.phase, Phase::TimedOut);
    }

    #[test]
    fn keep_waiting_only_after_a_timeout() {
        let (mut job, _) = started();
        assert_eq!(job.keep_waiting(1.0, &PLAN), Step::Stop);
        assert_eq!(job.phase, Phase::Queued);
    }

    #[test]
    fn node_errors_fail_the_job_at_once() {
        let mut job = Job::new(0.0, &PLAN);
        let tips = PromptTips {
            result: Some(false),
            error: Some("Prompt outputs failed validation".into()),
            node_errors: vec![NodeError {
                node_id: "112".into(),
                class_type: None,
                messages: vec!["Invalid image file".into()],
            }],
            ..PromptTips::default()
        };
        let run = RunData {
            task_id: "1".into(),
            task_status: Some("QUEUED".into()),
            prompt_tips: Some(tips),
            ..RunData::default()
        };
        assert_eq!(job.on_run(Ok(run), 10.0, &PLAN, 0.5), Step::Stop);
        assert_eq!(job.phase, Phase::Failed);
        assert_eq!(job.node_errors.len(), 1);
        assert_eq!(
            job.prompt_error.as_deref(),
            Some("Prompt outputs failed validation")
        );
    }

    #[test]
    fn failed_status_at_submit_stops() {
        let mut job = Job::new(0.0, &PLAN);
        let run = RunData {
            task_id: "1".into(),
            task_status: Some("FAILED".into()),
            ..RunData::default()
        };
        assert_eq!(job.on_run(Ok(run), 10.0, &PLAN, 0.5), Step::Stop);
        assert_eq!(job.phase, Phase::Failed);
    }

    #[test]
    fn seed_answer_starts_polling() {
        let mut job = Job::new(0.0, &PLAN);
        let body = r#"{"code":0,"msg":"success","data":{"taskId":"1983070826507472898","taskStatus":"QUEUED","promptTips":"{\"result\": true, \"error\": null, \"outputs_to_execute\": [\"160\"], \"node_errors\": {}}"}}"#;
        assert_eq!(
            job.on_run(parse_run(body), 1.0, &PLAN, 0.5),
            Step::Poll(2_000)
        );
        let running = r#"{"code":804,"msg":"APIKEY_TASK_IS_RUNNING","data":{"netWssUrl":null}}"#;
        assert_eq!(
            job.on_outputs(parse_outputs(running), 2.0, &PLAN, 0.5),
            Step::Poll(2_000)
        );
        assert_eq!(job.phase, Phase::Running);
    }

    #[test]
    fn busy_submit_waits_and_resubmits() {
        let mut job = Job::new(0.0, &PLAN);
        assert_eq!(
            job.on_run(Err(service(421)), 10.0, &PLAN, 0.5),
            Step::Resubmit(5_000)
        );
        assert_eq!(job.phase, Phase::Waiting);
        assert_eq!(
            job.on_run(Err(service(415)), 5_010.0, &PLAN, 0.5),
            Step::Resubmit(10_000)
        );
        assert_eq!(job.submit_attempts, 3);
        let run = RunData {
            task_id: "7".into(),
            ..RunData::default()
        };
        assert_eq!(job.on_run(Ok(run), 15_010.0, &PLAN, 0.5), Step::Poll(2_000));
        assert_eq!(job.phase, Phase::Queued);
    }

    #[test]
    fn rate_limit_and_capacity_wait_like_a_full_queue() {
        for code in [1003, 1520] {
            let mut job = Job::new(0.0, &PLAN);
            // The same schedule as 421: no task was made, so the run is sent again.
            assert_eq!(
                job.on_run(Err(service(code)), 10.0, &PLAN, 0.5),
                Step::Resubmit(5_000),
                "{code}"
            );
            assert_eq!(job.phase, Phase::Waiting);
            assert_eq!(job.task_id, None);
            let run = RunData {
                task_id: "7".into(),
                ..RunData::default()
            };
            assert_eq!(job.on_run(Ok(run), 5_010.0, &PLAN, 0.5), Step::Poll(2_000));
            assert_eq!((job.phase, job.submit_attempts), (Phase::Queued, 2));
            // A poll that meets the rate limit keeps polling, slower.
            assert_eq!(
                job.on_outputs(Err(service(code)), 7_010.0, &PLAN, 0.5),
                Step::Poll(PLAN.next_delay(0, 1, 0.5))
            );
            assert_eq!(job.phase, Phase::Reconnecting);
        }
    }

    #[test]
    fn content_moderation_is_never_retried() {
        let mut job = Job::new(0.0, &PLAN);
        assert_eq!(job.on_run(Err(service(1501)), 10.0, &PLAN, 0.5), Step::Stop);
        assert_eq!((job.phase, job.submit_attempts), (Phase::Refused, 1));
        // Nor when a poll answers it.
        let (mut job, _) = started();
        assert_eq!(
            job.on_outputs(Err(service(1501)), 2_000.0, &PLAN, 0.5),
            Step::Stop
        );
        assert_eq!(job.phase, Phase::Refused);
    }

    #[test]
    fn lost_run_answer_is_never_resubmitted() {
        for error in [
            ApiError::Network("Failed to fetch".into()),
            ApiError::Http(502),
            ApiError::NotJson,
        ] {
            let mut job = Job::new(0.0, &PLAN);
            assert_eq!(job.on_run(Err(error), 10.0, &PLAN, 0.5), Step::Stop);
            assert_eq!(job.phase, Phase::Unknown);
        }
    }

    #[test]
    fn refused_runs() {
        for code in [301, 416, 801, 802, 803, 806, 809, 810, 812, 901, 1008, 1501] {
            let mut job = Job::new(0.0, &PLAN);
            assert_eq!(
                job.on_run(Err(service(code)), 10.0, &PLAN, 0.5),
                Step::Stop,
                "{code}"
            );
            assert_eq!(job.phase, Phase::Refused);
            assert_eq!(job.error, Some(service(code)));
        }
    }

    #[test]
    fn cancel_while_waiting_ends_at_once() {
        let mut job = Job::new(0.0, &PLAN);
        job.on_run(Err(service(421)), 10.0, &PLAN, 0.5);
        assert_eq!(job.request_cancel(20.0), Step::Stop);
        assert_eq!(job.phase, Phase::Cancelled);
    }

    #[test]
    fn cancel_of_a_task_reads_failed_answer_as_cancelled() {
        let (mut job, _) = started();
        job.request_cancel(500.0);
        assert_eq!(job.phase, Phase::Queued);
        job.on_outputs(
            Ok(OutputsAnswer::Failed(FailedReason::default())),
            2_000.0,
            &PLAN,
            0.5,
        );
        assert_eq!(job.phase, Phase::Cancelled);
    }

    #[test]
    fn a_resumed_job_polls_at_once_and_finishes() {
        let mut job = Job::resumed("42".into(), Phase::Running, 0.0, 1_000_000.0, &PLAN);
        assert_eq!(job.phase, Phase::Running);
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Running), 1_000_100.0, &PLAN, 0.5),
            Step::Poll(2_000)
        );
        assert_eq!(
            job.on_outputs(Ok(OutputsAnswer::Empty), 1_002_100.0, &PLAN, 0.5),
            Step::Stop
        );
        assert_eq!(job.phase, Phase::NoOutput);
    }

    fn polled(answer: OutputsAnswer, api: ApiVersion) -> Polled {
        Polled {
            answer,
            usage: Usage::default(),
            api,
            socket: None,
        }
    }

    #[test]
    fn a_v2_poll_carries_the_cost_and_the_api() {
        let (mut job, _) = started();
        let body = r#"{"taskId":"1983070826507472898","status":"SUCCESS","results":[{"url":"https://x/a.png","outputType":"png"}],
            "usage":{"consumeCoins":"12","consumeMoney":"0.35","thirdPartyConsumeMoney":null,"taskCostTime":"33"}}"#;
        assert_eq!(
            job.on_poll(crate::protocol::v2::parse_query(body), 2_000.0, &PLAN, 0.5),
            Step::Stop
        );
        assert_eq!(job.phase, Phase::Succeeded);
        assert_eq!(job.api, Some(ApiVersion::V2));
        assert_eq!(job.coins().as_deref(), Some("12"));
        assert_eq!(job.cost().consume_money.as_deref(), Some("0.35"));
        assert_eq!(job.cost_time().as_deref(), Some("33"));
    }

    #[test]
    fn the_socket_comes_from_the_run_or_a_running_v1_answer_and_is_looked_up_a_few_times() {
        let (mut job, _) = started();
        assert!(!job.take_socket_lookup(1_000.0), "not while queued");
        job.on_poll(
            Ok(polled(OutputsAnswer::Running, ApiVersion::V2)),
            2_000.0,
            &PLAN,
            0.5,
        );
        let mut at = 2_000.0;
        for _ in 0..SOCKET_LOOKUPS {
            assert!(job.take_socket_lookup(at));
            assert!(!job.take_socket_lookup(at + 500.0), "spaced out");
            at += SOCKET_LOOKUP_GAP_MS;
        }
        assert!(!job.take_socket_lookup(at + 60_000.0), "bounded");
        let running = r#"{"code":804,"msg":"APIKEY_TASK_IS_RUNNING","data":{"netWssUrl":"wss://www.runninghub.cn:443/ws/c_instance?clientId=ab&Rh-Comfy-Auth=eyJ0"}}"#;
        job.on_poll(crate::protocol::parse_poll_v1(running), 3_000.0, &PLAN, 0.5);
        let socket = job.socket.clone().expect("socket from the 804 answer");
        assert!(socket.expose().starts_with("wss://www.runninghub.cn"));
        // The URL carries a signed token: it never shows in debug output.
        assert!(!format!("{job:?}").contains("Rh-Comfy-Auth"));
        // A later answer without one keeps it.
        job.on_poll(
            Ok(polled(OutputsAnswer::Running, ApiVersion::V2)),
            4_000.0,
            &PLAN,
            0.5,
        );
        assert!(job.socket.is_some());
        // The run answer may name it too.
        let mut other = Job::new(0.0, &PLAN);
        let run = RunData {
            task_id: "1".into(),
            socket: crate::protocol::SocketUrl::parse(
                "ws://127.0.0.1:8080/ws/c_instance?clientId=c",
            ),
            ..RunData::default()
        };
        other.on_run(Ok(run), 1.0, &PLAN, 0.5);
        assert!(other.socket.is_some());
        assert!(crate::protocol::SocketUrl::parse("https://x").is_none());
        assert!(crate::protocol::SocketUrl::parse("").is_none());
    }

    #[test]
    fn slugs_are_distinct() {
        let all = Phase::ALL;
        let mut slugs: Vec<&str> = all.iter().map(|p| p.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), all.len());
        for phase in all {
            assert_eq!(Phase::from_slug(phase.slug()), Some(phase));
        }
    }
}
