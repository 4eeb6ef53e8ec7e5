//! What the app keeps in the browser. Settings live in localStorage; the API key is stored only
//! when the user ticked "remember on this device", and is removed the moment they untick it.

pub mod db;
pub mod journal;
pub mod record;
pub mod settings;
pub mod zip;

pub use settings::{Settings, SiteChoice};
