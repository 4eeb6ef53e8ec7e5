use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::image_input::problem_text;
use super::job_text::cost_text;
use super::JobView;
use crate::browser;
use crate::driver;
use crate::i18n::{error_message, fill};
use crate::lifecycle::cost::Total;
use crate::lifecycle::sketchup::FromSketchup;
use crate::lifecycle::{Job, Phase};
use crate::picture;
use crate::protocol::NodeInfo;
use crate::state::{
    txt, use_ui, BatchProgress, BatchRequest, Connection, RenderRequest, SourcePicture,
};
use crate::storage::journal::JobRecord;

/// Where one screenshot of a batch stands.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    Waiting,
    Preparing,
    Uploading,
    /// Its job runs (see `run`).
    Rendering,
    /// Its job ended in this phase.
    Ended(Phase),
    /// It never got to render (the picture was refused, or the upload failed): why.
    Refused(String),
    Cancelled,
    OverBudget,
}

impl Status {
    fn slug(&self) -> &'static str {
        match self {
            Status::Waiting => "waiting",
            Status::Preparing => "preparing",
            Status::Uploading => "uploading",
            Status::Rendering => "rendering",
            Status::Ended(phase) => phase.slug(),
            Status::Refused(_) => "refused",
            Status::Cancelled => "cancelled",
            Status::OverBudget => "over-budget",
        }
    }

    fn active(&self) -> bool {
        matches!(
            self,
            Status::Preparing | Status::Uploading | Status::Rendering
        )
    }

    fn finished(&self) -> bool {
        matches!(
            self,
            Status::Ended(_) | Status::Refused(_) | Status::Cancelled | Status::OverBudget
        )
    }

    /// Over-budget rows are not: the budget is fixed for the batch, so "Retry" could only put
    /// them back to over-budget. Their text says what stopped them; a new batch with a higher
    /// budget renders them.
    fn retryable(&self) -> bool {
        matches!(self, Status::Refused(_) | Status::Cancelled)
            || matches!(self, Status::Ended(p) if *p != Phase::Succeeded)
    }
}

type Run = (RwSignal<Job>, Arc<RenderRequest>, JobRecord);

#[derive(Clone)]
struct Item {
    name: String,
    file: send_wrapper::SendWrapper<web_sys::File>,
    sketchup: Option<FromSketchup>,
    status: RwSignal<Status>,
    run: RwSignal<Option<Run>>,
}

/// A batch: one row per screenshot, started in order with at most `concurrency` at once. A busy
/// RunningHub (421) makes a row wait and retry on its own, so the queue waits instead of failing;
/// a budget stops the queue before it would be exceeded.
#[component]
pub fn BatchView(
    /// What to render.
    batch: Arc<BatchRequest>,
) -> impl IntoView {
    let ui = use_ui();
    let connection = use_context::<Connection>();
    let items: Vec<Item> = batch
        .files
        .iter()
        .map(|f| Item {
            name: f.name.clone(),
            file: f.file.clone(),
            sketchup: f.sketchup.clone(),
            status: RwSignal::new(Status::Waiting),
            run: RwSignal::new(None),
        })
        .collect();
    let items = StoredValue::new(items);
    let total = batch.files.len();

    let start = {
        let batch = batch.clone();
        move |item: Item| {
            let batch = batch.clone();
            item.status.set(Status::Preparing);
            spawn_local(async move {
                let (shrink, max_side) = batch.shrink;
                let ready = match picture::prepare(&item.file, shrink, max_side).await {
                    Ok(ready) => ready,
                    Err(problem) => {
                        item.status.try_set(Status::Refused(problem_text(
                            ui.t(),
                            &problem,
                            &item.name,
                        )));
                        return;
                    }
                };
                item.status.try_set(Status::Uploading);
                let target = &batch.template.target;
                let uploaded = match target
                    .api
                    .upload(&target.key, &ready.blob, &ready.upload_name)
                    .await
                {
                    Ok(uploaded) => uploaded,
                    Err(error) => {
                        if let Some(conn) = connection {
                            conn.note(target.api.base(), Some(&error));
                        }
                        let text =
                            error_message(&error, ui.lang.get_untracked(), target.api.base());
                        item.status.try_set(Status::Refused(text));
                        return;
                    }
                };
                if item.status.try_get_untracked() != Some(Status::Uploading) {
                    // Cancelled meanwhile.
                    return;
                }
                let mut request = batch.template.clone();
                request.nodes.insert(
                    0,
                    NodeInfo::text(&batch.node.0, &batch.node.1, &uploaded.file_name),
                );
                request.upload_api = Some(uploaded.api);
                request.source = Some(SourcePicture {
                    name: item.name.clone(),
                    blob: send_wrapper::SendWrapper::new(ready.blob.clone()),
                    sketchup: item.sketchup.clone(),
                });
                let now = browser::now_ms();
                let record = request.new_record(now);
                // Made in a spawned task, so no owner frees it: the row's view disposes it when
                // the row is retried or the batch goes (see `run` in the view below).
                let job = RwSignal::new(Job::new(now, &request.target.plan));
                if let Some(Some((job, ..))) =
                    item.run.try_set(Some((job, Arc::new(request), record)))
                {
                    // The batch went away meanwhile: nobody will show or free this job.
                    job.dispose();
                    return;
                }
                item.status.try_set(Status::Rendering);
            });
        }
    };

    // The scheduler: marks ended jobs, then starts what the limit and the budget allow.
    let budget = batch.budget;
    let per_render = batch.per_render;
    let concurrency = batch.concurrency.max(1);
    let progress = use_context::<BatchProgress>();
    // The per-render cost the budget counts with, and where it came from (true: this batch).
    let guard = RwSignal::new(per_render.map(|cost| (cost, false)));
    Effect::new(crate::state::effect(move |_| {
        let list = items.get_value();
        for item in &list {
            if item.status.get() == Status::Rendering {
                let ended = item.run.with(|r| {
                    r.as_ref()
                        .map(|(job, ..)| job.with(|j| j.phase))
                        .filter(|p| p.is_final())
                });
                if let Some(phase) = ended {
                    // Someone who left the tab during a long batch hears of failures too, not
                    // only of renderings: otherwise a failed picture goes unnoticed until they
                    // come back and read the list.
                    let t = ui.t();
                    let title = if phase == Phase::Succeeded {
                        t.notify_done
                    } else {
                        t.notify_failed
                    };
                    browser::notify_if_hidden(title, &item.name);
                    item.status.set(Status::Ended(phase));
                }
            }
        }
        let costs: Vec<f64> = list
            .iter()
            .filter_map(|i| {
                i.run
                    .with(|r| r.as_ref().and_then(|(job, ..)| job.with(|j| j.coins())))
            })
            .filter_map(|c| crate::lifecycle::decimal::parse(&c))
            .collect();
        let spent: f64 = costs.iter().sum();
        // What one render costs: as last time (from the history), else the most one of this
        // batch's renders has cost so far. A budget used to do nothing unless the history knew a
        // cost when the batch started: on the first batch, or on any batch before a reload after
        // the first render, every picture was rendered whatever the budget said.
        // Once renders of this batch have told their cost, they are the latest of this app:
        // the dearest of them counts from then on.
        let measured = costs.iter().copied().reduce(f64::max);
        let cost = measured.or(per_render);
        let source = match (measured, per_render) {
            (Some(cost), _) => Some((cost, true)),
            (None, Some(cost)) => Some((cost, false)),
            _ => None,
        };
        if guard.get_untracked() != source {
            guard.set(source);
        }
        let mut active = list
            .iter()
            .filter(|i| i.status.with(Status::active))
            .count();
        for item in list.iter().filter(|i| i.status.get() == Status::Waiting) {
            if active >= concurrency {
                break;
            }
            if let Some(budget) = budget {
                match cost {
                    // Count renders under way as if they cost what the last one did.
                    Some(cost) if spent + cost * (active as f64 + 1.0) > budget => {
                        item.status.set(Status::OverBudget);
                        continue;
                    }
                    Some(_) => {}
                    // Cost not known yet: one render at a time until one has told it.
                    None if active > 0 => break,
                    None => {}
                }
            }
            start(item.clone());
            active += 1;
        }
        let done = list
            .iter()
            .filter(|i| i.status.with(Status::finished))
            .count();
        if let Some(BatchProgress(progress)) = progress {
            progress.set((done < list.len()).then_some((done, list.len())));
        }
    }));
    on_cleanup(move || {
        if let Some(BatchProgress(progress)) = progress {
            progress.try_set(None);
        }
    });

    let cancel_all = move |_| {
        for item in items.get_value() {
            match item.status.get_untracked() {
                Status::Waiting | Status::Preparing | Status::Uploading => {
                    item.status.set(Status::Cancelled)
                }
                Status::Rendering => {
                    if let Some((job, request, _)) = item.run.get_untracked() {
                        spawn_local(async move { driver::cancel(job, &request).await });
                    }
                }
                _ => {}
            }
        }
    };
    let done =
        move || items.with_value(|l| l.iter().filter(|i| i.status.with(Status::finished)).count());
    // What the batch's renders cost so far, summed.
    let currency = StoredValue::new(batch.template.target.api.currency());
    let spent = move || {
        let mut total = Total::default();
        items.with_value(|l| {
            for item in l {
                item.run.with(|r| {
                    if let Some((job, ..)) = r {
                        job.with(|j| total.add(&j.cost()));
                    }
                });
            }
        });
        currency.with_value(|c| cost_text(ui.t(), &total, c.as_deref()))
    };
    let guard_text = move || {
        let (cost, from_batch) = guard.get()?;
        budget?;
        let t = ui.t();
        let source = if from_batch {
            t.guard_from_batch
        } else {
            t.guard_from_history
        };
        Some(fill(
            t.guard_per_render,
            &[&crate::lifecycle::decimal::fixed(cost, 0), source],
        ))
    };

    view! {
        <section id="batch" class="card batch" aria-labelledby="batch-title">
            <div class="history-head">
                <h2 id="batch-title">{move || fill(ui.t().batch_title, &[&total.to_string()])}</h2>
                <button id="batch-cancel-all" type="button" class="secondary" disabled=move || done() == total on:click=crate::state::handler(cancel_all)>
                    {txt(|t| t.cancel_all)}
                </button>
            </div>
            <p id="batch-progress" class="hint" role="status" aria-live="polite">
                {move || fill(ui.t().batch_progress, &[&done().to_string(), &total.to_string()])}
            </p>
            {move || spent().map(|spent| view! {
                <p id="batch-cost" class="cost">{move || fill(ui.t().batch_total, &[&spent])}</p>
            })}
            {move || guard_text().map(|text| view! { <p id="batch-guard" class="hint">{text}</p> })}
            <ol class="batch-list">
                {items.get_value().into_iter().map(|item| {
                    let status = item.status;
                    let run = item.run;
                    let label = move || {
                        let t = ui.t();
                        match status.get() {
                            Status::Waiting => t.item_waiting.to_owned(),
                            Status::Preparing => t.item_preparing.to_owned(),
                            Status::Uploading => t.item_uploading.to_owned(),
                            Status::Rendering => String::new(),
                            // The row's job view says how it went.
                            Status::Ended(_) => String::new(),
                            Status::Refused(why) => why,
                            Status::Cancelled => t.phase_cancelled.to_owned(),
                            Status::OverBudget => t.item_over_budget.to_owned(),
                        }
                    };
                    let retry = move |_| {
                        run.set(None);
                        status.set(Status::Waiting);
                    };
                    view! {
                        <li class="batch-item" data-state=move || status.with(Status::slug)>
                            <p class="batch-name"><strong>{match &item.sketchup {
                                Some(names) if !names.label().is_empty() => names.label(),
                                _ => item.name.clone(),
                            }}</strong>" "<span class="batch-state">{move || label()}</span></p>
                            <div class="actions small">
                                <Show when=crate::state::show_if(move || status.get() == Status::Waiting)>
                                    <button type="button" class="secondary item-cancel" on:click=crate::state::handler(move |_| status.set(Status::Cancelled))>{txt(|t| t.cancel_button)}</button>
                                </Show>
                                <Show when=crate::state::show_if(move || status.with(Status::retryable))>
                                    <button type="button" class="secondary item-retry" on:click=crate::state::handler(retry)>{txt(|t| t.retry)}</button>
                                </Show>
                            </div>
                            {move || run.get().map(|(job, request, record)| {
                                // Before this, every retried or replaced batch row kept its job in
                                // memory for good; it now goes with the row's job view.
                                on_cleanup(move || job.dispose());
                                view! { <JobView job request record compact=true /> }
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}
