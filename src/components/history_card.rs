use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::parts;
use crate::state::{txt, HistoryVersion};
use crate::storage::journal::{self, JobRecord};
use crate::storage::{settings, Settings};

/// The history card. Until the journal holds a render, it is its head and "No renders yet",
/// without the list's code: the list ([`super::HistoryPanel`]) is a part of the split build,
/// fetched once there is something to list (issue 12: a first visit fetches the first view
/// only). Once shown, the list stays, and says itself when it is emptied.
#[component]
pub fn HistoryCard(
    /// Called to poll an unfinished task again.
    on_resume: Callback<JobRecord>,
) -> impl IntoView {
    let history = expect_context::<HistoryVersion>();
    // `None` until the journal was read, so the note does not flash before the list. A journal
    // that held renders last time is listed at once (the list reads it itself).
    let any = RwSignal::new(settings::history_seen().then_some(true));
    Effect::new(crate::state::effect(move |_| {
        history.0.track();
        if any.get_untracked() != Some(true) {
            spawn_local(async move {
                // The newest record through the date index: counting reads every row, and took
                // a 5,000-render journal's start-up from 1.11x to 1.30x a 1-render one (bench).
                let found = !journal::page(None, 1).await.records.is_empty();
                if found {
                    settings::note_history_seen(true);
                }
                any.try_set(Some(found));
            });
        }
    }));
    move || match any.get() {
        Some(true) => Either::Left(parts::history(on_resume)),
        counted => Either::Right(view! {
            <section class="card history" aria-labelledby="history-title">
                <HistoryHead />
                {(counted == Some(false)).then(|| view! {
                    <p class="hint" id="history-empty">{txt(|t| t.history_empty)}</p>
                })}
            </section>
        }),
    }
}

/// The history card's title and the "keep pictures" setting, and whatever the list adds there.
#[component]
pub fn HistoryHead(
    /// Shown after the setting (the list's "Clear").
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let auto_keep = RwSignal::new(Settings::load().auto_keep);
    let on_auto_keep = move |_| {
        let mut saved = Settings::load();
        saved.auto_keep = auto_keep.get_untracked();
        saved.save();
    };
    view! {
        <div class="history-head">
            <h2 id="history-title">{txt(|t| t.history_title)}</h2>
            <label class="check auto-keep">
                <input id="auto-keep" type="checkbox" bind:checked=auto_keep on:change=crate::state::handler(on_auto_keep) />
                <span>{txt(|t| t.auto_keep)}</span>
            </label>
            {children.map(|c| c())}
        </div>
    }
}
