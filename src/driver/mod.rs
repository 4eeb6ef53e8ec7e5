//! A render under way on the page, without its view: sends the run request, polls until the task
//! ends, follows its progress socket, writes it to the journal, cancels it, and picks unfinished
//! tasks up again after a reload. The job view, the batch's rows and the start-up use it; what
//! a job looks like is theirs (`components`).
//!
//! A view starts a [`JobRun`] and reads its signals. Its loops stop when the owner that started
//! it goes away (the next render replaces the view), at their next step: until then they use only
//! `try_` accessors, since the job's signals may have been disposed with the view.

mod drive;
pub mod resume;
mod socket;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;

use crate::browser::now_ms;
use crate::lifecycle::progress::{Progress, SocketPlan};
use crate::lifecycle::{Job, Step};
use crate::state::{Blocker, Connection, ConsentFor, HistoryVersion, RenderRequest};
use crate::storage::journal::JobRecord;

use drive::{drive, Loop};
pub use socket::SocketState;
use socket::{watch_socket, Live};

/// One render driven for as long as the owner that started it lives: what its view reads, and
/// what the view's buttons ask of it.
#[derive(Clone, Copy)]
pub struct JobRun {
    /// The job's state, as the run request, the polls and the user's actions leave it.
    pub job: RwSignal<Job>,
    live: Live,
    cancelling: RwSignal<bool>,
    /// What a loop needs; local: it holds the signal that aborts the loop's requests.
    driving: StoredValue<Loop, LocalStorage>,
}

impl JobRun {
    /// Starts driving `job`: a `record` with a task id is followed by polling, never run again;
    /// one without is sent. A `hold`en job (from the journal, waiting for the user's key) is
    /// only shown; for a server that needs the user's word first, the consent prompt asks.
    pub fn start(
        job: RwSignal<Job>,
        request: Arc<RenderRequest>,
        record: JobRecord,
        hold: bool,
    ) -> JobRun {
        let first_step = if record.task_id.is_some() {
            Step::Poll(0)
        } else {
            Step::Resubmit(0)
        };
        let base = record.base.clone();
        let history = use_context::<HistoryVersion>();
        let connection = use_context::<Connection>();
        let alive = Arc::new(AtomicBool::new(true));
        // Aborts an outputs request in flight when the view goes away.
        let controller = web_sys::AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        let abort = SendWrapper::new(controller);
        {
            let alive = alive.clone();
            on_cleanup(move || {
                alive.store(false, Ordering::Relaxed);
                if let Some(controller) = abort.take() {
                    controller.abort();
                }
            });
        }

        // Live progress from the task's socket: shown, never trusted for the outcome.
        let live = Live {
            progress: RwSignal::new(Progress::default()),
            last_frame_ms: StoredValue::new(0.0),
            state: RwSignal::new(SocketState::None),
        };
        let socket_plan = SocketPlan {
            hidden_close_ms: connection
                .and_then(|c| c.server.get_untracked())
                .and_then(|s| s.socket_hidden_close_ms)
                .unwrap_or(SocketPlan::default().hidden_close_ms),
            ..SocketPlan::default()
        };
        spawn_local(watch_socket(
            job,
            live,
            alive.clone(),
            socket_plan,
            connection.map(|c| (c, request.target.api.base().to_owned())),
        ));

        let run = JobRun {
            job,
            live,
            cancelling: RwSignal::new(false),
            driving: StoredValue::new_local(Loop {
                job,
                request,
                record: StoredValue::new(record),
                history,
                connection,
                alive,
                signal,
                last_frame_ms: live.last_frame_ms,
            }),
        };
        if !hold {
            run.drive(first_step);
        } else if let Some(conn) = connection {
            // Held for a server that is neither RunningHub nor this page's (nor the chosen
            // relay): the consent prompt asks before the key goes there, one server at a time,
            // once a visit (a refusal stands until "Check again" in the history).
            Effect::new(crate::state::effect(move |_| {
                if conn.consent_pending.with(Option::is_none)
                    && !conn.may_send_to(&base)
                    && conn.answer_for(&base).is_none()
                {
                    conn.consent_for.set(ConsentFor::Resume);
                    conn.consent_pending.set(Some(base.clone()));
                }
            }));
        }
        run
    }

    fn drive(&self, step: Step) {
        if let Some(driving) = self.driving.try_get_value() {
            spawn_local(drive(driving, step));
        }
    }

    /// The socket's progress (tracks).
    pub fn progress(&self) -> Signal<Progress> {
        self.live.progress.into()
    }

    /// Where the progress socket stands (tracks).
    pub fn socket(&self) -> SocketState {
        self.live.state.get()
    }

    /// A task that timed out is polled again, on the user's word.
    pub fn keep_waiting(&self) {
        let Some(plan) = self.driving.try_with_value(|r| r.request.target.plan) else {
            return;
        };
        if let Some(step @ Step::Poll(_)) = self.job.try_update(|j| j.keep_waiting(now_ms(), &plan))
        {
            self.drive(step);
        }
    }

    /// Cancels the job (see [`cancel`]); [`Self::cancelling`] until RunningHub has answered.
    pub fn cancel(&self) {
        let Some(request) = self.driving.try_with_value(|r| r.request.clone()) else {
            return;
        };
        let (job, cancelling) = (self.job, self.cancelling);
        cancelling.set(true);
        spawn_local(async move {
            cancel(job, &request).await;
            cancelling.try_set(false);
        });
    }

    /// Whether a cancel waits for RunningHub's answer (tracks).
    pub fn cancelling(&self) -> bool {
        self.cancelling.get()
    }
}

/// Cancels a job: one still waiting to be sent just ends; a task is cancelled on RunningHub
/// (it then reads as cancelled, not failed).
pub async fn cancel(job: RwSignal<Job>, request: &RenderRequest) {
    // `try_`: a batch cancels from a spawned task, by which time the row may have gone.
    let Some(task_id) = job
        .try_update(|j| {
            j.request_cancel(now_ms());
            j.task_id.clone()
        })
        .flatten()
    else {
        return;
    };
    let answer = request
        .target
        .api
        .cancel(&request.target.key, &task_id)
        .await;
    job.try_update(|j| match answer {
        Ok(()) => {
            j.on_cancelled(now_ms());
        }
        Err(error) => j.error = Some(error),
    });
}

/// Whether a render held back from `base` (a journaled render's server) waits for the consent
/// prompt: `Some(refused)` when the key may not go there yet, `None` when it waits for
/// something else (a key) (tracks).
pub fn waits_for_consent(conn: Option<Connection>, base: &str) -> Option<bool> {
    let conn = conn?;
    (!conn.may_send_to(base) && matches!(conn.target_for(base), Err(Blocker::NeedConsent)))
        .then(|| conn.answer_for(base) == Some(false))
}
