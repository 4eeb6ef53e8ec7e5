//! The render form's model: what the user entered, as signals, and what it makes (the node list,
//! the first reason it can't be sent, the request, the share link's form). The form's components
//! only render it and wire their events to it; the rules themselves (which values are sent, in
//! which JSON type) are plain Rust in [`crate::lifecycle::form`].

use leptos::prelude::*;

use crate::i18n::{fill, Lang, Texts};
use crate::lifecycle::cost::Estimate;
use crate::lifecycle::form::{
    build_node_list, is_su_app, node_names, su_preset, FieldSpec, FormProblem, RawOverride,
};
use crate::lifecycle::share::SharedForm;
use crate::protocol::sites::is_http_url;
use crate::protocol::{is_valid_id, NodeInfo, SU_REFERENCE_NODE, SU_SCREENSHOT_NODE};
use crate::storage::{Settings, SiteChoice};

use super::{BatchFile, Connection, RenderRequest, SourcePicture, UploadState};

/// One input of the form and what the user entered for it.
#[derive(Clone)]
pub struct Slot {
    pub spec: FieldSpec,
    pub value: RwSignal<String>,
    pub upload: RwSignal<UploadState>,
    /// The picture picked for an image field, if one was.
    pub picked: RwSignal<Option<SourcePicture>>,
}

/// Fresh slots for an app's inputs, each at its default.
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

/// The slots an app starts with: the SketchUp preset for its ID, nothing for other apps (their
/// inputs are loaded).
fn first_slots(webapp_id: &str) -> Vec<Slot> {
    if is_su_app(webapp_id) {
        slots_for(su_preset())
    } else {
        Vec::new()
    }
}

/// The label of a field: the SketchUp app's own words for its two pictures, else the app's
/// description in the UI's language, else the node and field names.
pub fn label_for(spec: &FieldSpec, su: bool, lang: Lang) -> String {
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

/// The form's state, shared by its components (all signals: the struct is `Copy`).
#[derive(Clone, Copy)]
pub struct FormModel {
    pub webapp_id: RwSignal<String>,
    pub slots: RwSignal<Vec<Slot>>,
    /// The loaded app's name, once its inputs were loaded.
    pub app_name: RwSignal<Option<String>>,
    /// "Advanced" rows: nodes and fields the form has no input for.
    pub overrides: RwSignal<Vec<(u32, RwSignal<RawOverride>)>>,
    pub instance_type: RwSignal<Option<String>>,
    /// "Advanced" was opened (it is made when first opened).
    pub advanced_opened: RwSignal<bool>,
    pub webhook: RwSignal<String>,
    pub shrink: RwSignal<bool>,
    pub max_side: RwSignal<String>,
    /// The shrink setting for uploads: on or off, and the longest side.
    pub shrink_setting: Signal<(bool, u32)>,
    /// The input a pasted picture goes to.
    pub paste_target: RwSignal<String>,
    /// Problems are shown once the user has tried to render, not while they type.
    pub tried: RwSignal<bool>,
    /// The node and field a batch's files fill.
    pub batch_node: RwSignal<(String, String)>,
    /// Several screenshots for the first required picture, same settings otherwise.
    pub batch_files: RwSignal<Vec<BatchFile>>,
    /// Set when an app switch was applied with its values (a link, "Use again"): the reset on
    /// the next change of the app ID then leaves them.
    skip_reset: StoredValue<bool>,
    conn: Connection,
}

impl FormModel {
    /// The form as the page opens: the app of `link` or of the saved settings.
    pub fn new(conn: Connection, saved: &Settings, link: Option<&SharedForm>) -> Self {
        let first_app = link
            .and_then(|l| l.webapp_id.clone())
            .unwrap_or(saved.webapp_id.clone());
        let shrink = RwSignal::new(saved.shrink);
        let max_side = RwSignal::new(saved.max_side.to_string());
        let shrink_setting = Signal::derive(move || {
            let side = max_side
                .with(|s| s.trim().parse::<u32>().ok())
                .filter(|s| *s >= 64)
                .unwrap_or(2560);
            (shrink.get(), side)
        });
        FormModel {
            slots: RwSignal::new(first_slots(&first_app)),
            webapp_id: RwSignal::new(first_app),
            app_name: RwSignal::new(None),
            overrides: RwSignal::new(Vec::new()),
            instance_type: RwSignal::new(None),
            advanced_opened: RwSignal::new(false),
            webhook: RwSignal::new(String::new()),
            shrink,
            max_side,
            shrink_setting,
            paste_target: RwSignal::new(format!("node-{SU_SCREENSHOT_NODE}")),
            tried: RwSignal::new(false),
            batch_node: RwSignal::new((String::new(), String::new())),
            batch_files: RwSignal::new(Vec::new()),
            skip_reset: StoredValue::new(false),
            conn,
        }
    }

    /// Whether "Advanced" is shown: opened, or a link or "Use again" set something there
    /// (tracks).
    pub fn show_advanced(&self) -> bool {
        self.advanced_opened.get()
            || self.instance_type.with(Option::is_some)
            || self.overrides.with(|o| !o.is_empty())
            || self.conn.v1_only.get()
    }

    /// Values from a share link or from history: known fields are filled, the rest become
    /// advanced rows. The app switch is applied here at once (not by [`FormModel::app_changed`],
    /// which would clear the values just filled).
    pub fn apply(&self, form: SharedForm) {
        let FormModel {
            webapp_id,
            slots,
            app_name,
            overrides,
            instance_type,
            ..
        } = *self;
        if let Some(app) = form
            .webapp_id
            .filter(|a| a.trim() != webapp_id.get_untracked().trim())
        {
            self.skip_reset.set_value(true);
            app_name.set(None);
            slots.set(first_slots(&app));
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
    }

    /// The app ID changed from `previous` to `id`: the SketchUp preset comes back for its ID,
    /// other apps start empty (unless [`FormModel::apply`] filled them).
    pub fn app_changed(&self, previous: Option<&str>, id: &str) {
        let filled = self.skip_reset.get_value();
        self.skip_reset.set_value(false);
        if !filled && previous.is_some_and(|p| p.trim() != id.trim()) {
            self.app_name.set(None);
            self.slots.set(first_slots(id));
        }
    }

    /// A loaded app's inputs replace the form's (unless the form has gone meanwhile).
    pub fn loaded(&self, name: Option<String>, specs: Vec<FieldSpec>) {
        self.app_name.try_set(name);
        self.slots.try_set(slots_for(specs));
    }

    /// The form as a share link carries it (untracked).
    pub fn shared(&self) -> SharedForm {
        let conn = self.conn;
        let api = match conn.effective_site() {
            SiteChoice::Cn => Some("cn".to_owned()),
            SiteChoice::Ai => Some("ai".to_owned()),
            SiteChoice::Custom => conn.base(),
            // The page's own server: whoever opens the link is on that server too.
            SiteChoice::Local => None,
        };
        let mut nodes: Vec<(String, String, String)> = self.slots.with_untracked(|s| {
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
        nodes.extend(self.overrides.with_untracked(|o| {
            o.iter()
                .map(|(_, r)| r.get_untracked())
                .filter(|r| !r.node_id.trim().is_empty() && !r.field_name.trim().is_empty())
                .map(|r| (r.node_id, r.field_name, r.value))
                .collect::<Vec<_>>()
        }));
        SharedForm {
            api,
            webapp_id: Some(self.webapp_id.get_untracked().trim().to_owned()),
            nodes,
            instance_type: self.instance_type.get_untracked(),
        }
    }

    /// What is wrong with the app ID, if anything (tracks).
    pub fn webapp_error(&self, t: &'static Texts) -> Option<String> {
        (!is_valid_id(self.webapp_id.get().trim())).then(|| t.webapp_invalid.to_owned())
    }

    /// What is wrong with the webhook, if anything (tracks).
    pub fn webhook_error(&self, t: &'static Texts) -> Option<String> {
        let hook = self.webhook.get();
        (!hook.trim().is_empty() && !is_http_url(&hook)).then(|| t.webhook_invalid.to_owned())
    }

    /// The node list to send (tracks). For a batch (`batch` names its picture's node and
    /// field), that picture is left out: each file fills it in turn.
    pub fn node_list(
        &self,
        batch: Option<&(String, String)>,
    ) -> Result<Vec<NodeInfo>, FormProblem> {
        let in_batch = |s: &Slot| {
            batch
                .is_some_and(|(node, field)| s.spec.node_id == *node && s.spec.field_name == *field)
        };
        let values: Vec<String> = self.slots.with(|s| {
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
        let raw: Vec<RawOverride> = self
            .overrides
            .with(|o| o.iter().map(|(_, r)| r.get()).collect());
        let specs: Vec<FieldSpec> = self
            .slots
            .with(|s| s.iter().map(|s| s.spec.clone()).collect());
        let list = build_node_list(&specs, &values, &raw)?;
        Ok(match batch {
            Some((node, field)) => list
                .into_iter()
                .filter(|n| !(n.node_id == *node && n.field_name == *field))
                .collect(),
            None => list,
        })
    }

    /// The first reason the form (with `batch`, the batch) can't be sent, for the line under
    /// its button (tracks). One function for both: two copies measured 0.6 KiB gzip of wasm
    /// more.
    pub fn first_blocker(
        &self,
        t: &'static Texts,
        batch: Option<(String, String)>,
    ) -> Option<String> {
        if let Err(blocker) = self.conn.target() {
            return Some(blocker.message(t).to_owned());
        }
        if let Some(e) = self.webapp_error(t) {
            return Some(e);
        }
        // A batch's picture is uploaded file by file, later.
        if let Some(why) = self.slots.with(|s| {
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
        if let Err(problem) = self.node_list(batch.as_ref()) {
            return Some(problem_text(t, &problem));
        }
        if batch.is_none()
            && self.slots.with(Vec::is_empty)
            && self.overrides.with(Vec::is_empty)
            && !is_su_app(&self.webapp_id.get())
        {
            return Some(t.app_needs_load.to_owned());
        }
        self.webhook_error(t)
    }

    /// Holds back Render while pictures from SketchUp are held: they are released to upload
    /// now (an input uploads a picture that waits for a key as soon as there is one). True if
    /// any was.
    pub fn release_held(&self) -> bool {
        let mut released = false;
        self.slots.with_untracked(|s| {
            for slot in s {
                if matches!(slot.upload.get_untracked(), UploadState::Held) {
                    slot.upload.set(UploadState::WaitingForKey);
                    released = true;
                }
            }
        });
        released
    }

    /// True while a picture is being prepared, uploaded or waits for a key (tracks).
    pub fn uploads_under_way(&self) -> bool {
        self.slots.with(|s| {
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
        })
    }

    /// The request for one render (with `batch`, the template of a batch's), if the form can
    /// be sent (untracked callers check [`FormModel::first_blocker`] first).
    pub fn request(&self, batch: Option<&(String, String)>) -> Option<RenderRequest> {
        let (Ok(target), Ok(nodes)) = (self.conn.target(), self.node_list(batch)) else {
            return None;
        };
        let hook = self.webhook.get_untracked();
        let slots = self.slots;
        let single = batch.is_none();
        Some(RenderRequest {
            target,
            // The first picture picked is the one to compare the rendering with.
            source: slots
                .with_untracked(|s| s.iter().find_map(|s| s.picked.get_untracked()))
                .filter(|_| single),
            webapp_id: self.webapp_id.get_untracked().trim().to_owned(),
            nodes,
            webhook_url: (!hook.trim().is_empty()).then(|| hook.trim().to_owned()),
            instance_type: self.instance_type.get_untracked(),
            upload_api: slots
                .with_untracked(|s| {
                    s.iter().find_map(|s| match s.upload.get_untracked() {
                        UploadState::Done(api) => Some(api),
                        _ => None,
                    })
                })
                .filter(|_| single),
            node_names: slots.with_untracked(|s| {
                let specs: Vec<FieldSpec> = s.iter().map(|s| s.spec.clone()).collect();
                node_names(&specs)
            }),
        })
    }

    /// The expected cost line of a batch of `n` pictures, from what one render cost lately.
    pub fn expected_cost(t: &'static Texts, n: usize, per_render: Option<Estimate>) -> String {
        use crate::lifecycle::decimal::fixed;
        match per_render {
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
    }
}
