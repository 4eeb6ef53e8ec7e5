use leptos::prelude::*;

use crate::state::{txt, use_ui, Connection, ConsentFor};
use crate::storage::{Settings, SiteChoice};

/// Shown (as a part of the split build, while a server waits for consent) when a link, the
/// blocked-call guide, or a render from the journal points the app at a server that is not
/// RunningHub: the address is shown in full, and no request (so no key) goes there until the
/// user trusts it. A relay from the guide is saved only once allowed.
#[component]
pub fn ConsentBanner() -> impl IntoView {
    let ui = use_ui();
    let conn = expect_context::<Connection>();
    let allow = move |_| {
        let allowed = conn.consent_pending.get_untracked();
        match conn.consent_for.get_untracked() {
            ConsentFor::Relay { .. } => {
                // The guide's relay is remembered from now on (it is not a secret).
                let mut saved = Settings::load();
                saved.relay = conn.relay.get_untracked();
                saved.site = conn.site.get_untracked();
                saved.save();
            }
            ConsentFor::Resume => answer(conn, allowed.clone(), true),
            ConsentFor::Link => {}
        }
        conn.consent_pending.set(None);
    };
    let reject = move |_| {
        let refused = conn.consent_pending.get_untracked();
        match conn.consent_for.get_untracked() {
            ConsentFor::Relay { site_before } => {
                // As before the guide's choice: the settings were never touched.
                conn.relay.set(Settings::load().relay);
                conn.site.set(site_before);
            }
            ConsentFor::Resume => answer(conn, refused, false),
            ConsentFor::Link => {
                conn.custom_base.set(String::new());
                conn.site.set(Some(SiteChoice::Cn));
            }
        }
        conn.consent_pending.set(None);
    };
    let body = move || match conn.consent_for.get() {
        ConsentFor::Resume => ui.t().consent_body_resume,
        _ => ui.t().consent_body,
    };
    let reject_label = move || {
        let t = ui.t();
        match conn.consent_for.get() {
            ConsentFor::Link => t.consent_reject,
            ConsentFor::Relay { .. } => t.consent_reject_relay,
            ConsentFor::Resume => t.consent_reject_resume,
        }
    };
    view! {
        <section id="consent" class="banner warning" role="alertdialog" aria-labelledby="consent-title" aria-describedby="consent-body"
            data-for=move || match conn.consent_for.get() {
                ConsentFor::Link => "link",
                ConsentFor::Relay { .. } => "relay",
                ConsentFor::Resume => "resume",
            }>
            <p id="consent-title"><strong>{txt(|t| t.consent_title)}</strong></p>
            <p class="consent-url"><code>{move || conn.consent_pending.get().unwrap_or_default()}</code></p>
            <p id="consent-body">{body}</p>
            <div class="actions">
                <button id="consent-allow" type="button" class="secondary"
                    on:click=crate::state::handler(allow)>
                    {txt(|t| t.consent_allow)}
                </button>
                <button id="consent-reject" type="button" on:click=crate::state::handler(reject)>
                    {reject_label}
                </button>
            </div>
        </section>
    }
}

/// Notes the user's answer about sending the key to a journaled render's server.
fn answer(conn: Connection, base: Option<String>, allowed: bool) {
    if let Some(base) = base {
        conn.answers.update(|answers| {
            answers.retain(|(b, _)| *b != base);
            answers.push((base, allowed));
        });
    }
}
