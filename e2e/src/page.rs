//! The SU Render page, as a user works it: the app's steps (open it, type the key, choose the
//! pictures, click Render, wait for a status, share a link…) on the generic browser driver
//! ([`crate::driver::Browser`]), which a [`Page`] dereferences to for everything a page test
//! reads or does by hand. Element ids are the app's UI contract.
//!
//! - [`Page`]: a browser on the app; the page tests drive it directly (the compare slider, the
//!   viewer, both languages, share links, consent, sub-path hosting, the request log and
//!   screenshots), several may look at one [`Server`] (a "colleague" opening a share link);
//! - [`AppPage`]: the [`Page`] of a [`Harness`], which knows its server's address;
//! - [`TempDir`]: files a test picks in the page, removed when dropped.

use std::fs;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::chromium::Chromium;
use crate::driver::{Browser, BrowserOptions, Verdict};
pub use crate::raw_http::http;
pub use crate::server::{bind, check_dist, Server};
use crate::{Harness, Result, DEFAULT_WAIT, TERMINAL_PHASES};

/// Widths of the screenshots: a phone and a wide desktop.
pub const PHONE_WIDTH: u32 = 390;
pub const DESKTOP_WIDTH: u32 = 1440;

/// The SketchUp app of the seed document (the form's default).
pub const SU_APP: &str = rh_api::su_app::WEBAPP_ID;

/// What exists once the app has mounted: its Render button.
const MOUNTED: &str = "#render";

/// What a failure report quotes: the job's status and every error or question the page may
/// be showing.
const QUOTED: [&str; 6] = [
    "#job-status",
    "#api-error",
    "#form-error",
    "#key-error",
    "#failure",
    "#consent",
];

// ---------------------------------------------------------------------------------------------
// The app in a browser

/// A [`Browser`] on the SU Render page, with the app's steps.
pub struct Page {
    browser: Browser,
}

impl Deref for Page {
    type Target = Browser;

    fn deref(&self) -> &Browser {
        &self.browser
    }
}

impl Page {
    /// A browser in `opts.lang`, scroll bars hidden (for the page tests' screenshots).
    pub async fn launch(opts: BrowserOptions) -> Result<Page> {
        Ok(Page::on(Browser::launch(opts).await?))
    }

    /// A browser as `chromium` says.
    pub async fn start(name: &str, chromium: &Chromium) -> Result<Page> {
        Ok(Page::on(Browser::start(name, chromium).await?))
    }

    fn on(browser: Browser) -> Page {
        Page {
            browser: browser.quoting(&QUOTED),
        }
    }

    /// Opens `url` and waits until the app has mounted (its Render button exists).
    /// Always a fresh page load, also when only the fragment differs from the current address
    /// (which a browser would otherwise treat as a jump within the page).
    pub async fn open(&self, url: &str) -> Result {
        self.open_until(url, MOUNTED).await
    }

    /// Goes to `url` (the same address again is a reload) and waits until the app has mounted.
    pub async fn load(&self, url: &str) -> Result {
        self.load_until(url, MOUNTED).await
    }

    // --- the form --------------------------------------------------------------------------

    pub async fn set_key(&self, key: &str) -> Result {
        self.fill("#api-key", key).await
    }

    /// Picks the site (`cn`, `ai`, `local`, `custom`).
    pub async fn set_site(&self, value: &str) -> Result {
        self.select("#site", value).await
    }

    pub async fn site(&self) -> Result<String> {
        Ok(self
            .wait_for("#site")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    pub async fn set_webapp_id(&self, id: &str) -> Result {
        self.fill("#webapp-id", id).await
    }

    /// The SketchUp screenshot (node 112), as a RunningHub file name.
    pub async fn set_screenshot(&self, file_name: &str) -> Result {
        self.fill("#node-112", file_name).await
    }

    /// The reference picture (node 158), as a RunningHub file name; empty leaves the node out.
    pub async fn set_reference(&self, file_name: &str) -> Result {
        self.fill("#node-158", file_name).await
    }

    pub async fn set_webhook(&self, url: &str) -> Result {
        self.fill("#webhook-url", url).await
    }

    /// Picks `path` as the SketchUp screenshot (node 112) and waits until it is uploaded.
    pub async fn pick_screenshot(&self, path: &Path) -> Result {
        self.pick_file("#node-112-file", path).await?;
        self.wait_for("#node-112-status[data-state='done']").await?;
        Ok(())
    }

    /// Types RunningHub file names for both pictures, as a user who uploaded them elsewhere.
    pub async fn type_pictures(&self, screenshot: &str, reference: &str) -> Result {
        self.fill("#node-112", screenshot).await?;
        self.fill("#node-158", reference).await
    }

    // --- the job ---------------------------------------------------------------------------

    pub async fn click_render(&self) -> Result {
        self.click("#render").await
    }

    /// The job's phase (`data-phase` of `#job-status`), `None` while there is no job.
    pub async fn phase(&self) -> Result<Option<String>> {
        Ok(self
            .attr_of("#job-status", "data-phase")
            .await
            .ok()
            .flatten())
    }

    /// Waits until the job reaches `phase`; returns the phases seen on the way. Fails early when
    /// the job ends in another phase.
    pub async fn wait_status(&self, phase: &str) -> Result<Vec<String>> {
        self.wait_phase_in(phase, DEFAULT_WAIT, &TERMINAL_PHASES)
            .await
    }

    /// Waits up to `limit` until the job reaches `phase`; returns the phases seen on the way.
    /// Fails early when the job ends in another of the `finals`.
    pub async fn wait_phase_in(
        &self,
        phase: &str,
        limit: Duration,
        finals: &[&str],
    ) -> Result<Vec<String>> {
        let (_, seen) = self
            .watch(
                "#job-status",
                "data-phase",
                limit,
                &format!("phase `{phase}`"),
                Verdict::reach(phase, finals),
            )
            .await?;
        Ok(seen)
    }

    /// Clicks a share button (`#share-link` or `#share-result`) and returns the link it shows.
    pub async fn share(&self, button: &str) -> Result<String> {
        self.click(button).await?;
        let css = format!(".share:has({button}) input.share-url");
        let link = self
            .wait_until(
                &format!("the link of {button}"),
                "const i = document.querySelector(arguments[0]); return i ? i.value : '';",
                vec![json!(css)],
            )
            .await?;
        Ok(link.as_str().unwrap_or_default().to_string())
    }
}

/// The SU Render page of a [`Harness`]: a [`Page`] (it dereferences to the harness's) that
/// knows where the harness's server is.
pub struct AppPage<'a> {
    pub(crate) h: &'a Harness,
}

impl Deref for AppPage<'_> {
    type Target = Page;

    fn deref(&self) -> &Page {
        &self.h.browser
    }
}

impl AppPage<'_> {
    /// Opens the app at the server's root and waits until it has mounted. Again on the same
    /// page, this is a reload.
    pub async fn open(&self) -> Result {
        self.open_at("/").await
    }

    /// Opens `path_and_query` (e.g. `/?api=https://example.com`) and waits for the app.
    pub async fn open_at(&self, path_and_query: &str) -> Result {
        self.load(&format!("{}{path_and_query}", self.h.base_url))
            .await
    }
}

// ---------------------------------------------------------------------------------------------
// Test files

/// A fresh directory under the system's temp dir, removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> Result<TempDir> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "su-render-files-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&path)?;
        Ok(TempDir { path })
    }

    /// Writes `bytes` as `name`; returns the path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.path.join(name);
        fs::write(&path, bytes)?;
        Ok(path)
    }

    /// Writes a PNG of the simulator's kind (a gradient "rendering") as `name`; returns its
    /// absolute path, ready for a file input.
    pub fn png(&self, name: &str, width: u32, height: u32, seed: u64) -> Result<PathBuf> {
        let path = self.write(name, &su_render_server::png::rendering(width, height, seed))?;
        Ok(path.canonicalize()?)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}
