use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;

use crate::browser::now_ms;
use crate::driver::{waits_for_consent, JobRun, SocketState};
use crate::i18n::{error_message, fill};
use crate::lifecycle::cost::Total;
use crate::lifecycle::progress::Progress;
use crate::lifecycle::{Job, Phase};
use crate::state::{scoped_ui, txt, Connection, LiveProgress, RenderRequest};
use crate::storage::journal::JobRecord;

use super::job_text::{cost_text, format_elapsed, phase_detail, phase_name};
use super::{CompareView, FailureDetails, NodeErrorList, OutputList, ProgressBar, ShareButton};
use crate::lifecycle::share::{Shared, SharedResult};

/// One render: shows status, elapsed time, errors and results of the job it drives (see
/// [`JobRun`]). Its loops stop when it goes away (the next render replaces it).
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
    let record_base = record.base.clone();
    let connection = use_context::<Connection>();
    let run = JobRun::start(job, request.clone(), record, hold);
    // Its texts follow a copy of the language that goes with the view (see `scoped_ui`).
    let ui = scoped_ui();
    let now = RwSignal::new(now_ms());
    let ticker = set_interval_with_handle(
        move || {
            if job.with_untracked(|j| !j.phase.is_final()) {
                now.set(now_ms());
            }
        },
        Duration::from_millis(1_000),
    )
    .ok();
    on_cleanup(move || {
        if let Some(ticker) = ticker {
            ticker.clear();
        }
    });
    let progress = run.progress();
    if !compact {
        if let Some(LiveProgress(title)) = use_context::<LiveProgress>() {
            Effect::new(crate::state::effect(move |_| {
                let running = job.with(|j| j.phase == Phase::Running);
                title.set(running.then(|| progress.with(Progress::percent)).flatten());
            }));
            on_cleanup(move || {
                title.try_set(None);
            });
        }
    }

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
                    {move || match waits_for_consent(connection, &record_base) {
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
                    <button id=(!compact).then_some("keep-waiting") type="button" class="primary" on:click=crate::state::handler(move |_| run.keep_waiting())>{txt(|t| t.keep_waiting)}</button>
                </Show>
                <Show when=crate::state::show_if(move || !hold && can_cancel())>
                    <button id=(!compact).then_some("cancel") type="button" class="secondary" disabled=move || run.cancelling() on:click=crate::state::handler(move |_| run.cancel())>
                        {move || if run.cancelling() { ui.t().cancelling } else { ui.t().cancel_button }}
                    </button>
                </Show>
            </div>
            {move || job.with(|j| (!j.node_errors.is_empty() || j.prompt_error.is_some() && j.phase == Phase::Failed)
                .then(|| view! { <NodeErrorList summary=j.prompt_error.clone() errors=j.node_errors.clone() /> }))}
            {move || job.with(|j| j.failure.clone().filter(|_| j.phase == Phase::Failed).map(|reason| view! { <FailureDetails reason /> }))}
            <Show when=crate::state::show_if(move || phase() == Phase::Running && run.socket() != SocketState::None)>
                <ProgressBar progress lost=Signal::derive(move || run.socket() == SocketState::Lost)
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
