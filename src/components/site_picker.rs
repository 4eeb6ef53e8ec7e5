use leptos::prelude::*;

use crate::state::{txt, use_ui, Connection};
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
    let on_change = move |ev| {
        let site = SiteChoice::from_slug(&event_target_value(&ev));
        conn.site.set(site);
        // Picking any site by hand answers a pending link consent: the user chose.
        conn.consent_pending.set(None);
        save();
    };
    let custom_invalid = move || {
        conn.effective_site() == SiteChoice::Custom
            && conn.custom_base.with(|b| !b.trim().is_empty())
            && conn.base().is_none()
    };
    let local_label = move || {
        let t = ui.t();
        match conn
            .server
            .with(|s| s.as_ref().map(|s| (s.simulator, s.key_required)))
        {
            Some((true, false)) => t.site_local_sim,
            Some((true, true)) => t.site_local_sim_key,
            _ => t.site_local_relay,
        }
    };

    view! {
        <div class="field">
            <label for="site">{txt(|t| t.site_label)}</label>
            <select id="site" on:change=on_change prop:value=move || conn.effective_site().slug()>
                <option value="cn" selected=move || conn.effective_site() == SiteChoice::Cn>{txt(|t| t.site_cn)}</option>
                <option value="ai" selected=move || conn.effective_site() == SiteChoice::Ai>{txt(|t| t.site_ai)}</option>
                <Show when=move || conn.server.with(Option::is_some)>
                    <option value="local" selected=move || conn.effective_site() == SiteChoice::Local>{local_label}</option>
                </Show>
                <option value="custom" selected=move || conn.effective_site() == SiteChoice::Custom>{txt(|t| t.site_custom)}</option>
            </select>
            <p class="hint">{txt(|t| t.site_help)}</p>
        </div>
        <Show when=move || conn.effective_site() == SiteChoice::Custom>
            <div class="field">
                <label for="custom-base">{txt(|t| t.custom_base_label)}</label>
                <input id="custom-base" type="url" inputmode="url" bind:value=conn.custom_base
                    placeholder="http://127.0.0.1:8080" autocomplete="off" spellcheck="false"
                    on:change=move |_| save()
                    aria-invalid=move || custom_invalid().then_some("true") />
                <Show when=custom_invalid>
                    <p class="field-error">{txt(|t| t.custom_base_invalid)}</p>
                </Show>
            </div>
        </Show>
    }
}
