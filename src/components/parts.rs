//! The parts of the page that a first visit does not show: a render's view, a batch and its
//! settings in the form, the list of past renders, a shared result, the blocked-call guide, the
//! consent prompt, the form's "Advanced" fields and "From SketchUp" (fetched at once on the app with the SketchUp inbox);
//! the English strings, and the reader of another app's inputs (the journal's records have
//! theirs in `storage::journal`). The release build (`cargo xtask build`,
//! feature `split`) puts them in wasm files of their own, fetched the first time one appears
//! (issue 12: the first load carries the form and little else). Other builds (`trunk serve`, the
//! browser tests) call them directly, through the same asynchronous path, so both behave alike.
//!
//! Each part is a plain function returning [`AnyView`]; `wasm_split` makes it an export of its
//! own module, and `cargo xtask build` cuts the wasm there, before wasm-bindgen
//! (`xtask/src/split.rs`). A part that can't be fetched (the page's server went away, a network
//! blip) shows what happened and a button to try again; nothing the user entered is lost.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;
use send_wrapper::SendWrapper;

#[cfg(feature = "split")]
use leptos::wasm_split::wasm_split;
use leptos::wasm_split::SplitLoaderError;

use super::account_check::{KeyCheck, KeyCheckView, Switch};
use super::{
    AdvancedEditor, BatchSetup, BatchView, BlockedGuide, ConsentBanner, HistoryPanel, JobView,
    OutputList, SketchupPanel,
};
use crate::i18n::Lang;
use crate::lifecycle::form::RawOverride;
use crate::lifecycle::share::SharedResult;
use crate::lifecycle::Job;
use crate::protocol::client::Api;
use crate::protocol::{ApiError, AppDemo, OutputFile};
use crate::state::{txt, BatchRequest, FormModel, FromInbox, RenderRequest};
use crate::storage::journal::JobRecord;

/// The form's raw overrides, one signal a row (see [`AdvancedEditor`]).
pub type OverrideRows = RwSignal<Vec<(u32, RwSignal<RawOverride>)>>;

/// What [`job`] shows: the props of [`JobView`].
#[derive(Clone)]
pub struct JobPart {
    pub job: RwSignal<Job>,
    pub request: Arc<RenderRequest>,
    pub record: JobRecord,
    pub compact: bool,
    pub hold: bool,
}

/// Shows the part `$part` makes of `$arg` once its code is there (at once in builds without
/// `split`), or a notice with "Try again" if its code could not be fetched. Nothing is shown
/// while it loads: a part is a fraction of a second away on any connection that loaded the page.
macro_rules! load {
    ($part:ident($arg:expr)) => {
        load!($part($arg), false)
    };
    ($part:ident($arg:expr), $nothing_sent:expr) => {{
        let arg = $arg;
        let nothing_sent: bool = $nothing_sent;
        let attempt = RwSignal::new(0u32);
        move || {
            attempt.track();
            let arg = arg.clone();
            Suspend::new(SendWrapper::new(async move {
                #[cfg(feature = "split")]
                let made = $part(arg).await;
                #[cfg(not(feature = "split"))]
                let made = $part(arg);
                made.unwrap_or_else(|_| not_loaded(attempt, nothing_sent))
            }))
        }
    }};
}

/// A render's view (see [`JobView`]).
pub fn job(part: JobPart) -> impl IntoView {
    // The view sends the run request: without it, a new render has not left the page.
    let new = part.record.task_id.is_none() && !part.hold;
    load!(job_part(part), new)
}

/// A batch's view (see [`BatchView`]).
pub fn batch(batch: Arc<BatchRequest>) -> impl IntoView {
    load!(batch_part(batch))
}

/// A batch's settings in the form, once several pictures were chosen (see [`BatchSetup`]): with
/// its cost estimate (a `LocalResource` under `<Transition>`), which in the first view measured
/// XX KiB gzip more.
pub fn batch_setup(form: FormModel, on_batch: Callback<BatchRequest>) -> impl IntoView {
    load!(batch_setup_part((form, on_batch)))
}

/// Past renders (see [`HistoryPanel`]), once there are some.
pub fn history(on_resume: Callback<JobRecord>) -> impl IntoView {
    load!(history_part(on_resume))
}

/// The result a share link carries.
pub fn shared(result: SharedResult) -> impl IntoView {
    load!(shared_part(result))
}

/// The blocked-call guide (see [`BlockedGuide`]).
pub fn blocked_guide() -> impl IntoView {
    load!(guide_part(()))
}

/// The prompt before a key goes to a server that is not RunningHub (see [`ConsentBanner`]).
pub fn consent() -> impl IntoView {
    load!(consent_part(()))
}

/// The fields of the form's "Advanced" (see [`AdvancedEditor`]).
pub fn advanced(rows: OverrideRows, instance_type: RwSignal<Option<String>>) -> impl IntoView {
    load!(advanced_part((rows, instance_type)))
}

/// "From SketchUp" (see [`SketchupPanel`]): the app's inbox followed, or how to get the
/// extension. `busy` is true while a render runs in the main view; pictures go to `to_form`.
pub fn sketchup(busy: Signal<bool>, to_form: FromInbox) -> impl IntoView {
    load!(sketchup_part((busy, to_form)))
}

/// What a key check found (see [`KeyCheckView`]).
pub fn key_check(found: KeyCheck, on_switch: Callback<Switch>) -> impl IntoView {
    load!(key_check_part((found, on_switch)))
}

/// An AI app's inputs, asked of the server (see [`Api::app_demo`]). Its reader is a part: the
/// SketchUp app's inputs are known without asking, and reading another app's list (its types,
/// defaults and LIST choices) is about 2.5 KiB gzip of wasm (issue 21). A part that can't be
/// fetched reads as a network error (the page's server went away).
pub async fn app_demo(api: Api, key: String, webapp_id: String) -> Result<AppDemo, ApiError> {
    let args = (api, key, webapp_id);
    #[cfg(feature = "split")]
    let asked = app_part(args).await;
    #[cfg(not(feature = "split"))]
    let asked = app_part(args);
    match asked {
        Ok(answer) => answer.await,
        Err(_) => Err(ApiError::Network(
            "a part of the page could not be fetched".into(),
        )),
    }
}

/// What [`app_part`] hands back: a split function is not `async`, its future is boxed.
type AppAnswer = Pin<Box<dyn Future<Output = Result<AppDemo, ApiError>>>>;

#[cfg_attr(
    feature = "split",
    wasm_split(su_app, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn app_part((api, key, webapp_id): (Api, String, String)) -> Result<AppAnswer, SplitLoaderError> {
    Ok(Box::pin(
        async move { api.app_demo(&key, &webapp_id).await },
    ))
}

/// Makes `lang` ready to show: English is a part of the split build (Chinese, the language of
/// most of our users, comes with the first view). False when it could not be fetched.
pub async fn load_language(lang: Lang) -> bool {
    #[cfg(feature = "split")]
    if lang == Lang::En && crate::i18n::english().is_none() {
        match english_part(()).await {
            Ok(texts) => crate::i18n::set_english(texts),
            Err(_) => return false,
        }
    }
    let _ = lang;
    true
}

/// Starts fetching a render's view before it is needed (a chosen picture starts uploading: a
/// render is likely, and the upload takes longer than the fetch). Does nothing in builds
/// without `split`.
pub fn prepare_job() {
    #[cfg(feature = "split")]
    leptos::task::spawn_local(async {
        // A failure here is shown, with "Try again", when the view is really needed.
        let _ = preload_job().await;
        // The view's first act is to journal the render: the journal's part too.
        let _ = crate::storage::journal::preload_records().await;
    });
}

/// Where a part should be: says it could not be fetched (and, for a render not sent yet, that
/// nothing went to RunningHub), and fetches it again on request.
fn not_loaded(attempt: RwSignal<u32>, nothing_sent: bool) -> AnyView {
    view! {
        <section class="banner warning part-failed" role="alert">
            <p>{txt(|t| t.part_failed)}</p>
            {nothing_sent.then(|| view! { <p class="part-not-sent">{txt(|t| t.part_not_sent)}</p> })}
            <button type="button" class="secondary part-retry"
                on:click=crate::state::handler(move |_| attempt.update(|n| *n += 1))>
                {txt(|t| t.retry)}
            </button>
        </section>
    }
    .into_any()
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_job, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_job))
)]
fn job_part(part: JobPart) -> Result<AnyView, SplitLoaderError> {
    let JobPart {
        job,
        request,
        record,
        compact,
        hold,
    } = part;
    Ok(view! { <JobView job request record compact hold /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_batch, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn batch_part(batch: Arc<BatchRequest>) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <BatchView batch /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_multi, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn batch_setup_part(
    (form, on_batch): (FormModel, Callback<BatchRequest>),
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <BatchSetup form on_batch /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_history, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn history_part(on_resume: Callback<JobRecord>) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <HistoryPanel on_resume /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_guide, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn guide_part((): ()) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <BlockedGuide /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_consent, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn consent_part((): ()) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <ConsentBanner /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_advanced, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn advanced_part(
    (rows, instance_type): (OverrideRows, RwSignal<Option<String>>),
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <AdvancedEditor rows instance_type /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_account, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn key_check_part(
    (found, on_switch): (KeyCheck, Callback<Switch>),
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <KeyCheckView found on_switch /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_shared, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn shared_part(result: SharedResult) -> Result<AnyView, SplitLoaderError> {
    let source_name = result.source_name.clone().unwrap_or_default();
    let outputs = Signal::derive(move || {
        result
            .urls
            .iter()
            .map(|u| OutputFile {
                file_url: u.clone(),
                ..OutputFile::default()
            })
            .collect()
    });
    Ok(view! {
        <section class="card job" id="shared-result">
            <h2>{txt(|t| t.shared_result_title)}</h2>
            <p class="hint">{txt(|t| t.shared_result_note)}</p>
            <OutputList outputs source_name />
        </section>
    }
    .into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split(su_sketchup, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn sketchup_part((busy, to_form): (Signal<bool>, FromInbox)) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <SketchupPanel busy to_form /> }.into_any())
}

/// The English strings: only this function names them, so they go to its part.
#[cfg(feature = "split")]
#[wasm_split(su_english, wasm_split_path = ::leptos::wasm_split, fallible)]
fn english_part((): ()) -> Result<&'static crate::i18n::Texts, SplitLoaderError> {
    Ok(&crate::i18n::EN)
}
