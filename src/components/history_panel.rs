use leptos::prelude::*;
use leptos::task::spawn_local;

use super::history_card::HistoryHead;
use super::job_text::{cost_text, phase_name};
use super::Viewer;
use crate::browser;
use crate::i18n::fill;
use crate::lifecycle::cost::Total;
use crate::lifecycle::share::SharedForm;
use crate::lifecycle::Phase;
use crate::picture;
use crate::state::{scoped_ui, txt, use_ui, Connection, HistoryVersion, Refill};
use crate::storage::journal::{self, JobRecord};

/// Which app a render used: the SketchUp app by name, others by id.
fn app_label(t: &'static crate::i18n::Texts, webapp_id: &str) -> String {
    if crate::lifecycle::form::is_su_app(webapp_id) {
        t.su_app_name.to_owned()
    } else {
        fill(t.other_app, &[webapp_id])
    }
}

fn phase_of(slug: &str) -> Phase {
    Phase::from_slug(slug).unwrap_or(Phase::Unknown)
}

/// How many of the newest renders the list shows, and how many more each "Show more" adds.
/// Twelve items are about two and a half screens of the results column in a 1280×1000 window
/// (an item is some 200 px tall): more than one scrolls through to find a recent render, while
/// older ones are a click away. What the page holds is then bounded by what is shown, not by
/// the journal: an item is about fifteen elements plus its own reactive state, a viewer and the
/// object URLs of its kept pictures, and the list used to build one for every render ever made,
/// again on every journal change (issue 6: no growth across 50 renders).
pub const PAGE: usize = 12;

/// Past renders, newest first (a part of the split build, shown by [`super::HistoryCard`]), from
/// the journal: view, use the settings again, keep the pictures on this device (they outlive
/// RunningHub's expiring links), check an unfinished task again, delete, or clear all. Shows the newest [`PAGE`], and a page more on request.
#[component]
pub fn HistoryPanel(
    /// Called to poll an unfinished task again.
    on_resume: Callback<JobRecord>,
) -> impl IntoView {
    let history = expect_context::<HistoryVersion>();
    // How many records the list shows: a page, and a page more for each "Show more".
    let limit = StoredValue::new(PAGE);
    // What is shown. `None` until the first read, so an empty note does not flash before the
    // list. Only the shown records are read, through a cursor on the journal's date index.
    let recent = RwSignal::new(None::<journal::Recent>);
    // Not a resource: "Show more" continues from the last record shown instead of reading the
    // list again, and a journal change reads the newest `limit` again. Reads are counted, so a
    // read that another has overtaken is dropped (see `reload` and `show_more`).
    let reads = StoredValue::new(0u32);
    let again = Trigger::new();
    // How many renders the journal holds, for "12 of 40": counted after a page is shown (the
    // database counts every row), so the first picture does not wait for it.
    let total = RwSignal::new(None::<usize>);
    let count = move || {
        spawn_local(async move {
            let n = journal::count().await;
            total.try_set(Some(n));
        })
    };
    let reload = move || {
        let n = reads.get_value().wrapping_add(1);
        reads.set_value(n);
        let want = limit.get_value();
        spawn_local(async move {
            let page = journal::page(None, want).await;
            if reads.try_get_value() != Some(n) {
                return;
            }
            if limit.try_get_value() == Some(want) {
                recent.try_set(Some(page));
                count();
            } else {
                // "Show more" was pressed meanwhile: read the longer list.
                again.notify();
            }
        });
    };
    Effect::new(crate::state::effect(move |_| {
        history.0.track();
        again.track();
        reload();
    }));
    let show_more = move |_| {
        let n = reads.get_value();
        limit.update_value(|l| *l += PAGE);
        let last = recent.with_untracked(|r| r.as_ref().and_then(|r| r.records.last().cloned()));
        spawn_local(async move {
            let page = journal::page(last.as_ref(), PAGE).await;
            // A reload started since reads the longer list itself.
            if reads.try_get_value() == Some(n) {
                recent.try_update(|r| {
                    if let Some(r) = r {
                        r.more = page.more;
                        journal::append_page(&mut r.records, page.records);
                    }
                });
                count();
            }
        });
    };
    let records = Memo::new(move |_| {
        recent.with(|r| r.as_ref().map(|r| r.records.clone()).unwrap_or_default())
    });
    let shown = move || records.with(Vec::len);
    let any = move || records.with(|r| !r.is_empty());
    let more = move || recent.with(|r| r.as_ref().is_some_and(|r| r.more));
    // Not before the first read, so the note does not flash before the list.
    let empty =
        move || recent.with(|r| r.as_ref().is_some_and(|r| r.records.is_empty() && !r.more));
    // What the renders shown cost, summed (each in the currency its site's account told; when
    // they differ, the money is left out of the sum).
    let spent = Memo::new(move |_| {
        records.with(|list| {
            let mut total = Total::default();
            let mut measured = 0;
            for r in list {
                let cost = Total::of(&r.usage());
                if !cost.is_empty() {
                    measured += 1;
                    total.add(&r.usage());
                }
            }
            let currencies: Vec<&str> = list.iter().filter_map(|r| r.currency.as_deref()).collect();
            let currency = currencies
                .first()
                .filter(|c| currencies.iter().all(|o| o == *c))
                .map(|c| c.to_string());
            (measured > 0).then_some((measured, total, currency))
        })
    });
    let bump = move || history.0.update(|v| *v += 1);
    let ui = use_ui();
    let clear = move |_| {
        if browser::confirm(ui.t().clear_confirm) {
            spawn_local(async move {
                let _ = journal::clear_all().await;
                // The next start-up need not fetch this list's part.
                crate::storage::settings::note_history_seen(false);
                limit.try_set_value(PAGE);
                bump();
            });
        }
    };
    view! {
        <section class="card history" aria-labelledby="history-title">
            <HistoryHead>
                <Show when=crate::state::show_if(any)>
                    <button id="clear-history" type="button" class="secondary" on:click=crate::state::handler(clear)>{txt(|t| t.clear_history)}</button>
                </Show>
            </HistoryHead>
            <Show when=crate::state::show_if(empty)>
                <p class="hint" id="history-empty">{txt(|t| t.history_empty)}</p>
            </Show>
            <Show when=crate::state::show_if(any)>
                <ul id="history" class="history-list">
                    // One row per record, kept while the record is shown: Leptos' `For` keeps a
                    // little bookkeeping for every row it ever made, so rows are made per record
                    // (one per render), not per change. A row's content is rebuilt when its
                    // record changes, and nothing is rebuilt when others change.
                    <For each=move || records.get() key=|r| r.id.clone() let:record>
                        {
                            let id = record.id;
                            let current = Memo::new(move |_| {
                                records.with(|list| list.iter().find(|r| r.id == id).cloned())
                            });
                            move || current.get().map(|record| view! { <HistoryItem record on_resume /> })
                        }
                    </For>
                </ul>
            </Show>
            {move || spent.get().and_then(|(count, sum, currency)| {
                cost_text(ui.t(), &sum, currency.as_deref()).map(|text| view! {
                    <p id="history-total" class="cost">{fill(ui.t().history_total, &[&count.to_string(), &text])}</p>
                })
            })}
            <Show when=crate::state::show_if(more)>
                <div class="history-more">
                    <p id="history-count" class="hint">
                        {move || total.get().map(|total| fill(ui.t().history_count, &[&shown().to_string(), &total.to_string()]))}
                    </p>
                    <button id="history-more" type="button" class="secondary" on:click=crate::state::handler(show_more)>
                        {txt(|t| t.show_more)}
                    </button>
                </div>
            </Show>
        </section>
    }
}

/// One past render.
#[component]
fn HistoryItem(record: JobRecord, on_resume: Callback<JobRecord>) -> impl IntoView {
    // Its texts follow a copy of the language that goes with the item (see `scoped_ui`).
    let ui = scoped_ui();
    let history = expect_context::<HistoryVersion>();
    let refill = expect_context::<Refill>();
    let record = StoredValue::new(record);
    let images: Vec<String> = record.with_value(|r| {
        r.output_files()
            .into_iter()
            .filter(|o| o.is_image())
            .map(|o| o.file_url)
            .collect()
    });
    let first = images.first().cloned();
    // Kept pictures show from this device, so they still show after the link has expired.
    let kept_urls = RwSignal::new(Vec::<(String, String)>::new());
    {
        let kept = record.with_value(|r| r.kept.clone());
        spawn_local(async move {
            let mut found = Vec::new();
            for url in kept {
                if let Some(local) = journal::kept_file(&url)
                    .await
                    .and_then(|b| picture::object_url(&b))
                {
                    found.push((url, local));
                }
            }
            // The item may have gone while the files were read (it is rebuilt whenever its
            // record changes, and the list used to rebuild every item on every journal change):
            // then nobody revokes these URLs, and each kept its whole picture alive in the
            // browser until the page closed.
            if let Some(orphans) = kept_urls.try_set(found) {
                for (_, local) in orphans {
                    picture::revoke(&local);
                }
            }
        });
    }
    let source_url = RwSignal::new(None::<String>);
    if record.with_value(|r| r.source_kept) {
        let key = record.with_value(JobRecord::source_key);
        spawn_local(async move {
            let url = journal::kept_file(&key)
                .await
                .and_then(|b| picture::object_url(&b));
            // As above: revoked here when the item went during the read.
            if let Some(Some(orphan)) = source_url.try_set(url) {
                picture::revoke(&orphan);
            }
        });
    }
    on_cleanup(move || {
        for (_, local) in kept_urls.try_get_untracked().unwrap_or_default() {
            picture::revoke(&local);
        }
        if let Some(url) = source_url.try_get_untracked().flatten() {
            picture::revoke(&url);
        }
    });
    let shown = move |url: &str| {
        kept_urls
            .with(|k| k.iter().find(|(u, _)| u == url).map(|(_, l)| l.clone()))
            .unwrap_or_else(|| url.to_owned())
    };
    let viewer_urls = {
        let images = images.clone();
        Signal::derive(move || images.iter().map(|u| shown(u)).collect::<Vec<_>>())
    };
    let viewing = RwSignal::new(None::<usize>);
    let keep_error = RwSignal::new(false);
    let keeping = RwSignal::new(false);

    let keep = move |_| {
        keeping.set(true);
        spawn_local(async move {
            let mut record = record.get_value();
            let all = journal::keep_outputs(&mut record).await;
            keeping.try_set(false);
            keep_error.try_set(!all);
            history.0.try_update(|v| *v += 1);
        });
    };
    // A render set: the pictures (kept ones from this device, others fetched when the host
    // allows) and a JSON recipe of how it was made. Never the key.
    let export = {
        let images = images.clone();
        move |_| {
            let images = images.clone();
            spawn_local(async move {
                let r = record.get_value();
                let mut files = Vec::new();
                let mut missing = Vec::new();
                for (i, url) in images.iter().enumerate() {
                    let blob = match journal::kept_file(url).await {
                        Some(blob) => Some(blob),
                        None => browser::fetch_blob(url).await,
                    };
                    let bytes = match blob {
                        Some(blob) => browser::blob_bytes(&blob).await,
                        None => None,
                    };
                    let name = crate::lifecycle::prepare::render_file_name(
                        r.source_name.as_deref(),
                        "set",
                        i,
                        url,
                        "",
                    );
                    match bytes {
                        Some(bytes) => files.push((name, bytes)),
                        None => missing.push(url.clone()),
                    }
                }
                let created = browser::local_date_time(r.created_ms, "en");
                let recipe = r.recipe(&created, missing).into_bytes();
                files.insert(0, ("recipe.json".to_owned(), recipe));
                let stem = r
                    .source_name
                    .as_deref()
                    .and_then(|n| n.rsplit_once('.').map(|(s, _)| s.to_owned()))
                    .unwrap_or_else(|| "su-render".into());
                browser::save_bytes(
                    &crate::storage::zip::zip(&files),
                    &format!("{stem}-render-set-{}.zip", browser::today()),
                );
            });
        }
    };
    let delete = move |_| {
        spawn_local(async move {
            let _ = journal::delete(&record.get_value()).await;
            history.0.try_update(|v| *v += 1);
        });
    };
    let reuse = move |_| {
        let r = record.get_value();
        refill.0.set(Some(SharedForm {
            api: Some(r.base.clone()),
            webapp_id: Some(r.webapp_id.clone()),
            nodes: r
                .nodes
                .iter()
                .map(|n| {
                    let value = n
                        .field_value
                        .as_str()
                        .unwrap_or_else(|| n.field_value.json().to_owned());
                    (n.node_id.clone(), n.field_name.clone(), value)
                })
                .collect(),
            instance_type: r.instance_type.clone(),
        }));
    };

    let r = record.get_value();
    let phase = phase_of(&r.phase);
    let all_kept = !images.is_empty() && images.iter().all(|u| r.kept.contains(u));
    let can_resume = r.unfinished() && r.task_id.is_some();
    // Where the key has to come from the user (a real site, a relay, a simulator that wants
    // one) and none is at hand, the row says what it waits for.
    let needs_key = {
        let conn = expect_context::<Connection>();
        let base = r.base.clone();
        move || can_resume && conn.target_for(&base).is_err()
    };
    // What it waits for: a key, or (for a server that is not RunningHub) the user's word before
    // the key goes there.
    let waits_for = {
        let conn = use_context::<Connection>();
        let base = r.base.clone();
        move || match crate::driver::waits_for_consent(conn, &base) {
            Some(true) => fill(ui.t().resume_refused, &[&base]),
            Some(false) => fill(ui.t().resume_needs_consent, &[&base]),
            None => ui.t().resume_needs_key.to_owned(),
        }
    };
    let resume_conn = use_context::<Connection>();
    let when = r.created_ms;
    let app = r.webapp_id.clone();
    let cost = Total::of(&r.usage());
    let currency = r.currency.clone();
    view! {
        <li class="history-item" data-id=r.id.clone() data-phase=phase.slug()>
            <div class="thumbs">
            {match first.clone() {
                Some(url) => leptos::either::Either::Left(view! {
                    <button type="button" class="thumb" title=txt(|t| t.open_item) on:click=crate::state::handler(move |_| viewing.set(Some(0)))>
                        <img src=move || shown(&url) alt="" loading="lazy" referrerpolicy="no-referrer" />
                    </button>
                }),
                None => leptos::either::Either::Right(view! { <div class="thumb empty-thumb" aria-hidden="true"></div> }),
            }}
            {move || source_url.get().map(|url| view! {
                <img class="source-thumb" src=url alt=txt(|t| t.before) title=txt(|t| t.before) />
            })}
            </div>
            <div class="history-info">
                <p class="history-state"><span class="dot" aria-hidden="true"></span>{move || phase_name(ui.t(), phase)}</p>
                <p class="hint history-app">{move || app_label(ui.t(), &app)}</p>
                <p class="hint">
                    {move || browser::local_date_time(when, ui.lang.get().tag())}
                    {match r.sketchup.clone() {
                        // Model and scene, rather than the file name made of them.
                        Some(names) => leptos::either::Either::Left(view! {
                            " · "<span class="history-sketchup">{move || fill(ui.t().from_sketchup, &[&names.label()])}</span>
                        }),
                        None => leptos::either::Either::Right(r.source_name.clone().map(|n| format!(" · {n}"))),
                    }}
                </p>
                <p class="hint history-cost">
                    {move || cost_text(ui.t(), &cost, currency.as_deref())}
                </p>
                <Show when=crate::state::show_if(needs_key)>
                    <p class="hint needs-key">{waits_for.clone()}</p>
                </Show>
                <div class="actions small">
                    {can_resume.then(|| view! {
                        <button type="button" class="secondary resume" on:click=crate::state::handler(move |_| {
                            // Asked again: a refusal of its server this visit no longer stands.
                            let asked = record.get_value();
                            if let Some(conn) = resume_conn {
                                conn.answers.update(|a| a.retain(|(b, allowed)| *allowed || *b != asked.base));
                            }
                            on_resume.run(asked);
                        })>{txt(|t| t.resume)}</button>
                    })}
                    <button type="button" class="secondary reuse" on:click=crate::state::handler(reuse)>{txt(|t| t.reuse)}</button>
                    {(!images.is_empty()).then(|| if all_kept {
                        leptos::either::Either::Left(view! { <span class="kept">{txt(|t| t.kept)}</span> })
                    } else {
                        leptos::either::Either::Right(view! {
                            <button type="button" class="secondary keep" disabled=move || keeping.get() on:click=crate::state::handler(keep)>{txt(|t| t.keep)}</button>
                        })
                    })}
                    {(!images.is_empty()).then(|| view! {
                        <button type="button" class="secondary export" on:click=crate::state::handler(export.clone())>{txt(|t| t.export_set)}</button>
                    })}
                    <button type="button" class="secondary delete" on:click=crate::state::handler(delete)>{txt(|t| t.delete_item)}</button>
                </div>
                <Show when=crate::state::show_if(move || keep_error.get())>
                    // With our server at hand a failure means the link itself is gone; without
                    // one, the host's missing CORS headers are the likely reason.
                    <p class="field-error keep-error">{move || if browser::has_file_proxy() { ui.t().keep_failed } else { ui.t().keep_needs_app }}</p>
                </Show>
            </div>
            <Viewer urls=viewer_urls index=viewing />
        </li>
    }
}
