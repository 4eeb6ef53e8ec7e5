use leptos::prelude::*;

use crate::i18n::fill;
use crate::lifecycle::app_download::{releases_url, LOCAL_APP};
use crate::protocol::local_server::fetch_server_info;
use crate::protocol::sites::normalize_base;
use crate::state::{txt, use_ui, Connection, ConsentFor};
use crate::storage::SiteChoice;

/// Shown (as a part of the split build, while [`Connection::guide_shown`]) when a free check
/// found that the browser won't let the page call the chosen base URL (CORS): says that nothing
/// was sent or billed, and offers the ways round it: download the one-file app, use the app
/// already running on this computer, or a team's relay. A relay is used only after it answered
/// as ours and the user trusted it (the consent banner); it is saved only then.
#[component]
pub fn BlockedGuide() -> impl IntoView {
    let ui = use_ui();
    let conn = expect_context::<Connection>();
    let releases = web_sys::window().and_then(|w| {
        let location = w.location();
        releases_url(
            option_env!("SU_RENDER_REPOSITORY"),
            &location.host().ok()?,
            &location.pathname().ok()?,
        )
    });
    let typed = RwSignal::new(String::new());
    // Asks the relay who it is before any key goes there: `Ok` with its base URL, or `Err`
    // with what to tell the user.
    let try_relay = Action::new_local(move |address: &String| {
        let base = normalize_base(address);
        async move {
            let Some(base) = base else {
                return Err(ui.t().custom_base_invalid.to_owned());
            };
            match fetch_server_info(&base).await {
                Some(info) => {
                    conn.relay_info.set(Some(info));
                    Ok(base)
                }
                None => Err(fill(ui.t().guide_no_answer, &[&base])),
            }
        }
    });
    // Made once: each call of `pending()` and `value()` makes a new signal.
    let (checking, answer) = (try_relay.pending(), try_relay.value());
    let start_relay = move |address: String| {
        try_relay.dispatch_local(address);
    };
    Effect::new(crate::state::effect(move |_| {
        if let Some(Ok(base)) = answer.get() {
            let site_before = conn.site.get_untracked();
            conn.relay.set(base.clone());
            // Untracked: this runs once per relay found, not again when the site changes here
            // (or back, when the prompt is refused).
            if !untrack(|| matches!(conn.effective_site(), SiteChoice::Cn | SiteChoice::Ai)) {
                conn.site.set(Some(SiteChoice::Cn));
            }
            // The key goes there only once the user trusts it, as with any other server; the
            // relay is saved then too (the consent prompt does it), and refusing puts the site
            // back as it was.
            conn.consent_for.set(ConsentFor::Relay { site_before });
            conn.consent_pending.set(Some(base));
            conn.blocked.set(None);
        }
    }));
    // On a phone the guide sits above a long form: bring it into view when it appears.
    let section = NodeRef::<leptos::html::Section>::new();
    Effect::new(crate::state::effect(move |_| {
        if let Some(el) = section.get() {
            el.scroll_into_view();
        }
    }));
    view! {
        <section node_ref=section id="blocked" class="banner warning" role="alert" aria-labelledby="blocked-title">
            <p id="blocked-title"><strong>{txt(|t| t.guide_title)}</strong></p>
            <p>{txt(|t| t.guide_body)}</p>
            <ol class="guide-steps">
                <li>
                    <p>{txt(|t| t.guide_download)}</p>
                    {match releases.clone() {
                        Some(url) => leptos::either::Either::Left(view! {
                            <p><a id="download-app" class="button-link" href=url target="_blank" rel="noopener noreferrer">{txt(|t| t.guide_download_link)}</a>
                            " "<a id="open-app" href=format!("{LOCAL_APP}/") target="_blank" rel="noopener noreferrer">{txt(|t| t.guide_open_app)}</a></p>
                        }),
                        None => leptos::either::Either::Right(view! {
                            <p class="hint">{txt(|t| t.guide_releases_unknown)}" "
                            <a id="open-app" href=format!("{LOCAL_APP}/") target="_blank" rel="noopener noreferrer">{txt(|t| t.guide_open_app)}</a></p>
                        }),
                    }}
                </li>
                <li>
                    <p>{txt(|t| t.guide_local)}</p>
                    <button id="use-local-app" type="button" class="secondary"
                        disabled=move || checking.get()
                        on:click=crate::state::handler(move |_| { start_relay(LOCAL_APP.to_owned()); })>
                        {txt(|t| t.guide_use_local)}
                    </button>
                </li>
                <li>
                    <label for="relay-address">{txt(|t| t.guide_team)}</label>
                    <div class="inline-field">
                        <input id="relay-address" type="url" inputmode="url" bind:value=typed
                            placeholder="https://relay.example.com" autocomplete="off" spellcheck="false" />
                        <button id="use-relay" type="button" class="secondary"
                            disabled=move || checking.get() || typed.with(|t| t.trim().is_empty())
                            on:click=crate::state::handler(move |_| { start_relay(typed.get_untracked()); })>
                            {txt(|t| t.guide_use_relay)}
                        </button>
                    </div>
                </li>
            </ol>
            <p class="hint">{txt(|t| t.guide_permission)}</p>
            <p id="relay-check" class="field-error" role="status">
                {move || if checking.get() {
                    Some(ui.t().guide_checking.to_owned())
                } else {
                    answer.get().and_then(Result::err)
                }}
            </p>
        </section>
    }
}
