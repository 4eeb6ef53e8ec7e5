use leptos::prelude::*;

use crate::lifecycle::decimal::fixed;
use crate::state::{txt, use_ui};

/// How the two pictures are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Slider,
    Side,
    Flip,
}

/// Before/after: the screenshot over the rendering with a divider to drag (mouse, touch or arrow
/// keys), side by side, or flipping on click. Both sit in the rendering's frame; a screenshot of
/// another shape is scaled to fit, centred (`object-fit: contain`).
#[component]
pub fn CompareView(
    /// The screenshot (an object URL of the picked file).
    #[prop(into)]
    before: String,
    /// The rendering's URL.
    #[prop(into)]
    after: String,
) -> impl IntoView {
    let ui = use_ui();
    let mode = RwSignal::new(Mode::Slider);
    // Divider position, percent from the left.
    let split = RwSignal::new(50.0_f64);
    let flipped = RwSignal::new(false);
    let dragging = RwSignal::new(false);
    let frame = NodeRef::<leptos::html::Div>::new();

    let move_to = move |client_x: f64| {
        if let Some(el) = frame.get_untracked() {
            let rect = el.get_bounding_client_rect();
            if rect.width() > 0.0 {
                split.set(((client_x - rect.left()) / rect.width() * 100.0).clamp(0.0, 100.0));
            }
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let step = if ev.shift_key() { 10.0 } else { 2.0 };
        let next = match ev.key().as_str() {
            "ArrowLeft" | "ArrowDown" => split.get_untracked() - step,
            "ArrowRight" | "ArrowUp" => split.get_untracked() + step,
            "Home" => 0.0,
            "End" => 100.0,
            "PageDown" => split.get_untracked() - 25.0,
            "PageUp" => split.get_untracked() + 25.0,
            _ => return,
        };
        ev.prevent_default();
        split.set(next.clamp(0.0, 100.0));
    };
    let tab = move |m: Mode,
                    id: &'static str,
                    label: fn(&'static crate::i18n::Texts) -> &'static str| {
        view! {
            <button id=id type="button" role="tab" class="tab" aria-selected=move || (mode.get() == m).to_string()
                on:click=crate::state::handler(move |_| mode.set(m))>{move || label(ui.t())}</button>
        }
    };
    let (before_side, after_side, before_flip, after_flip) =
        (before.clone(), after.clone(), before.clone(), after.clone());

    view! {
        <section id="compare" class="compare" aria-labelledby="compare-title">
            <div class="compare-head">
                <h3 id="compare-title">{txt(|t| t.compare_title)}</h3>
                <div class="tabs" role="tablist">
                    {tab(Mode::Slider, "mode-slider", |t| t.mode_slider)}
                    {tab(Mode::Side, "mode-side", |t| t.mode_side)}
                    {tab(Mode::Flip, "mode-flip", |t| t.mode_flip)}
                </div>
            </div>
            <Show when=crate::state::show_if(move || mode.get() == Mode::Slider)>
                <div class="compare-frame" node_ref=frame
                    on:pointerdown=crate::state::handler(move |ev: web_sys::PointerEvent| {
                        dragging.set(true);
                        if let Some(el) = frame.get_untracked() {
                            let _ = el.set_pointer_capture(ev.pointer_id());
                        }
                        move_to(f64::from(ev.client_x()));
                    })
                    on:pointermove=crate::state::handler(move |ev: web_sys::PointerEvent| if dragging.get_untracked() { move_to(f64::from(ev.client_x())) })
                    on:pointerup=crate::state::handler(move |_| dragging.set(false))
                    on:pointercancel=crate::state::handler(move |_| dragging.set(false))>
                    <img class="after" src=after.clone() alt=txt(|t| t.after) referrerpolicy="no-referrer" draggable="false" />
                    <img class="before" src=before.clone() alt=txt(|t| t.before) draggable="false"
                        style:clip-path=move || format!("inset(0 {}% 0 0)", fixed(100.0 - split.get(), 2)) />
                    <div id="compare-handle" class="handle" role="slider" tabindex="0"
                        aria-label=txt(|t| t.slider_label) aria-valuemin="0" aria-valuemax="100"
                        aria-valuenow=move || fixed(split.get(), 0)
                        aria-valuetext=move || format!("{}%", fixed(split.get(), 0))
                        style:left=move || format!("{}%", fixed(split.get(), 2))
                        on:keydown=crate::state::handler(on_key)>
                        <span aria-hidden="true">"⟷"</span>
                    </div>
                    <span class="tag left" aria-hidden="true">{txt(|t| t.before)}</span>
                    <span class="tag right" aria-hidden="true">{txt(|t| t.after)}</span>
                </div>
            </Show>
            <Show when=crate::state::show_if(move || mode.get() == Mode::Side)>
                <div class="compare-side">
                    <figure><img src=before_side.clone() alt=txt(|t| t.before) /><figcaption>{txt(|t| t.before)}</figcaption></figure>
                    <figure><img src=after_side.clone() alt=txt(|t| t.after) referrerpolicy="no-referrer" /><figcaption>{txt(|t| t.after)}</figcaption></figure>
                </div>
            </Show>
            <Show when=crate::state::show_if(move || mode.get() == Mode::Flip)>
                {
                    let (b, a) = (before_flip.clone(), after_flip.clone());
                    view! {
                        <button id="flip" type="button" class="compare-flip" aria-pressed=move || flipped.get().to_string()
                            title=txt(|t| t.flip_hint) on:click=crate::state::handler(move |_| flipped.update(|f| *f = !*f))>
                            <img src=move || if flipped.get() { b.clone() } else { a.clone() }
                                alt=move || if flipped.get() { ui.t().before } else { ui.t().after } referrerpolicy="no-referrer" />
                            <span class="tag left">{move || if flipped.get() { ui.t().before } else { ui.t().after }}</span>
                        </button>
                    }
                }
            </Show>
            <p class="hint">{txt(|t| t.align_note)}</p>
        </section>
    }
}
