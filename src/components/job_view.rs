use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;

use crate::browser::{self, now_ms, random, sleep};
use crate::i18n::{error_message, fill, Texts};
use crate::lifecycle::cost::Total;
use crate::lifecycle::progress::{self, Progress, SocketPlan};
use crate::lifecycle::{Job, Phase, Step};
use crate::protocol::socket::ProgressSocket;
use crate::protocol::ApiError;
use crate::state::{
    scoped_ui, txt, Blocker, Connection, ConsentFor, HistoryVersion, LiveProgress, RenderRequest,
};
use crate::storage::journal::{self, JobRecord};

use super::{CompareView, FailureDetails, NodeErrorList, OutputList, ProgressBar, ShareButton};
use crate::lifecycle::share::{Shared, SharedResult};

/// One render: sends the run request, polls until the task ends, and shows status, elapsed
/// time, errors and results. Its loops stop when it goes away (the next render replaces it).
#[component]
pub fn JobView(
    /// The job's state; this view drives it.
    job: RwSignal<Job>,
    /// What to render, and where.
    request: Arc<RenderRequest>,
    /// Its journal entry: written before the run request leaves, updated as the job goes. A
    /// record that already has a task id is resumed by polling, never by a new run.
    record: JobRecord,
    /// A row of a batch: no comparison or share button, smaller outputs.
    #[prop(optional)]
    compact: bool,
    /// A task from the journal that waits for the user's key: shown as journaled (state,
    /// elapsed time, task id) and nothing is sent. The page makes a new view once a key is there.
    #[prop(optional)]
    hold: bool,
) -> impl IntoView {
    let first_step = if record.task_id.is_some() {
        Step::Poll(0)
    } else {
        Step::Resubmit(0)
    };
    let record_base = record.base.clone();
    let record = StoredValue::new(record);
    let page = PageContext {
        history: use_context::<HistoryVersion>(),
        connection: use_context::<Connection>(),
    };
    // Its texts follow a copy of the language that goes with the view (see `scoped_ui`).
    let ui = scoped_ui();
    let now = RwSignal::new(now_ms());
    let alive = Arc::new(AtomicBool::new(true));
    // Aborts an outputs request in flight when the view goes away.
    let controller = web_sys::AbortController::new().ok();
    let signal = controller.as_ref().map(|c| c.signal());
    let abort = SendWrapper::new(controller);

    let ticker = set_interval_with_handle(
        move || {
            if job.with_untracked(|j| !j.phase.is_final()) {
                now.set(now_ms());
            }
        },
        Duration::from_millis(1_000),
    )
    .ok();
    {
        let alive = alive.clone();
        on_cleanup(move || {
            alive.store(false, Ordering::Relaxed);
            if let Some(controller) = abort.take() {
                controller.abort();
            }
            if let Some(ticker) = ticker {
                ticker.clear();
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
        hidden_close_ms: page
            .connection
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
        page.connection
            .map(|c| (c, request.target.api.base().to_owned())),
    ));
    if !compact {
        if let Some(LiveProgress(title)) = use_context::<LiveProgress>() {
            Effect::new(crate::state::effect(move |_| {
                let running = job.with(|j| j.phase == Phase::Running);
                title.set(
                    running
                        .then(|| live.progress.with(Progress::percent))
                        .flatten(),
                );
            }));
            on_cleanup(move || {
                title.try_set(None);
            });
        }
    }

    let drive = {
        let request = request.clone();
        let alive = alive.clone();
        move |first: Step| {
            spawn_local(drive(
                job,
                request.clone(),
                first,
                record,
                page,
                ViewLife {
                    alive: alive.clone(),
                    signal: signal.clone(),
                    last_frame_ms: live.last_frame_ms,
                },
            ));
        }
    };
    if !hold {
        drive(first_step);
    } else if let Some(conn) = page.connection {
        // Held for a server that is neither RunningHub nor this page's (nor the chosen relay):
        // the consent prompt asks before the key goes there, one server at a time, once a visit
        // (a refusal stands until "Check again" in the history).
        let base = record_base.clone();
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

    let keep_waiting = {
        let drive = drive.clone();
        let plan = request.target.plan;
        move |_| {
            if let Some(step @ Step::Poll(_)) = job.try_update(|j| j.keep_waiting(now_ms(), &plan))
            {
                drive(step);
            }
        }
    };
    let cancelling = RwSignal::new(false);
    let cancel = {
        let request = request.clone();
        move |_| {
            cancelling.set(true);
            let request = request.clone();
            spawn_local(async move {
                cancel_job(job, &request).await;
                cancelling.try_set(false);
            });
        }
    };

    // The screenshot as an object URL for the comparison, freed with the view.
    let before_url = request
        .source
        .as_ref()
        .and_then(|s| crate::picture::object_url(&s.blob));
    if let Some(url) = before_url.clone() {
        on_cleanup(move || crate::picture::revoke(&url));
    }
    let before_url = StoredValue::new(before_url);
    let source_name = StoredValue::new(
        request
            .source
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
    );
    let first_image = move || {
        job.with(|j| {
            j.outputs
                .iter()
                .find(|o| o.is_image())
                .map(|o| o.file_url.clone())
        })
    };

    let share_result = {
        let webapp_id = request.webapp_id.clone();
        Callback::new(move |()| {
            Shared::Result(SharedResult {
                urls: job
                    .with_untracked(|j| j.outputs.iter().map(|o| o.file_url.clone()).collect()),
                source_name: Some(source_name.get_value()).filter(|n| !n.is_empty()),
                webapp_id: Some(webapp_id.clone()),
            })
        })
    };

    // On a phone the result column sits below the long form: bring the job into view.
    let section = NodeRef::<leptos::html::Section>::new();
    if !compact {
        Effect::new(crate::state::effect(move |done: Option<bool>| {
            if done == Some(true) {
                return true;
            }
            let Some(el) = section.get() else {
                return false;
            };
            let narrow = web_sys::window()
                .and_then(|w| w.inner_width().ok())
                .and_then(|w| w.as_f64())
                .is_some_and(|w| w < 861.0);
            if narrow {
                el.scroll_into_view();
            }
            true
        }));
    }

    let phase = move || job.with(|j| j.phase);
    let base = request.target.api.base().to_owned();
    let error_text = Memo::new(move |_| {
        job.with(|j| {
            j.error
                .as_ref()
                .map(|e| error_message(e, ui.lang.get(), &base))
        })
    });
    let elapsed = move || job.with(|j| format_elapsed(j.elapsed_ms(now.get())));
    let currency = StoredValue::new(request.target.api.currency());
    let cost_line = move || {
        let total = job.with(|j| Total::of(&j.cost()));
        currency.with_value(|c| cost_text(ui.t(), &total, c.as_deref()))
    };
    let can_cancel = move || {
        matches!(
            phase(),
            Phase::Waiting | Phase::Queued | Phase::Running | Phase::Reconnecting
        )
    };

    view! {
        <section node_ref=section id=(!compact).then_some("job") class="card job" class:compact=compact data-phase=move || phase().slug() aria-labelledby=(!compact).then_some("job-status")>
            <div class="job-head">
                <p id=(!compact).then_some("job-status") class="status" data-phase=move || phase().slug() role="status" aria-live="polite">
                    <span class="dot" aria-hidden="true"></span>
                    <span class="status-text">{move || phase_name(ui.t(), phase())}</span>
                </p>
                <p class="meta">
                    <span>{txt(|t| t.elapsed_label)}" "<span id=(!compact).then_some("elapsed")>{move || elapsed()}</span></span>
                    <Show when=crate::state::show_if(move || job.with(|j| j.task_id.is_some()))>
                        <span>{txt(|t| t.task_label)}" "<code id=(!compact).then_some("task-id")>{move || job.with(|j| j.task_id.clone().unwrap_or_default())}</code></span>
                    </Show>
                </p>
            </div>
            {move || phase_detail(ui.t(), phase()).map(|d| view! { <p class="detail">{d}</p> })}
            {hold.then(|| view! {
                <div class="banner info needs-key">
                    {move || match waits_for_consent(page.connection, &record_base) {
                        None => leptos::either::Either::Left(view! {
                            <p id=(!compact).then_some("needs-key") role="status">{txt(|t| t.resume_needs_key)}</p>
                            // The key field may be a long way up (on a phone the form comes first).
                            {(!compact).then(|| view! {
                                <button id="go-to-key" type="button" class="secondary" on:click=crate::state::handler(move |_| focus_key())>{txt(|t| t.go_to_key)}</button>
                            })}
                        }),
                        Some(refused) => {
                            let base = record_base.clone();
                            leptos::either::Either::Right(view! {
                                <p id=(!compact).then_some("needs-consent") class="needs-consent" data-refused=refused.to_string() role="status">
                                    {move || fill(if refused { ui.t().resume_refused } else { ui.t().resume_needs_consent }, &[&base])}
                                </p>
                            })
                        }
                    }}
                </div>
            })}
            <Show when=crate::state::show_if(move || error_text.with(Option::is_some))>
                <p id=(!compact).then_some("api-error") class="error" role="alert">{move || error_text.get().unwrap_or_default()}</p>
            </Show>
            <div class="actions">
                <Show when=crate::state::show_if(move || phase() == Phase::TimedOut && job.with(|j| j.task_id.is_some()))>
                    <button id=(!compact).then_some("keep-waiting") type="button" class="primary" on:click=crate::state::handler(keep_waiting.clone())>{txt(|t| t.keep_waiting)}</button>
                </Show>
                <Show when=crate::state::show_if(move || !hold && can_cancel())>
                    <button id=(!compact).then_some("cancel") type="button" class="secondary" disabled=move || cancelling.get() on:click=crate::state::handler(cancel.clone())>
                        {move || if cancelling.get() { ui.t().cancelling } else { ui.t().cancel_button }}
                    </button>
                </Show>
            </div>
            {move || job.with(|j| (!j.node_errors.is_empty() || j.prompt_error.is_some() && j.phase == Phase::Failed)
                .then(|| view! { <NodeErrorList summary=j.prompt_error.clone() errors=j.node_errors.clone() /> }))}
            {move || job.with(|j| j.failure.clone().filter(|_| j.phase == Phase::Failed).map(|reason| view! { <FailureDetails reason /> }))}
            <Show when=crate::state::show_if(move || phase() == Phase::Running && live.state.get() != SocketState::None)>
                <ProgressBar progress=live.progress lost=Signal::derive(move || live.state.get() == SocketState::Lost)
                    names=request.node_names.clone() compact />
            </Show>
            <Show when=crate::state::show_if(move || phase() != Phase::Succeeded && phase().is_final() && cost_line().is_some())>
                <p class="cost">{move || cost_line()}</p>
            </Show>
            <Show when=crate::state::show_if(move || phase() == Phase::Succeeded)>
                <div class="result">
                    <h3>{txt(|t| t.results_title)}</h3>
                    <p class="cost" id=(!compact).then_some("cost")>{move || cost_line()}</p>
                    {move || before_url.get_value().filter(|_| !compact).zip(first_image()).map(|(before, after)| view! { <CompareView before after /> })}
                    <OutputList outputs=Signal::derive(move || job.with(|j| j.outputs.clone())) source_name=source_name.get_value() />
                    {(!compact).then(|| view! { <ShareButton id="share-result" label=|t| t.share_result make=share_result /> })}
                </div>
            </Show>
        </section>
    }
}

/// Whether a render held back from `base` (a journaled render's server) waits for the consent
/// prompt: `Some(refused)` when the key may not go there yet, `None` when it waits for
/// something else (a key) (tracks).
pub fn waits_for_consent(conn: Option<Connection>, base: &str) -> Option<bool> {
    let conn = conn?;
    (!conn.may_send_to(base) && matches!(conn.target_for(base), Err(Blocker::NeedConsent)))
        .then(|| conn.answer_for(base) == Some(false))
}

/// Puts the cursor in the API key field (the browser scrolls it into view).
fn focus_key() {
    use wasm_bindgen::JsCast;
    if let Some(field) = document()
        .get_element_by_id("api-key")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = field.focus();
    }
}

/// Cancels a job: one still waiting to be sent just ends; a task is cancelled on RunningHub
/// (it then reads as cancelled, not failed).
pub async fn cancel_job(job: RwSignal<Job>, request: &RenderRequest) {
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

/// What a job's loop needs of its view: whether it is still there, the signal that aborts its
/// requests when it goes, and when its progress socket last spoke.
struct ViewLife {
    alive: Arc<AtomicBool>,
    signal: Option<web_sys::AbortSignal>,
    last_frame_ms: StoredValue<f64>,
}

/// A socket that sent a frame this recently is telling progress (polling may slow down).
const SOCKET_LIVE_MS: f64 = 10_000.0;

/// Where the task's progress socket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SocketState {
    /// No socket (none named yet, or none at all): no bar.
    None,
    /// Open or opening.
    Open,
    /// Closed for good (reconnects used up, or refused): the bar says so; polling goes on.
    Lost,
}

/// The live-progress state of one job view.
#[derive(Clone, Copy)]
struct Live {
    progress: RwSignal<Progress>,
    /// When the last frame came (ms since the epoch), for the poll schedule.
    last_frame_ms: StoredValue<f64>,
    state: RwSignal<SocketState>,
}

/// Opens the task's progress socket once an answer names it, feeds the bar from its frames, and
/// closes it when the task ends, the view goes, or the tab stays hidden for long (it opens again
/// when the tab is back). A socket that fails is reopened a bounded number of times. It never
/// touches the job: only polls decide how the task ends. With `route` (the page's connection and
/// the task's base URL) a socket goes through the relay the task's calls go through.
async fn watch_socket(
    job: RwSignal<Job>,
    live: Live,
    alive: Arc<AtomicBool>,
    plan: SocketPlan,
    route: Option<(Connection, String)>,
) {
    let mut reconnects = 0;
    let running = || {
        alive.load(Ordering::Relaxed)
            && job
                .try_with_untracked(|j| !j.phase.is_final())
                .unwrap_or(false)
    };
    let hidden = || {
        web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden())
    };
    'task: while running() {
        let Some(mut url) = job.try_with_untracked(|j| j.socket.clone()).flatten() else {
            sleep(TICK_MS).await;
            continue;
        };
        if let Some((connection, base)) = &route {
            url = connection.route_socket(base, url);
        }
        let opened = ProgressSocket::open(&url, move |frame| {
            if let Some(message) = progress::parse_message(frame) {
                live.last_frame_ms.try_set_value(now_ms());
                live.progress.try_update(|p| p.apply(message));
            }
        });
        drop(url);
        let Some(socket) = opened else {
            live.state.try_set(SocketState::Lost);
            return;
        };
        live.state.try_set(SocketState::Open);
        let mut hidden_since = None;
        loop {
            sleep(TICK_MS).await;
            if !running() {
                break 'task;
            }
            if socket.ended() {
                break;
            }
            match (hidden(), hidden_since) {
                (false, _) => hidden_since = None,
                (true, None) => hidden_since = Some(now_ms()),
                (true, Some(since)) if now_ms() - since > f64::from(plan.hidden_close_ms) => {
                    // Nobody watches the bar: close it until the tab is back.
                    drop(socket);
                    while hidden() && running() {
                        sleep(TICK_MS).await;
                    }
                    continue 'task;
                }
                _ => {}
            }
        }
        drop(socket);
        reconnects += 1;
        match plan.reconnect_delay(reconnects) {
            Some(ms) => sleep(ms).await,
            None => {
                live.state.try_set(SocketState::Lost);
                return;
            }
        }
    }
    live.state.try_set(SocketState::None);
}

/// How often the socket's watcher looks at the job, the socket and the tab.
const TICK_MS: u32 = 250;

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

/// What of the page a job's loop reports to: the history list, and the connection (which shows
/// the way round a blocked call).
#[derive(Clone, Copy)]
struct PageContext {
    history: Option<HistoryVersion>,
    connection: Option<Connection>,
}

/// Sends the run request and polls, as the job's steps say, until it stops or the view goes away.
async fn drive(
    job: RwSignal<Job>,
    request: Arc<RenderRequest>,
    mut step: Step,
    record: StoredValue<JobRecord>,
    PageContext {
        history,
        connection,
    }: PageContext,
    ViewLife {
        alive,
        signal,
        last_frame_ms,
    }: ViewLife,
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

pub fn phase_name(t: &'static Texts, phase: Phase) -> &'static str {
    match phase {
        Phase::Submitting => t.phase_submitting,
        Phase::Waiting => t.phase_waiting,
        Phase::Queued => t.phase_queued,
        Phase::Running => t.phase_running,
        Phase::Reconnecting => t.phase_reconnecting,
        Phase::Succeeded => t.phase_succeeded,
        Phase::NoOutput => t.phase_no_output,
        Phase::Failed => t.phase_failed,
        Phase::Refused => t.phase_refused,
        Phase::NotFound => t.phase_not_found,
        Phase::TimedOut => t.phase_timed_out,
        Phase::Cancelled => t.phase_cancelled,
        Phase::Unknown => t.phase_unknown,
        Phase::NotSent => t.phase_not_sent,
    }
}

fn phase_detail(t: &'static Texts, phase: Phase) -> Option<&'static str> {
    match phase {
        Phase::Waiting => Some(t.detail_waiting),
        Phase::Queued => Some(t.detail_queued),
        Phase::Running => Some(t.detail_running),
        Phase::Reconnecting => Some(t.detail_reconnecting),
        Phase::NoOutput => Some(t.detail_no_output),
        Phase::NotFound => Some(t.detail_not_found),
        Phase::TimedOut => Some(t.detail_timed_out),
        Phase::Unknown => Some(t.detail_unknown),
        Phase::NotSent => Some(t.detail_not_sent),
        _ => None,
    }
}

/// What a render (or several) cost, for people: coins, money with its currency (when any was
/// charged), run time. `None` when nothing is known.
pub fn cost_text(t: &'static Texts, total: &Total, currency: Option<&str>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(coins) = total.coins.text() {
        parts.push(fill(t.cost_coins, &[&coins]));
    }
    if let Some(money) = total
        .money
        .text()
        .filter(|_| total.money.value() > Some(0.0))
    {
        let money = match currency {
            Some(currency) => format!("{money} {currency}"),
            None => money,
        };
        parts.push(fill(t.cost_money, &[&money]));
    }
    if let Some(seconds) = total.seconds.text() {
        parts.push(fill(t.cost_time, &[&seconds]));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// `m:ss`, or `h:mm:ss` past an hour.
pub fn format_elapsed(ms: f64) -> String {
    let secs = (ms / 1000.0).floor().max(0.0) as u64;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::format_elapsed;

    #[test]
    fn elapsed_format() {
        assert_eq!(format_elapsed(0.0), "0:00");
        assert_eq!(format_elapsed(61_999.0), "1:01");
        assert_eq!(format_elapsed(3_723_000.0), "1:02:03");
        assert_eq!(format_elapsed(-5.0), "0:00");
    }
}
