use leptos::prelude::*;

use crate::i18n::{error_message, fill};
use crate::lifecycle::form::{is_su_app, FieldSpec};
use crate::protocol::local_server::{fetch_server_info, server_root};
use crate::protocol::ApiError;
use crate::state::{txt, use_ui, Connection, FormModel, Task};

use super::TextField;

/// Why "Load app inputs" brought nothing.
#[derive(Clone)]
enum LoadProblem {
    /// The call failed (at this base).
    Api(ApiError, String),
    /// The base is RunningHub itself (or a server that is not ours): its call wants the key in
    /// the URL, so nothing was sent.
    NeedsRelay,
}

/// The app to render with: its ID, "Load app inputs" (which fills the form with the app's
/// inputs), and what loading said.
#[component]
pub fn AppPicker(
    /// The form this picks the app of.
    form: FormModel,
) -> impl IntoView {
    let ui = use_ui();
    let conn = expect_context::<Connection>();
    let FormModel {
        webapp_id,
        slots,
        app_name,
        ..
    } = form;
    // Loading an app's inputs by its ID: its answer fills the slots, a failure stays to be
    // shown. Only our own server takes the call with the key in a body; RunningHub itself wants
    // it in the URL, so there nothing is sent and the page says what it needs.
    // A `Task`, not an `Action`: measured (see `Task`).
    let load_app = Task::new();
    let start_load = move || {
        let target = conn.target();
        let id = webapp_id.get_untracked().trim().to_owned();
        let known = target
            .as_ref()
            .ok()
            .and_then(|t| untrack(|| conn.known_ours(t.api.base())));
        load_app.run(async move {
            let target = target.ok()?;
            let base = target.api.base().to_owned();
            let ours = match known {
                Some(ours) => ours,
                // A custom base: ours if it says so (a GET without the key).
                None => fetch_server_info(server_root(&base)).await.is_some(),
            };
            if !ours {
                return Some(LoadProblem::NeedsRelay);
            }
            match super::parts::app_demo(target.api.clone(), target.key, id).await {
                Ok(app) => {
                    form.loaded(
                        app.webapp_name.clone(),
                        app.fields.iter().map(FieldSpec::from_app).collect(),
                    );
                    None
                }
                Err(error) => Some(LoadProblem::Api(error, base)),
            }
        });
    };
    let (pending, answer) = (load_app.pending, load_app.value);
    let load_error = move || {
        answer.with(|answer| {
            answer
                .as_ref()
                .and_then(Option::as_ref)
                .map(|problem| match problem {
                    LoadProblem::Api(error, base) => error_message(error, ui.lang.get(), base),
                    LoadProblem::NeedsRelay => ui.t().app_load_needs_relay.to_owned(),
                })
        })
    };
    let webapp_error = move || form.webapp_error(ui.t());
    view! {
        <div class="app-row">
            <TextField id="webapp-id" label=Signal::derive(move || ui.t().webapp_label) value=webapp_id
                error=Signal::derive(webapp_error) inputmode="numeric" />
            <button id="load-app" type="button" class="secondary"
                on:click=crate::state::handler(move |_| start_load())
                disabled=move || pending.get() || conn.target().is_err() || webapp_error().is_some()>
                {move || if pending.get() { ui.t().loading_app } else { ui.t().load_app }}
            </button>
        </div>
        {move || app_name.get().map(|name| view! {
            <p id="app-loaded" class="hint">{move || fill(ui.t().app_loaded, &[&name, &slots.with(Vec::len).to_string()])}</p>
        })}
        {move || load_error().map(|e| view! { <p id="app-error" class="error" role="alert">{e}</p> })}
        <Show when=crate::state::show_if(move || slots.with(Vec::is_empty) && !is_su_app(&webapp_id.get()))>
            <p class="hint">{txt(|t| t.app_needs_load)}</p>
        </Show>
    }
}
