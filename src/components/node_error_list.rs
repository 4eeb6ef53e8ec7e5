use leptos::prelude::*;

use crate::i18n::fill;
use crate::protocol::NodeError;
use crate::state::{txt, use_ui};

/// The nodes ComfyUI rejected when the task was submitted (`promptTips.node_errors`).
#[component]
pub fn NodeErrorList(
    /// The graph-level message, if any.
    summary: Option<String>,
    /// One entry per rejected node.
    errors: Vec<NodeError>,
) -> impl IntoView {
    let ui = use_ui();
    view! {
        <section class="failure" aria-labelledby="node-errors-title">
            <h3 id="node-errors-title">{txt(|t| t.node_errors_title)}</h3>
            {summary.map(|s| view! { <p class="node-errors-summary">{s}</p> })}
            <ul id="node-errors">
                {errors.into_iter().map(|e| {
                    let node = e.node_id.clone();
                    let class_type = e.class_type.map(|c| format!(" · {c}")).unwrap_or_default();
                    view! {
                        <li data-node=e.node_id>
                            <strong>{move || fill(ui.t().node_label, &[&node])}{class_type}</strong>
                            <ul>{e.messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
