//! The SketchUp inbox: the SketchUp extension hands its captures to the app running on this
//! computer, and the page takes them.
//!
//! **How the extension finds the app.** At start the app writes `inbox.json` =
//! `{"port": <port>, "token": "<32 hex>"}` into its data folder ([`data_dir`]), readable by the
//! user only, with a new token at every start; a clean stop removes it ([`InboxFile`]).
//!
//! **What the extension sends.** `POST /__su/inbox?model=&scene=&width=&height=` with header
//! `X-SU-Token` and the picture as the raw body (`image/png` or `image/jpeg`, at most
//! [`MAX_PICTURE_BYTES`]) → `201 {"id": "…"}`. Refused: 403 without the token or with a wrong one,
//! and for anything a browser sent (an `Origin` or `Sec-Fetch-Site` header: a web page must never
//! put pictures here, whatever it knows); 415 for another type, or a body that is not the
//! picture its type says; 413 when too large. Refusals are `{"error": "<why>"}`.
//!
//! **What the page does** (same origin only: a request a browser marks as coming from another
//! site is refused with 403, and these routes send no CORS headers):
//! - `GET /__su/inbox`: what is held, `{"pictures": [{"id", "model", "scene", "width",
//!   "height", "type", "bytes"}…], "dropped": n}`, oldest first. `dropped` counts the pictures
//!   pushed out by newer ones (at most [`MAX_PICTURES`] pictures or [`MAX_HELD_BYTES`] are held)
//!   since a page last took one.
//! - `GET /__su/inbox/events`: the same as server-sent events (`event: inbox`), once at once and
//!   again after every change; the page polls `GET /__su/inbox` where these don't get through.
//! - `POST /__su/inbox/<id>/take`: the picture, removed in the same step (so that of two open
//!   tabs only one gets it; the other gets 404). Answered with its own image type only, and
//!   `nosniff`.
//!
//! `GET /__su/extension.rbz` serves the extension itself, compiled in by `build.rs`.
//!
//! The inbox runs only where the extension can reach it: the app on a loopback address (not a
//! team relay). Nothing is written to disk but `inbox.json`; pictures live in memory.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::watch;

/// Where the extension sends pictures and the page lists them.
pub const PATH: &str = "/__su/inbox";
/// The extension's `.rbz`.
pub const EXTENSION_PATH: &str = "/__su/extension.rbz";
/// The header that carries the token from `inbox.json`.
pub const TOKEN_HEADER: &str = "x-su-token";
/// The largest picture taken: 30 MiB, RunningHub's own upload limit.
pub const MAX_PICTURE_BYTES: usize = 30 * 1024 * 1024;
/// At most this many pictures are held; a newer one pushes the oldest out.
pub const MAX_PICTURES: usize = 20;
/// At most this many bytes of pictures are held; a newer one pushes the oldest out.
pub const MAX_HELD_BYTES: usize = 200 * 1024 * 1024;
/// Names longer than this (in characters) are cut.
const MAX_NAME_CHARS: usize = 200;

/// The extension compiled in by `build.rs` from `sketchup/` (empty when the checkout had none).
static EXTENSION: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/su-render.rbz"));

/// The `.rbz` this binary serves; empty when it was built without the extension.
pub fn extension() -> &'static [u8] {
    EXTENSION
}

/// The file name the `.rbz` is downloaded under.
pub fn extension_file_name() -> String {
    format!("su-render-{}.rbz", crate::VERSION)
}

// ---------------------------------------------------------------------------------------------
// The pictures

/// The two types taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Png,
    Jpeg,
}

impl ImageType {
    /// From a `Content-Type` value: `image/png` or `image/jpeg` (any case, parameters ignored).
    pub fn from_content_type(value: &str) -> Option<ImageType> {
        let essence = value.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case("image/png") {
            Some(ImageType::Png)
        } else if essence.eq_ignore_ascii_case("image/jpeg") {
            Some(ImageType::Jpeg)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
        }
    }

    /// True when `bytes` start as a picture of this type does.
    pub fn matches(self, bytes: &[u8]) -> bool {
        match self {
            ImageType::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            ImageType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        }
    }
}

/// One picture held for the page.
#[derive(Debug, Clone)]
pub struct Picture {
    pub id: String,
    pub model: String,
    pub scene: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub kind: ImageType,
    pub bytes: Bytes,
}

impl Picture {
    fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "model": self.model,
            "scene": self.scene,
            "width": self.width,
            "height": self.height,
            "type": self.kind.mime(),
            "bytes": self.bytes.len(),
        })
    }
}

/// The pictures held, oldest first, within [`MAX_PICTURES`] and [`MAX_HELD_BYTES`].
#[derive(Debug, Default)]
pub struct Store {
    pictures: VecDeque<Picture>,
    bytes: usize,
    /// Pictures pushed out by newer ones since a page last took one.
    dropped: u32,
}

impl Store {
    /// Holds `picture`; the oldest go while there are too many or they weigh too much.
    pub fn add(&mut self, picture: Picture) {
        self.bytes += picture.bytes.len();
        self.pictures.push_back(picture);
        while self.pictures.len() > MAX_PICTURES || self.bytes > MAX_HELD_BYTES {
            let Some(old) = self.pictures.pop_front() else {
                break;
            };
            self.bytes -= old.bytes.len();
            self.dropped += 1;
        }
    }

    /// Removes and returns the picture `id`. A page took one: it has been told of the drops.
    pub fn take(&mut self, id: &str) -> Option<Picture> {
        let at = self.pictures.iter().position(|p| p.id == id)?;
        let picture = self.pictures.remove(at)?;
        self.bytes -= picture.bytes.len();
        self.dropped = 0;
        Some(picture)
    }

    pub fn len(&self) -> usize {
        self.pictures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pictures.is_empty()
    }

    pub fn held_bytes(&self) -> usize {
        self.bytes
    }

    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    /// What `GET /__su/inbox` answers.
    pub fn summary(&self) -> Value {
        json!({
            "pictures": self.pictures.iter().map(Picture::summary).collect::<Vec<_>>(),
            "dropped": self.dropped,
        })
    }
}

/// The inbox of one running app: its token, the pictures, and who to tell of a change.
pub struct Inbox {
    token: String,
    store: Mutex<Store>,
    /// Bumped at every change; the event streams wait on it.
    version: watch::Sender<u64>,
    /// Set at shutdown: the event streams end, so they don't hold the stop up.
    closed: AtomicBool,
}

impl fmt::Debug for Inbox {
    // Never the token: settings are printed in test failures.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inbox")
            .field("pictures", &self.store().len())
            .finish_non_exhaustive()
    }
}

impl Inbox {
    /// An empty inbox with a new random token.
    pub fn new() -> io::Result<Inbox> {
        Ok(Inbox::with_token(random_hex(16)?))
    }

    pub fn with_token(token: String) -> Inbox {
        Inbox {
            token,
            store: Mutex::new(Store::default()),
            version: watch::Sender::new(0),
            closed: AtomicBool::new(false),
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// Ends every event stream (at shutdown).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.changed();
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock left a consistent store: every change is one step.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn changed(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

    fn summary(&self) -> Value {
        self.store().summary()
    }
}

/// `bytes` random bytes from the system's generator, in lowercase hex.
pub fn random_hex(bytes: usize) -> io::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares without stopping at the first difference, so the time taken says nothing of the
/// token.
fn same(given: &[u8], token: &[u8]) -> bool {
    given.len() == token.len() && given.iter().zip(token).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0
}

// ---------------------------------------------------------------------------------------------
// The routes

/// The extension's download, and with an inbox its routes. `nosniff`, the no-framing headers
/// and the Host check come from the guard over the whole router (`crate::guard::layer`), as for
/// every other answer.
pub fn routes(inbox: Option<Arc<Inbox>>) -> Router {
    let extension = Router::new().route(EXTENSION_PATH, get(serve_extension));
    match inbox {
        Some(inbox) => Router::new()
            .route(PATH, post(receive).get(list))
            .route(&format!("{PATH}/events"), get(events))
            .route(&format!("{PATH}/{{id}}/take"), post(take))
            .with_state(inbox)
            .merge(extension),
        None => extension,
    }
}

fn refuse(status: StatusCode, why: &str) -> Response {
    let mut response = (status, Json(json!({ "error": why }))).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// True unless a browser says the request comes from a page of another origin: `Sec-Fetch-Site`
/// other than `same-origin` (or `none`, typed in the address bar), or an `Origin` that is not
/// `http://<Host>`. Programs that send neither (tests, curl) are let through: they could read
/// `inbox.json` as well.
pub fn from_this_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.as_bytes(), b"same-origin" | b"none") {
            return false;
        }
    }
    match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => headers
            .get(header::HOST)
            .is_some_and(|host| origin.as_bytes() == [&b"http://"[..], host.as_bytes()].concat()),
    }
}

/// `model`, `scene`, `width` and `height` from the query, as the extension sends them.
fn names(query: Option<&str>) -> (String, String, Option<u32>, Option<u32>) {
    let (mut model, mut scene, mut width, mut height) = (String::new(), String::new(), None, None);
    let clean = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_control())
            .take(MAX_NAME_CHARS)
            .collect::<String>()
            .trim()
            .to_owned()
    };
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "model" => model = clean(&value),
            "scene" => scene = clean(&value),
            "width" => width = value.trim().parse().ok(),
            "height" => height = value.trim().parse().ok(),
            _ => {}
        }
    }
    (model, scene, width, height)
}

async fn receive(
    State(inbox): State<Arc<Inbox>>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Response {
    let headers = request.headers();
    if headers.contains_key(header::ORIGIN) || headers.contains_key("sec-fetch-site") {
        return refuse(
            StatusCode::FORBIDDEN,
            "web pages may not send pictures to the SketchUp inbox",
        );
    }
    let token_ok = headers
        .get(TOKEN_HEADER)
        .is_some_and(|given| same(given.as_bytes(), inbox.token.as_bytes()));
    if !token_ok {
        return refuse(
            StatusCode::FORBIDDEN,
            "missing or wrong X-SU-Token: read the token from inbox.json in SU Render's data folder",
        );
    }
    let Some(kind) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(ImageType::from_content_type)
    else {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the picture as image/png or image/jpeg",
        );
    };
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the picture is larger than 30 MB",
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_PICTURE_BYTES as u64) {
        return too_large();
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0) as usize);
    let mut stream = request.into_body().into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return refuse(StatusCode::BAD_REQUEST, "the picture did not arrive whole");
        };
        if body.len() + chunk.len() > MAX_PICTURE_BYTES {
            return too_large();
        }
        body.extend_from_slice(&chunk);
    }
    if !kind.matches(&body) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("the body is not a {} picture", kind.mime()),
        );
    }
    let id = match random_hex(16) {
        Ok(id) => id,
        Err(_) => {
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "no random numbers for an id",
            )
        }
    };
    let (model, scene, width, height) = names(query.as_deref());
    inbox.store().add(Picture {
        id: id.clone(),
        model,
        scene,
        width,
        height,
        kind,
        bytes: Bytes::from(body),
    });
    inbox.changed();
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

fn not_this_origin() -> Response {
    refuse(
        StatusCode::FORBIDDEN,
        "the SketchUp inbox answers SU Render's own page only",
    )
}

async fn list(State(inbox): State<Arc<Inbox>>, headers: HeaderMap) -> Response {
    if !from_this_origin(&headers) {
        return not_this_origin();
    }
    let mut response = Json(inbox.summary()).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// How often an idle event stream sends a comment, so that nothing between (or the browser)
/// takes it for dead.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

async fn events(State(inbox): State<Arc<Inbox>>, headers: HeaderMap) -> Response {
    if !from_this_origin(&headers) {
        return not_this_origin();
    }
    let changes = inbox.version.subscribe();
    let stream = futures_util::stream::unfold(
        (inbox, changes, true),
        |(inbox, mut changes, first)| async move {
            // The state at once, then after every change.
            if !first && changes.changed().await.is_err() {
                return None;
            }
            if inbox.closed.load(Ordering::SeqCst) {
                return None;
            }
            let event = Event::default()
                .event("inbox")
                .data(inbox.summary().to_string());
            Some((Ok::<_, Infallible>(event), (inbox, changes, false)))
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}

async fn take(
    State(inbox): State<Arc<Inbox>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    if !from_this_origin(&headers) {
        return not_this_origin();
    }
    let Some(picture) = inbox.store().take(&id) else {
        return refuse(
            StatusCode::NOT_FOUND,
            "no such picture (taken already, or pushed out by newer ones)",
        );
    };
    inbox.changed();
    let mut response = Response::new(Body::from(picture.bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(picture.kind.mime()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn serve_extension() -> Response {
    if EXTENSION.is_empty() {
        let mut response = (
            StatusCode::NOT_FOUND,
            "This SU Render was built without the SketchUp extension (its sketchup/ folder had \
             no su_render.rb). Download su-render-<version>.rbz from the project's releases.\n",
        )
            .into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return response;
    }
    let mut response = Response::new(Body::from(EXTENSION));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        extension_file_name()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

// ---------------------------------------------------------------------------------------------
// inbox.json

/// Set to a folder, the app keeps `inbox.json` there instead of the system's place (tests, and
/// anyone who wants it elsewhere).
pub const HOME_ENV: &str = "SU_RENDER_HOME";
/// The file the extension reads.
pub const FILE_NAME: &str = "inbox.json";

/// The systems whose data folders differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    Windows,
    MacOs,
    /// Linux and the other unix systems (XDG).
    Unix,
}

impl System {
    pub fn current() -> System {
        if cfg!(windows) {
            System::Windows
        } else if cfg!(target_os = "macos") {
            System::MacOs
        } else {
            System::Unix
        }
    }
}

/// The app's data folder: `$SU_RENDER_HOME`, else `%APPDATA%\su-render` (Windows),
/// `~/Library/Application Support/su-render` (macOS), `$XDG_CONFIG_HOME/su-render` or
/// `~/.config/su-render` (others). `None` when the environment names none of them.
pub fn data_dir(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    data_dir_on(System::current(), env)
}

/// [`data_dir`] for `system`.
pub fn data_dir_on(system: System, env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(home) = var(HOME_ENV) {
        return Some(home);
    }
    match system {
        System::Windows => var("APPDATA").map(|d| d.join("su-render")),
        System::MacOs => var("HOME").map(|h| {
            h.join("Library")
                .join("Application Support")
                .join("su-render")
        }),
        // The XDG rules: a relative XDG_CONFIG_HOME is to be ignored.
        System::Unix => var("XDG_CONFIG_HOME")
            .filter(|d| d.is_absolute())
            .map(|d| d.join("su-render"))
            .or_else(|| var("HOME").map(|h| h.join(".config").join("su-render"))),
    }
}

/// `inbox.json` as this app wrote it; [`InboxFile::remove`] takes it away at a clean stop.
#[derive(Debug)]
pub struct InboxFile {
    pub path: PathBuf,
    token: String,
}

impl InboxFile {
    /// Writes `{"port", "token"}` to `dir/inbox.json`, readable by the user only (mode 0600 on
    /// unix; on Windows the data folder under the user's profile is the user's own). Written
    /// to a temporary file and renamed, so the extension never reads half of it.
    pub fn write(dir: &Path, port: u16, token: &str) -> io::Result<InboxFile> {
        create_private_dir(dir)?;
        let path = dir.join(FILE_NAME);
        let temporary = dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        let text = json!({ "port": port, "token": token }).to_string();
        // A leftover would keep its own mode: it goes first.
        let _ = std::fs::remove_file(&temporary);
        let written = write_private(&temporary, text.as_bytes())
            .and_then(|()| std::fs::rename(&temporary, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display())));
        }
        Ok(InboxFile {
            path,
            token: token.to_owned(),
        })
    }

    /// Removes the file, unless another copy of the app has written its own since (its token is
    /// there): true when removed.
    pub fn remove(self) -> bool {
        let ours = std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .is_some_and(|v| v["token"] == self.token.as_str());
        ours && std::fs::remove_file(&self.path).is_ok()
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(id: &str, bytes: usize) -> Picture {
        Picture {
            id: id.to_owned(),
            model: "House".into(),
            scene: "Scene 1".into(),
            width: Some(2048),
            height: Some(1152),
            kind: ImageType::Png,
            bytes: Bytes::from(vec![0u8; bytes]),
        }
    }

    #[test]
    fn the_store_keeps_the_newest_twenty_and_counts_the_dropped() {
        let mut store = Store::default();
        for i in 0..23 {
            store.add(picture(&i.to_string(), 10));
        }
        assert_eq!(store.len(), MAX_PICTURES);
        assert_eq!(store.dropped(), 3);
        assert_eq!(store.held_bytes(), 200);
        let summary = store.summary();
        assert_eq!(
            summary["pictures"][0]["id"], "3",
            "the oldest went: {summary}"
        );
        assert_eq!(summary["dropped"], 3);
        assert!(store.take("0").is_none(), "dropped pictures are gone");
        let taken = store.take("10").expect("held");
        assert_eq!(taken.id, "10");
        assert_eq!(
            (store.len(), store.dropped()),
            (19, 0),
            "a take resets the count"
        );
        assert!(store.take("10").is_none(), "taken once only");
    }

    #[test]
    fn the_store_keeps_at_most_200_mb() {
        let mut store = Store::default();
        let big = 29 * 1024 * 1024;
        for i in 0..7 {
            store.add(picture(&i.to_string(), big));
        }
        // 7 × 29 MiB = 203 MiB: the first one had to go.
        assert_eq!((store.len(), store.dropped()), (6, 1));
        assert!(store.held_bytes() <= MAX_HELD_BYTES);
        assert_eq!(store.summary()["pictures"][0]["id"], "1");
    }

    #[test]
    fn types_and_their_bytes() {
        assert_eq!(
            ImageType::from_content_type("image/png"),
            Some(ImageType::Png)
        );
        assert_eq!(
            ImageType::from_content_type("Image/JPEG; q=1"),
            Some(ImageType::Jpeg)
        );
        for other in [
            "image/webp",
            "text/plain",
            "image/pngx",
            "",
            "image/svg+xml",
        ] {
            assert_eq!(ImageType::from_content_type(other), None, "{other}");
        }
        assert!(ImageType::Png.matches(b"\x89PNG\r\n\x1a\n...."));
        assert!(!ImageType::Png.matches(b"<html>"));
        assert!(ImageType::Jpeg.matches(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!ImageType::Jpeg.matches(b"\x89PNG\r\n\x1a\n"));
    }

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abd", b"abc"));
        assert!(!same(b"ab", b"abc"));
        assert!(!same(b"", b"abc"));
        let token = random_hex(16).expect("random");
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(
            token,
            random_hex(16).expect("random"),
            "a new one each time"
        );
    }

    #[test]
    fn names_come_from_the_query() {
        let (model, scene, w, h) = names(Some(
            "model=%E5%88%AB%E5%A2%85&scene=Scene%201&width=2048&height=1152&x=1",
        ));
        assert_eq!((model.as_str(), scene.as_str()), ("别墅", "Scene 1"));
        assert_eq!((w, h), (Some(2048), Some(1152)));
        let (model, scene, w, _) = names(Some("model=a%0Ab+&width=wide"));
        assert_eq!((model.as_str(), scene.as_str(), w), ("ab", "", None));
        let long = format!("model={}", "x".repeat(500));
        assert_eq!(names(Some(&long)).0.chars().count(), MAX_NAME_CHARS);
        assert_eq!(names(None).0, "");
    }

    #[test]
    fn same_origin_only() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.insert(*k, HeaderValue::from_static(v));
            }
            map
        };
        assert!(from_this_origin(&headers(&[("host", "127.0.0.1:8080")])));
        assert!(from_this_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ])));
        assert!(!from_this_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:9000"),
        ])));
        assert!(!from_this_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "null"),
        ])));
        for site in ["cross-site", "same-site"] {
            let mut map = headers(&[("host", "127.0.0.1:8080")]);
            map.insert("sec-fetch-site", HeaderValue::from_static(site));
            assert!(!from_this_origin(&map), "{site}");
        }
    }

    #[test]
    fn data_folders() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        const HOME: &[(&str, &str)] = &[("HOME", "/home/ann")];
        assert_eq!(
            data_dir_on(System::Unix, env(HOME)),
            Some(PathBuf::from("/home/ann/.config/su-render"))
        );
        assert_eq!(
            data_dir_on(
                System::Unix,
                env(&[("HOME", "/home/ann"), ("XDG_CONFIG_HOME", "/cfg")])
            ),
            Some(PathBuf::from("/cfg/su-render"))
        );
        assert_eq!(
            data_dir_on(
                System::Unix,
                env(&[("HOME", "/home/ann"), ("XDG_CONFIG_HOME", "rel")])
            ),
            Some(PathBuf::from("/home/ann/.config/su-render")),
            "a relative XDG_CONFIG_HOME is ignored"
        );
        assert_eq!(
            data_dir_on(System::MacOs, env(HOME)),
            Some(PathBuf::from(
                "/home/ann/Library/Application Support/su-render"
            ))
        );
        assert_eq!(
            data_dir_on(System::Windows, env(&[("APPDATA", "C:/Users/ann/AppData")])),
            Some(PathBuf::from("C:/Users/ann/AppData").join("su-render"))
        );
        for system in [System::Unix, System::MacOs, System::Windows] {
            assert_eq!(
                data_dir_on(
                    system,
                    env(&[("SU_RENDER_HOME", "/tmp/su"), ("HOME", "/h")])
                ),
                Some(PathBuf::from("/tmp/su"))
            );
            assert_eq!(data_dir_on(system, env(&[("SU_RENDER_HOME", "")])), None);
        }
    }

    #[test]
    fn the_file_is_private_and_only_ours_is_removed() {
        let dir = std::env::temp_dir().join(format!("su-render-inbox-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let file = InboxFile::write(&dir.join("deeper"), 8080, "aa").expect("written");
        let text = std::fs::read_to_string(&file.path).expect("read");
        let value: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value, json!({"port": 8080, "token": "aa"}));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file.path)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        // Another copy wrote its own since: ours must leave it.
        let other = InboxFile::write(&dir.join("deeper"), 8081, "bb").expect("written");
        assert!(!file.remove(), "not ours any more");
        assert!(other.path.is_file());
        let path = other.path.clone();
        assert!(other.remove());
        assert!(!path.exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.join("deeper"))
            .expect("dir")
            .filter_map(|e| e.ok())
            .collect();
        assert!(leftovers.is_empty(), "no temporary files: {leftovers:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
