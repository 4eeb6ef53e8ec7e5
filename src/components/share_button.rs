use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::lifecycle::share::Shared;
use crate::state::txt;

/// A button that copies a share link and then shows it (for browsers that refuse clipboard
/// access, the link can still be copied by hand from the field).
#[component]
pub fn ShareButton(
    /// The button's id.
    id: &'static str,
    /// The label.
    label: fn(&'static crate::i18n::Texts) -> &'static str,
    /// Builds what to share at the moment of the click.
    make: Callback<(), Shared>,
) -> impl IntoView {
    let link = RwSignal::new(None::<String>);
    let click = move |_| {
        let url = format!("{}#{}", browser::page_address(), make.run(()).to_fragment());
        link.set(Some(url.clone()));
        spawn_local(async move {
            browser::copy_text(&url).await;
        });
    };
    view! {
        <div class="share">
            <button id=id type="button" class="secondary" on:click=crate::state::handler(click)>{txt(label)}</button>
            {move || link.get().map(|url| view! {
                <p class="hint" role="status">{txt(|t| t.link_ready)}</p>
                <input class="share-url" type="text" readonly prop:value=url aria-label=txt(label)
                    on:focus=crate::state::handler(move |ev: web_sys::FocusEvent| { let input: web_sys::HtmlInputElement = event_target(&ev); input.select(); }) />
            })}
        </div>
    }
}
