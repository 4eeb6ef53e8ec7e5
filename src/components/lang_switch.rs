use leptos::prelude::*;

use crate::state::{txt, use_ui};
use crate::storage::Settings;

/// A button that switches between Chinese and English and remembers the choice.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let ui = use_ui();
    let switch = move |_| {
        let next = ui.lang.get_untracked().other();
        ui.lang.set(next);
        let mut saved = Settings::load();
        saved.lang = Some(
            if next == crate::i18n::Lang::Zh {
                "zh"
            } else {
                "en"
            }
            .to_owned(),
        );
        saved.save();
    };
    view! {
        <button id="lang" type="button" class="lang-switch" on:click=crate::state::handler(switch)
            aria-label=txt(|t| t.switch_lang_aria)
            lang=crate::state::live(move || ui.lang.get().other().tag())>
            {txt(|t| t.switch_lang)}
        </button>
    }
}
