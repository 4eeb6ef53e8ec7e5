//! The app compiled into the binary (feature `embed`): the release `dist/` named at build time by
//! env `SU_RENDER_EMBED_DIR` (an absolute path; `build.rs` checks it and says what is wrong).
//! Such a binary is the whole app: it runs from an empty folder with nothing beside it.

use crate::StaticSource;

#[cfg(feature = "embed")]
static APP: include_dir::Dir<'static> = include_dir::include_dir!("$SU_RENDER_EMBEDDED");

/// The compiled-in app, when the binary has one.
pub fn app() -> Option<StaticSource> {
    #[cfg(feature = "embed")]
    {
        Some(StaticSource::Embedded(&APP))
    }
    #[cfg(not(feature = "embed"))]
    {
        None
    }
}
