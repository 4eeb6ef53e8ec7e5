//! The life of one render job: its states, when to poll next, and what to do with each answer.
//! Plain Rust over the protocol types, with time passed in, so every transition is tested natively.

pub mod app_download;
pub mod cost;
pub mod decimal;
pub mod form;
pub mod job;
pub mod prepare;
pub mod progress;
pub mod schedule;
pub mod share;
pub mod sketchup;

pub use job::{Job, Phase, Step};
pub use schedule::PollPlan;
