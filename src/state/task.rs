use leptos::prelude::*;

/// A user-triggered task: whether it is running, and its last answer. What `Action` offers for
/// the buttons that start one task at a time (each button waits while its task runs), without
/// its machinery for concurrent dispatches, inputs and aborts: replacing the last two actions
/// with it measured 5.7 KiB gzip of wasm (330.6 -> 324.9).
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
