//! The page's wrappers around Leptos' building blocks, each kept because a measurement said it
//! earns its bytes. Each was measured (issue 21, Leptos 0.8.23 with `erase_components`, the
//! split release build of `cargo xtask build`) by giving every call site Leptos' plain form
//! instead (the closure itself), all else equal: from 252.6 KiB gzip of first load and 216.2
//! KiB of parts, the figures are in each doc comment. Use them for new code too: each new
//! plain closure in their place is its own monomorphised copy of the code behind it.

use leptos::prelude::*;

use crate::i18n::Texts;

use super::use_ui;

/// A translated string as a reactive view or attribute. Every call returns the same closure type,
/// so Leptos compiles its reactive-text code once instead of once per string: this keeps the
/// wasm small (each distinct `move || …` closure is its own monomorphised copy). Without it
/// (a closure a string at its 141 call sites): first load 257.3 KiB (+4.7), parts 224.8 (+8.6).
pub fn txt(
    f: fn(&'static Texts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let ui = use_ui();
    move || f(ui.t())
}

/// A `<Show>` condition with one type for every call site: `Show` is generic over its
/// condition, so each distinct closure compiled a copy of it (its memo and its branch view);
/// behind this box the copies with the same children type are one. Without it (the closure
/// itself at its 36 call sites): first load 253.8 KiB (+1.2), parts 218.6 (+2.4).
pub fn show_if(
    f: impl Fn() -> bool + Send + Sync + 'static,
) -> Box<dyn Fn() -> bool + Send + Sync> {
    Box::new(f)
}

// No wrapper for reactive attributes (`attr=move || …`): Leptos 0.8.17 and later erase them
// under `erase_components` as the `live` wrapper of issue 12 did, and the first load measured the
// same without it (247.1 -> 247.0 KiB gzip, issue 21).

/// An event handler with one type per event type: each distinct closure given to `on:…` compiled
/// its own copy of the erased listener attribute's code; behind this box the handlers of one
/// event share it. Without it (the closure itself at its 68 call sites): first load 254.4 KiB
/// (+1.8), parts 220.8 (+4.6).
pub fn handler<E: 'static>(f: impl FnMut(E) + 'static) -> Box<dyn FnMut(E)> {
    Box::new(f)
}

/// An effect's function with one type per value type: `Effect::new` compiles its whole task
/// (the loop that waits for changes and reruns the function) once per function type; boxed, the
/// effects of one value type share it. Without it (the closure itself at its 21 call sites):
/// first load 255.4 KiB (+2.8), parts 218.7 (+2.5).
pub fn effect<T: 'static>(
    f: impl FnMut(Option<T>) -> T + 'static,
) -> Box<dyn FnMut(Option<T>) -> T> {
    Box::new(f)
}

/// A user-triggered task of the first view: whether it runs, and its last answer. What Leptos'
/// `Action` offers for a button that starts one task at a time (it waits while its task runs),
/// without its machinery for concurrent dispatches, inputs, versions and aborts. Used by the two
/// buttons of the first view ("Load app inputs", "Check key"); the parts use `Action` (the
/// blocked-call guide's relay check). Measured (issue 21): `Action::new_local` at those two
/// places made the first load 251.9 KiB gzip instead of 246.9 (+5.0), the parts +2.5 KiB.
pub struct Task<O: Send + Sync + 'static> {
    /// True while the task runs.
    pub pending: RwSignal<bool>,
    /// The last answer, `None` until the first one.
    pub value: RwSignal<Option<O>>,
}

impl<O: Send + Sync + 'static> Clone for Task<O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O: Send + Sync + 'static> Copy for Task<O> {}

impl<O: Send + Sync + 'static> Default for Task<O> {
    fn default() -> Self {
        Self::new()
    }
}

impl<O: Send + Sync + 'static> Task<O> {
    pub fn new() -> Self {
        Task {
            pending: RwSignal::new(false),
            value: RwSignal::new(None),
        }
    }

    /// Runs `work`; its answer replaces the last one unless the owner has gone meanwhile.
    pub fn run(self, work: impl std::future::Future<Output = O> + 'static) {
        self.pending.set(true);
        leptos::task::spawn_local(async move {
            let answer = work.await;
            if self.pending.try_set(false).is_none() {
                self.value.set(Some(answer));
            }
        });
    }
}
