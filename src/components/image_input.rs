use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::File;

use crate::i18n::{error_message, fill, Texts};
use crate::lifecycle::prepare::{human_bytes, FileProblem};
use crate::lifecycle::sketchup::FromSketchup;
use crate::picture::{self, first_file, Prepared};
use crate::state::{txt, use_ui, BatchFile, Connection, SourcePicture, UploadState};

/// An image node's input: pick, drop or paste a picture (checked, shrunk if asked, previewed and
/// uploaded, its RunningHub file name filling the node), or type a file name or public URL.
#[component]
pub fn ImageInput(
    /// The text input's id; the file input, drop zone and status derive theirs from it.
    #[prop(into)]
    id: String,
    /// The label.
    #[prop(into)]
    label: Signal<&'static str>,
    /// Help under the label.
    #[prop(into)]
    hint: Signal<&'static str>,
    /// The node's value: a RunningHub file name or a public image URL.
    value: RwSignal<String>,
    /// Where this node's picture stands (read by the form to hold Render back).
    upload: RwSignal<UploadState>,
    /// The picture picked here (what was uploaded), for the before/after comparison.
    picked: RwSignal<Option<SourcePicture>>,
    /// Whether to shrink large pictures, and to how many pixels on the longest side.
    #[prop(into)]
    shrink: Signal<(bool, u32)>,
    /// The id of the image input that takes pasted pictures; focusing or dropping here takes it.
    paste_target: RwSignal<String>,
    /// The problem to show when the form was sent without a required value.
    #[prop(into, optional)]
    error: MaybeProp<String>,
    /// Takes several pictures at once (a batch); without it only the first one is used.
    #[prop(default = None)]
    on_many: Option<Callback<Vec<BatchFile>>>,
    /// Offers "Try a sample": a built-in SketchUp-style picture, taken as if picked. Shown on
    /// the simulator only (a real site would bill the render).
    #[prop(optional)]
    sample: bool,
    /// Pictures from SketchUp (the inbox): one is taken as if picked, named by its model and
    /// scene, and held until Render is pressed (see [`UploadState::Held`]); several at once go
    /// to `on_many` as a batch.
    #[prop(default = None)]
    incoming: Option<RwSignal<Vec<BatchFile>>>,
) -> impl IntoView {
    let ui = use_ui();
    let conn = expect_context::<Connection>();
    let prepared = StoredValue::new_local(None::<Prepared>);
    let preview = RwSignal::new(None::<String>);
    let sizes = RwSignal::new(None::<String>);
    let refused_name = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);
    // The base URL the current file was uploaded to; another site needs its own upload.
    let uploaded_to = RwSignal::new(None::<String>);

    let file_id = format!("{id}-file");
    let drop_id = format!("{id}-drop");
    let status_id = format!("{id}-status");

    let set_preview = move |url: Option<String>| {
        if let Some(old) = preview.get_untracked() {
            picture::revoke(&old);
        }
        preview.set(url);
    };
    on_cleanup(move || {
        if let Some(old) = preview.try_get_untracked().flatten() {
            picture::revoke(&old);
        }
    });

    let start_upload = move || {
        let Some(file) = prepared.with_value(|p| p.clone()) else {
            return;
        };
        let Ok(target) = conn.target() else {
            upload.set(UploadState::WaitingForKey);
            return;
        };
        upload.set(UploadState::Uploading);
        spawn_local(async move {
            let answer = target
                .api
                .upload(&target.key, &file.blob, &file.upload_name)
                .await;
            // The user may have picked another file meanwhile: only the current one counts.
            let current = prepared
                .try_with_value(|p| p.as_ref().is_some_and(|p| p.blob == file.blob))
                .unwrap_or(false);
            if !current {
                return;
            }
            conn.note(target.api.base(), answer.as_ref().err());
            match answer {
                Ok(done) => {
                    value.set(done.file_name);
                    uploaded_to.set(Some(target.api.base().to_owned()));
                    upload.set(UploadState::Done(done.api));
                }
                Err(error) => upload.set(UploadState::Failed(error)),
            }
        });
    };

    // Upload once a key and site are usable, and again when the site changes.
    Effect::new(crate::state::effect(move |_| {
        let target = conn.target();
        let state = upload.get();
        let base = target.as_ref().ok().map(|t| t.api.base().to_owned());
        let moved = state.is_done() && base.is_some() && base != uploaded_to.get_untracked();
        if (state == UploadState::WaitingForKey && target.is_ok()) || moved {
            start_upload();
        } else if state.is_done() && target.is_err() {
            // Nothing to do until the key is fixed; the uploaded name stays.
        }
    }));

    let own_id = StoredValue::new(id.clone());
    let take_file = move |file: File, sketchup: Option<FromSketchup>| {
        paste_target.set(own_id.get_value());
        upload.set(UploadState::Preparing);
        refused_name.set(file.name());
        let (shrink_on, max_side) = shrink.get_untracked();
        spawn_local(async move {
            match picture::prepare(&file, shrink_on, max_side).await {
                Ok(ready) => {
                    let text = |w: u32, h: u32| format!("{w}×{h}");
                    sizes.set(Some(format!(
                        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                        human_bytes(ready.original_bytes),
                        text(ready.width, ready.height),
                        human_bytes(ready.upload_bytes),
                        text(ready.upload_width, ready.upload_height)
                    )));
                    set_preview(picture::object_url(&ready.blob));
                    value.set(String::new());
                    let held = sketchup.is_some();
                    picked.set(Some(SourcePicture {
                        name: ready.original_name.clone(),
                        blob: send_wrapper::SendWrapper::new(ready.blob.clone()),
                        sketchup,
                    }));
                    prepared.set_value(Some(ready));
                    uploaded_to.set(None);
                    // A render is likely now: its view is fetched while the picture uploads
                    // (not while it is shrunk: both would share the processor).
                    super::parts::prepare_job();
                    if held {
                        upload.set(UploadState::Held);
                    } else {
                        start_upload();
                    }
                }
                // A refused file changes nothing the user had entered.
                Err(problem) => upload.set(UploadState::Refused(problem)),
            }
        });
    };

    let remove = move |_: ()| {
        prepared.set_value(None);
        set_preview(None);
        sizes.set(None);
        value.set(String::new());
        picked.set(None);
        upload.set(UploadState::Idle);
    };

    // Pasted pictures go to the input that last had the user's attention.
    let paste_id = id.clone();
    let paste = window_event_listener(leptos::ev::paste, move |ev| {
        if paste_target.get_untracked() != paste_id {
            return;
        }
        let files = ev.clipboard_data().and_then(|d| d.files());
        if let Some(file) = first_file(files).filter(|f| f.type_().starts_with("image/")) {
            ev.prevent_default();
            take_file(file, None);
        }
    });
    on_cleanup(move || paste.remove());
    if let Some(incoming) = incoming {
        Effect::new(crate::state::effect(move |_| {
            let mut pictures = incoming.get();
            if pictures.is_empty() {
                return;
            }
            incoming.set(Vec::new());
            match on_many {
                Some(many) if pictures.len() > 1 => {
                    // The picture held here went into the batch with the ones after it.
                    let here = picked.with_untracked(|p| p.as_ref().map(|p| p.name.clone()));
                    if matches!(upload.get_untracked(), UploadState::Held)
                        && here == Some(pictures[0].name.clone())
                    {
                        remove(());
                    }
                    many.run(pictures)
                }
                _ => {
                    let picture = pictures.swap_remove(0);
                    take_file(picture.file.take(), picture.sketchup);
                }
            }
        }));
    }

    let take_sample = move |_| {
        spawn_local(async move {
            if let Some(file) = picture::sample_screenshot().await {
                take_file(file, None);
            }
        });
    };
    let take_paste = move || paste_target.set(own_id.get_value());
    // Several pictures at once make a batch (when this input takes batches).
    let take_files = move |list: Option<web_sys::FileList>| {
        let files: Vec<File> = list
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
            .unwrap_or_default();
        match (on_many, files.len()) {
            (Some(many), n) if n > 1 => many.run(
                files
                    .into_iter()
                    .map(|f| BatchFile {
                        name: f.name(),
                        file: send_wrapper::SendWrapper::new(f),
                        sketchup: None,
                    })
                    .collect(),
            ),
            _ => {
                if let Some(file) = files.into_iter().next() {
                    take_file(file, None);
                }
            }
        }
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        take_files(ev.data_transfer().and_then(|d| d.files()));
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        take_files(input.files());
        // Picking the same file again must fire `change` again.
        input.set_value("");
    };
    // Typing a name by hand replaces a picked file.
    let on_type = move |_| {
        if prepared.with_value(Option::is_some) {
            prepared.set_value(None);
            set_preview(None);
            sizes.set(None);
            picked.set(None);
            upload.set(UploadState::Idle);
        }
    };

    let status_text = move || -> Option<String> {
        let t = ui.t();
        let name = refused_name.get();
        match upload.get() {
            UploadState::Idle => None,
            UploadState::Preparing => Some(t.preparing.to_owned()),
            UploadState::WaitingForKey => Some(t.waiting_for_key.to_owned()),
            UploadState::Uploading => Some(t.uploading.to_owned()),
            UploadState::Done(_) => Some(fill(t.uploaded, &[&value.get()])),
            UploadState::Held => Some(t.held_for_render.to_owned()),
            UploadState::Refused(problem) => Some(problem_text(t, &problem, &name)),
            UploadState::Failed(error) => {
                let base = conn.base().unwrap_or_default();
                Some(fill(
                    t.upload_failed,
                    &[&error_message(&error, ui.lang.get(), &base)],
                ))
            }
        }
    };
    let sizes_text = move || {
        sizes.get().map(|s| {
            let parts: Vec<&str> = s.split('\u{1f}').collect();
            fill(ui.t().sizes, &parts)
        })
    };

    view! {
        <div class="field image-field">
            <label for=id.clone()>{move || label.get()}</label>
            <div id=drop_id.clone() class="dropzone" class:dragging=move || dragging.get()
                class:has-preview=move || preview.with(Option::is_some)
                tabindex="0" role="group" aria-label=move || label.get()
                on:focusin=crate::state::handler(move |_| take_paste()) on:pointerdown=crate::state::handler(move |_| take_paste())
                on:dragover=crate::state::handler(move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); })
                on:dragleave=crate::state::handler(move |_| dragging.set(false))
                on:drop=on_drop>
                {move || preview.get().map(|url| view! { <img class="preview" id=format!("{}-preview", own_id.get_value()) src=url alt="" /> })}
                <div class="drop-text">
                    <p>{txt(|t| t.drop_here)}</p>
                    <p class="hint">{txt(|t| t.paste_hint)}</p>
                    <div class="actions">
                        <label class="button secondary" for=file_id.clone()>{txt(|t| t.choose_file)}</label>
                        <input id=file_id.clone() class="visually-hidden" type="file" multiple=on_many.is_some()
                            accept="image/png,image/jpeg,image/webp,.png,.jpg,.jpeg,.webp" on:change=on_pick />
                        // For a first try without a picture: gone once one is there.
                        <Show when=crate::state::show_if(move || sample && conn.is_simulator() && preview.with(Option::is_none))>
                            <button id=format!("{}-sample", own_id.get_value()) type="button" class="secondary sample"
                                on:click=take_sample>{txt(|t| t.try_sample)}</button>
                        </Show>
                        <Show when=crate::state::show_if(move || preview.with(Option::is_some) || upload.with(|u| matches!(u, UploadState::Refused(_) | UploadState::Failed(_))))>
                            <button type="button" class="secondary" on:click=crate::state::handler(move |_| remove(()))>{txt(|t| t.remove_file)}</button>
                        </Show>
                        <Show when=crate::state::show_if(move || matches!(upload.get(), UploadState::Failed(_)))>
                            <button type="button" class="secondary" on:click=crate::state::handler(move |_| start_upload())>{txt(|t| t.retry_upload)}</button>
                        </Show>
                    </div>
                </div>
            </div>
            <p id=status_id.clone() class="upload-status" data-state=move || upload.with(UploadState::slug)
                class:field-error=move || matches!(upload.get(), UploadState::Refused(_) | UploadState::Failed(_))
                role="status" aria-live="polite">
                {status_text}
            </p>
            {move || sizes_text().map(|s| view! { <p class="hint sizes">{s}</p> })}
            // Empty (and hidden by the stylesheet) unless the picture came from SketchUp.
            <p id=format!("{id}-sketchup") class="hint from-sketchup">
                {move || picked.with(|p| p.as_ref().and_then(|p| p.sketchup.as_ref()).map(|names| fill(ui.t().from_sketchup, &[&names.label()])))}
            </p>
            <input id=id.clone() type="text" bind:value=value on:input=on_type autocomplete="off" spellcheck="false"
                placeholder=move || hint.get() aria-label=move || format!("{} · {}", label.get(), hint.get())
                aria-invalid=move || error.get().is_some().then_some("true") />
            {move || error.get().map(|e| view! { <p class="field-error">{e}</p> })}
        </div>
    }
}

pub fn problem_text(t: &'static Texts, problem: &FileProblem, name: &str) -> String {
    match problem {
        FileProblem::TooLarge { bytes } => fill(t.file_too_large, &[name, &human_bytes(*bytes)]),
        FileProblem::NotAnImage => fill(t.file_not_image, &[name]),
        FileProblem::Undecodable => fill(t.file_undecodable, &[name]),
        FileProblem::Empty => fill(t.file_empty, &[name]),
    }
}
