//! SU Render: a SketchUp screenshot in, a photorealistic rendering out, through RunningHub's AI
//! app "SU截图转效果图", straight from the browser.
//!
//! Layers, each using only those above it in this list:
//! - [`protocol`]: RunningHub's API (types, codes, parsing, calls); no Leptos.
//! - [`lifecycle`]: a job's states, poll schedule and retry decisions; pure Rust.
//! - [`storage`]: what is kept in the browser.
//! - [`state`] and [`i18n`]: the page's shared state and its words.
//! - [`driver`]: a render under way (sent, polled, journaled, cancelled, resumed); no view.
//! - [`components`]: the page's views.

pub mod browser;
pub mod components;
pub mod driver;
pub mod i18n;
pub mod lifecycle;
pub mod picture;
pub mod protocol;
pub mod state;
pub mod storage;

use std::sync::Arc;

use leptos::prelude::*;

use crate::state::txt;
use leptos::task::spawn_local;

use components::parts::{self, JobPart};
use components::{AccountCheck, HistoryCard, KeyField, LangSwitch, RenderForm, SitePicker};
use i18n::Lang;
use lifecycle::Job;
use protocol::local_server::fetch_server_info;
use state::{Connection, HistoryVersion, RenderRequest, Ui};
use storage::journal::JobRecord;
use storage::Settings;

/// The render in view.
#[derive(Clone)]
struct Current {
    /// Changes with every render, so the job view is rebuilt (and its loops restarted).
    id: u64,
    job: RwSignal<Job>,
    request: Arc<RenderRequest>,
    record: JobRecord,
    /// A task from the journal waiting for the user's key: shown, not polled.
    hold: bool,
}

/// The language the page starts in: the saved choice, else the browser's.
pub fn initial_lang(saved: &Settings) -> Lang {
    Lang::pick(saved.lang.as_deref(), &browser::languages())
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let saved = Settings::load();
    let lang = initial_lang(&saved);
    // English could not be fetched (see `main`): Chinese until the switch fetches it.
    let lang = if lang == Lang::En && i18n::english().is_none() {
        Lang::Zh
    } else {
        lang
    };
    let ui = Ui {
        lang: RwSignal::new(lang),
    };
    provide_context(ui);
    state::LangCopies::provide(ui);
    let conn = Connection::new(&saved);
    provide_context(conn);
    // A share link fills the form (a foreign base URL still waits for consent) or shows a result.
    let link = lifecycle::share::Shared::from_fragment(&browser::fragment());
    if let Some(lifecycle::share::Shared::Form(form)) = &link {
        if let Some(api) = &form.api {
            conn.apply_link_base(&state::link_base(api));
        }
    }
    let shared_result = match &link {
        Some(lifecycle::share::Shared::Result(result)) => Some(result.clone()),
        _ => None,
    };
    provide_context(state::LinkStart(link));

    let history = HistoryVersion(RwSignal::new(0));
    provide_context(history);
    let refill = state::Refill(RwSignal::new(None));
    provide_context(refill);
    let current = RwSignal::new(None::<Current>);
    // Job signals belong to the page, not to whatever started the job: a signal is owned by the
    // owner current when it is made, and a render starts in the form's submit handler (whose
    // owner lives as long as the page, so every finished job stayed in memory for good), "Check
    // again" in a history item (whose owner goes as soon as the job rewrites the item's record:
    // the signal was disposed under the job view still driving it). The job view below disposes
    // its job when it goes.
    let page = StoredValue::new(Owner::current().unwrap_or_default());
    let new_job = move |job: Job| page.get_value().with(|| RwSignal::new(job));
    // The batch in view: (a number that changes with every batch, the batch).
    let batch = RwSignal::new(None::<(u64, Arc<state::BatchRequest>)>);
    let progress = state::BatchProgress(RwSignal::new(None));
    provide_context(progress);
    let live = state::LiveProgress(RwSignal::new(None));
    provide_context(live);
    // Pictures from the SketchUp inbox, from its part to the form.
    let from_inbox = state::FromInbox::new();
    let sketchup_opened = RwSignal::new(false);
    let inbox = move || conn.server.with(|s| s.as_ref().is_some_and(|s| s.inbox));

    // A task from the journal, polled again (never run again); held while it waits for a key.
    let resumed = move |record: JobRecord, phase: lifecycle::Phase| -> Option<Current> {
        let driver::resume::Resumed { job, request, hold } =
            driver::resume::resume(conn, &record, phase)?;
        let id = current.with_untracked(|c| c.as_ref().map_or(0, |c| c.id + 1));
        Some(Current {
            id,
            job: new_job(job),
            request: Arc::new(request),
            record,
            hold,
        })
    };
    let resume = move |record: JobRecord, phase: lifecycle::Phase| {
        if let Some(next) = resumed(record, phase) {
            current.set(Some(next));
        }
    };
    // Older unfinished tasks found after a reload: polled too, each in a row of its own.
    let others = RwSignal::new(Vec::<Current>::new());

    // Ask whether the page came from our own server (simulator or relay; elsewhere this 404s),
    // then pick up where the last visit left off.
    spawn_local(async move {
        conn.server.set(fetch_server_info("").await);
        // Only the records a reload has to look at, through the journal's index (newest first):
        // the start-up does not grow with the history. (This loop is here, not a function of
        // `driver::resume`: awaited as a future of its own it added 0.2 KiB gzip to the first
        // load, measured with `cargo xtask budget`.)
        let mut newest = None;
        let mut older = Vec::new();
        let mut rewritten = false;
        for mut record in storage::journal::load_live().await {
            match record.after_reload() {
                // The newest unfinished task goes back on screen; older ones in rows of their own.
                Some(phase) if newest.is_none() => newest = Some((record, phase)),
                Some(phase) => older.push((record, phase)),
                // A run whose answer never came: unknown, unless another tab is sending it now.
                None => {
                    if let Some(_free) =
                        browser::try_lock(&format!("su-render-job-{}", record.id)).await
                    {
                        rewritten |= storage::journal::save(&record).await.is_ok();
                    }
                }
            }
        }
        if let Some((record, phase)) = newest {
            resume(record, phase);
        }
        let rows: Vec<Current> = older
            .into_iter()
            .filter_map(|(record, phase)| resumed(record, phase))
            .enumerate()
            .map(|(i, mut row)| {
                // Distinct ids, so that the rows are told apart.
                row.id += 1000 + i as u64;
                row
            })
            .collect();
        others.set(rows);
        // The history has read the journal already; again only if a record changed here.
        if rewritten {
            history.0.update(|v| *v += 1);
        }
    });

    // A key typed (or a site picked) for tasks that wait for one: each is polled from now on.
    // No button: a well-formed key is enough. A task is never run again, only polled.
    let unhold = move |held: &Current| -> Option<Current> {
        let phase = held.job.with_untracked(|j| j.phase);
        let mut next = resumed(held.record.clone(), phase)?;
        if next.hold {
            next.job.dispose();
            return None;
        }
        // The held job goes with its view (the main view disposes it; a held row's few signals
        // stay with the page, which makes at most a handful of them after a reload).
        next.id = held.id + 1;
        Some(next)
    };
    Effect::new(crate::state::effect(move |_| {
        // Tracks the connection (through `resumed`) while anything waits.
        let held = current.with(|c| c.clone().filter(|c| c.hold));
        if let Some(next) = held.as_ref().and_then(unhold) {
            current.set(Some(next));
        }
        if others.with(|rows| rows.iter().any(|r| r.hold)) {
            let rows = others.get_untracked();
            let mut changed = false;
            let next: Vec<Current> = rows
                .into_iter()
                .map(|row| match row.hold.then(|| unhold(&row)).flatten() {
                    Some(next) => {
                        changed = true;
                        next
                    }
                    None => row,
                })
                .collect();
            if changed {
                others.set(next);
            }
        }
    }));

    // Result files whose host refuses the page are fetched through our server, when there is one.
    Effect::new(crate::state::effect(move |_| {
        browser::set_file_proxy(conn.file_proxy())
    }));

    Effect::new(crate::state::effect(move |_| {
        let lang = ui.lang.get();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.tag());
        }
        // The tab tells how the render goes while the user is elsewhere.
        let phase = current.with(|c| c.as_ref().map(|c| c.job.with(|j| j.phase)));
        let title = match (progress.0.get(), phase) {
            (Some((done, total)), _) => format!(
                "{} · SU Render",
                i18n::fill(
                    lang.texts().title_progress,
                    &[&done.to_string(), &total.to_string()]
                )
            ),
            (None, phase) => match phase {
                Some(p) if !p.is_final() || p == lifecycle::Phase::Succeeded => {
                    // The socket's progress, while the render runs: "42% · Rendering".
                    let percent = live.0.get().map(|pct| format!("{pct}% · "));
                    format!(
                        "{}{} · SU Render",
                        percent.unwrap_or_default(),
                        components::job_text::phase_name(lang.texts(), p)
                    )
                }
                _ => format!("SU Render · {}", lang.texts().tagline),
            },
        };
        document().set_title(&title);
    }));

    // A render held back (waiting for a key, or for the user's word about its server) is not
    // under way: nothing of it is in flight, so it does not hold up a new one.
    let busy = Signal::derive(move || {
        current.with(|c| {
            c.as_ref()
                .is_some_and(|c| !c.hold && !c.job.with(|j| j.phase.is_final()))
        })
    });
    let on_render = Callback::new(move |request: RenderRequest| {
        let now = browser::now_ms();
        let job = new_job(Job::new(now, &request.target.plan));
        let id = current.with_untracked(|c| c.as_ref().map_or(0, |c| c.id + 1));
        let record = request.new_record(now);
        current.set(Some(Current {
            id,
            job,
            request: Arc::new(request),
            record,
            hold: false,
        }));
    });
    let on_batch = Callback::new(move |request: state::BatchRequest| {
        let id = batch.with_untracked(|b| b.as_ref().map_or(0, |b| b.0 + 1));
        batch.set(Some((id, Arc::new(request))));
    });
    let on_resume = Callback::new(move |record: JobRecord| {
        // The user asked: poll it again.
        if let Some(phase) = driver::resume::checked_again(&record) {
            resume(record, phase);
        }
    });

    view! {
        <header class="top">
            <div class="brand">
                <h1>"SU Render"</h1>
                <p class="tagline">{txt(|t| t.tagline)}</p>
            </div>
            <div class="top-actions">
                <Show when=crate::state::show_if(move || conn.is_simulator())>
                    <span class="badge">{txt(|t| t.sim_badge)}</span>
                </Show>
                <LangSwitch />
            </div>
        </header>
        <main class="layout">
            <div class="inputs">
                <Show when=crate::state::show_if(move || conn.consent_pending.with(Option::is_some))>
                    {parts::consent()}
                </Show>
                <Show when=crate::state::show_if(move || conn.guide_shown())>
                    {parts::blocked_guide()}
                </Show>
                <section class="card connection" aria-labelledby="connection-title">
                    <h2 id="connection-title">{txt(|t| t.connection_title)}</h2>
                    <SitePicker />
                    <KeyField />
                    <AccountCheck />
                </section>
                <RenderForm on_render busy on_batch from_inbox />
                // The app on this computer follows its SketchUp inbox at once (open); elsewhere
                // (the Pages copy) this says how to get the extension, fetched when opened.
                <details id="sketchup" class="card more sketchup" open=inbox
                    on:toggle=crate::state::handler(move |_| sketchup_opened.set(true))>
                    <summary>{txt(|t| t.sketchup_title)}</summary>
                    {move || (sketchup_opened.get() || inbox()).then(|| parts::sketchup(busy, from_inbox))}
                </details>
            </div>
            <div class="results">
                {move || batch.get().map(|(_, batch)| parts::batch(batch))}
                {move || match current.get() {
                    Some(Current { job, request, record, hold, .. }) => {
                        // The next render replaces this view: its job goes with it (its loops
                        // stop at their next step, and until then use only `try_` accessors).
                        on_cleanup(move || job.dispose());
                        leptos::either::Either::Left(parts::job(JobPart { job, request, record, compact: false, hold }))
                    }
                    None => leptos::either::Either::Right(match shared_result.clone() {
                        Some(result) => leptos::either::Either::Left(parts::shared(result)),
                        None => leptos::either::Either::Right(view! {
                            <section class="card empty" class:hidden=move || batch.with(Option::is_some)>
                                <h2>{txt(|t| t.empty_title)}</h2>
                                <p>{txt(|t| t.empty_body)}</p>
                            </section>
                        }),
                    }),
                }}
                // Older unfinished renders come after the newest one, in the main view.
                <Show when=crate::state::show_if(move || others.with(|o| !o.is_empty()))>
                    <section id="resumed" class="card batch" aria-labelledby="resumed-title">
                        <h2 id="resumed-title">{txt(|t| t.resumed_title)}</h2>
                        <ol class="batch-list">
                            {move || others.get().into_iter().map(|Current { job, request, record, hold, .. }| {
                                let name = record.source_name.clone().unwrap_or_else(|| record.task_id.clone().unwrap_or_default());
                                view! {
                                    <li class="batch-item resumed-item">
                                        <p class="batch-name"><strong>{name}</strong></p>
                                        {parts::job(JobPart { job, request, record, compact: true, hold })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    </section>
                </Show>
                <HistoryCard on_resume />
            </div>
        </main>
        <footer class="foot"><p>{txt(|t| t.footer_privacy)}</p></footer>
    }
}
