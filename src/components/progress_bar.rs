use leptos::prelude::*;

use crate::i18n::fill;
use crate::lifecycle::progress::Progress;
use crate::state::{txt, use_ui};

/// The live progress of a running task, from its socket: a bar (`role="progressbar"`, with
/// `aria-valuenow` once ComfyUI has reported steps), the node executing (by name where the app
/// gives one), cached nodes and the machine's queue. Only a hint: the job's status line says
/// how the task stands.
#[component]
pub fn ProgressBar(
    /// What the socket has said so far.
    #[prop(into)]
    progress: Signal<Progress>,
    /// The socket is gone for good (polling goes on).
    #[prop(into)]
    lost: Signal<bool>,
    /// Node names the app gives, `(node id, class name)`.
    names: Vec<(String, String)>,
    /// A row of a batch: no ids on the elements.
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let ui = use_ui();
    let percent = move || progress.with(Progress::percent);
    let names = StoredValue::new(names);
    let detail = move || {
        let t = ui.t();
        progress.with(|p| {
            let mut parts = Vec::new();
            if let Some(node) = &p.node {
                let named = names.with_value(|names| {
                    names
                        .iter()
                        .find(|(id, _)| id == node)
                        .map(|(_, name)| format!("{node} ({name})"))
                });
                parts.push(fill(
                    t.progress_node,
                    &[&named.unwrap_or_else(|| node.clone())],
                ));
            } else if p.through {
                parts.push(t.progress_through.to_owned());
            } else if let Some(queue) = p.queue.filter(|q| *q > 0) {
                parts.push(fill(t.progress_queue, &[&queue.to_string()]));
            } else if p.messages == 0 {
                parts.push(t.progress_waiting.to_owned());
            }
            if p.cached > 0 {
                parts.push(fill(t.progress_cached, &[&p.cached.to_string()]));
            }
            parts.join(" · ")
        })
    };
    view! {
        <div class="progress" id=(!compact).then_some("progress")>
            <div class="progress-track" role="progressbar" aria-label=txt(|t| t.progress_label)
                aria-valuemin="0" aria-valuemax="100"
                aria-valuenow=move || percent().map(|p| p.to_string())
                aria-valuetext=move || percent().map(|p| format!("{p}%"))
                data-indeterminate=move || percent().is_none().then_some("true")>
                <span class="progress-fill" style:width=move || format!("{}%", percent().unwrap_or(0))></span>
            </div>
            <p class="hint progress-text">
                {move || percent().map(|p| format!("{p}% · "))}
                {move || detail()}
            </p>
            <Show when=crate::state::show_if(move || lost.get())>
                <p class="hint progress-lost">{txt(|t| t.progress_lost)}</p>
            </Show>
        </div>
    }
}
