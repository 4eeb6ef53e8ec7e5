use leptos::prelude::*;

use crate::lifecycle::form::RawOverride;
use crate::state::{txt, Connection};
use crate::storage::Settings;

/// Inside the form's "Advanced" (a part of the split build, made when it is first opened or
/// has something set): raw `nodeId / fieldName / fieldValue` overrides and the machine type, for
/// apps and fields the form doesn't know; and which API generation uploads and polls use.
#[component]
pub fn AdvancedEditor(
    /// The rows; each row's cells are signals so typing doesn't rebuild the list.
    rows: RwSignal<Vec<(u32, RwSignal<RawOverride>)>>,
    /// `None` for the default machine, `Some("plus")` for 48 GB.
    instance_type: RwSignal<Option<String>>,
) -> impl IntoView {
    let next_id = StoredValue::new(1u32);
    let add = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        rows.update(|r| r.push((id, RwSignal::new(RawOverride::default()))));
    };
    let v1_only = use_context::<Connection>().map(|c| c.v1_only);
    let on_api = move |ev| {
        let only = event_target_value(&ev) == "v1";
        if let Some(v1_only) = v1_only {
            v1_only.set(only);
        }
        let mut saved = Settings::load();
        saved.api_v1_only = only;
        saved.save();
    };
    let current = move || v1_only.is_some_and(|c| c.get());
    view! {
        <div class="field">
            <label for="api-version">{txt(|t| t.api_version_label)}</label>
            <select id="api-version" on:change=on_api prop:value=move || if current() { "v1" } else { "auto" }>
                <option value="auto" selected=move || !current()>{txt(|t| t.api_version_auto)}</option>
                <option value="v1" selected=current>{txt(|t| t.api_version_v1)}</option>
            </select>
            <p class="hint">{txt(|t| t.api_version_hint)}</p>
        </div>
        <div class="field">
            <label for="instance-type">{txt(|t| t.instance_label)}</label>
            <select id="instance-type"
                on:change=crate::state::handler(move |ev| {
                    let v = event_target_value(&ev);
                    instance_type.set((v == "plus").then_some(v));
                })
                prop:value=move || instance_type.get().unwrap_or_else(|| "default".into())>
                <option value="default">{txt(|t| t.instance_default)}</option>
                <option value="plus">{txt(|t| t.instance_plus)}</option>
            </select>
        </div>
        <ol class="overrides">
            <For each=move || rows.get() key=|(id, _)| *id let:row>
                {
                    let (id, cell) = row;
                    let edit = move |f: fn(&mut RawOverride, String)| move |ev| {
                        let v = event_target_value(&ev);
                        cell.update(|r| f(r, v));
                    };
                    view! {
                        <li class="override-row" data-row=id>
                            <input class="override-node" type="text" inputmode="numeric" aria-label=txt(|t| t.override_node)
                                placeholder=txt(|t| t.override_node) prop:value=move || cell.with(|r| r.node_id.clone())
                                on:input=edit(|r, v| r.node_id = v) />
                            <input class="override-field" type="text" aria-label=txt(|t| t.override_field)
                                placeholder=txt(|t| t.override_field) prop:value=move || cell.with(|r| r.field_name.clone())
                                on:input=edit(|r, v| r.field_name = v) />
                            <input class="override-value" type="text" aria-label=txt(|t| t.override_value)
                                placeholder=txt(|t| t.override_value) prop:value=move || cell.with(|r| r.value.clone())
                                on:input=edit(|r, v| r.value = v) />
                            <button type="button" class="secondary icon" aria-label=txt(|t| t.remove_override)
                                on:click=crate::state::handler(move |_| rows.update(|r| r.retain(|(i, _)| *i != id)))>"×"</button>
                        </li>
                    }
                }
            </For>
        </ol>
        <button id="add-override" type="button" class="secondary" on:click=add>{txt(|t| t.add_override)}</button>
    }
}
