use leptos::prelude::*;

use crate::i18n::fill;
use crate::lifecycle::form::{is_su_app, FieldKind};
use crate::protocol::SU_SCREENSHOT_NODE;
use crate::state::{label_for, use_ui, BatchFile, FormModel, FromInbox, Slot};

use super::{FieldInput, ImageInput};

/// One input of the render form: a picture (with its upload) or a value the app takes.
#[component]
pub fn FormSlot(
    /// The form the input belongs to.
    form: FormModel,
    /// The input and what the user entered for it.
    input: Slot,
    /// Whether the form takes batches (several pictures for its first required picture).
    batches: bool,
    /// Pictures from the SketchUp inbox, for the input that takes batches.
    from_inbox: Option<FromInbox>,
) -> impl IntoView {
    let slot = input;
    let ui = use_ui();
    let su = is_su_app(&form.webapp_id.get_untracked());
    let spec = slot.spec.clone();
    let label = {
        let spec = spec.clone();
        Signal::derive(move || label_for(&spec, su, ui.lang.get()))
    };
    if spec.kind != FieldKind::Image {
        return view! { <FieldInput spec label value=slot.value /> }.into_any();
    }
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
    let first_required = form.slots.with_untracked(|s| {
        s.iter()
            .find(|s| s.spec.kind == FieldKind::Image && s.spec.required)
            .map(|s| (s.spec.node_id.clone(), s.spec.field_name.clone()))
    });
    let here = (spec.node_id.clone(), spec.field_name.clone());
    let takes_batches = batches && first_required.as_ref() == Some(&here);
    let many = takes_batches.then(|| {
        Callback::new(move |files: Vec<BatchFile>| {
            form.batch_node.set(here.clone());
            form.batch_files.set(files);
        })
    });
    // Pictures from SketchUp come to the input that takes batches.
    let incoming = from_inbox
        .filter(|_| takes_batches)
        .map(|inbox| inbox.pictures);
    let missing = {
        let (required, node, tried) = (spec.required, spec.node_id.clone(), form.tried);
        Signal::derive(move || {
            (tried.get() && required && slot.value.with(|v| v.trim().is_empty())).then(|| {
                if is_screenshot {
                    ui.t().need_screenshot.to_owned()
                } else {
                    fill(ui.t().missing_image, &[&node])
                }
            })
        })
    };
    view! {
        <div class="slot">
            {(!su).then(|| view! { <p class="slot-label">{move || label.get()}</p> })}
            <ImageInput id label=static_label hint value=slot.value upload=slot.upload picked=slot.picked
                shrink=form.shrink_setting paste_target=form.paste_target error=missing on_many=many sample=is_screenshot incoming />
        </div>
    }
    .into_any()
}
