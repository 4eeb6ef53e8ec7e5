use leptos::prelude::*;

use crate::lifecycle::share::Shared;
use crate::state::{
    link_base, txt, use_ui, BatchRequest, Connection, FormModel, FromInbox, LinkStart, Refill,
    RenderRequest,
};
use crate::storage::Settings;

use super::{AppPicker, FormSlot, ShareButton, TextField};

/// The render form: the app (the SketchUp app by default, or any app loaded by its ID), its
/// inputs, advanced overrides, the webhook, and the Render button. Its state is a
/// [`FormModel`]; the parts of the form are components of their own.
#[component]
pub fn RenderForm(
    /// Called with a checked request when the user presses Render.
    on_render: Callback<RenderRequest>,
    /// True while a render is under way (the button then waits, so a double click can't start
    /// and bill a second task).
    #[prop(into)]
    busy: Signal<bool>,
    /// Called when several screenshots were chosen and the user starts them as a batch.
    #[prop(optional)]
    on_batch: Option<Callback<BatchRequest>>,
    /// Pictures from the SketchUp inbox, for the input that takes batches.
    #[prop(optional)]
    from_inbox: Option<FromInbox>,
) -> impl IntoView {
    let ui = use_ui();
    let conn = expect_context::<Connection>();
    let saved = Settings::load();
    let link = match use_context::<LinkStart>() {
        Some(LinkStart(Some(Shared::Form(form)))) => Some(form),
        _ => None,
    };
    let form = FormModel::new(conn, &saved, link.as_ref());
    let FormModel {
        webapp_id,
        slots,
        overrides,
        instance_type,
        advanced_opened,
        webhook,
        shrink,
        max_side,
        tried,
        batch_files,
        ..
    } = form;

    // The inbox's part joins SketchUp's next picture to the batch while the batch is set up.
    if let Some(inbox) = from_inbox {
        Effect::new(crate::state::effect(move |_| {
            inbox.in_batch.set(batch_files.with(Vec::len));
        }));
    }

    // Values from a share link or from history fill the form.
    let from_link = link.is_some();
    if let Some(link) = link {
        form.apply(link);
    }
    if let Some(Refill(refill)) = use_context::<Refill>() {
        Effect::new(crate::state::effect(move |_| {
            if let Some(refilled) = refill.get() {
                if let Some(api) = &refilled.api {
                    conn.apply_link_base(&link_base(api));
                }
                form.apply(refilled);
                refill.set(None);
            }
        }));
    }
    let make_link = Callback::new(move |()| Shared::Form(form.shared()));

    // The app and the shrink setting are remembered.
    Effect::new(crate::state::effect(move |_| {
        let (on, side) = form.shrink_setting.get();
        let id = webapp_id.get();
        let mut saved = Settings::load();
        if (saved.shrink, saved.max_side, saved.webapp_id.as_str()) != (on, side, id.as_str()) {
            (saved.shrink, saved.max_side, saved.webapp_id) = (on, side, id);
            saved.save();
        }
    }));
    Effect::new(crate::state::effect(move |previous: Option<String>| {
        let id = webapp_id.get();
        form.app_changed(previous.as_deref(), &id);
        id
    }));

    let blocker = move || form.first_blocker(ui.t(), None);
    // Render pressed while pictures from SketchUp are held: they are uploaded now, and the
    // render starts once they are (see the effect below).
    let render_when_uploaded = RwSignal::new(false);
    let press = move || {
        if busy.get_untracked() {
            return;
        }
        if form.release_held() {
            render_when_uploaded.set(true);
            return;
        }
        tried.set(true);
        if blocker().is_some() {
            return;
        }
        if let Some(request) = form.request(None) {
            on_render.run(request);
        }
    };
    Effect::new(crate::state::effect(move |_| {
        if render_when_uploaded.get() && !form.uploads_under_way() {
            render_when_uploaded.set(false);
            // A failed upload stops here, and the form says why.
            press();
        }
    }));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        press();
    };
    let batches = on_batch.is_some();

    view! {
        <form class="card render-form" on:submit=submit novalidate>
            <h2>{txt(|t| t.render_title)}</h2>
            {from_link.then(|| view! { <p id="from-link" class="banner info" role="status">{txt(|t| t.from_link)}</p> })}
            <AppPicker form />
            <div class="slots">
                // Not a keyed `<For>`: every change of `slots` brings new value signals, so no
                // row was ever kept, and the `<For>` instance measured 2.1 KiB gzip of wasm.
                {move || slots.get().into_iter().map(|input| view! {
                    <FormSlot form input batches from_inbox />
                }).collect_view()}
            </div>
            <div class="field shrink">
                <label class="check">
                    <input id="shrink" type="checkbox" bind:checked=shrink />
                    <span>{txt(|t| t.shrink_label)}</span>
                </label>
                <label class="inline" for="max-side">{txt(|t| t.max_side_label)}</label>
                <input id="max-side" type="text" inputmode="numeric" bind:value=max_side disabled=move || !shrink.get() />
            </div>
            <details class="more" id="advanced" on:toggle=crate::state::handler(move |_| advanced_opened.set(true))>
                <summary>{txt(|t| t.advanced_title)}</summary>
                {move || form.show_advanced().then(|| super::parts::advanced(overrides, instance_type))}
            </details>
            <TextField id="webhook-url" label=Signal::derive(move || ui.t().webhook_label)
                hint=Signal::derive(move || Some(ui.t().webhook_hint)) value=webhook
                error=Signal::derive(move || form.webhook_error(ui.t())) kind="url" placeholder="https://" />
            <div class="actions">
                <button id="render" type="submit" class="primary" aria-busy=move || busy.get().to_string()
                    aria-describedby="form-error">
                    {move || if busy.get() { ui.t().rendering_button } else { ui.t().render_button }}
                </button>
            </div>
            {on_batch.map(|on_batch| view! {
                <Show when=crate::state::show_if(move || batch_files.with(|b| !b.is_empty()))>
                    {super::parts::batch_setup(form, on_batch)}
                </Show>
            })}
            <ShareButton id="share-link" label=|t| t.share_link make=make_link />
            <Show when=crate::state::show_if(move || tried.get() && blocker().is_some())>
                <p id="form-error" class="field-error" role="alert">{move || blocker().unwrap_or_default()}</p>
            </Show>
        </form>
    }
}
