use leptos::prelude::*;

use crate::browser;
use crate::i18n::{error_message, fill, Lang, Texts};
use crate::lifecycle::cost::Estimate;
use crate::lifecycle::decimal::{self, fixed};
use crate::lifecycle::form::{
    build_node_list, is_su_app, su_preset, FieldKind, FieldSpec, FormProblem, RawOverride,
};
use crate::protocol::local_server::{fetch_server_info, server_root};
use crate::protocol::sites::is_http_url;
use crate::protocol::ApiError;
use crate::protocol::{is_valid_id, SU_REFERENCE_NODE, SU_SCREENSHOT_NODE};
use crate::state::{
    txt, use_ui, BatchFile, BatchRequest, Connection, FromInbox, RenderRequest, SourcePicture,
    Task, UploadState,
};
use crate::storage::Settings;

use super::{FieldInput, ImageInput, ShareButton, TextField};
use crate::lifecycle::share::{Shared, SharedForm};

/// How many of the newest renders the batch estimate looks through for the last cost.
const COST_LOOKBACK: usize = 20;
use crate::state::{LinkStart, Refill};
use crate::storage::SiteChoice;

/// Why "Load app inputs" brought nothing.
enum LoadProblem {
    /// The call failed (at this base).
    Api(ApiError, String),
    /// The base is RunningHub itself (or a server that is not ours): its call wants the key in
    /// the URL, so nothing was sent.
    NeedsRelay,
}

/// One input of the form and what the user entered for it.
#[derive(Clone)]
struct Slot {
    spec: FieldSpec,
    value: RwSignal<String>,
    upload: RwSignal<UploadState>,
    /// The picture picked for an image field, if one was.
    picked: RwSignal<Option<SourcePicture>>,
}

fn slots_for(specs: Vec<FieldSpec>) -> Vec<Slot> {
    specs
        .into_iter()
        .map(|spec| Slot {
            value: RwSignal::new(spec.default_text()),
            upload: RwSignal::new(UploadState::Idle),
            picked: RwSignal::new(None),
            spec,
        })
        .collect()
}

/// The label of a field: the SketchUp app's own words for its two pictures, else the app's
/// description in the UI's language, else the node and field names.
fn label_for(spec: &FieldSpec, su: bool, lang: Lang) -> String {
    let t = lang.texts();
    if su && spec.field_name == "image" && spec.node_id == SU_SCREENSHOT_NODE {
        return t.screenshot_label.to_owned();
    }
    if su && spec.field_name == "image" && spec.node_id == SU_REFERENCE_NODE {
        return t.reference_label.to_owned();
    }
    let described = match lang {
        Lang::En => spec
            .description_en
            .clone()
            .or_else(|| spec.description.clone()),
        Lang::Zh => spec
            .description
            .clone()
            .or_else(|| spec.description_en.clone()),
    };
    described.unwrap_or_else(|| format!("{} · {}", spec.node_id, spec.field_name))
}

fn problem_text(t: &'static Texts, problem: &FormProblem) -> String {
    match problem {
        FormProblem::MissingImage(node) if node == SU_SCREENSHOT_NODE => {
            t.need_screenshot.to_owned()
        }
        FormProblem::MissingImage(node) => fill(t.missing_image, &[node]),
        FormProblem::NotANumber(node, field) => fill(t.not_a_number, &[node, field]),
        FormProblem::IncompleteOverride(row) => fill(t.incomplete_override, &[&row.to_string()]),
    }
}

/// The render form: the app (the SketchUp app by default, or any app loaded by its ID), its
/// inputs, advanced overrides, the webhook, and the Render button.
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
    let first_app = link
        .as_ref()
        .and_then(|l| l.webapp_id.clone())
        .unwrap_or(saved.webapp_id.clone());
    let webapp_id = RwSignal::new(first_app.clone());
    let slots = RwSignal::new(if is_su_app(&first_app) {
        slots_for(su_preset())
    } else {
        Vec::new()
    });
    let app_name = RwSignal::new(None::<String>);
    let overrides = RwSignal::new(Vec::<(u32, RwSignal<RawOverride>)>::new());
    let instance_type = RwSignal::new(None::<String>);
    // "Advanced" is made when first opened, or when a link or "Use again" set something there.
    let advanced_opened = RwSignal::new(false);
    let show_advanced = move || {
        advanced_opened.get()
            || instance_type.with(Option::is_some)
            || overrides.with(|o| !o.is_empty())
            || conn.v1_only.get()
    };
    let webhook = RwSignal::new(String::new());
    let shrink = RwSignal::new(saved.shrink);
    let max_side = RwSignal::new(saved.max_side.to_string());
    let paste_target = RwSignal::new(format!("node-{SU_SCREENSHOT_NODE}"));
    // Problems are shown once the user has tried to render, not while they type.
    let tried = RwSignal::new(false);
    // The node and field a batch's files fill.
    let batch_node = RwSignal::new((String::new(), String::new()));

    // Values from a share link or from history: known fields are filled, the rest become
    // advanced rows. The app switch is applied here at once (not by the effect below, which
    // would clear the values just filled).
    let skip_reset = StoredValue::new(false);
    let apply = move |form: SharedForm| {
        if let Some(app) = form
            .webapp_id
            .filter(|a| a.trim() != webapp_id.get_untracked().trim())
        {
            skip_reset.set_value(true);
            app_name.set(None);
            slots.set(if is_su_app(&app) {
                slots_for(su_preset())
            } else {
                Vec::new()
            });
            webapp_id.set(app);
        }
        instance_type.set(form.instance_type.filter(|it| it == "plus"));
        overrides.set(Vec::new());
        slots.with_untracked(|s| {
            for slot in s {
                slot.value.set(slot.spec.default_text());
            }
        });
        let mut next_row = 1000;
        for (node, field, value) in form.nodes {
            let slot = slots.with_untracked(|s| {
                s.iter()
                    .find(|s| s.spec.node_id == node && s.spec.field_name == field)
                    .map(|s| s.value)
            });
            match slot {
                Some(slot) => slot.set(value),
                None => {
                    next_row += 1;
                    let row = RawOverride {
                        node_id: node,
                        field_name: field,
                        value,
                    };
                    overrides.update(|o| o.push((next_row, RwSignal::new(row))));
                }
            }
        }
    };
    let from_link = link.is_some();
    if let Some(form) = link {
        apply(form);
    }
    if let Some(Refill(refill)) = use_context::<Refill>() {
        Effect::new(crate::state::effect(move |_| {
            if let Some(form) = refill.get() {
                if let Some(api) = &form.api {
                    conn.apply_link_base(&crate::state::link_base(api));
                }
                apply(form);
                refill.set(None);
            }
        }));
    }
    let make_link = Callback::new(move |()| {
        let api = match conn.effective_site() {
            SiteChoice::Cn => Some("cn".to_owned()),
            SiteChoice::Ai => Some("ai".to_owned()),
            SiteChoice::Custom => conn.base(),
            // The page's own server: whoever opens the link is on that server too.
            SiteChoice::Local => None,
        };
        let mut nodes: Vec<(String, String, String)> = slots.with_untracked(|s| {
            s.iter()
                .filter(|s| !s.value.with_untracked(|v| v.trim().is_empty()))
                .map(|s| {
                    (
                        s.spec.node_id.clone(),
                        s.spec.field_name.clone(),
                        s.value.get_untracked().trim().to_owned(),
                    )
                })
                .collect()
        });
        nodes.extend(overrides.with_untracked(|o| {
            o.iter()
                .map(|(_, r)| r.get_untracked())
                .filter(|r| !r.node_id.trim().is_empty() && !r.field_name.trim().is_empty())
                .map(|r| (r.node_id, r.field_name, r.value))
                .collect::<Vec<_>>()
        }));
        Shared::Form(SharedForm {
            api,
            webapp_id: Some(webapp_id.get_untracked().trim().to_owned()),
            nodes,
            instance_type: instance_type.get_untracked(),
        })
    });

    let shrink_setting = Signal::derive(move || {
        let side = max_side
            .with(|s| s.trim().parse::<u32>().ok())
            .filter(|s| *s >= 64)
            .unwrap_or(2560);
        (shrink.get(), side)
    });
    Effect::new(crate::state::effect(move |_| {
        let (on, side) = shrink_setting.get();
        let id = webapp_id.get();
        let mut saved = Settings::load();
        if (saved.shrink, saved.max_side, saved.webapp_id.as_str()) != (on, side, id.as_str()) {
            (saved.shrink, saved.max_side, saved.webapp_id) = (on, side, id);
            saved.save();
        }
    }));
    // Another app ID: the SketchUp preset comes back for its ID, other apps start empty.
    Effect::new(crate::state::effect(move |previous: Option<String>| {
        let id = webapp_id.get();
        let filled = skip_reset.get_value();
        skip_reset.set_value(false);
        if !filled && previous.is_some_and(|p| p.trim() != id.trim()) {
            app_name.set(None);
            slots.set(if is_su_app(&id) {
                slots_for(su_preset())
            } else {
                Vec::new()
            });
        }
        id
    }));

    // Loading an app's inputs by its ID: its answer fills the slots, a failure stays to be shown.
    // Only our own server takes the call with the key in a body; RunningHub itself wants it in
    // the URL, so there nothing is sent and the page says what it needs.
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
                    app_name.try_set(app.webapp_name.clone());
                    slots.try_set(slots_for(
                        app.fields.iter().map(FieldSpec::from_app).collect(),
                    ));
                    None
                }
                Err(error) => Some(LoadProblem::Api(error, base)),
            }
        });
    };
    let load_error = move || {
        load_app.value.with(|answer| {
            answer
                .as_ref()
                .and_then(Option::as_ref)
                .map(|problem| match problem {
                    LoadProblem::Api(error, base) => error_message(error, ui.lang.get(), base),
                    LoadProblem::NeedsRelay => ui.t().app_load_needs_relay.to_owned(),
                })
        })
    };

    let webapp_error =
        move || (!is_valid_id(webapp_id.get().trim())).then(|| ui.t().webapp_invalid.to_owned());
    let webhook_error = move || {
        let hook = webhook.get();
        (!hook.trim().is_empty() && !is_http_url(&hook)).then(|| ui.t().webhook_invalid.to_owned())
    };
    // The node list to send. For a batch (`batch` names its picture's node and field), that
    // picture is left out: each file fills it in turn.
    let node_list = move |batch: Option<&(String, String)>| {
        let in_batch = |s: &Slot| {
            batch
                .is_some_and(|(node, field)| s.spec.node_id == *node && s.spec.field_name == *field)
        };
        let values: Vec<String> = slots.with(|s| {
            s.iter()
                .map(|s| {
                    // A held picture from SketchUp gets its file name when Render uploads it.
                    if in_batch(s) || s.upload.with(|u| matches!(u, UploadState::Held)) {
                        "batch".to_owned()
                    } else {
                        s.value.get()
                    }
                })
                .collect()
        });
        let raw: Vec<RawOverride> = overrides.with(|o| o.iter().map(|(_, r)| r.get()).collect());
        let specs: Vec<FieldSpec> = slots.with(|s| s.iter().map(|s| s.spec.clone()).collect());
        let list = build_node_list(&specs, &values, &raw)?;
        Ok(match batch {
            Some((node, field)) => list
                .into_iter()
                .filter(|n| !(n.node_id == *node && n.field_name == *field))
                .collect(),
            None => list,
        })
    };
    let nodes = move || node_list(None);

    // The first reason the form (with `batch`, the batch) can't be sent, for the line under its
    // button. One closure for both: two copies measured 0.6 KiB gzip of wasm more.
    let first_blocker = move |batch: Option<(String, String)>| -> Option<String> {
        let t = ui.t();
        if let Err(blocker) = conn.target() {
            return Some(blocker.message(t).to_owned());
        }
        if let Some(e) = webapp_error() {
            return Some(e);
        }
        // A batch's picture is uploaded file by file, later.
        if let Some(why) = slots.with(|s| {
            s.iter()
                .filter(|s| {
                    batch
                        .as_ref()
                        .is_none_or(|(node, _)| s.spec.node_id != *node)
                })
                .find_map(|s| s.upload.with(|u| u.blocks_render(t)))
        }) {
            return Some(why.to_owned());
        }
        if let Err(problem) = node_list(batch.as_ref()) {
            return Some(problem_text(t, &problem));
        }
        if batch.is_none()
            && slots.with(Vec::is_empty)
            && overrides.with(Vec::is_empty)
            && !is_su_app(&webapp_id.get())
        {
            return Some(t.app_needs_load.to_owned());
        }
        webhook_error()
    };
    let blocker = move || first_blocker(None);

    let known_names = move || {
        slots.with_untracked(|s| {
            let specs: Vec<FieldSpec> = s.iter().map(|s| s.spec.clone()).collect();
            crate::lifecycle::form::node_names(&specs)
        })
    };
    // Render pressed while pictures from SketchUp are held: they are uploaded now, and the
    // render starts once they are (see the effect below).
    let render_when_uploaded = RwSignal::new(false);
    let press = move || {
        if busy.get_untracked() {
            return;
        }
        let mut released = false;
        slots.with_untracked(|s| {
            for slot in s {
                if matches!(slot.upload.get_untracked(), UploadState::Held) {
                    // The input uploads a picture that waits for a key as soon as there is one.
                    slot.upload.set(UploadState::WaitingForKey);
                    released = true;
                }
            }
        });
        if released {
            render_when_uploaded.set(true);
            return;
        }
        tried.set(true);
        if blocker().is_some() {
            return;
        }
        let (Ok(target), Ok(nodes)) = (conn.target(), nodes()) else {
            return;
        };
        let hook = webhook.get_untracked();
        // The first picture picked is the one to compare the rendering with.
        let source = slots.with_untracked(|s| s.iter().find_map(|s| s.picked.get_untracked()));
        on_render.run(RenderRequest {
            target,
            source,
            webapp_id: webapp_id.get_untracked().trim().to_owned(),
            nodes,
            webhook_url: (!hook.trim().is_empty()).then(|| hook.trim().to_owned()),
            instance_type: instance_type.get_untracked(),
            upload_api: slots.with_untracked(|s| {
                s.iter().find_map(|s| match s.upload.get_untracked() {
                    UploadState::Done(api) => Some(api),
                    _ => None,
                })
            }),
            node_names: known_names(),
        });
    };
    Effect::new(crate::state::effect(move |_| {
        if !render_when_uploaded.get() {
            return;
        }
        let under_way = slots.with(|s| {
            s.iter().any(|s| {
                s.upload.with(|u| {
                    matches!(
                        u,
                        UploadState::Preparing
                            | UploadState::Uploading
                            | UploadState::WaitingForKey
                    )
                })
            })
        });
        if !under_way {
            render_when_uploaded.set(false);
            // A failed upload stops here, and the form says why.
            press();
        }
    }));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        press();
    };

    // A batch: several screenshots for the first required picture, same settings otherwise.
    let batch_files = RwSignal::new(Vec::<BatchFile>::new());
    let concurrency = RwSignal::new("1".to_owned());
    let budget = RwSignal::new(String::new());
    // What one render of this app costs, measured on its last renders (see `cost::estimate`),
    // for the batch estimate and budget. Follows the journal, so a render made since the page
    // opened counts; reads only the newest records (whole-journal reads raise wasm memory's
    // high-water mark for good).
    let history = use_context::<crate::state::HistoryVersion>();
    // A plain effect and task rather than a `LocalResource`: this was the page's only resource,
    // and its async machinery measured 9.3 KiB gzip of wasm (344.0 -> 334.7). A newer load
    // (another app, a newer render) wins over an older one still reading.
    let per_render = RwSignal::new(None::<Estimate>);
    let cost_loads = StoredValue::new(0u32);
    Effect::new(crate::state::effect(move |_| {
        let app = webapp_id.get();
        if let Some(history) = history {
            history.0.track();
        }
        let load = cost_loads.get_value().wrapping_add(1);
        cost_loads.set_value(load);
        leptos::task::spawn_local(async move {
            let measured: Vec<f64> = crate::storage::journal::load_recent(COST_LOOKBACK)
                .await
                .records
                .into_iter()
                .filter(|r| r.webapp_id.trim() == app.trim())
                .filter_map(|r| r.coins.and_then(|c| decimal::parse(c.trim())))
                .collect();
            if cost_loads.try_get_value() == Some(load) {
                per_render.try_set(crate::lifecycle::cost::estimate(&measured));
            }
        });
    }));
    let batch_nodes = move || node_list(Some(&batch_node.get()));
    let batch_blocker = move || first_blocker(Some(batch_node.get()));
    let start_batch = move |_| {
        let (Some(on_batch), Ok(target), Ok(nodes)) = (on_batch, conn.target(), batch_nodes())
        else {
            return;
        };
        if batch_blocker().is_some() {
            return;
        }
        browser::ask_to_notify();
        let hook = webhook.get_untracked();
        on_batch.run(BatchRequest {
            template: RenderRequest {
                target,
                source: None,
                webapp_id: webapp_id.get_untracked().trim().to_owned(),
                nodes,
                webhook_url: (!hook.trim().is_empty()).then(|| hook.trim().to_owned()),
                instance_type: instance_type.get_untracked(),
                upload_api: None,
                node_names: known_names(),
            },
            node: batch_node.get_untracked(),
            files: batch_files.get_untracked(),
            concurrency: concurrency
                .with_untracked(|c| c.trim().parse::<usize>().ok())
                .unwrap_or(1)
                .clamp(1, 8),
            budget: budget
                .with_untracked(|b| decimal::parse(b.trim()))
                .filter(|b| *b > 0.0),
            per_render: per_render.get_untracked().map(|e| e.per_render),
            shrink: shrink_setting.get_untracked(),
        });
        batch_files.set(Vec::new());
    };
    let expected = move || {
        let n = batch_files.with(Vec::len);
        let t = ui.t();
        match per_render.get() {
            Some(Estimate {
                per_render: cost,
                from: 1,
            }) => fill(
                t.expected_cost,
                &[&n.to_string(), &fixed(cost * n as f64, 0), &fixed(cost, 0)],
            ),
            Some(Estimate {
                per_render: cost,
                from,
            }) => fill(
                t.expected_cost_recent,
                &[
                    &n.to_string(),
                    &fixed(cost * n as f64, 0),
                    &from.to_string(),
                    &fixed(cost, 0),
                ],
            ),
            None => fill(t.expected_unknown, &[&n.to_string()]),
        }
    };

    let field_view = move |slot: Slot| {
        let su = is_su_app(&webapp_id.get_untracked());
        let spec = slot.spec.clone();
        let label = {
            let spec = spec.clone();
            Signal::derive(move || label_for(&spec, su, ui.lang.get()))
        };
        if spec.kind == FieldKind::Image {
            let id = if su {
                format!("node-{}", spec.node_id)
            } else {
                format!("field-{}-{}", spec.node_id, spec.field_name)
            };
            let is_screenshot = su && spec.node_id == SU_SCREENSHOT_NODE;
            let static_label = Signal::derive(move || -> &'static str {
                let t = ui.t();
                if is_screenshot {
                    t.screenshot_label
                } else if su {
                    t.reference_label
                } else {
                    ""
                }
            });
            let hint = Signal::derive(move || {
                let t = ui.t();
                if su && !is_screenshot {
                    t.reference_hint
                } else {
                    t.screenshot_hint
                }
            });
            // The first required picture takes batches.
            let first_required = slots.with_untracked(|s| {
                s.iter()
                    .find(|s| s.spec.kind == FieldKind::Image && s.spec.required)
                    .map(|s| (s.spec.node_id.clone(), s.spec.field_name.clone()))
            });
            let here = (spec.node_id.clone(), spec.field_name.clone());
            let takes_batches = on_batch.is_some() && first_required.as_ref() == Some(&here);
            let many = takes_batches.then(|| {
                Callback::new(move |files: Vec<BatchFile>| {
                    batch_node.set(here.clone());
                    batch_files.set(files);
                })
            });
            // Pictures from SketchUp come to the input that takes batches.
            let incoming = from_inbox
                .filter(|_| takes_batches)
                .map(|FromInbox(list)| list);
            let missing = {
                let (required, node) = (spec.required, spec.node_id.clone());
                Signal::derive(move || {
                    (tried.get() && required && slot.value.with(|v| v.trim().is_empty())).then(
                        || {
                            if is_screenshot {
                                ui.t().need_screenshot.to_owned()
                            } else {
                                fill(ui.t().missing_image, &[&node])
                            }
                        },
                    )
                })
            };
            view! {
                <div class="slot">
                    {(!su).then(|| view! { <p class="slot-label">{move || label.get()}</p> })}
                    <ImageInput id label=static_label hint value=slot.value upload=slot.upload picked=slot.picked
                        shrink=shrink_setting paste_target error=missing on_many=many sample=is_screenshot incoming />
                </div>
            }
            .into_any()
        } else {
            view! { <FieldInput spec label value=slot.value /> }.into_any()
        }
    };

    view! {
        <form class="card render-form" on:submit=submit novalidate>
            <h2>{txt(|t| t.render_title)}</h2>
            {from_link.then(|| view! { <p id="from-link" class="banner info" role="status">{txt(|t| t.from_link)}</p> })}
            <div class="app-row">
                <TextField id="webapp-id" label=Signal::derive(move || ui.t().webapp_label) value=webapp_id
                    error=Signal::derive(webapp_error) inputmode="numeric" />
                <button id="load-app" type="button" class="secondary" on:click=crate::state::handler(move |_| start_load())
                    disabled=move || load_app.pending.get() || conn.target().is_err() || webapp_error().is_some()>
                    {move || if load_app.pending.get() { ui.t().loading_app } else { ui.t().load_app }}
                </button>
            </div>
            {move || app_name.get().map(|name| view! {
                <p id="app-loaded" class="hint">{move || fill(ui.t().app_loaded, &[&name, &slots.with(Vec::len).to_string()])}</p>
            })}
            {move || load_error().map(|e| view! { <p id="app-error" class="error" role="alert">{e}</p> })}
            <Show when=crate::state::show_if(move || slots.with(Vec::is_empty) && !is_su_app(&webapp_id.get()))>
                <p class="hint">{txt(|t| t.app_needs_load)}</p>
            </Show>
            <div class="slots">
                // Not a keyed `<For>`: every change of `slots` brings new value signals, so no
                // row was ever kept, and the `<For>` instance measured 2.1 KiB gzip of wasm.
                {move || slots.get().into_iter().map(field_view).collect_view()}
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
                {move || show_advanced().then(|| super::parts::advanced(overrides, instance_type))}
            </details>
            <TextField id="webhook-url" label=Signal::derive(move || ui.t().webhook_label)
                hint=Signal::derive(move || Some(ui.t().webhook_hint)) value=webhook
                error=Signal::derive(webhook_error) kind="url" placeholder="https://" />
            <div class="actions">
                <button id="render" type="submit" class="primary" aria-busy=move || busy.get().to_string()
                    aria-describedby="form-error">
                    {move || if busy.get() { ui.t().rendering_button } else { ui.t().render_button }}
                </button>
            </div>
            <Show when=crate::state::show_if(move || batch_files.with(|b| !b.is_empty()))>
                <section id="batch-setup" class="banner info batch-setup" aria-labelledby="batch-setup-title">
                    <h3 id="batch-setup-title">{move || fill(ui.t().batch_title, &[&batch_files.with(Vec::len).to_string()])}</h3>
                    <p class="hint">{txt(|t| t.batch_hint)}</p>
                    <ul class="batch-files">
                        {move || batch_files.get().into_iter().map(|f| {
                            let name = match &f.sketchup {
                                Some(names) => fill(ui.t().from_sketchup, &[&names.label()]),
                                None => f.name,
                            };
                            view! { <li>{name}</li> }
                        }).collect_view()}
                    </ul>
                    <div class="batch-options">
                        <label for="concurrency">{txt(|t| t.concurrency_label)}</label>
                        <input id="concurrency" type="text" inputmode="numeric" bind:value=concurrency />
                        <label for="budget">{txt(|t| t.budget_label)}</label>
                        <input id="budget" type="text" inputmode="decimal" bind:value=budget />
                    </div>
                    <p id="batch-expected">{expected}</p>
                    <div class="actions">
                        <button id="render-batch" type="button" class="primary" on:click=start_batch
                            disabled=move || batch_blocker().is_some()>
                            {move || fill(ui.t().render_all, &[&batch_files.with(Vec::len).to_string()])}
                        </button>
                        <button id="batch-clear" type="button" class="secondary" on:click=crate::state::handler(move |_| batch_files.set(Vec::new()))>{txt(|t| t.clear_batch)}</button>
                    </div>
                    {move || batch_blocker().map(|why| view! { <p class="field-error">{why}</p> })}
                </section>
            </Show>
            <ShareButton id="share-link" label=|t| t.share_link make=make_link />
            <Show when=crate::state::show_if(move || tried.get() && blocker().is_some())>
                <p id="form-error" class="field-error" role="alert">{move || blocker().unwrap_or_default()}</p>
            </Show>
        </form>
    }
}
