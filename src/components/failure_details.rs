use leptos::prelude::*;

use crate::i18n::code_text;
use crate::protocol::{Code, FailedReason};
use crate::state::{txt, use_ui};

/// Why a task failed: the node, the exception and its message; the traceback folded away.
#[component]
pub fn FailureDetails(
    /// The reason RunningHub gave.
    reason: FailedReason,
) -> impl IntoView {
    let ui = use_ui();
    let traceback = reason.traceback.concat();
    // v2 names the reason by a code (`errorCode`, e.g. 1501 for content moderation): say what it
    // means, as for a refused request.
    let explained = reason
        .exception_type
        .as_deref()
        .and_then(Code::from_text)
        .filter(|code| *code != Code::Success)
        .map(Code::msg);
    let row = move |class: &'static str,
                    label: fn(&'static crate::i18n::Texts) -> &'static str,
                    value: Option<String>| {
        value.map(|v| view! { <dt>{move || label(ui.t())}</dt><dd class=class>{v}</dd> })
    };
    view! {
        <section id="failure" class="failure" aria-labelledby="failure-title">
            <h3 id="failure-title">{txt(|t| t.failure_title)}</h3>
            {explained.map(|msg| view! { <p class="failure-code">{move || code_text(msg, ui.t())}</p> })}
            <dl>
                {row("failure-node", |t| t.failure_node, reason.node_name.map(|n| match &reason.node_id {
                    Some(id) => format!("{n} (#{id})"),
                    None => n,
                }))}
                {row("failure-type", |t| t.failure_type, reason.exception_type)}
                {row("failure-message", |t| t.failure_message, reason.exception_message)}
            </dl>
            {(!traceback.is_empty()).then(|| view! {
                <details class="traceback">
                    <summary>{txt(|t| t.traceback_summary)}</summary>
                    <pre>{traceback}</pre>
                </details>
            })}
        </section>
    }
}
