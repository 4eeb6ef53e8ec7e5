//! Tasks from the journal followed again: after a reload (the page finds them, see `App`), on
//! "Check again" in the history, and once a key is typed for those that waited for one. A task
//! is only ever polled again, never run again.

use leptos::prelude::*;

use crate::browser;
use crate::lifecycle::{Job, Phase, PollPlan};
use crate::protocol::client::Api;
use crate::state::{Connection, RenderRequest, Target};
use crate::storage::journal::JobRecord;

/// A journaled task ready to be shown and polled: its job (the page makes it a signal of its
/// own, see `App`), what its polls ask, and whether it waits for the user's key (`hold`: shown
/// as journaled, nothing sent).
pub struct Resumed {
    pub job: Job,
    pub request: RenderRequest,
    pub hold: bool,
}

/// Polls an unfinished task from the journal again, from `phase`. Without a key at hand for its
/// server it is held. `None` for a record without a task id (its run answer never came). Tracks
/// the connection.
pub fn resume(conn: Connection, record: &JobRecord, phase: Phase) -> Option<Resumed> {
    let task_id = record.task_id.clone()?;
    let target = conn.target_for(&record.base).ok();
    let hold = target.is_none();
    let target = target.unwrap_or_else(|| Target {
        api: Api::new(&record.base),
        key: String::new(),
        plan: PollPlan::default(),
    });
    let job = Job::resumed(
        task_id,
        phase,
        record.created_ms,
        browser::now_ms(),
        &target.plan,
    );
    let request = RenderRequest {
        target: Target {
            // The user's "v1 only" holds for a resumed render too.
            api: target.api.v1_only(conn.v1_only.get_untracked()),
            ..target
        },
        source: None,
        webapp_id: record.webapp_id.clone(),
        nodes: record.nodes.clone(),
        webhook_url: None,
        instance_type: record.instance_type.clone(),
        upload_api: None,
        node_names: Vec::new(),
    };
    Some(Resumed { job, request, hold })
}

/// The phase "Check again" polls a record from, whatever ended the last look (a timeout, a
/// reload). `None` without a task to ask about.
pub fn checked_again(record: &JobRecord) -> Option<Phase> {
    record.task_id.as_ref()?;
    Some(if record.phase == "running" {
        Phase::Running
    } else {
        Phase::Queued
    })
}
