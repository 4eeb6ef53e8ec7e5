//! The built app, from a folder or from the copy compiled into the binary, served by one function
//! with one set of rules:
//!
//! - `/` and any path ending in `/` is that folder's `index.html`; a folder without the `/` is
//!   redirected to it (so relative asset paths work under a sub-path);
//! - the Content-Type follows the extension;
//! - the `.br`/`.gz` siblings `cargo xtask build` writes are sent to browsers that accept them,
//!   with `Content-Encoding` and `Vary: accept-encoding` (so no cache hands one browser's
//!   encoding to another);
//! - Trunk's content-hashed assets are cached for a year (`immutable`), everything else is
//!   revalidated (`no-cache`, with an `ETag`) so a new build shows at once;
//! - anything missing is a 404, and nothing outside the folder can be named;
//! - every answer forbids framing (`Content-Security-Policy: frame-ancestors 'none'`, with
//!   [`crate::guard`]'s `X-Frame-Options: DENY`): a page's `<meta>` policy can't say that, and
//!   without it any site could frame the app and click-jack its consent prompt. The rest of the
//!   page's policy is the `<meta>` that `cargo xtask build` writes.

use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::is_hashed_asset;

/// Where the app's files come from.
#[derive(Clone)]
pub enum StaticSource {
    /// A folder on disk (`--dist`, or `dist` in the working directory).
    Dir(PathBuf),
    /// A folder compiled into the binary (`include_dir!`; the `embed` feature).
    Embedded(&'static include_dir::Dir<'static>),
}

impl std::fmt::Debug for StaticSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StaticSource::Dir(dir) => f.debug_tuple("Dir").field(dir).finish(),
            // Not the files themselves: they are megabytes.
            StaticSource::Embedded(dir) => write!(f, "Embedded({} entries)", dir.entries().len()),
        }
    }
}

impl StaticSource {
    /// Where the files are, for messages.
    pub fn describe(&self) -> String {
        match self {
            StaticSource::Dir(dir) => dir.display().to_string(),
            StaticSource::Embedded(_) => "the app built into this program".to_owned(),
        }
    }

    /// The file at `rel` (a `/`-separated path checked by [`relative_path`]), whole.
    async fn file(&self, rel: &str) -> Option<Bytes> {
        match self {
            StaticSource::Dir(root) => {
                let path = on_disk(root, rel);
                if !tokio::fs::metadata(&path).await.ok()?.is_file() {
                    return None;
                }
                tokio::fs::read(&path).await.ok().map(Bytes::from)
            }
            StaticSource::Embedded(dir) => dir
                .get_file(rel)
                .map(|file| Bytes::from_static(file.contents())),
        }
    }

    /// True when `rel` is a folder.
    async fn is_dir(&self, rel: &str) -> bool {
        match self {
            StaticSource::Dir(root) => tokio::fs::metadata(on_disk(root, rel))
                .await
                .is_ok_and(|m| m.is_dir()),
            StaticSource::Embedded(dir) => dir.get_dir(rel).is_some(),
        }
    }

    /// True when the app's page is there (a folder may not have been built yet).
    pub fn has_index(&self) -> bool {
        match self {
            StaticSource::Dir(root) => root.join("index.html").is_file(),
            StaticSource::Embedded(dir) => dir.get_file("index.html").is_some(),
        }
    }
}

fn on_disk(root: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .filter(|s| !s.is_empty())
        .fold(root.to_path_buf(), |path, segment| path.join(segment))
}

/// The request path as a `/`-separated path inside the folder, percent-decoded; `None` for
/// anything that could leave it or name something odd (`..`, `.`, `\`, `:`, NUL, empty segments
/// in the middle, bytes that are not UTF-8).
pub fn relative_path(request_path: &str) -> Option<String> {
    let decoded = percent_decode(request_path)?;
    let inner = decoded.strip_prefix('/')?;
    let segments: Vec<&str> = inner.split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        let odd = matches!(*segment, "." | "..")
            || segment.contains(['\\', ':', '\0'])
            || (segment.is_empty() && i != last);
        if odd {
            return None;
        }
    }
    Some(inner.to_owned())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Content-Type for a file name.
pub fn content_type(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The `q` the client gives `coding` in `Accept-Encoding` (0 when it is not accepted).
fn quality(accept: &str, coding: &str) -> f32 {
    let mut star = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim().eq_ignore_ascii_case("q")).then(|| v.trim().parse::<f32>().ok())?
            })
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return q;
        }
        if name == "*" {
            star = Some(q);
        }
    }
    star.unwrap_or(0.0)
}

/// Serves `uri` from `source` (GET and HEAD; the body of a HEAD answer is dropped by the server).
pub async fn serve(
    source: &StaticSource,
    method: &Method,
    uri: &Uri,
    request: &HeaderMap,
) -> Response {
    let mut response = answer(source, method, uri, request).await;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::guard::NO_FRAMING),
    );
    response
}

async fn answer(
    source: &StaticSource,
    method: &Method,
    uri: &Uri,
    request: &HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let Some(mut rel) = relative_path(uri.path()) else {
        return not_found();
    };
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    let Some(original) = source.file(&rel).await else {
        if !uri.path().ends_with('/') && source.is_dir(&rel).await {
            let location = match uri.query() {
                Some(query) => format!("{}/?{query}", uri.path()),
                None => format!("{}/", uri.path()),
            };
            return (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, location)],
            )
                .into_response();
        }
        return not_found();
    };

    let accept = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut candidates = [
        ("br", quality(accept, "br")),
        ("gzip", quality(accept, "gzip")),
    ];
    // The best-liked first; brotli wins a tie (it is the smaller).
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut chosen = (None, original);
    for (coding, q) in candidates {
        if q <= 0.0 {
            continue;
        }
        let sibling = format!("{rel}.{}", if coding == "br" { "br" } else { "gz" });
        if let Some(bytes) = source.file(&sibling).await {
            chosen = (Some(coding), bytes);
            break;
        }
    }
    let (encoding, bytes) = chosen;

    let etag = format!(
        "\"{:08x}-{:x}{}\"",
        crc32fast::hash(&bytes),
        bytes.len(),
        encoding.map(|e| format!("-{e}")).unwrap_or_default()
    );
    let cache = if is_hashed_asset(&rel) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(bytes))
    };
    let headers = response.headers_mut();
    if !fresh {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(&rel)),
        );
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
    }
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        "not found\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        assert_eq!(relative_path("/").as_deref(), Some(""));
        assert_eq!(relative_path("/index.html").as_deref(), Some("index.html"));
        assert_eq!(relative_path("/sub/").as_deref(), Some("sub/"));
        assert_eq!(relative_path("/a%20b.js").as_deref(), Some("a b.js"));
        for bad in [
            "/../etc/passwd",
            "/a/../../b",
            "/%2e%2e/x",
            "/a/%2E%2E/%2e%2e/x",
            "/./x",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/c:/windows",
            "/a//b",
            "/%ff",
            "/%zz",
            "/x%00",
        ] {
            assert_eq!(relative_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn encodings_by_quality() {
        assert_eq!(quality("gzip, deflate, br, zstd", "br"), 1.0);
        assert_eq!(quality("br;q=0, gzip", "br"), 0.0);
        assert_eq!(quality("br;q=0, gzip", "gzip"), 1.0);
        assert_eq!(quality("gzip;q=0.5, br;q=0.8", "gzip"), 0.5);
        assert_eq!(quality("identity", "gzip"), 0.0);
        assert_eq!(quality("*", "br"), 1.0);
        assert_eq!(quality("", "br"), 0.0);
    }

    #[test]
    fn types() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("a-0123456789abcdef_bg.wasm"),
            "application/wasm"
        );
        assert_eq!(
            content_type("manifest.webmanifest"),
            "application/manifest+json"
        );
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}
