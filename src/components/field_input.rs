use leptos::prelude::*;

use crate::lifecycle::form::{FieldKind, FieldSpec};
use crate::state::txt;

/// One non-picture input of a loaded app: text, number, choice or switch, starting at the app's
/// default.
#[component]
pub fn FieldInput(
    /// The field as the app describes it.
    spec: FieldSpec,
    /// The label, already in the UI's language.
    #[prop(into)]
    label: Signal<String>,
    /// The value as text ("true"/"false" for switches).
    value: RwSignal<String>,
) -> impl IntoView {
    let id = format!("field-{}-{}", spec.node_id, spec.field_name);
    let tech = format!("#{} · {}", spec.node_id, spec.field_name);
    let control = match spec.kind {
        FieldKind::Switch => view! {
            <label class="check">
                <input id=id.clone() type="checkbox"
                    prop:checked=move || value.get() == "true"
                    on:change=crate::state::handler(move |ev| value.set(event_target_checked(&ev).to_string())) />
                <span>{txt(|t| t.switch_on)}</span>
            </label>
        }
        .into_any(),
        FieldKind::List => {
            let choices = spec.choices.clone();
            view! {
                <select id=id.clone() on:change=crate::state::handler(move |ev| value.set(event_target_value(&ev))) prop:value=move || value.get()>
                    {choices.into_iter().map(|c| {
                        let (selected, shown) = (c.clone(), c.clone());
                        view! { <option value=c selected=move || value.get() == selected>{shown}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        FieldKind::Int | FieldKind::Float => view! {
            <input id=id.clone() type="text" inputmode=if spec.kind == FieldKind::Int { "numeric" } else { "decimal" }
                bind:value=value autocomplete="off" />
        }
        .into_any(),
        FieldKind::Text | FieldKind::Image => view! {
            <textarea id=id.clone() rows="2" prop:value=move || value.get()
                on:input=crate::state::handler(move |ev| value.set(event_target_value(&ev)))></textarea>
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=id>{move || label.get()}" "<span class="tech">{tech}</span></label>
            {control}
        </div>
    }
}
