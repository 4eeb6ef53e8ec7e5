//! The browser driver: a Chromium with its own fresh profile, driven through its own
//! chromedriver over WebDriver (fantoccini), with the steps every page test is made of —
//! launching, waiting, reading the DOM, clicking and typing, the tab's visibility, layout audits
//! and screenshots. It knows no page in particular: what a page looks like when it is ready, and
//! which of its elements a failure report should quote, come from whoever drives it (the SU
//! Render steps are in [`crate::page`]).
//!
//! Everything is stopped when dropped, also when a test panics.

use std::fs;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions, MouseActions, PointerAction};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::chromium::{Chromedriver, Chromium, Session};
use crate::{artifacts_dir, poll, strings, Result, DEFAULT_WAIT, WINDOW};

/// WebDriver keys (W3C key table) that empty a focused text field: Ctrl-A, release, Backspace.
pub const CLEAR_FIELD: &str = "\u{E009}a\u{E000}\u{E003}";

/// How often a wait looks again at an element or a script's answer.
const LOOK_EVERY: Duration = Duration::from_millis(100);
/// How often a wait looks again at a phase or an upload state, which may pass quickly.
const WATCH_EVERY: Duration = Duration::from_millis(50);

// ---------------------------------------------------------------------------------------------
// Browser

/// What a test wants from its browser.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    /// Names the artifacts (chromedriver log, failure screenshots).
    pub name: String,
    /// The browser's language (`--lang` and `intl.accept_languages`), e.g. `zh-CN`, `en-US`.
    pub lang: String,
    pub window: (u32, u32),
}

impl BrowserOptions {
    pub fn new(name: &str, lang: &str) -> BrowserOptions {
        BrowserOptions {
            name: name.to_string(),
            lang: lang.to_string(),
            window: WINDOW,
        }
    }
}

/// What [`Browser::watch`] makes of the state it sees.
pub enum Verdict {
    /// The awaited state: stop watching.
    Done,
    /// A state the watched thing does not leave by itself, but not the awaited one: fail now.
    Wrong,
    /// Look again.
    Wait,
}

impl Verdict {
    /// Done at `target`; wrong at any other of the `settled` states, which do not change.
    pub fn reach<'a>(target: &'a str, settled: &'a [&'a str]) -> impl Fn(&str) -> Verdict + 'a {
        move |current| {
            if current == target {
                Verdict::Done
            } else if settled.contains(&current) {
                Verdict::Wrong
            } else {
                Verdict::Wait
            }
        }
    }
}

/// A Chromium with a fresh profile, driven by its own chromedriver.
pub struct Browser {
    pub name: String,
    pub client: Client,
    /// Elements whose text a failure report quotes (see [`Browser::quoting`]).
    quoted: Vec<String>,
    // Dropped in this order: the browser ends, then its chromedriver.
    session: Session,
    _driver: Chromedriver,
}

impl Browser {
    /// A browser in `opts.lang`, scroll bars hidden (for the page tests' screenshots).
    pub async fn launch(opts: BrowserOptions) -> Result<Browser> {
        let chromium = Chromium {
            window: opts.window,
            lang: Some(opts.lang),
            args: vec!["--hide-scrollbars".to_string()],
            logs: true,
        };
        Browser::start(&opts.name, &chromium).await
    }

    /// A browser as `chromium` says; its chromedriver logs to `e2e/artifacts/`.
    pub async fn start(name: &str, chromium: &Chromium) -> Result<Browser> {
        fs::create_dir_all(artifacts_dir())?;
        let log = artifacts_dir().join(format!("chromedriver-{name}.log"));
        let driver = Chromedriver::spawn(Some(&log))?;
        let session = driver.session(chromium).await?;
        Ok(Browser {
            name: name.to_string(),
            client: session.client.clone(),
            quoted: Vec::new(),
            session,
            _driver: driver,
        })
    }

    /// The same browser, whose failure reports ([`Browser::explain`]) quote the text of the
    /// first match of each of `css` (a page's status lines and error messages), where present.
    pub fn quoting(mut self, css: &[&str]) -> Browser {
        self.quoted = css.iter().map(|c| c.to_string()).collect();
        self
    }

    // --- plumbing --------------------------------------------------------------------------

    /// Runs a script in the page (`arguments[i]` are `args`); returns what it returns.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        Ok(self.client.execute(script, args).await?)
    }

    /// A Chrome DevTools Protocol command, through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.session.cdp(cmd, params).await
    }

    /// Chromedriver's log of one type (`browser` = console, `performance` = network events),
    /// since the previous call.
    pub async fn driver_log(&self, kind: &str) -> Result<Vec<Value>> {
        self.session.driver_log(kind).await
    }

    /// The console since the last call, one line per message.
    pub async fn console(&self) -> String {
        match self.driver_log("browser").await {
            Ok(entries) => entries
                .iter()
                .map(|e| {
                    format!(
                        "  [{}] {}",
                        e["level"].as_str().unwrap_or("?"),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("  (console unavailable: {e})"),
        }
    }

    // --- navigation and waiting ------------------------------------------------------------

    /// Opens `url` and waits until an element matching `ready` exists (the page has mounted).
    /// Always a fresh page load, also when only the fragment differs from the current address
    /// (which a browser would otherwise treat as a jump within the page).
    pub async fn open_until(&self, url: &str, ready: &str) -> Result {
        self.client.goto("about:blank").await?;
        self.load_until(url, ready).await
    }

    /// Goes to `url` (the same address again is a reload) and waits until an element matching
    /// `ready` exists.
    pub async fn load_until(&self, url: &str, ready: &str) -> Result {
        self.client.goto(url).await?;
        self.wait_for(ready).await?;
        // Keep every request in Resource Timing (the default buffer holds 250).
        self.js("performance.setResourceTimingBufferSize(100000);", vec![])
            .await?;
        Ok(())
    }

    /// Polls `probe` until it yields a value; after `limit`, fails with `what` and what the
    /// page looks like. Every wait of the tests ends up here.
    pub async fn wait_on<T, F, Fut>(&self, limit: Duration, what: &str, probe: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        match poll(limit, LOOK_EVERY, probe).await? {
            Some(value) => Ok(value),
            None => Err(self
                .explain(&format!("{what} (waited {limit:?})"))
                .await
                .into()),
        }
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        self.wait_for_within(css, DEFAULT_WAIT).await
    }

    pub async fn wait_for_within(&self, css: &str, limit: Duration) -> Result<Element> {
        self.wait_on(limit, &format!("`{css}` did not appear"), || async {
            Ok(self.client.find(Locator::Css(css)).await.ok())
        })
        .await
    }

    /// Waits until no element matches `css`.
    pub async fn wait_gone(&self, css: &str) -> Result {
        self.wait_until(
            &format!("`{css}` to go away"),
            "return document.querySelector(arguments[0]) === null;",
            vec![json!(css)],
        )
        .await
        .map(|_| ())
    }

    /// Waits until `script` returns something truthy (not `false`, `null`, `0` or `""`);
    /// returns that value. `what` says in the error what was awaited.
    pub async fn wait_until(&self, what: &str, script: &str, args: Vec<Value>) -> Result<Value> {
        let last = Mutex::new(Value::Null);
        let last = &last;
        let args = &args;
        let found = poll(DEFAULT_WAIT, LOOK_EVERY, move || async move {
            let value = self.js(script, args.clone()).await?;
            let truthy = match &value {
                Value::Null | Value::Bool(false) => false,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            Ok(if truthy {
                Some(value)
            } else {
                *last.lock().unwrap_or_else(|e| e.into_inner()) = value;
                None
            })
        })
        .await?;
        match found {
            Some(value) => Ok(value),
            None => {
                let value = last.lock().unwrap_or_else(|e| e.into_inner()).clone();
                Err(self
                    .explain(&format!(
                        "waited {DEFAULT_WAIT:?} for {what}; last value {value}"
                    ))
                    .await
                    .into())
            }
        }
    }

    /// Watches the attribute `attr` of the first match of `css` (absent: not yet there) until
    /// `verdict` says `Done`; returns that state and every state seen on the way, in order.
    /// Fails at once on a `Wrong` state, or after `limit`; `what` names the awaited state.
    pub async fn watch(
        &self,
        css: &str,
        attr: &str,
        limit: Duration,
        what: &str,
        verdict: impl Fn(&str) -> Verdict,
    ) -> Result<(String, Vec<String>)> {
        let seen: Mutex<Vec<String>> = Mutex::default();
        let (seen_ref, verdict) = (&seen, &verdict);
        let found = poll(limit, WATCH_EVERY, move || async move {
            let Some(current) = self.attr_of(css, attr).await.ok().flatten() else {
                return Ok(None);
            };
            let mut seen = seen_ref.lock().unwrap_or_else(|e| e.into_inner());
            if seen.last() != Some(&current) {
                seen.push(current.clone());
            }
            Ok(match verdict(&current) {
                Verdict::Done => Some(Ok(current)),
                Verdict::Wrong => Some(Err(current)),
                Verdict::Wait => None,
            })
        })
        .await?;
        let seen = seen.into_inner().unwrap_or_else(|e| e.into_inner());
        let problem = match found {
            Some(Ok(current)) => return Ok((current, seen)),
            Some(Err(current)) => {
                let text = self.text_of(css).await.unwrap_or_default();
                format!(
                    "`{css}` settled in `{current}` ({text:?}) instead of {what} (seen: {seen:?})"
                )
            }
            None => format!("{what} not reached within {limit:?} (seen: {seen:?})"),
        };
        Err(self.explain(&problem).await.into())
    }

    // --- reading the page ------------------------------------------------------------------

    /// The first match; when there is none, fails with what the page looks like.
    pub async fn find(&self, css: &str) -> Result<Element> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Ok(element),
            Err(e) => Err(self.explain(&format!("no `{css}` ({e})")).await.into()),
        }
    }

    /// The first match; when there is none, fails with a short message (for probes).
    async fn find_quietly(&self, css: &str) -> Result<Element> {
        Ok(self
            .client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("no `{css}` on the page: {e}"))?)
    }

    pub async fn exists(&self, css: &str) -> Result<bool> {
        Ok(self.count(css).await? > 0)
    }

    pub async fn count(&self, css: &str) -> Result<usize> {
        Ok(self.client.find_all(Locator::Css(css)).await?.len())
    }

    /// Visible text of the first match, trimmed.
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.find(css).await?.text().await?.trim().to_string())
    }

    /// Visible text of the first match, trimmed; a short error when there is none.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        Ok(self
            .find_quietly(css)
            .await?
            .text()
            .await?
            .trim()
            .to_string())
    }

    /// Visible text of every match, trimmed.
    pub async fn texts_of(&self, css: &str) -> Result<Vec<String>> {
        let mut texts = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await? {
            texts.push(element.text().await?.trim().to_string());
        }
        Ok(texts)
    }

    /// `textContent` of the first match, hidden parts included (e.g. a closed `<details>`).
    pub async fn text_content(&self, css: &str) -> Result<Option<String>> {
        let value = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(value.as_str().map(str::to_string))
    }

    /// An attribute of the first match (`None` when absent).
    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        Ok(self.find(css).await?.attr(name).await?)
    }

    /// An attribute of the first match; a short error when there is no match.
    pub async fn attr_of(&self, css: &str, name: &str) -> Result<Option<String>> {
        Ok(self.find_quietly(css).await?.attr(name).await?)
    }

    /// The attribute `name` of every match, in page order (matches without it are left out).
    pub async fn attrs_of(&self, css: &str, name: &str) -> Result<Vec<String>> {
        let value = self
            .js(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.getAttribute(arguments[1]));",
                vec![json!(css), json!(name)],
            )
            .await?;
        Ok(strings(&value))
    }

    /// A DOM property of the first match as text (`value`, `checked`…).
    pub async fn prop(&self, css: &str, name: &str) -> Result<String> {
        Ok(self.find(css).await?.prop(name).await?.unwrap_or_default())
    }

    /// Everything in `localStorage`, as `key=value` lines.
    pub async fn local_storage(&self) -> Result<String> {
        let all = self
            .js(
                "let all = ''; for (let i = 0; i < localStorage.length; i++) {
                     const k = localStorage.key(i); all += k + '=' + localStorage.getItem(k) + '\\n';
                 } return all;",
                vec![],
            )
            .await?;
        Ok(all.as_str().unwrap_or_default().to_string())
    }

    /// Whether the first match is displayed (in the layout and not hidden).
    pub async fn is_visible(&self, css: &str) -> Result<bool> {
        let shown = self
            .js(
                "const e = document.querySelector(arguments[0]);
                 if (!e) return false;
                 const r = e.getBoundingClientRect(), s = getComputedStyle(e);
                 return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';",
                vec![json!(css)],
            )
            .await?;
        Ok(shown == Value::Bool(true))
    }

    /// The page's visible text (`document.body.innerText`), without the parts marked as another
    /// language than the page's (`lang` attribute; the language switch names the *other*
    /// language in that language, on purpose). Returns the text and the parts left out.
    pub async fn visible_text(&self) -> Result<(String, Vec<String>)> {
        let value = self
            .js(
                "const page = (document.documentElement.lang || '').toLowerCase();
                 let text = document.body.innerText;
                 const skipped = [];
                 for (const e of document.body.querySelectorAll('[lang]')) {
                     const lang = e.getAttribute('lang').toLowerCase();
                     if (lang.split('-')[0] === page.split('-')[0]) continue;
                     const own = e.innerText.trim();
                     if (own && text.includes(own)) { text = text.replace(own, ''); skipped.push(own); }
                 }
                 return [text, skipped];",
                vec![],
            )
            .await?;
        let text = value[0].as_str().unwrap_or_default().to_string();
        let skipped = strings(&value[1]);
        Ok((text, skipped))
    }

    /// `<html lang>`.
    pub async fn html_lang(&self) -> Result<String> {
        Ok(self
            .js("return document.documentElement.lang;", vec![])
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// The tab's title.
    pub async fn title(&self) -> Result<String> {
        Ok(self
            .js("return document.title;", vec![])
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Waits until the image matching `css` has loaded; returns its natural width.
    pub async fn wait_image_loaded(&self, css: &str) -> Result<u64> {
        let width = self
            .wait_until(
                &format!("image `{css}` to load"),
                "const i = document.querySelector(arguments[0]);
                 return i && i.complete ? i.naturalWidth : 0;",
                vec![json!(css)],
            )
            .await?;
        Ok(width.as_u64().unwrap_or(0))
    }

    /// Every URL the page asked for: its address, the navigation, each resource (Resource
    /// Timing) and the network events of chromedriver's performance log since the last call,
    /// WebSockets included.
    pub async fn request_urls(&self) -> Result<Vec<String>> {
        let script = "return [location.href]
            .concat(performance.getEntriesByType('navigation').map(e => e.name))
            .concat(performance.getEntriesByType('resource').map(e => e.name));";
        let mut urls: Vec<String> = match self.js(script, vec![]).await? {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            other => return Err(format!("resource list is not an array: {other}").into()),
        };
        for entry in self.driver_log("performance").await? {
            let Some(message) = entry["message"].as_str() else {
                continue;
            };
            let Ok(event) = serde_json::from_str::<Value>(message) else {
                continue;
            };
            if event["message"]["method"] == "Network.webSocketCreated" {
                if let Some(url) = event["message"]["params"]["url"].as_str() {
                    urls.push(url.to_string());
                }
            }
            if event["message"]["method"] == "Network.requestWillBeSent" {
                if let Some(url) = event["message"]["params"]["request"]["url"].as_str() {
                    // The browser's own pages (the new-tab page before the first `goto`) are
                    // not the app's requests.
                    if !url.starts_with("chrome://") && !url.starts_with("chrome-") {
                        urls.push(url.to_string());
                    }
                }
            }
        }
        urls.sort();
        urls.dedup();
        Ok(urls)
    }

    // --- acting ----------------------------------------------------------------------------

    pub async fn click(&self, css: &str) -> Result {
        let element = self.wait_for(css).await?;
        if let Err(e) = element.click().await {
            return Err(self
                .explain(&format!("could not click `{css}`: {e}"))
                .await
                .into());
        }
        Ok(())
    }

    /// Replaces the content of a text field the way a user does: select all, delete, type.
    pub async fn fill(&self, css: &str, text: &str) -> Result {
        let field = self.wait_for(css).await?;
        field.click().await?;
        field.send_keys(CLEAR_FIELD).await?;
        if !text.is_empty() {
            field.send_keys(text).await?;
        }
        Ok(())
    }

    pub async fn select(&self, css: &str, value: &str) -> Result {
        self.wait_for(css).await?.select_by_value(value).await?;
        Ok(())
    }

    /// Presses keys on whatever has the focus, like a user at the keyboard. Each item is one
    /// key (a character or a [`fantoccini::key::Key`] as `char`), pressed and released in turn;
    /// `modifier` (e.g. Shift) is held around all of them.
    pub async fn press(&self, modifier: Option<char>, keys: &[char]) -> Result {
        let mut actions = KeyActions::new("keyboard".to_string());
        if let Some(m) = modifier {
            actions = actions.then(KeyAction::Down { value: m });
        }
        for &k in keys {
            actions = actions
                .then(KeyAction::Down { value: k })
                .then(KeyAction::Up { value: k });
        }
        if let Some(m) = modifier {
            actions = actions.then(KeyAction::Up { value: m });
        }
        self.client.perform_actions(actions).await?;
        self.client.release_actions().await?;
        Ok(())
    }

    /// The bounding box of the first match in viewport pixels: (left, top, width, height).
    pub async fn rect(&self, css: &str) -> Result<(f64, f64, f64, f64)> {
        let r = self
            .js(
                "const e = document.querySelector(arguments[0]);
                 if (!e) return null;
                 e.scrollIntoView({block: 'center'});
                 const r = e.getBoundingClientRect();
                 return [r.left, r.top, r.width, r.height];",
                vec![json!(css)],
            )
            .await?;
        let n = |i: usize| r[i].as_f64().unwrap_or(0.0);
        if r.is_null() {
            return Err(self.explain(&format!("no `{css}` to measure")).await.into());
        }
        Ok((n(0), n(1), n(2), n(3)))
    }

    /// A mouse drag across the first match of `css`, at its vertical middle, from `from` to `to`
    /// (fractions of its width), through a few intermediate points.
    pub async fn drag_across(&self, css: &str, from: f64, to: f64) -> Result {
        let (left, top, width, height) = self.rect(css).await?;
        let y = (top + height / 2.0).round();
        let at = |f: f64| (left + width * f).round();
        let mut mouse = MouseActions::new("mouse".to_string()).then(PointerAction::MoveTo {
            duration: None,
            x: at(from),
            y,
        });
        mouse = mouse.then(PointerAction::Down {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        });
        for step in 1..=4 {
            let f = from + (to - from) * f64::from(step) / 4.0;
            mouse = mouse.then(PointerAction::MoveTo {
                duration: Some(Duration::from_millis(40)),
                x: at(f),
                y,
            });
        }
        mouse = mouse.then(PointerAction::Up {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        });
        self.client.perform_actions(mouse).await?;
        self.client.release_actions().await?;
        Ok(())
    }

    /// Gives a file to a file input, as picking it in the dialog does.
    pub async fn pick_file(&self, css: &str, path: &Path) -> Result {
        let input = self.wait_for(css).await?;
        input
            .send_keys(path.to_str().ok_or("file path is not UTF-8")?)
            .await?;
        Ok(())
    }

    // --- the tab's visibility ---------------------------------------------------------------

    /// Hides the tab as a user does by minimising the window: headless Chromium then reports
    /// `document.visibilityState == "hidden"` (checked here) and keeps its timers running, as a
    /// real background tab does for its first minutes.
    pub async fn hide(&self) -> Result {
        self.client.minimize_window().await?;
        self.expect_visibility("hidden").await
    }

    /// Brings the minimised window back at its usual size; the tab is visible again.
    pub async fn show(&self) -> Result {
        self.client
            .set_window_rect(0, 0, WINDOW.0, WINDOW.1)
            .await?;
        self.expect_visibility("visible").await
    }

    /// Waits until `document.visibilityState` is `state`.
    async fn expect_visibility(&self, state: &str) -> Result {
        self.wait_until(
            &format!("document.visibilityState to be {state}"),
            "return document.visibilityState === arguments[0] ? true : null;",
            vec![json!(state)],
        )
        .await?;
        Ok(())
    }

    // --- pictures of the page --------------------------------------------------------------

    /// Lays the page out `width` CSS pixels wide (a phone below 600, with touch) until
    /// [`Browser::reset_width`].
    pub async fn set_width(&self, width: u32, height: u32) -> Result {
        let mobile = width < 600;
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        )
        .await?;
        Ok(())
    }

    pub async fn reset_width(&self) -> Result {
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await?;
        Ok(())
    }

    /// How far the page overflows sideways at its current width, in CSS pixels (0: it fits).
    pub async fn horizontal_overflow(&self) -> Result<f64> {
        Ok(self
            .js(
                "return Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth);",
                vec![],
            )
            .await?
            .as_f64()
            .unwrap_or(0.0))
    }

    /// The elements that stick out past the right edge of the viewport (for reports).
    pub async fn overflowing_elements(&self) -> Result<Vec<String>> {
        let value = self
            .js(
                "const w = document.documentElement.clientWidth, out = [];
                 for (const e of document.body.querySelectorAll('*')) {
                     const r = e.getBoundingClientRect();
                     if (r.width > 0 && r.right > w + 1) {
                         out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                             (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
                             ' right=' + Math.round(r.right));
                     }
                 }
                 return out.slice(0, 20);",
                vec![],
            )
            .await?;
        Ok(strings(&value))
    }

    /// Controls matching `css` whose label breaks over more than one line (e.g. a button too
    /// narrow for its word), as `selector: "text"`.
    pub async fn wrapped_labels(&self, css: &str) -> Result<Vec<String>> {
        let value = self
            .js(
                "const out = [];
                 for (const e of document.querySelectorAll(arguments[0])) {
                     const r = document.createRange();
                     r.selectNodeContents(e);
                     const tops = new Set([...r.getClientRects()]
                         .filter(x => x.width > 0 && x.height > 0)
                         .map(x => Math.round(x.top + x.height / 2)));
                     // Boxes on one line share their middle within a few pixels.
                     const lines = [...tops].sort((a, b) => a - b)
                         .filter((t, i, all) => i === 0 || t - all[i - 1] > 4).length;
                     if (lines > 1) {
                         out.push((e.id ? '#' + e.id : e.tagName.toLowerCase() + '.' + e.className)
                             + ': ' + JSON.stringify(e.innerText) + ' on ' + lines + ' lines');
                     }
                 }
                 return out;",
                vec![json!(css)],
            )
            .await?;
        Ok(strings(&value))
    }

    /// A PNG of the whole page laid out `width` CSS pixels wide, saved as
    /// `e2e/artifacts/<name>.png`. The width stays set afterwards (call
    /// [`Browser::reset_width`]); the page is scrolled back to the top.
    pub async fn screenshot_at(&self, width: u32, name: &str) -> Result<PathBuf> {
        self.set_width(width, 900).await?;
        let height = self
            .js(
                "return Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight));",
                vec![],
            )
            .await?
            .as_u64()
            .unwrap_or(900)
            .clamp(600, 8000) as u32;
        self.set_width(width, height).await?;
        self.js("window.scrollTo(0, 0);", vec![]).await?;
        // One frame for the new size to be painted.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let png = self.client.screenshot().await?;
        let path = artifacts_dir().join(format!("{name}.png"));
        fs::write(&path, png)?;
        Ok(path)
    }

    /// A PNG of the viewport only, `width` × `height` CSS pixels (for overlays such as the
    /// viewer), saved as `e2e/artifacts/<name>.png`. The size stays set afterwards.
    pub async fn screenshot_viewport(
        &self,
        width: u32,
        height: u32,
        name: &str,
    ) -> Result<PathBuf> {
        self.set_width(width, height).await?;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let png = self.client.screenshot().await?;
        let path = artifacts_dir().join(format!("{name}.png"));
        fs::write(&path, png)?;
        Ok(path)
    }

    /// Saves a PNG of the whole page to `e2e/artifacts/<name>.png` and returns its path.
    /// The window grows to the page's height for the shot, then returns to its size.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let height = self
            .js("return document.documentElement.scrollHeight;", vec![])
            .await?
            .as_u64()
            .unwrap_or(WINDOW.1 as u64)
            .clamp(WINDOW.1 as u64, 6000) as u32;
        // The window is taller than the page's viewport by the browser's own bars.
        self.client.set_window_size(WINDOW.0, height + 150).await?;
        self.js("window.scrollTo(0, 0);", vec![]).await?;
        let png = self.client.screenshot().await;
        self.client.set_window_size(WINDOW.0, WINDOW.1).await?;
        let path = artifacts_dir().join(format!("{name}.png"));
        fs::write(&path, png?)?;
        Ok(path)
    }

    /// A failure message that shows what the user saw: the address, the quoted elements (see
    /// [`Browser::quoting`]), the console, and a screenshot in the artifacts.
    pub async fn explain(&self, what: &str) -> String {
        let mut report = what.to_string();
        if let Ok(url) = self.client.current_url().await {
            report.push_str(&format!("\n  page: {url}"));
        }
        for css in &self.quoted {
            if let Ok(element) = self.client.find(Locator::Css(css.as_str())).await {
                if let Ok(text) = element.text().await {
                    report.push_str(&format!("\n  {css}: {:?}", text.trim()));
                }
            }
        }
        let shot = artifacts_dir().join(format!("{}-failure.png", self.name));
        match self.client.screenshot().await {
            Ok(png) if fs::write(&shot, &png).is_ok() => {
                report.push_str(&format!("\n  screenshot: {}", shot.display()))
            }
            _ => report.push_str("\n  (no screenshot)"),
        }
        report.push_str(&format!("\n  console:\n{}", self.console().await));
        report
    }
}

// ---------------------------------------------------------------------------------------------
// Text checks

/// True for CJK ideographs, kana, hangul and full-width CJK punctuation.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF      // radicals
        | 0x3000..=0x303F    // CJK symbols and punctuation (、。「」)
        | 0x3040..=0x30FF    // kana
        | 0x3100..=0x31BF    // bopomofo
        | 0x3400..=0x4DBF    // extension A
        | 0x4E00..=0x9FFF    // unified ideographs
        | 0xAC00..=0xD7AF    // hangul
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // compatibility forms
        | 0xFF00..=0xFF60    // full-width forms (，：（）)
        | 0x20000..=0x2FA1F) // supplementary ideographs
}

/// The lines of `text` that hold CJK characters.
pub fn cjk_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.chars().any(is_cjk))
        .map(|l| l.trim().to_string())
        .collect()
}

/// The host (and port) of an absolute URL; `blob:` URLs give their origin's host.
pub fn host_of(url: &str) -> Option<&str> {
    let url = url.strip_prefix("blob:").unwrap_or(url);
    let rest = url.split_once("://")?.1;
    let host_port = rest.split(['/', '?', '#']).next()?;
    Some(host_port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_is_found() {
        assert!(cjk_lines("Render\n开始渲染\nDone").len() == 1);
        assert!(cjk_lines("Render · 1–3 min “quoted” → ×").is_empty());
        assert!(!cjk_lines("耗时（秒）").is_empty());
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("http://127.0.0.1:80/a?b"), Some("127.0.0.1:80"));
        assert_eq!(host_of("blob:http://127.0.0.1:5/uuid"), Some("127.0.0.1:5"));
        assert_eq!(host_of("data:image/png;base64,xx"), None);
    }
}
