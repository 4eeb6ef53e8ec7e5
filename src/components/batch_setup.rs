use leptos::prelude::*;

use crate::browser;
use crate::i18n::fill;
use crate::lifecycle::decimal;
use crate::state::{txt, use_ui, BatchRequest, FormModel, HistoryVersion};

/// How many of the newest renders the batch estimate looks through for the last cost.
const COST_LOOKBACK: usize = 20;

/// Several screenshots chosen for the form's first required picture: the files, how many render
/// at once, a budget, what the batch is expected to cost, and "Render all".
#[component]
pub fn BatchSetup(
    /// The form whose settings every render of the batch takes.
    form: FormModel,
    /// Called with the batch when the user starts it.
    on_batch: Callback<BatchRequest>,
) -> impl IntoView {
    let ui = use_ui();
    let FormModel {
        webapp_id,
        batch_files,
        batch_node,
        ..
    } = form;
    let concurrency = RwSignal::new("1".to_owned());
    let budget = RwSignal::new(String::new());
    // What one render of this app costs, measured on its last renders (see `cost::estimate`).
    // Follows the journal, so a render made since the page opened counts; reads only the newest
    // records (whole-journal reads raise wasm memory's high-water mark for good).
    let history = use_context::<HistoryVersion>();
    let per_render = LocalResource::new(move || {
        let app = webapp_id.get();
        if let Some(history) = history {
            history.0.track();
        }
        async move {
            let measured: Vec<f64> = crate::storage::journal::load_recent(COST_LOOKBACK)
                .await
                .records
                .into_iter()
                .filter(|r| r.webapp_id.trim() == app.trim())
                .filter_map(|r| r.coins.and_then(|c| decimal::parse(c.trim())))
                .collect();
            crate::lifecycle::cost::estimate(&measured)
        }
    });
    let blocker = move || form.first_blocker(ui.t(), Some(batch_node.get()));
    let start = move |_| {
        if blocker().is_some() {
            return;
        }
        let Some(template) = form.request(Some(&batch_node.get_untracked())) else {
            return;
        };
        browser::ask_to_notify();
        on_batch.run(BatchRequest {
            template,
            node: batch_node.get_untracked(),
            files: batch_files.get_untracked(),
            concurrency: concurrency
                .with_untracked(|c| c.trim().parse::<usize>().ok())
                .unwrap_or(1)
                .clamp(1, 8),
            budget: budget
                .with_untracked(|b| decimal::parse(b.trim()))
                .filter(|b| *b > 0.0),
            per_render: per_render.get_untracked().flatten().map(|e| e.per_render),
            shrink: form.shrink_setting.get_untracked(),
        });
        batch_files.set(Vec::new());
    };
    let count = move || batch_files.with(Vec::len).to_string();
    view! {
        <section id="batch-setup" class="banner info batch-setup" aria-labelledby="batch-setup-title">
            <h3 id="batch-setup-title">{move || fill(ui.t().batch_title, &[&count()])}</h3>
            <p class="hint">{txt(|t| t.batch_hint)}</p>
            <ul class="batch-files">
                {move || batch_files.get().into_iter().map(|f| {
                    let name = match &f.sketchup {
                        Some(names) => fill(ui.t().from_sketchup, &[&names.label()]),
                        None => f.name,
                    };
                    view! { <li>{name}</li> }
                }).collect_view()}
            </ul>
            <div class="batch-options">
                <label for="concurrency">{txt(|t| t.concurrency_label)}</label>
                <input id="concurrency" type="text" inputmode="numeric" bind:value=concurrency />
                <label for="budget">{txt(|t| t.budget_label)}</label>
                <input id="budget" type="text" inputmode="decimal" bind:value=budget />
            </div>
            // The estimate once the journal was read (a newer read, after another app or a
            // newer render, keeps the last line meanwhile).
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let estimate = per_render.await;
                    view! {
                        <p id="batch-expected">
                            {move || FormModel::expected_cost(ui.t(), batch_files.with(Vec::len), estimate)}
                        </p>
                    }
                })}
            </Transition>
            <div class="actions">
                <button id="render-batch" type="button" class="primary" on:click=start
                    disabled=move || blocker().is_some()>
                    {move || fill(ui.t().render_all, &[&count()])}
                </button>
                <button id="batch-clear" type="button" class="secondary"
                    on:click=crate::state::handler(move |_| batch_files.set(Vec::new()))>{txt(|t| t.clear_batch)}</button>
            </div>
            {move || blocker().map(|why| view! { <p class="field-error">{why}</p> })}
        </section>
    }
}
