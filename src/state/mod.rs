//! App-wide reactive state, handed out through context: the UI language (`ui`), the connection
//! (`connection`: site, key, consent), what the form asks for (`request`), the render form's
//! model (`form`), the small handles the page shares (`contexts`), and the measured wrappers
//! around Leptos' building blocks (`wrappers`). Components take the narrowest handle they need.

mod connection;
mod contexts;
mod form;
mod request;
mod ui;
mod wrappers;

pub use connection::{Blocker, Connection, ConsentFor, Target, SIMULATOR_DEMO_KEY};
pub use contexts::{
    link_base, BatchProgress, FromInbox, HistoryVersion, LinkStart, LiveProgress, Refill,
};
pub use form::{label_for, FormModel, Slot};
pub use request::{BatchFile, BatchRequest, RenderRequest, SourcePicture, UploadState};
pub use ui::{scoped_ui, use_ui, LangCopies, Ui};
pub use wrappers::{effect, handler, show_if, txt, Task};
