//! `/sim-files/*`: uploaded pictures served back, and generated result pictures (which
//! `/__sim/expire` makes answer 404, as RunningHub's links do after a day).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::Shared;
use crate::png;

pub async fn uploaded_file(State(sim): State<Shared>, Path(name): Path<String>) -> Response {
    match sim.lock().uploads.get(&name) {
        Some(bytes) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub async fn result_file(
    State(sim): State<Shared>,
    Path((task, name)): Path<(String, String)>,
) -> Response {
    let mut inner = sim.lock();
    if inner.expired.contains(&task) || (!inner.tasks.contains_key(&task) && task != "cover.png") {
        return StatusCode::NOT_FOUND.into_response();
    }
    if name.ends_with(".txt") {
        return (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("task {task}: rendered by the SU Render simulator\n"),
        )
            .into_response();
    }
    let cache_key = format!("{task}/{name}");
    let seed = task
        .bytes()
        .chain(name.bytes())
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let bytes = inner
        .images
        .entry(cache_key)
        .or_insert_with(|| png::rendering(960, 600, seed))
        .clone();
    ([(header::CONTENT_TYPE, "image/png")], bytes).into_response()
}
