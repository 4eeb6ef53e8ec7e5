use leptos::prelude::*;

use crate::state::{txt, Connection};
use crate::storage::{Settings, SiteChoice};

/// Shown (as a part of the split build, while a server waits for consent) when a link, or the
/// blocked-call guide, points the app at a server that is not RunningHub: the address is shown
/// in full, and no request (so no key) goes there until the user trusts it.
#[component]
pub fn ConsentBanner() -> impl IntoView {
    let conn = expect_context::<Connection>();
    view! {
        <section id="consent" class="banner warning" role="alertdialog" aria-labelledby="consent-title" aria-describedby="consent-body">
            <p id="consent-title"><strong>{txt(|t| t.consent_title)}</strong></p>
            <p class="consent-url"><code>{move || conn.consent_pending.get().unwrap_or_default()}</code></p>
            <p id="consent-body">{txt(|t| t.consent_body)}</p>
            <div class="actions">
                <button id="consent-allow" type="button" class="secondary"
                    on:click=crate::state::handler(move |_| conn.consent_pending.set(None))>
                    {txt(|t| t.consent_allow)}
                </button>
                <button id="consent-reject" type="button"
                    on:click=crate::state::handler(move |_| {
                        let refused = conn.consent_pending.get_untracked();
                        conn.consent_pending.set(None);
                        if refused.is_some() && conn.chosen_relay() == refused {
                            // A relay picked in the blocked-call guide: calls go direct again.
                            conn.relay.set(String::new());
                            let mut saved = Settings::load();
                            saved.relay = String::new();
                            saved.save();
                        } else {
                            conn.custom_base.set(String::new());
                            conn.site.set(Some(SiteChoice::Cn));
                        }
                    })>
                    {txt(|t| t.consent_reject)}
                </button>
            </div>
        </section>
    }
}
