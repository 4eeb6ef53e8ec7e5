use leptos::prelude::*;

use crate::lifecycle::decimal::fixed;
use crate::state::txt;

const MAX_SCALE: f64 = 8.0;
const STEP: f64 = 1.25;

/// A full-screen viewer: zoom (wheel, pinch, buttons, `+`/`-`), pan by dragging, double-click or
/// `0` to fit, arrow keys to move between pictures, Escape to close.
#[component]
pub fn Viewer(
    /// The pictures to move between.
    #[prop(into)]
    urls: Signal<Vec<String>>,
    /// The one shown; `None` closes the viewer.
    index: RwSignal<Option<usize>>,
) -> impl IntoView {
    let scale = RwSignal::new(1.0_f64);
    let offset = RwSignal::new((0.0_f64, 0.0_f64));
    // Pointers down on the picture: id and last position (two of them make a pinch).
    let pointers = StoredValue::new(Vec::<(i32, f64, f64)>::new());
    let dialog = NodeRef::<leptos::html::Div>::new();

    let fit = move || {
        scale.set(1.0);
        offset.set((0.0, 0.0));
    };
    let zoom = move |factor: f64| {
        let next = (scale.get_untracked() * factor).clamp(1.0, MAX_SCALE);
        scale.set(next);
        if next == 1.0 {
            offset.set((0.0, 0.0));
        }
    };
    let step = move |by: isize| {
        let count = urls.with_untracked(Vec::len) as isize;
        if count > 0 {
            index.update(|i| *i = i.map(|i| ((i as isize + by).rem_euclid(count)) as usize));
            fit();
        }
    };
    let close = move || {
        index.set(None);
        fit();
    };
    // Keyboard focus goes to the dialog when it opens, so its keys work at once.
    Effect::new(crate::state::effect(move |_| {
        if index.get().is_some() {
            if let Some(el) = dialog.get() {
                let _ = el.focus();
            }
        }
    }));

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        match ev.key().as_str() {
            "Escape" => close(),
            "+" | "=" => zoom(STEP),
            "-" | "_" => zoom(1.0 / STEP),
            "0" => fit(),
            "ArrowRight" => step(1),
            "ArrowLeft" => step(-1),
            _ => return,
        }
        ev.prevent_default();
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        zoom(if ev.delta_y() < 0.0 { STEP } else { 1.0 / STEP });
    };
    let on_down = move |ev: leptos::ev::PointerEvent| {
        let (id, x, y) = (
            ev.pointer_id(),
            f64::from(ev.client_x()),
            f64::from(ev.client_y()),
        );
        pointers.update_value(|p| {
            p.retain(|(i, ..)| *i != id);
            p.push((id, x, y));
        });
        if let Some(target) = ev
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        {
            let _ = target.set_pointer_capture(id);
        }
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        let (id, x, y) = (
            ev.pointer_id(),
            f64::from(ev.client_x()),
            f64::from(ev.client_y()),
        );
        let before = pointers.get_value();
        let Some(&(_, px, py)) = before.iter().find(|(i, ..)| *i == id) else {
            return;
        };
        match before.len() {
            1 if scale.get_untracked() > 1.0 => offset.update(|(ox, oy)| {
                *ox += x - px;
                *oy += y - py;
            }),
            2 => {
                // Pinch: the change in distance between the two fingers scales the picture.
                let other = before
                    .iter()
                    .find(|(i, ..)| *i != id)
                    .map(|&(_, ox, oy)| (ox, oy));
                if let Some((ox, oy)) = other {
                    let was = ((px - ox).powi(2) + (py - oy).powi(2)).sqrt();
                    let now = ((x - ox).powi(2) + (y - oy).powi(2)).sqrt();
                    if was > 1.0 {
                        zoom(now / was);
                    }
                }
            }
            _ => {}
        }
        pointers.update_value(|p| {
            if let Some(entry) = p.iter_mut().find(|(i, ..)| *i == id) {
                *entry = (id, x, y);
            }
        });
    };
    let on_up = move |ev: leptos::ev::PointerEvent| {
        let id = ev.pointer_id();
        pointers.update_value(|p| p.retain(|(i, ..)| *i != id));
    };
    let current = move || index.get().and_then(|i| urls.with(|u| u.get(i).cloned()));

    view! {
        <Show when=crate::state::show_if(move || index.get().is_some())>
            <div id="viewer" class="viewer" role="dialog" aria-modal="true" aria-label=txt(|t| t.viewer_label)
                tabindex="-1" node_ref=dialog on:keydown=crate::state::handler(on_key)>
                <div class="viewer-bar">
                    <span id="viewer-counter">{move || format!("{} / {}", index.get().map_or(0, |i| i + 1), urls.with(Vec::len))}</span>
                    <button id="viewer-prev" type="button" aria-label="‹" on:click=crate::state::handler(move |_| step(-1))
                        disabled=move || urls.with(|u| u.len() < 2)>"‹"</button>
                    <button id="viewer-next" type="button" aria-label="›" on:click=crate::state::handler(move |_| step(1))
                        disabled=move || urls.with(|u| u.len() < 2)>"›"</button>
                    <button id="viewer-zoom-out" type="button" aria-label=txt(|t| t.zoom_out) on:click=crate::state::handler(move |_| zoom(1.0 / STEP))>"−"</button>
                    <button id="viewer-fit" type="button" on:click=crate::state::handler(move |_| fit())>{txt(|t| t.zoom_fit)}</button>
                    <button id="viewer-zoom-in" type="button" aria-label=txt(|t| t.zoom_in) on:click=crate::state::handler(move |_| zoom(STEP))>"+"</button>
                    <button id="viewer-close" type="button" aria-label=txt(|t| t.close) on:click=crate::state::handler(move |_| close())>"×"</button>
                </div>
                <div class="viewer-stage" on:wheel=crate::state::handler(on_wheel) on:pointerdown=crate::state::handler(on_down) on:pointermove=crate::state::handler(on_move)
                    on:pointerup=crate::state::handler(on_up) on:pointercancel=crate::state::handler(on_up)
                    on:dblclick=crate::state::handler(move |_| { if scale.get_untracked() > 1.0 { fit() } else { scale.set(2.0) } })>
                    <img id="viewer-image" src=move || current().unwrap_or_default() alt="" draggable="false"
                        referrerpolicy="no-referrer"
                        data-scale=move || fixed(scale.get(), 2)
                        style:transform=move || {
                            let (x, y) = offset.get();
                            format!(
                                "translate({}px, {}px) scale({})",
                                fixed(x, 1),
                                fixed(y, 1),
                                fixed(scale.get(), 3)
                            )
                        } />
                </div>
            </div>
        </Show>
    }
}
