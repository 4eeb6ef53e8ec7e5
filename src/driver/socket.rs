//! A task's progress socket: opened once an answer names it, feeding the progress bar.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::prelude::*;

use crate::browser::{now_ms, sleep};
use crate::lifecycle::progress::{self, Progress, SocketPlan};
use crate::lifecycle::Job;
use crate::protocol::socket::ProgressSocket;
use crate::state::Connection;

/// Where the task's progress socket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketState {
    /// No socket (none named yet, or none at all): no bar.
    None,
    /// Open or opening.
    Open,
    /// Closed for good (reconnects used up, or refused): the bar says so; polling goes on.
    Lost,
}

/// The live-progress state of one job.
#[derive(Clone, Copy)]
pub struct Live {
    pub progress: RwSignal<Progress>,
    /// When the last frame came (ms since the epoch), for the poll schedule.
    pub last_frame_ms: StoredValue<f64>,
    pub state: RwSignal<SocketState>,
}

/// How often the socket's watcher looks at the job, the socket and the tab.
const TICK_MS: u32 = 250;

/// Opens the task's progress socket once an answer names it, feeds the bar from its frames, and
/// closes it when the task ends, the view goes, or the tab stays hidden for long (it opens again
/// when the tab is back). A socket that fails is reopened a bounded number of times. It never
/// touches the job: only polls decide how the task ends. With `route` (the page's connection and
/// the task's base URL) a socket goes through the relay the task's calls go through.
pub async fn watch_socket(
    job: RwSignal<Job>,
    live: Live,
    alive: Arc<AtomicBool>,
    plan: SocketPlan,
    route: Option<(Connection, String)>,
) {
    let mut reconnects = 0;
    let running = || {
        alive.load(Ordering::Relaxed)
            && job
                .try_with_untracked(|j| !j.phase.is_final())
                .unwrap_or(false)
    };
    let hidden = || {
        web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden())
    };
    'task: while running() {
        let Some(mut url) = job.try_with_untracked(|j| j.socket.clone()).flatten() else {
            sleep(TICK_MS).await;
            continue;
        };
        if let Some((connection, base)) = &route {
            url = connection.route_socket(base, url);
        }
        let opened = ProgressSocket::open(&url, move |frame| {
            if let Some(message) = progress::parse_message(frame) {
                live.last_frame_ms.try_set_value(now_ms());
                live.progress.try_update(|p| p.apply(message));
            }
        });
        drop(url);
        let Some(socket) = opened else {
            live.state.try_set(SocketState::Lost);
            return;
        };
        live.state.try_set(SocketState::Open);
        let mut hidden_since = None;
        loop {
            sleep(TICK_MS).await;
            if !running() {
                break 'task;
            }
            if socket.ended() {
                break;
            }
            match (hidden(), hidden_since) {
                (false, _) => hidden_since = None,
                (true, None) => hidden_since = Some(now_ms()),
                (true, Some(since)) if now_ms() - since > f64::from(plan.hidden_close_ms) => {
                    // Nobody watches the bar: close it until the tab is back.
                    drop(socket);
                    while hidden() && running() {
                        sleep(TICK_MS).await;
                    }
                    continue 'task;
                }
                _ => {}
            }
        }
        drop(socket);
        reconnects += 1;
        match plan.reconnect_delay(reconnects) {
            Some(ms) => sleep(ms).await,
            None => {
                live.state.try_set(SocketState::Lost);
                return;
            }
        }
    }
    live.state.try_set(SocketState::None);
}
