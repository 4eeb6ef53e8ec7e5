use leptos::prelude::*;

use crate::i18n::fill;
use crate::state::{txt, use_ui, Connection, ConsentFor};
use crate::storage::{Settings, SiteChoice};

/// Which API to talk to: RunningHub China, International, this server (simulator or relay), or
/// a custom base URL.
#[component]
pub fn SitePicker() -> impl IntoView {
    let ui = use_ui();
    let conn = expect_context::<Connection>();

    let save = move || {
        let mut saved = Settings::load();
        saved.site = conn.site.get_untracked();
        saved.custom_base = conn.custom_base.get_untracked();
        saved.save();
    };
    // Picking any site by hand answers a pending link consent (see `Connection::choose_site`).
    let on_change = move |ev| conn.choose_site(SiteChoice::from_slug(&event_target_value(&ev)));
    let custom_invalid = move || {
        conn.effective_site() == SiteChoice::Custom
            && conn.custom_base.with(|b| !b.trim().is_empty())
            && conn.base().is_none()
    };
    let simulator_here = move || {
        conn.server
            .with(|s| s.as_ref().is_some_and(|s| s.simulator))
    };
    // The simulator says whether it takes any key or only one (as a real site would).
    let local_label = move || {
        let t = ui.t();
        if conn
            .server
            .with(|s| s.as_ref().is_some_and(|s| s.key_required))
        {
            t.site_local_sim_key
        } else {
            t.site_local_sim
        }
    };
    let runninghub = move || matches!(conn.effective_site(), SiteChoice::Cn | SiteChoice::Ai);
    // The relay the two RunningHub sites go through: this page's own server, or one the user
    // chose (which can be dropped here).
    let via = move || {
        runninghub()
            .then(|| conn.via())
            .flatten()
            .map(|_| conn.chosen_relay())
    };
    let stop_relay = move |_| {
        conn.relay.set(String::new());
        // Dropped before it was allowed: nothing is left to ask about.
        if matches!(conn.consent_for.get_untracked(), ConsentFor::Relay { .. }) {
            conn.consent_pending.set(None);
        }
        let mut saved = Settings::load();
        saved.relay = String::new();
        saved.save();
    };

    view! {
        <div class="field">
            <label for="site">{txt(|t| t.site_label)}</label>
            <select id="site" on:change=crate::state::handler(on_change) prop:value=move || conn.effective_site().slug()>
                <option value="cn" selected=move || conn.effective_site() == SiteChoice::Cn>{txt(|t| t.site_cn)}</option>
                <option value="ai" selected=move || conn.effective_site() == SiteChoice::Ai>{txt(|t| t.site_ai)}</option>
                <Show when=crate::state::show_if(simulator_here)>
                    <option value="local" selected=move || conn.effective_site() == SiteChoice::Local>{move || local_label()}</option>
                </Show>
                <option value="custom" selected=move || conn.effective_site() == SiteChoice::Custom>{txt(|t| t.site_custom)}</option>
            </select>
            <p class="hint">{txt(|t| t.site_help)}</p>
            {move || via().map(|chosen| match chosen {
                None => leptos::either::Either::Left(view! {
                    <p id="via" class="hint via" data-via="this">{txt(|t| t.via_this_relay)}</p>
                }),
                Some(relay) => leptos::either::Either::Right(view! {
                    <p id="via" class="hint via" data-via=relay.clone()>
                        {let relay = relay.clone();
                        move || fill(ui.t().via_relay, &[&relay])}" "
                        <button id="relay-stop" type="button" class="link-button" on:click=crate::state::handler(stop_relay)>{txt(|t| t.relay_stop)}</button>
                    </p>
                }),
            })}
        </div>
        <Show when=crate::state::show_if(move || conn.effective_site() == SiteChoice::Custom)>
            <div class="field">
                <label for="custom-base">{txt(|t| t.custom_base_label)}</label>
                <input id="custom-base" type="url" inputmode="url" bind:value=conn.custom_base
                    placeholder="http://127.0.0.1:8080" autocomplete="off" spellcheck="false"
                    on:change=crate::state::handler(move |_| save())
                    aria-invalid=move || custom_invalid().then_some("true") />
                <Show when=crate::state::show_if(custom_invalid)>
                    <p class="field-error">{txt(|t| t.custom_base_invalid)}</p>
                </Show>
            </div>
        </Show>
    }
}
