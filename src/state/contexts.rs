//! Small handles put in context by the page: each names one piece of shared state, so a
//! component asks for exactly the one it needs.

use leptos::prelude::*;

use crate::protocol::sites::{AI_BASE, CN_BASE};

use super::BatchFile;

/// What the page was opened with, when its link carried a form or a result (see
/// [`crate::lifecycle::share`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkStart(pub Option<crate::lifecycle::share::Shared>);

/// The base URL a link's `api` value means: `cn`, `ai`, or a URL.
pub fn link_base(api: &str) -> String {
    match api {
        "cn" => CN_BASE.to_owned(),
        "ai" => AI_BASE.to_owned(),
        other => other.to_owned(),
    }
}

/// Bumped whenever the journal changes, so the history list reloads.
#[derive(Debug, Clone, Copy)]
pub struct HistoryVersion(pub RwSignal<u32>);

/// "Use these settings again" from history: the render form fills itself from this.
#[derive(Debug, Clone, Copy)]
pub struct Refill(pub RwSignal<Option<crate::lifecycle::share::SharedForm>>);

/// Between the SketchUp inbox's part and the render form (made by the page, given to both).
#[derive(Debug, Clone, Copy)]
pub struct FromInbox {
    /// Pictures for the form: the input that takes batches takes them (and empties this), one
    /// as if picked and held until Render (see [`UploadState::Held`]), several as a batch.
    pub pictures: RwSignal<Vec<BatchFile>>,
    /// How many pictures the form's batch holds (0: none is set up), kept by the form. The
    /// inbox's part joins a new picture to the batch it gave while that batch is still there;
    /// the batch's view is a part of its own, so the page's elements can't tell that yet.
    pub in_batch: RwSignal<usize>,
}

impl FromInbox {
    pub fn new() -> Self {
        FromInbox {
            pictures: RwSignal::new(Vec::new()),
            in_batch: RwSignal::new(0),
        }
    }
}

impl Default for FromInbox {
    fn default() -> Self {
        Self::new()
    }
}

/// The running render's progress in percent, for the tab title (set by the job in view).
#[derive(Debug, Clone, Copy)]
pub struct LiveProgress(pub RwSignal<Option<u8>>);

/// Batch progress for the tab title: (finished, total).
#[derive(Debug, Clone, Copy)]
pub struct BatchProgress(pub RwSignal<Option<(usize, usize)>>);
