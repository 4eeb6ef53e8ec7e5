use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::browser;
use crate::i18n::fill;
use crate::lifecycle::app_download::releases_url;
use crate::lifecycle::sketchup::{parse_inbox, Waiting};
use crate::state::{txt, use_ui, BatchFile, BatchProgress, SketchupSlot, UploadState};
use crate::storage::Settings;

/// The app's inbox for pictures from SketchUp (see `server/src/inbox.rs`).
const INBOX: &str = "/__su/inbox";
/// How often the inbox is asked while its event stream is not open.
const POLL_MS: u32 = 5_000;
/// Pictures that arrive within this long of the one before belong together: "Render selected
/// scenes" sends its scenes one after another, each once it is captured. With "at once", the
/// render starts when no other picture has come for this long.
const TOGETHER_MS: u32 = 3_000;

/// "From SketchUp", a part of the split build. With `inbox` (the page comes from the app on
/// this computer) it follows the app's inbox and hands each picture to the form: into the
/// screenshot input as if picked (held there until Render, see `UploadState::Held`), or, when
/// several come together, into a batch; "Render pictures from SketchUp at once" renders them
/// as they arrive. It also says how to get and install the extension: from the app itself, or
/// (the Pages copy, any page without the inbox) from the project's releases.
#[component]
pub fn SketchupPanel(
    /// This page's server is the app with the inbox.
    inbox: bool,
    /// True while a render runs in the main view.
    busy: Signal<bool>,
) -> impl IntoView {
    let steps = move |local: bool| {
        let download = if local {
            leptos::either::Either::Left(view! {
                <a id="sketchup-download" class="button-link" href="/__su/extension.rbz" download="">
                    {txt(|t| t.sketchup_download)}
                </a>
            })
        } else {
            let releases = web_sys::window().and_then(|w| {
                let location = w.location();
                releases_url(
                    option_env!("SU_RENDER_REPOSITORY"),
                    &location.host().ok()?,
                    &location.pathname().ok()?,
                )
            });
            leptos::either::Either::Right(match releases {
                Some(url) => leptos::either::Either::Left(view! {
                    <a id="sketchup-release" class="button-link" href=url target="_blank" rel="noopener noreferrer">
                        {txt(|t| t.sketchup_release)}
                    </a>
                }),
                None => leptos::either::Either::Right(view! {
                    <span class="hint">{txt(|t| t.guide_releases_unknown)}</span>
                }),
            })
        };
        view! {
            <ol class="guide-steps sketchup-steps">
                <li><p>{download}</p><p>{txt(|t| t.sketchup_step_install)}</p></li>
                <li><p>{txt(|t| t.sketchup_step_send)}</p></li>
                <li><p>{txt(|t| t.sketchup_step_render)}</p></li>
            </ol>
            {(!local).then(|| view! { <p class="hint">{txt(|t| t.sketchup_needs_app)}</p> })}
        }
    };
    if !inbox {
        return steps(false).into_any();
    }

    let ui = use_ui();
    let slot = use_context::<SketchupSlot>();
    let progress = use_context::<BatchProgress>();
    let received = RwSignal::new(0usize);
    let dropped = RwSignal::new(0u32);
    let online = RwSignal::new(true);
    let at_once = RwSignal::new(Settings::load().sketchup_at_once);
    Effect::new(crate::state::effect(move |_| {
        let on = at_once.get();
        let mut saved = Settings::load();
        if saved.sketchup_at_once != on {
            saved.sketchup_at_once = on;
            saved.save();
        }
    }));

    // Ids being taken or taken by this page: an event repeats what the inbox holds.
    let taking = StoredValue::new(HashSet::<String>::new());
    // The last picture put into the screenshot input, which the next one joins into a batch if
    // it comes soon enough.
    let lone = StoredValue::new(None::<BatchFile>);
    let last_arrival = StoredValue::new(f64::NEG_INFINITY);
    // Bumped with every arrival: a waiting "at once" start gives way to a newer one.
    let round = StoredValue::new(0u32);

    // Starts the render of what has arrived once nothing else runs, and once the picture in
    // the screenshot input is ready (prepared, held).
    let go = move |this: u32| {
        spawn_local(async move {
            browser::sleep(TOGETHER_MS).await;
            loop {
                match round.try_get_value() {
                    Some(now) if now == this => {}
                    // A newer arrival starts it, or the page part went.
                    _ => return,
                }
                let Some(input) = slot.and_then(|s| s.0.get_untracked()) else {
                    return;
                };
                let batch_running = progress.is_some_and(|p| p.0.with_untracked(Option::is_some));
                let preparing = input
                    .upload
                    .with_untracked(|u| *u == UploadState::Preparing);
                if !busy.get_untracked() && !batch_running && !preparing {
                    lone.set_value(None);
                    let batch = input
                        .batch_files
                        .with_untracked(|b| b.iter().any(|f| f.sketchup.is_some()));
                    if batch {
                        input.render_batch.run(());
                    } else {
                        input.render.run(());
                    }
                    return;
                }
                browser::sleep(400).await;
            }
        });
    };

    // A picture taken from the inbox goes to the form.
    let arrive = move |file: BatchFile| {
        let Some(input) = slot.and_then(|s| s.0.get_untracked()) else {
            // The app loaded has no picture input that takes it.
            return;
        };
        received.update(|n| *n += 1);
        let now = browser::now_ms();
        let together = now - last_arrival.get_value() < f64::from(TOGETHER_MS);
        last_arrival.set_value(now);
        // A batch from SketchUp that has not been started takes the newcomer.
        let waiting: Option<Vec<BatchFile>> = input.batch_files.with_untracked(|b| {
            (!b.is_empty() && b.iter().all(|f| f.sketchup.is_some())).then(|| b.clone())
        });
        let first = lone.try_update_value(Option::take).flatten();
        match (waiting, first.filter(|_| together)) {
            (Some(mut list), _) => {
                list.push(file);
                input.set_batch.run(list);
            }
            (None, Some(first)) => input.set_batch.run(vec![first, file]),
            (None, None) => {
                lone.set_value(Some(file.clone()));
                input.incoming.set(Some(file));
            }
        }
        if at_once.get_untracked() {
            let this = round.get_value().wrapping_add(1);
            round.set_value(this);
            go(this);
        }
    };

    // What the inbox holds: new pictures are taken, oldest first, one after another.
    let handle = move |text: String| {
        let Some(state) = parse_inbox(&text) else {
            return;
        };
        online.set(true);
        if state.dropped > 0 {
            dropped.set(state.dropped);
        }
        let new: Vec<Waiting> = state
            .pictures
            .into_iter()
            .filter(|w| taking.try_update_value(|t| t.insert(w.id.clone())) == Some(true))
            .collect();
        if new.is_empty() {
            return;
        }
        spawn_local(async move {
            for waiting in new {
                if let Some(file) = take(&waiting).await {
                    if received.try_get_untracked().is_none() {
                        return;
                    }
                    arrive(file);
                }
            }
        });
    };

    // Told at once by the event stream; asked every few seconds while it is not open (the
    // browser reconnects it by itself).
    let source = web_sys::EventSource::new(&format!("{INBOX}/events")).ok();
    let on_event =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if let Some(text) = ev.data().as_string() {
                handle(text);
            }
        });
    if let Some(source) = &source {
        let _ = source.add_event_listener_with_callback("inbox", on_event.as_ref().unchecked_ref());
    }
    let stream = SendWrapper::new((source.clone(), on_event));
    on_cleanup(move || {
        let (source, _listener) = stream.take();
        if let Some(source) = source {
            source.close();
        }
    });
    spawn_local(async move {
        loop {
            browser::sleep(POLL_MS).await;
            if online.try_get_untracked().is_none() {
                return;
            }
            let streaming = source
                .as_ref()
                .is_some_and(|s| s.ready_state() == web_sys::EventSource::OPEN);
            if streaming {
                continue;
            }
            match list().await {
                Some(text) => handle(text),
                None => {
                    online.try_set(false);
                }
            }
        }
    });

    let status = move || {
        let t = ui.t();
        if !online.get() {
            t.sketchup_offline.to_owned()
        } else if received.get() > 0 {
            fill(t.sketchup_received, &[&received.get().to_string()])
        } else {
            t.sketchup_waiting.to_owned()
        }
    };
    view! {
        <section id="sketchup" class="card sketchup" aria-labelledby="sketchup-title">
            <h2 id="sketchup-title">{txt(|t| t.sketchup_title)}</h2>
            <p id="sketchup-status" class="hint" role="status" aria-live="polite"
                data-online=crate::state::live(move || online.get().to_string())>{status}</p>
            {move || (dropped.get() > 0).then(|| view! {
                <div id="sketchup-dropped" class="banner warning" role="alert">
                    <p>{move || fill(ui.t().sketchup_dropped, &[&dropped.get().to_string()])}</p>
                    <button type="button" class="secondary" on:click=crate::state::handler(move |_| dropped.set(0))>
                        {txt(|t| t.close)}
                    </button>
                </div>
            })}
            <label class="check">
                <input id="sketchup-at-once" type="checkbox" bind:checked=at_once />
                <span>{txt(|t| t.sketchup_at_once)}</span>
            </label>
            <p class="hint">{txt(|t| t.sketchup_at_once_hint)}</p>
            <details id="sketchup-get" class="more">
                <summary>{txt(|t| t.sketchup_get)}</summary>
                {steps(true)}
            </details>
        </section>
    }
    .into_any()
}

/// `GET /__su/inbox`'s text; `None` when the app does not answer.
async fn list() -> Option<String> {
    let response = gloo_net::http::Request::get(INBOX).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    response.text().await.ok()
}

/// Takes `waiting` from the inbox (it is gone from there then; another tab that asks too gets
/// nothing) as a file named after its model and scene. The bytes stay in the browser's memory,
/// not in wasm's.
async fn take(waiting: &Waiting) -> Option<BatchFile> {
    let response = gloo_net::http::Request::post(&format!("{INBOX}/{}/take", waiting.id))
        .send()
        .await
        .ok()?;
    if !response.ok() {
        return None;
    }
    let response: web_sys::Response = response.into();
    let blob: web_sys::Blob = JsFuture::from(response.blob().ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let name = waiting.names.file_name(waiting.ext());
    let bag = web_sys::FilePropertyBag::new();
    bag.set_type(&waiting.mime);
    let file =
        web_sys::File::new_with_blob_sequence_and_options(&js_sys::Array::of1(&blob), &name, &bag)
            .ok()?;
    Some(BatchFile {
        name,
        file: SendWrapper::new(file),
        sketchup: Some(waiting.names.clone()),
    })
}
