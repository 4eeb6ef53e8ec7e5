use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::browser;
use crate::i18n::{fill, SketchupTexts};
use crate::lifecycle::app_download::releases_url;
use crate::lifecycle::sketchup::{parse_inbox, Waiting};
use crate::state::{txt, use_ui, BatchFile, BatchProgress, Connection, FromInbox};
use crate::storage::Settings;

/// The app's inbox for pictures from SketchUp (see `server/src/inbox.rs`).
const INBOX: &str = "/__su/inbox";
/// How often the inbox is asked while its event stream is not open.
const POLL_MS: u32 = 5_000;
/// Pictures that arrive within this long of the one before belong together: "Render selected
/// scenes" sends its scenes one after another, each once it is captured. With "at once", the
/// render starts when no other picture has come for this long.
const TOGETHER_MS: u32 = 3_000;

/// A string of "From SketchUp" in the UI's language, as a reactive text (see `state::txt`).
fn stxt(
    f: fn(&'static SketchupTexts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let ui = use_ui();
    move || f(ui.lang.get().sketchup())
}

/// "From SketchUp", a part of the split build. When the page comes from the app on this
/// computer (its `/__su/info` says `inbox`), it follows the app's inbox and hands each picture
/// to the form: into the screenshot input as if picked (held there until Render, see
/// `UploadState::Held`), or, when several come together, as a batch; "Render pictures from
/// SketchUp at once" renders them as they arrive. It also says how to get and install the
/// extension: from the app itself, or (the Pages copy, any page without the inbox) from the
/// project's releases.
#[component]
pub fn SketchupPanel(
    /// True while a render runs in the main view.
    busy: Signal<bool>,
    /// Where pictures go: the form's input that takes batches.
    to_form: FromInbox,
) -> impl IntoView {
    let conn = expect_context::<Connection>();
    move || {
        if conn.server.with(|s| s.as_ref().is_some_and(|s| s.inbox)) {
            view! { <InboxPanel busy to_form /> }.into_any()
        } else {
            steps(false).into_any()
        }
    }
}

/// How to get the extension and what it does: from the app itself (`local`), or from the
/// releases page.
fn steps(local: bool) -> impl IntoView {
    let download = if local {
        leptos::either::Either::Left(view! {
            <a id="sketchup-download" class="button-link" href="/__su/extension.rbz" download="">
                {stxt(|t| t.download)}
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
                    {stxt(|t| t.release)}
                </a>
            }),
            None => leptos::either::Either::Right(view! {
                <span class="hint">{txt(|t| t.guide_releases_unknown)}</span>
            }),
        })
    };
    view! {
        <ol class="guide-steps sketchup-steps">
            <li><p>{download}</p><p>{stxt(|t| t.step_install)}</p></li>
            <li><p>{stxt(|t| t.step_send)}</p></li>
            <li><p>{stxt(|t| t.step_render)}</p></li>
        </ol>
        {(!local).then(|| view! { <p class="hint">{stxt(|t| t.needs_app)}</p> })}
    }
}

/// The app's inbox, followed.
#[component]
fn InboxPanel(busy: Signal<bool>, to_form: FromInbox) -> impl IntoView {
    let ui = use_ui();
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
    let taking = StoredValue::new(Vec::<String>::new());
    // What this part last gave the form: one picture (which the next one joins into a batch if
    // it comes soon enough), or a batch (which the next one joins while it is still set up).
    let lone = StoredValue::new(None::<BatchFile>);
    let batch = StoredValue::new(Vec::<BatchFile>::new());
    let last_arrival = StoredValue::new(f64::NEG_INFINITY);
    // Bumped with every arrival: a waiting "at once" start gives way to a newer one.
    let round = StoredValue::new(0u32);

    // "At once": renders what has arrived once no other picture has come for a while, nothing
    // else runs, and the picture in the screenshot input is ready.
    let go = move |this: u32| {
        spawn_local(async move {
            browser::sleep(TOGETHER_MS).await;
            loop {
                match round.try_get_value() {
                    Some(now) if now == this => {}
                    // A newer arrival starts it, or the part went.
                    _ => return,
                }
                let batch_running = progress.is_some_and(|p| p.0.with_untracked(Option::is_some));
                if !busy.get_untracked()
                    && !batch_running
                    && !exists(".upload-status[data-state=preparing]")
                {
                    let several =
                        batch.with_value(|b| !b.is_empty()) && to_form.in_batch.get_untracked() > 0;
                    // The form's own button, pressed as the user would: the form checks and
                    // starts everything as for a click, and needs no other way in. The batch's
                    // button is in a part of its own: waited for until it is shown.
                    let button = if several { "render-batch" } else { "render" };
                    if press(button) {
                        lone.set_value(None);
                        batch.set_value(Vec::new());
                        return;
                    }
                }
                browser::sleep(400).await;
            }
        });
    };

    // A picture taken from the inbox goes to the form.
    let arrive = move |file: BatchFile| {
        received.update(|n| *n += 1);
        let now = browser::now_ms();
        let together = now - last_arrival.get_value() < f64::from(TOGETHER_MS);
        last_arrival.set_value(now);
        // Our batch is still set up in the form (the setup lists as many pictures as we gave
        // it; a started or cleared batch is gone from there).
        let waiting =
            batch.with_value(|b| !b.is_empty() && to_form.in_batch.get_untracked() == b.len());
        let first = lone.try_update_value(Option::take).flatten();
        let list = if waiting {
            let mut list = batch.get_value();
            list.push(file);
            list
        } else {
            match first.filter(|_| together) {
                Some(first) => vec![first, file],
                None => vec![file],
            }
        };
        if list.len() > 1 {
            batch.set_value(list.clone());
        } else {
            lone.set_value(list.first().cloned());
            batch.set_value(Vec::new());
        }
        to_form.pictures.set(list);
        if at_once.get_untracked() {
            let this = round.get_value().wrapping_add(1);
            round.set_value(this);
            go(this);
        }
    };

    // What the inbox holds: new pictures are taken, oldest first, one after another (one
    // worker for all events, so that a batch keeps the order they were sent in).
    let queue = StoredValue::new(Vec::<Waiting>::new());
    let working = StoredValue::new(false);
    let handle = move |text: String| {
        let Some(state) = parse_inbox(&text) else {
            return;
        };
        online.set(true);
        if state.dropped > 0 {
            dropped.set(state.dropped);
        }
        for waiting in state.pictures {
            let new = taking.try_update_value(|t| {
                let new = !t.contains(&waiting.id);
                if new {
                    t.push(waiting.id.clone());
                }
                new
            });
            if new == Some(true) {
                queue.update_value(|q| q.push(waiting));
            }
        }
        if working.get_value() || queue.with_value(Vec::is_empty) {
            return;
        }
        working.set_value(true);
        spawn_local(async move {
            loop {
                let next = queue.try_update_value(|q| (!q.is_empty()).then(|| q.remove(0)));
                let Some(Some(waiting)) = next else {
                    break;
                };
                if let Some(file) = take(&waiting).await {
                    if received.try_get_untracked().is_none() {
                        return;
                    }
                    arrive(file);
                }
            }
            working.try_set_value(false);
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
        let t = ui.lang.get().sketchup();
        if !online.get() {
            t.offline.to_owned()
        } else if received.get() > 0 {
            fill(t.received, &[&received.get().to_string()])
        } else {
            t.waiting.to_owned()
        }
    };
    view! {
        <div id="sketchup-inbox">
            <p id="sketchup-status" class="hint" role="status" aria-live="polite"
                data-online=move || online.get().to_string()>{status}</p>
            {move || (dropped.get() > 0).then(|| view! {
                <div id="sketchup-dropped" class="banner warning" role="alert">
                    <p>{move || fill(ui.lang.get().sketchup().dropped, &[&dropped.get().to_string()])}</p>
                    <button type="button" class="secondary" on:click=crate::state::handler(move |_| dropped.set(0))>
                        {txt(|t| t.close)}
                    </button>
                </div>
            })}
            <label class="check">
                <input id="sketchup-at-once" type="checkbox" bind:checked=at_once />
                <span>{stxt(|t| t.at_once)}</span>
            </label>
            <p class="hint">{stxt(|t| t.at_once_hint)}</p>
            <details id="sketchup-get" class="more">
                <summary>{stxt(|t| t.get)}</summary>
                {steps(true)}
            </details>
        </div>
    }
}

/// True when something on the page matches `css`.
fn exists(css: &str) -> bool {
    document().query_selector(css).ok().flatten().is_some()
}

/// Clicks the button with this id, if it is there; true when it was.
fn press(id: &str) -> bool {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        .map(|button| button.click())
        .is_some()
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
