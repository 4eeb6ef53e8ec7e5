//! `GET /__su/file?url=<percent-encoded URL>`: a RunningHub result file, fetched for the page.
//!
//! The page shows results with `<img src>`, which needs no CORS, but downloading, keeping a file
//! on the device, the ZIP export and the compare canvas need the bytes, and RunningHub's result
//! hosts may send no CORS headers. So the page asks this origin instead.
//!
//! It is not an open proxy: only `https` URLs on RunningHub's result hosts ([`allowed_host`]),
//! plus the exact origins given with `--allow-file-origin` (tests, private mirrors; http allowed
//! there). Every redirect hop is checked the same way (at most 5), the size is capped
//! ([`MAX_BYTES`], by Content-Length and again while streaming), and failures are JSON envelopes
//! that say what went wrong. What comes back is served so that it can never run as a page of this
//! origin (`nosniff`, and a sandboxing Content-Security-Policy).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use serde_json::json;
use url::{Host, Url};

use crate::cors::Origin;

/// Where the page finds it (also announced at `/__su/info`).
pub const PATH: &str = "/__su/file";

/// The largest file passed through: 200 MiB.
pub const MAX_BYTES: u64 = 200 * 1024 * 1024;

/// Redirect hops followed, each checked like the first URL.
pub const MAX_REDIRECTS: usize = 5;

/// How long the file host may take to start its answer, and then between two pieces of it.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a URL is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an absolute URL.
    NotAUrl,
    /// Not `https` (and not an `--allow-file-origin`).
    NotHttps,
    /// Not one of RunningHub's result hosts (or a user name, a port, an IP address).
    Host(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotAUrl => f.write_str("not a valid absolute URL"),
            Refusal::NotHttps => f.write_str("only https links are fetched"),
            Refusal::Host(host) => write!(
                f,
                "{host} is not one of RunningHub's file hosts; only those are fetched"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// True for RunningHub's result-file hosts: `rh-images.xiaoyaoyou.com` and any other host under
/// `xiaoyaoyou.com`, `runninghub.cn` or `runninghub.ai`, and Tencent COS buckets
/// (`<bucket>.cos.<region>.myqcloud.com`, also `<bucket>.cos.accelerate.myqcloud.com`). `host`
/// is a host name as [`url::Url`] gives it (lower case); anything else is refused.
pub fn allowed_host(host: &str) -> bool {
    let under = |domain: &str| {
        host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1)
    };
    if ["xiaoyaoyou.com", "runninghub.cn", "runninghub.ai"]
        .iter()
        .any(|d| under(d))
    {
        return true;
    }
    let label = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    match host.split('.').collect::<Vec<_>>()[..] {
        [bucket, "cos", region, "myqcloud", "com"] => label(bucket) && label(region),
        _ => false,
    }
}

/// Checks a URL the page asked for (or a redirect hop): `Ok` when it may be fetched.
pub fn check_url(url: &Url, extra: &[Origin]) -> Result<(), Refusal> {
    let host_text = url.host_str().unwrap_or("").to_owned();
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Host(host_text));
    }
    if Origin::of(url).is_some_and(|o| extra.contains(&o)) {
        return Ok(());
    }
    if url.scheme() != "https" {
        return Err(Refusal::NotHttps);
    }
    match url.host() {
        // A port other than 443 is refused too: `port()` is `None` for the default one.
        Some(Host::Domain(domain)) if url.port().is_none() && allowed_host(domain) => Ok(()),
        _ => Err(Refusal::Host(host_text)),
    }
}

/// Parses and checks a URL given as text.
pub fn check(text: &str, extra: &[Origin]) -> Result<Url, Refusal> {
    let url = Url::parse(text).map_err(|_| Refusal::NotAUrl)?;
    check_url(&url, extra)?;
    Ok(url)
}

/// The file proxy's state.
#[derive(Clone)]
pub struct FileProxy {
    client: reqwest::Client,
    extra: Arc<[Origin]>,
    max_bytes: u64,
}

impl FileProxy {
    /// A proxy for RunningHub's hosts plus `extra` origins, with the [`MAX_BYTES`] cap.
    pub fn new(extra: &[Origin]) -> FileProxy {
        FileProxy::with_limit(extra, MAX_BYTES)
    }

    /// The same with another size cap (tests).
    pub fn with_limit(extra: &[Origin], max_bytes: u64) -> FileProxy {
        let extra: Arc<[Origin]> = extra.iter().cloned().collect();
        let hops = extra.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(TooManyRedirects);
            }
            match check_url(attempt.url(), &hops) {
                Ok(()) => attempt.follow(),
                Err(refusal) => attempt.error(refusal),
            }
        });
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(ANSWER_TIMEOUT)
            .redirect(policy)
            .build()
            .unwrap_or_default();
        FileProxy {
            client,
            extra,
            max_bytes,
        }
    }
}

#[derive(Debug)]
struct TooManyRedirects;

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {MAX_REDIRECTS} redirects")
    }
}

impl std::error::Error for TooManyRedirects {}

/// `GET`/`HEAD /__su/file`.
pub fn routes(proxy: FileProxy) -> Router {
    Router::new().route(PATH, get(fetch)).with_state(proxy)
}

fn failure(status: StatusCode, why: &str) -> Response {
    let body = json!({"code": status.as_u16(), "msg": format!("file proxy: {why}"), "data": null});
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

fn refused(refusal: &Refusal) -> Response {
    let status = match refusal {
        Refusal::NotAUrl | Refusal::NotHttps => StatusCode::BAD_REQUEST,
        Refusal::Host(_) => StatusCode::FORBIDDEN,
    };
    failure(status, &refusal.to_string())
}

fn too_large(max_bytes: u64) -> Response {
    failure(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the file is larger than {} MiB", max_bytes / (1024 * 1024)),
    )
}

/// The first error of type `E` in `error`'s chain.
fn find<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

async fn fetch(
    State(proxy): State<FileProxy>,
    method: Method,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(text) = query.get("url") else {
        return failure(
            StatusCode::BAD_REQUEST,
            "add ?url=<the file's percent-encoded URL>",
        );
    };
    let url = match check(text, &proxy.extra) {
        Ok(url) => url,
        Err(refusal) => return refused(&refusal),
    };
    let head = method == Method::HEAD;
    let request = proxy
        .client
        .request(if head { Method::HEAD } else { Method::GET }, url)
        .send();
    let answer = match tokio::time::timeout(ANSWER_TIMEOUT, request).await {
        Err(_) => {
            return failure(
                StatusCode::GATEWAY_TIMEOUT,
                "the file host did not answer in time",
            )
        }
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => {
            if let Some(refusal) = find::<Refusal>(&e) {
                let why = format!("the file host redirected elsewhere: {refusal}");
                return failure(StatusCode::FORBIDDEN, &why);
            }
            if find::<TooManyRedirects>(&e).is_some() {
                return failure(
                    StatusCode::BAD_GATEWAY,
                    "the file host redirected too often",
                );
            }
            if e.is_timeout() {
                return failure(
                    StatusCode::GATEWAY_TIMEOUT,
                    "the file host did not answer in time",
                );
            }
            return failure(StatusCode::BAD_GATEWAY, "could not reach the file host");
        }
    };
    let status = answer.status();
    if !status.is_success() {
        let code = status.as_u16();
        let why = if matches!(code, 403 | 404 | 410) {
            format!("the link has expired or is not available (HTTP {code})")
        } else {
            format!("the file host answered HTTP {code}")
        };
        return failure(StatusCode::BAD_GATEWAY, &why);
    }
    // The header, not `content_length()`: that is the body's, which a HEAD answer has none of.
    let length = answer
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > proxy.max_bytes) {
        return too_large(proxy.max_bytes);
    }
    let content_type = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));

    let body = if head {
        Body::empty()
    } else {
        // Counted while streaming too: a host may send no Content-Length, or a wrong one. Past
        // the cap the answer is cut off (its status has been sent by then).
        let max = proxy.max_bytes;
        let mut seen = 0u64;
        Body::from_stream(answer.bytes_stream().map(move |chunk| {
            let chunk = chunk.map_err(std::io::Error::other)?;
            seen += chunk.len() as u64;
            if seen > max {
                return Err(std::io::Error::other("file over the proxy's size cap"));
            }
            Ok(chunk)
        }))
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Opened directly, a file from a bucket can't act as a page of this origin (which holds the
    // key in localStorage): no scripts, its own opaque origin.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> bool {
        check(text, &[]).is_ok()
    }

    #[test]
    fn runninghub_hosts_pass() {
        for url in [
            "https://rh-images.xiaoyaoyou.com/abc/output/ComfyUI_00001_.png",
            "https://RH-IMAGES.XIAOYAOYOU.COM/x.png",
            "https://rh-images.xiaoyaoyou.com:443/x.png",
            "https://files.xiaoyaoyou.com/x.png",
            "https://www.runninghub.cn/view?filename=x.png",
            "https://cdn.runninghub.ai/x.webp",
            "https://runninghub.cn/x.png",
            "https://rh-1300000000.cos.ap-shanghai.myqcloud.com/output/x.png",
            "https://bucket-1.cos.accelerate.myqcloud.com/x.mp4",
            "https://rh-images.xiaoyaoyou.com/a%20b.png?sign=q&t=1#frag",
        ] {
            assert!(ok(url), "{url}");
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for url in [
            "https://rh-images.xiaoyaoyou.com.evil.example/x.png",
            "https://evilxiaoyaoyou.com/x.png",
            "https://xiaoyaoyou.com.evil.example/x.png",
            "https://evil-myqcloud.com/x.png",
            "https://myqcloud.com/x.png",
            "https://cos.ap-shanghai.myqcloud.com/x.png",
            "https://a.b.cos.ap-shanghai.myqcloud.com/x.png",
            "https://bucket.cos.ap-shanghai.myqcloud.com.evil.example/x.png",
            "https://bucket.cvm.ap-shanghai.myqcloud.com/x.png",
            "https://x@evil.example/x.png",
            "https://user:pw@rh-images.xiaoyaoyou.com/x.png",
            "https://rh-images.xiaoyaoyou.com@evil.example/x.png",
            "https://rh-images.xiaoyaoyou.com:8443/x.png",
            "https://127.0.0.1/x.png",
            "https://[::1]/x.png",
            "https://10.0.0.1/x.png",
            "https://runninghub.cn.evil.example/x.png",
            "https://notrunninghub.ai/x.png",
            "https://rh-images.xiaoyaoyou.com./x.png",
        ] {
            assert!(
                matches!(check(url, &[]), Err(Refusal::Host(_))),
                "{url}: {:?}",
                check(url, &[])
            );
        }
        for url in [
            "http://rh-images.xiaoyaoyou.com/x.png",
            "ftp://rh-images.xiaoyaoyou.com/x.png",
            "file:///etc/passwd",
            "data:image/png;base64,AAAA",
        ] {
            assert_eq!(check(url, &[]), Err(Refusal::NotHttps), "{url}");
        }
        for text in ["", "rh-images.xiaoyaoyou.com/x.png", "/sim-files/x.png"] {
            assert_eq!(check(text, &[]), Err(Refusal::NotAUrl), "{text}");
        }
    }

    #[test]
    fn extra_origins_are_exact() {
        let extra = [Origin::parse("http://127.0.0.1:4000").expect("origin")];
        assert!(check("http://127.0.0.1:4000/sim-files/1/a.png", &extra).is_ok());
        for url in [
            "http://127.0.0.1:4001/a.png",
            "https://127.0.0.1:4000/a.png",
            "http://localhost:4000/a.png",
            "http://x@127.0.0.1:4000/a.png",
        ] {
            assert!(check(url, &extra).is_err(), "{url}");
        }
    }
}
