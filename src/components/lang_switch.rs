use leptos::prelude::*;

use leptos::task::spawn_local;

use crate::browser;
use crate::i18n::Lang;
use crate::state::{txt, use_ui};
use crate::storage::Settings;

/// A button that switches between Chinese and English and remembers the choice.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let ui = use_ui();
    let remember = move |next: Lang| {
        let mut saved = Settings::load();
        saved.lang = Some(if next == Lang::Zh { "zh" } else { "en" }.to_owned());
        saved.save();
    };
    let switch = move |_| {
        let next = ui.lang.get_untracked().other();
        spawn_local(async move {
            // English is a part of the split build: fetched on first use.
            if !super::parts::load_language(next).await {
                browser::alert(ui.t().lang_failed);
                return;
            }
            ui.lang.set(next);
            remember(next);
        });
    };
    view! {
        <button id="lang" type="button" class="lang-switch" on:click=crate::state::handler(switch)
            aria-label=txt(|t| t.switch_lang_aria)
            lang=move || ui.lang.get().other().tag()>
            {txt(|t| t.switch_lang)}
        </button>
    }
}
