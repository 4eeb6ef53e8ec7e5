//! Thin helpers over browser APIs that several layers need: the clock, randomness, sleeping.

use wasm_bindgen::JsValue;

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A number in `[0, 1)` for retry jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// Resolves after `ms` milliseconds; dropping it before then clears the timer.
///
/// Timers that nobody waits for must not linger: every poll races its request against a
/// 30-second timer and every run request against a 90-second one (see `within` in the job
/// view), and the request nearly always wins. This used to be a promise that only the timer
/// could settle, awaited through `JsFuture`: the dropped loser stayed scheduled, with its
/// promise and callbacks held in the JS heap and wasm memory until it fired, about four per
/// render for up to a minute and a half each. (Clearing such a timer is no cure: a `JsFuture`
/// whose promise never settles keeps its callbacks for good.) Here the timer calls a closure
/// that this future owns, so clearing the timer and dropping the closure frees everything.
pub fn sleep(ms: u32) -> Sleep {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let state = std::rc::Rc::new(std::cell::RefCell::new(SleepState::default()));
    let callback = {
        let state = state.clone();
        Closure::<dyn FnMut()>::new(move || {
            let waker = {
                let mut state = state.borrow_mut();
                state.fired = true;
                state.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        })
    };
    let id = web_sys::window().and_then(|w| {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(
            callback.as_ref().unchecked_ref(),
            ms.min(i32::MAX as u32) as i32,
        )
        .ok()
    });
    match id {
        Some(id) => Sleep {
            state,
            timer: Some((id, callback)),
        },
        // No window (a worker, a test): nothing to wait for.
        None => {
            state.borrow_mut().fired = true;
            Sleep { state, timer: None }
        }
    }
}

#[derive(Default)]
struct SleepState {
    fired: bool,
    waker: Option<std::task::Waker>,
}

/// The future of [`sleep`].
pub struct Sleep {
    state: std::rc::Rc<std::cell::RefCell<SleepState>>,
    /// The timer's id and the closure it calls, while it may still fire.
    timer: Option<(i32, wasm_bindgen::closure::Closure<dyn FnMut()>)>,
}

impl std::future::Future for Sleep {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        let mut state = self.state.borrow_mut();
        if state.fired {
            std::task::Poll::Ready(())
        } else {
            state.waker = Some(cx.waker().clone());
            std::task::Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some((id, _callback)) = self.timer.take() {
            let fired = self.state.borrow().fired;
            if let (false, Some(window)) = (fired, web_sys::window()) {
                // Cleared before the closure goes, so it is never called after being freed.
                window.clear_timeout_with_handle(id);
            }
        }
    }
}

/// The page's origin, e.g. `http://127.0.0.1:8080`.
pub fn origin() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}

/// A query parameter of the page's URL.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// The browser's preferred languages, most preferred first.
pub fn languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let mut langs: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if langs.is_empty() {
        langs.extend(navigator.language());
    }
    langs
}

/// Today's date as `YYYY-MM-DD`, in local time.
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// Saves a file under `name`. Needs the host to allow a cross-origin fetch (CORS); returns false
/// when it doesn't, so the caller can open the file instead.
pub async fn download(url: &str, name: &str) -> bool {
    match fetch_blob(url).await {
        Some(blob) => save_blob(&blob, name),
        None => false,
    }
}

/// Saves a blob as a file download named `name`.
fn save_blob(blob: &web_sys::Blob, name: &str) -> bool {
    let Ok(href) = web_sys::Url::create_object_url_with_blob(blob) else {
        return false;
    };
    let saved = save_href(&href, name);
    let _ = web_sys::Url::revoke_object_url(&href);
    saved
}

fn save_href(href: &str, name: &str) -> bool {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Some(anchor) = document
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    else {
        return false;
    };
    anchor.set_href(href);
    anchor.set_download(name);
    anchor.click();
    true
}

/// Opens a URL in a new tab (without telling it where it was opened from).
pub fn open(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.open_with_url_and_target_and_features(url, "_blank", "noopener,noreferrer");
    }
}

/// Puts text on the clipboard.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// The page's fragment, without `#`.
pub fn fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_owned())
        .unwrap_or_default()
}

/// This page's address without query or fragment, to build share links on.
pub fn page_address() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return String::new();
    };
    format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    )
}

/// A date and time for people, in the UI's language.
pub fn local_date_time(ms: f64, lang_tag: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    String::from(date.to_locale_string(lang_tag, &wasm_bindgen::JsValue::UNDEFINED))
}

/// Fetches a file as a blob (needs CORS from its host). The browser makes the blob from the
/// response itself: the picture's bytes never enter wasm memory. Copying them through a
/// `Vec<u8>` (as this did) raised the wasm memory's high-water mark to the largest picture
/// ever downloaded or kept (with "keep automatically", one per render), and wasm memory never
/// shrinks.
pub async fn fetch_blob(url: &str) -> Option<web_sys::Blob> {
    if let Some(blob) = fetch_blob_from(url).await {
        return Some(blob);
    }
    // The host sends no CORS headers (or the link expired): our server can fetch it for us.
    let proxy = FILE_PROXY.with(|p| p.borrow().clone())?;
    let query = web_sys::UrlSearchParams::new().ok()?;
    query.append("url", url);
    fetch_blob_from(&format!("{proxy}?{}", String::from(query.to_string()))).await
}

thread_local! {
    static FILE_PROXY: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Where [`fetch_blob`] turns when a result host refuses the page: our server's `/__su/file`
/// (on this page's server or the chosen relay), or `None` without one. The page keeps it in
/// step with the connection.
pub fn set_file_proxy(proxy: Option<String>) {
    FILE_PROXY.with(|p| *p.borrow_mut() = proxy);
}

/// True when a result file the host won't hand to the page can still be fetched through our
/// server.
pub fn has_file_proxy() -> bool {
    FILE_PROXY.with(|p| p.borrow().is_some())
}

async fn fetch_blob_from(url: &str) -> Option<web_sys::Blob> {
    use wasm_bindgen::JsCast;
    let response = gloo_net::http::Request::get(url).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    let response: web_sys::Response = response.into();
    wasm_bindgen_futures::JsFuture::from(response.blob().ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()
}

fn bytes_to_blob(bytes: &[u8]) -> Option<web_sys::Blob> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::Blob::new_with_u8_array_sequence(&parts).ok()
}

/// Tells the user something that needs no answer.
pub fn alert(message: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.alert_with_message(message);
    }
}

/// Asks the user to confirm.
pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}

/// Asks for permission to notify (must follow a click).
pub fn ask_to_notify() {
    if web_sys::Notification::permission() == web_sys::NotificationPermission::Default {
        let _ = web_sys::Notification::request_permission();
    }
}

/// Shows a system notification when the page is in a background tab and the user allowed it.
pub fn notify_if_hidden(title: &str, body: &str) {
    let hidden = web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden());
    if hidden && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted {
        let options = web_sys::NotificationOptions::new();
        options.set_body(body);
        let _ = web_sys::Notification::new_with_options(title, &options);
    }
}

/// A Web Lock held until dropped (or a stand-in where the browser has no Web Locks).
pub struct LockGuard {
    release: Option<js_sys::Function>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

/// Takes the Web Lock `name` if no other tab holds it. Tabs share the journal: the holder of a
/// job's lock is the one tab that polls it and writes its record. Browsers without the API (old
/// ones) get a guard that locks nothing.
pub async fn try_lock(name: &str) -> Option<LockGuard> {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let navigator = web_sys::window()?.navigator();
    let locks = js_sys::Reflect::get(&navigator, &"locks".into())
        .ok()
        .filter(|l| !l.is_undefined());
    let Some(locks) = locks else {
        return Some(LockGuard { release: None });
    };
    let request: js_sys::Function = js_sys::Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;

    // `held` is what the lock callback returns: the lock lasts until it resolves.
    let release = Rc::new(RefCell::new(None::<js_sys::Function>));
    let held = {
        let release = release.clone();
        js_sys::Promise::new(&mut |resolve, _| *release.borrow_mut() = Some(resolve))
    };
    // `decided` tells whether the lock was granted, as soon as the browser knows.
    let decide = Rc::new(RefCell::new(None::<js_sys::Function>));
    let decided = {
        let decide = decide.clone();
        js_sys::Promise::new(&mut |resolve, _| *decide.borrow_mut() = Some(resolve))
    };
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let granted = !lock.is_null() && !lock.is_undefined();
        if let Some(decide) = decide.borrow_mut().take() {
            let _ = decide.call1(&JsValue::NULL, &JsValue::from_bool(granted));
        }
        if granted {
            held.into()
        } else {
            js_sys::Promise::resolve(&JsValue::NULL).into()
        }
    });
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE).ok()?;
    request
        .call3(&locks, &name.into(), &options, &callback)
        .ok()?;
    let granted = wasm_bindgen_futures::JsFuture::from(decided)
        .await
        .ok()?
        .as_bool()
        .unwrap_or(false);
    let release = release.borrow_mut().take();
    granted.then_some(LockGuard { release })
}

/// A blob's bytes.
pub async fn blob_bytes(blob: &web_sys::Blob) -> Option<Vec<u8>> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Saves bytes made in the page as a file download.
pub fn save_bytes(bytes: &[u8], name: &str) -> bool {
    bytes_to_blob(bytes).is_some_and(|blob| save_blob(&blob, name))
}
