use leptos::prelude::*;

/// A labelled text input with a hint and a validation message.
#[component]
pub fn TextField(
    /// The input's id (also used for its label and messages).
    #[prop(into)]
    id: String,
    /// The label text.
    #[prop(into)]
    label: Signal<&'static str>,
    /// A short help text under the field.
    #[prop(into, optional)]
    hint: MaybeProp<&'static str>,
    /// The value, two-way.
    value: RwSignal<String>,
    /// A problem to show (and mark the field invalid), if any.
    #[prop(into, optional)]
    error: MaybeProp<String>,
    /// The input type ("text", "url").
    #[prop(optional)]
    kind: Option<&'static str>,
    /// Placeholder text.
    #[prop(into, optional)]
    placeholder: MaybeProp<&'static str>,
    /// The `inputmode` hint for mobile keyboards.
    #[prop(optional)]
    inputmode: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.get().is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{move || label.get()}</label>
            <input id=id.clone() type=kind.unwrap_or("text") bind:value=value
                autocomplete="off" spellcheck="false" inputmode=inputmode
                placeholder=move || placeholder.get()
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described />
            {move || hint.get().map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {move || error.get().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
        </div>
    }
}
