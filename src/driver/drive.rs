//! The loop of one render: the run request, then polls as the job's steps say, each change
//! written to the journal.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::prelude::*;

use crate::browser::{self, now_ms, random, sleep};
use crate::lifecycle::progress;
use crate::lifecycle::{Job, Phase, Step};
use crate::protocol::ApiError;
use crate::state::{Connection, HistoryVersion, RenderRequest};
use crate::storage::journal::{self, JobRecord};

/// What a loop of one job works with: the job, what it asks, its journal entry, what of the page
/// it reports to (the history list; the connection, which shows the way round a blocked call),
/// and what it needs of its view: whether it is still there, the signal that aborts its requests
/// when it goes, and when its progress socket last spoke.
#[derive(Clone)]
pub struct Loop {
    pub job: RwSignal<Job>,
    pub request: Arc<RenderRequest>,
    pub record: StoredValue<JobRecord>,
    pub history: Option<HistoryVersion>,
    pub connection: Option<Connection>,
    pub alive: Arc<AtomicBool>,
    pub signal: Option<web_sys::AbortSignal>,
    pub last_frame_ms: StoredValue<f64>,
}

/// A socket that sent a frame this recently is telling progress (polling may slow down).
const SOCKET_LIVE_MS: f64 = 10_000.0;

/// How long one poll may go unanswered before it counts as a network fault (reconnecting).
const POLL_TIMEOUT_MS: u32 = 30_000;
/// How long the run request may take.
const RUN_TIMEOUT_MS: u32 = 90_000;

/// The answer, or a network error when none came within `ms`.
async fn within<T>(
    ms: u32,
    request: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    use futures::future::{select, Either};
    let timer = sleep(ms);
    futures::pin_mut!(request, timer);
    match select(request, timer).await {
        Either::Left((answer, _)) => answer,
        Either::Right(((), _)) => Err(ApiError::Network(format!(
            "no answer within {} s",
            ms / 1000
        ))),
    }
}

/// Sends the run request and polls, as the job's steps say, until it stops or the view goes away.
pub async fn drive(
    Loop {
        job,
        request,
        record,
        history,
        connection,
        alive,
        signal,
        last_frame_ms,
    }: Loop,
    mut step: Step,
) {
    let target = &request.target;
    // Writes the job's state to the journal (awaited, so a run never leaves unrecorded).
    let persist = || async {
        let snapshot = job
            .try_with_untracked(|j| {
                record.try_update_value(|r| {
                    r.update_from(j);
                    r.clone()
                })
            })
            .flatten();
        if let Some(snapshot) = snapshot {
            // Storage can be unavailable (private mode); the render goes on regardless.
            let _ = journal::save(&snapshot).await;
            if let Some(HistoryVersion(version)) = history {
                version.try_update(|v| *v += 1);
            }
        }
    };
    let state = || job.try_with_untracked(|j| (j.phase, j.task_id.clone()));
    // One tab drives a job: the holder of its lock. Another tab that shows the same job (it
    // resumed it after a reload too) follows the journal until the lock is free.
    let Some(id) = record.try_with_value(|r| r.id.clone()) else {
        return;
    };
    let _lock = loop {
        if !alive.load(Ordering::Relaxed) {
            return;
        }
        if let Some(lock) = browser::try_lock(&format!("su-render-job-{id}")).await {
            break lock;
        }
        if let Some(stored) = journal::load(&id).await {
            let followed = job.try_update(|j| {
                stored.show_on(j);
                j.phase.is_final()
            });
            record.try_set_value(stored);
            if followed != Some(false) {
                return;
            }
        }
        sleep(2_000).await;
    };
    // A render not yet sent: first make sure the browser may call the base at all. If it may
    // not, nothing is sent and nothing is written down: there is no task to remember.
    if step == Step::Resubmit(0) && state().is_some_and(|(_, task_id)| task_id.is_none()) {
        let reached = target.api.ensure_reachable(&target.key).await;
        if let Some(conn) = connection {
            conn.note(target.api.base(), reached.as_ref().err());
        }
        if let Err(error) = reached {
            job.try_update(|j| j.not_sent(error, now_ms()));
            return;
        }
    }
    persist().await;
    // The picked screenshot goes into history with the job (shown beside the rendering later).
    if let (Some(source), Some(false)) = (&request.source, record.try_with_value(|r| r.source_kept))
    {
        let key = record.with_value(JobRecord::source_key);
        // `try_`: the view (and the record with it) may have gone during the await.
        if journal::keep_file(&key, &source.blob).await.is_ok()
            && record.try_update_value(|r| r.source_kept = true).is_some()
        {
            persist().await;
        }
    }
    let still_wanted = || {
        alive.load(Ordering::Relaxed)
            && job
                .try_with_untracked(|j| !j.phase.is_final())
                .unwrap_or(false)
    };
    // What the journal holds now; anything else is written after each step.
    let mut written = state();
    loop {
        step = match step {
            Step::Stop => break,
            Step::Resubmit(ms) => {
                sleep(ms).await;
                if !still_wanted() {
                    break;
                }
                // A run that gets no answer in time may still have started a task: it ends
                // as "unknown", never sent again.
                let answer = within(RUN_TIMEOUT_MS, target.api.run(&request.run_body())).await;
                job.try_update(|j| j.on_run(answer, now_ms(), &target.plan, random()))
                    .unwrap_or(Step::Stop)
            }
            Step::Poll(ms) => {
                // While the socket shows progress, the poll only has to catch the outcome.
                let live = last_frame_ms
                    .try_get_value()
                    .is_some_and(|at| now_ms() - at < SOCKET_LIVE_MS);
                sleep(progress::poll_delay_with_socket(
                    ms,
                    target.plan.steady_ms,
                    live,
                ))
                .await;
                let task_id = job.try_with_untracked(|j| j.task_id.clone()).flatten();
                let Some(task_id) = task_id.filter(|_| still_wanted()) else {
                    break;
                };
                // v2 never names the progress socket: a running task's v1 answer may.
                let want_socket = job
                    .try_update(|j| j.take_socket_lookup(now_ms()))
                    .unwrap_or(false);
                let answer = within(
                    POLL_TIMEOUT_MS,
                    target
                        .api
                        .poll(&target.key, &task_id, want_socket, signal.as_ref()),
                )
                .await;
                if !alive.load(Ordering::Relaxed) {
                    break;
                }
                job.try_update(|j| j.on_poll(answer, now_ms(), &target.plan, random()))
                    .unwrap_or(Step::Stop)
            }
        };
        if state() != written {
            persist().await;
            written = state();
        }
    }
    // A change made while the loop slept (the user cancelled) ended it without a step: written
    // too, or the history would say the task still runs.
    if state() != written {
        persist().await;
    }
    // "Keep new renders automatically": the pictures go into storage before their links expire.
    let succeeded = job
        .try_with_untracked(|j| j.phase == Phase::Succeeded)
        .unwrap_or(false);
    if succeeded && alive.load(Ordering::Relaxed) && crate::storage::Settings::load().auto_keep {
        if let Some(mut snapshot) = record.try_get_value() {
            journal::keep_outputs(&mut snapshot).await;
            record.try_set_value(snapshot);
            if let Some(HistoryVersion(version)) = history {
                version.try_update(|v| *v += 1);
            }
        }
    }
}
