use leptos::prelude::*;

use crate::state::use_ui;
use crate::state::{txt, Blocker, Connection};
use crate::storage::settings::{self, Settings};

/// The API key: a password field with show/hide, a format check, and "remember on this device"
/// (off by default; turning it off forgets the stored key at once).
#[component]
pub fn KeyField() -> impl IntoView {
    let ui = use_ui();
    let conn = expect_context::<Connection>();
    let shown = RwSignal::new(false);

    // Keep storage in step with the choice: the key is stored only while "remember" is on.
    Effect::new(crate::state::effect(move |_| {
        let remember = conn.remember.get();
        let key = conn.key.get();
        if remember {
            settings::store_key(Some(key.trim()));
        } else {
            settings::store_key(None);
        }
    }));
    let on_remember = move |_| {
        let mut saved = Settings::load();
        saved.remember_key = conn.remember.get_untracked();
        saved.save();
    };

    let invalid = move || {
        conn.key.with(|k| !k.trim().is_empty()) && conn.key_problem() == Some(Blocker::BadKey)
    };

    view! {
        <div class="field">
            <label for="api-key">{txt(|t| t.key_label)}</label>
            <div class="key-row">
                <input id="api-key" name="api-key"
                    type=move || if shown.get() { "text" } else { "password" }
                    bind:value=conn.key
                    autocomplete="off" spellcheck="false" autocapitalize="off"
                    placeholder=move || if conn.demo_key_ok() { ui.t().key_placeholder_sim } else { ui.t().key_placeholder }
                    aria-invalid=move || invalid().then_some("true")
                    aria-describedby="api-key-help" />
                <button id="key-toggle" type="button" class="secondary"
                    aria-pressed=move || shown.get().to_string()
                    aria-controls="api-key"
                    on:click=crate::state::handler(move |_| shown.update(|s| *s = !*s))>
                    {move || if shown.get() { ui.t().key_hide } else { ui.t().key_show }}
                </button>
            </div>
            <Show when=crate::state::show_if(invalid)>
                <p id="key-error" class="field-error" role="alert">{txt(|t| t.key_invalid)}</p>
            </Show>
            <p class="hint" id="api-key-help">{txt(|t| t.key_help)}</p>
            <label class="check">
                <input id="remember-key" type="checkbox" bind:checked=conn.remember on:change=crate::state::handler(on_remember) />
                <span>{txt(|t| t.remember_label)}</span>
            </label>
            <Show when=crate::state::show_if(move || conn.remember.get())>
                <p class="hint">{txt(|t| t.remember_help)}</p>
            </Show>
        </div>
    }
}
