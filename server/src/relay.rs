//! The relay: RunningHub's API paths forwarded to the real site, so the browser only ever talks
//! to this origin (or to a relay that answers CORS for it). Keys and bodies pass through and are
//! never logged.
//!
//! Routes: `/cn/<api path>` → the China site, `/ai/<api path>` → the international one, and a
//! root-level `<api path>` → the China site (plain-base-URL relays, older links). With one
//! upstream (`--relay URL`) all three go there. An `<api path>` starts with one of
//! [`API_PREFIXES`]; anything else under `/cn/` or `/ai/` is a 404 envelope and reaches nobody.
//! The upstream comes from the configuration only, never from the request: no open proxy.
//!
//! The task's progress socket (`/ws/…` under the same three prefixes) is relayed as a WebSocket
//! to the same upstream: see [`socket`].
//!
//! A POST must always get an answer: if the upstream fails or cuts its answer, the browser gets a
//! 502 with a RunningHub-style envelope. Closing a kept-alive connection without answering would
//! make Chromium send the POST again, which starts (and bills) a second task.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::Origin;

pub mod socket;

/// RunningHub China.
pub const CN: &str = "https://www.runninghub.cn";
/// RunningHub international.
pub const AI: &str = "https://www.runninghub.ai";

/// The paths that are relayed (`/openapi/v2/` carries the key in `Authorization`).
pub const API_PREFIXES: [&str; 4] = [
    "/task/openapi/",
    "/uc/openapi/",
    "/api/webapp/",
    "/openapi/v2/",
];

/// The largest request body relayed: RunningHub's 30 MB upload limit plus 1 MB of multipart
/// form around the file.
pub const BODY_LIMIT: u64 = 31 * 1024 * 1024;

/// Where `cn` and `ai` point.
pub fn upstream_for(name: &str) -> String {
    match name {
        "cn" => CN.to_owned(),
        "ai" => AI.to_owned(),
        url => url.trim_end_matches('/').to_owned(),
    }
}

/// True for a path that may be relayed: one of [`API_PREFIXES`], then only letters, digits and
/// `-_./`, with no empty, `.` or `..` segment (so that no upstream can read it as another path).
pub fn is_api_path(path: &str) -> bool {
    API_PREFIXES.iter().any(|p| path.starts_with(p)) && is_clean_path(path)
}

/// An absolute path of letters, digits and `-_./` only, with no empty, `.` or `..` segment.
fn is_clean_path(path: &str) -> bool {
    path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && path[1..]
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".."))
}

/// Where relayed paths go: `/cn/…` and root-level paths to `cn`, `/ai/…` to `ai`.
#[derive(Debug, Clone)]
pub struct Upstreams {
    pub cn: String,
    pub ai: String,
}

impl Upstreams {
    /// Every path to one upstream (`cn`, `ai` or a base URL).
    pub fn one(upstream: &str) -> Upstreams {
        let upstream = upstream_for(upstream);
        Upstreams {
            cn: upstream.clone(),
            ai: upstream,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Site {
    Cn,
    Ai,
    /// A root-level API path: the China site.
    Root,
}

#[derive(Clone)]
struct Relay {
    upstreams: Arc<Upstreams>,
    client: reqwest::Client,
    /// Pages on these origins may open the progress socket (see [`socket::origin_allowed`]).
    socket_origins: Arc<[Origin]>,
}

/// The relayed paths. `allow_origins` are the other origins whose pages may call them (CORS
/// decides for HTTP calls; the socket checks them itself).
pub fn routes(upstreams: Upstreams, allow_origins: &[Origin]) -> Router {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        // Uploads of 30 MB on slow links take a while; polls are small.
        .timeout(Duration::from_secs(300))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    let relay = Relay {
        upstreams: Arc::new(Upstreams {
            cn: upstream_for(&upstreams.cn),
            ai: upstream_for(&upstreams.ai),
        }),
        client,
        socket_origins: allow_origins.iter().cloned().collect(),
    };
    let mut router = Router::new();
    for (prefix, site) in [("/cn", Site::Cn), ("/ai", Site::Ai)] {
        router = router
            .route(prefix, any(not_api))
            .route(&format!("{prefix}/"), any(not_api))
            .route(
                &format!("{prefix}/{{*rest}}"),
                any(move |state, request| forward(state, site, request)),
            );
    }
    for prefix in API_PREFIXES.into_iter().chain([socket::PREFIX]) {
        router = router.route(
            &format!("{prefix}{{*rest}}"),
            any(|state, request| forward(state, Site::Root, request)),
        );
    }
    router.with_state(relay)
}

/// The header by which a 502 says the relay could not connect upstream, so nothing was
/// forwarded (the page's `protocol::client::RELAY_HEADER`).
pub const NOT_SENT: (&str, &str) = ("x-su-relay", "unreachable");

fn failure(status: StatusCode, why: &str) -> Response {
    let body = json!({"code": status.as_u16(), "msg": format!("relay: {why}"), "data": null});
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

/// A 502 that tells the page nothing reached RunningHub (the connection itself failed), for
/// relayed calls and relayed sockets alike.
fn not_sent(why: &str) -> Response {
    let mut response = failure(StatusCode::BAD_GATEWAY, why);
    response
        .headers_mut()
        .insert(NOT_SENT.0, HeaderValue::from_static(NOT_SENT.1));
    response
}

async fn not_api() -> Response {
    failure(StatusCode::NOT_FOUND, "not a RunningHub API path")
}

async fn forward(State(relay): State<Relay>, site: Site, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let full = parts.uri.path();
    let (base, path) = match site {
        Site::Cn => (&relay.upstreams.cn, &full[3..]),
        Site::Ai => (&relay.upstreams.ai, &full[3..]),
        Site::Root => (&relay.upstreams.cn, full),
    };
    if path.starts_with(socket::PREFIX) {
        let (base, path) = (base.clone(), path.to_owned());
        return socket::forward(&relay, &base, &path, parts).await;
    }
    if !is_api_path(path) {
        return not_api().await;
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT) {
        return too_large();
    }
    let mut url = format!("{base}{path}");
    let mut method = parts.method.clone();
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
    let over_limit = Arc::new(AtomicBool::new(false));

    let body = if path == "/api/webapp/apiCallDemo" && method == Method::POST {
        // The app sends this call's key in a body; RunningHub wants it in the query.
        let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
            Ok(bytes) => bytes,
            Err(_) => return failure(StatusCode::BAD_REQUEST, "unreadable body"),
        };
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let field = |name: &str| {
            value
                .get(name)
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                })
                .unwrap_or_default()
        };
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("apiKey", &field("apiKey"))
            .append_pair("webappId", &field("webappId"))
            .finish();
        url = format!("{url}?{query}");
        method = Method::GET;
        reqwest::Body::from(Vec::new())
    } else {
        if let Some(query) = parts.uri.query() {
            url = format!("{url}?{query}");
        }
        // Streamed through, counted on the way: a body without a Content-Length that grows past
        // the limit is cut off upstream and answered with a 413 here.
        let seen = AtomicU64::new(0);
        let over = over_limit.clone();
        let limited = body.into_data_stream().map(move |chunk| {
            let chunk = chunk.map_err(std::io::Error::other)?;
            let total = seen.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
            if total > BODY_LIMIT {
                over.store(true, Ordering::Relaxed);
                return Err(std::io::Error::other("request body over the relay's limit"));
            }
            Ok(chunk)
        });
        reqwest::Body::wrap_stream(limited)
    };

    let mut upstream = relay.client.request(method.clone(), &url);
    if let Some(ct) = content_type {
        upstream = upstream.header(header::CONTENT_TYPE, ct);
    }
    if path.starts_with("/openapi/v2/") {
        // v2 carries the key as `Authorization: Bearer …`.
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            upstream = upstream.header(header::AUTHORIZATION, auth.clone());
        }
    }
    if method != Method::GET {
        upstream = upstream.body(body);
    }
    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(_) if over_limit.load(Ordering::Relaxed) => return too_large(),
        // No connection (refused, DNS, TLS, connect timeout): nothing reached RunningHub, and
        // the page may say so instead of "a task may have been created".
        Err(e) if e.is_connect() => {
            return not_sent("could not reach RunningHub (nothing was sent)")
        }
        Err(e) if e.is_timeout() => {
            return failure(
                StatusCode::GATEWAY_TIMEOUT,
                "RunningHub did not answer in time",
            )
        }
        Err(_) => return failure(StatusCode::BAD_GATEWAY, "could not reach RunningHub"),
    };
    if over_limit.load(Ordering::Relaxed) {
        return too_large();
    }
    let status = answer.status();
    let content_type = answer.headers().get(header::CONTENT_TYPE).cloned();
    // Answers are small JSON documents: read them whole, so a cut answer becomes one clean 502
    // instead of a half-sent response; and no bigger than ANSWER_LIMIT, so that an upstream can't
    // fill this server's memory.
    let bytes = match read_answer(answer).await {
        Ok(bytes) => bytes,
        Err(response) => return *response,
    };
    let mut response = if is_json(&bytes) {
        let mut response = (status, bytes).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            content_type
                .filter(is_json_type)
                .unwrap_or_else(|| HeaderValue::from_static("application/json")),
        );
        response
    } else {
        not_json(status, content_type.as_ref())
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The largest upstream answer relayed: RunningHub's answers are a few KiB (an app's inputs, a
/// list of result links).
pub const ANSWER_LIMIT: usize = 8 * 1024 * 1024;

/// Reads an upstream answer whole, up to [`ANSWER_LIMIT`]; or the answer to send instead.
async fn read_answer(answer: reqwest::Response) -> Result<Bytes, Box<Response>> {
    let too_big = || {
        Box::new(failure(
            StatusCode::BAD_GATEWAY,
            "RunningHub's answer is larger than 8 MiB; it was not passed on",
        ))
    };
    if answer
        .content_length()
        .is_some_and(|n| n > ANSWER_LIMIT as u64)
    {
        return Err(too_big());
    }
    let mut stream = answer.bytes_stream();
    let mut whole = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) if e.is_timeout() => {
                return Err(Box::new(failure(
                    StatusCode::GATEWAY_TIMEOUT,
                    "RunningHub did not finish its answer in time",
                )))
            }
            Err(_) => {
                return Err(Box::new(failure(
                    StatusCode::BAD_GATEWAY,
                    "RunningHub's answer was cut off",
                )))
            }
        };
        if whole.len() + chunk.len() > ANSWER_LIMIT {
            return Err(too_big());
        }
        whole.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(whole))
}

fn is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
}

/// `application/json`, or `application/<something>+json`, with any parameters.
fn is_json_type(value: &HeaderValue) -> bool {
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|t| t.ends_with("+json"))
}

/// What an upstream answer that is not JSON (an HTML error page, a captive portal, a firewall's
/// block page) becomes: a JSON object of ours, with the upstream's status, so that nothing of
/// another type is ever served on this origin.
///
/// Its `code` is `null` on purpose: the page reads a body without a numeric `code` exactly as it
/// read the non-JSON body before (a 200 as "not JSON": retried, and for a run "may have been
/// created"; a 5xx as a lost answer; a 404 as "v2 is not here"), while a number would read as
/// one of RunningHub's codes (421 is TASK_QUEUE_MAXED). `x-su-relay: not-json` says what
/// happened.
fn not_json(status: StatusCode, content_type: Option<&HeaderValue>) -> Response {
    let what = content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .unwrap_or_else(|| "no type".to_owned());
    let body = json!({
        "code": null,
        "msg": format!(
            "relay: RunningHub answered HTTP {} with {what}, not JSON",
            status.as_u16()
        ),
        "data": null,
        "relay": NOT_JSON,
    });
    // A status that can't carry a body (204, 304) has nothing to say either: 502.
    let status = if matches!(status.as_u16(), 204 | 205 | 304) || status.is_informational() {
        StatusCode::BAD_GATEWAY
    } else {
        status
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::HeaderName::from_static(NOT_SENT.0), NOT_JSON),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `x-su-relay`'s value on an answer that stands for a non-JSON upstream answer.
pub const NOT_JSON: &str = "not-json";

fn too_large() -> Response {
    failure(
        StatusCode::PAYLOAD_TOO_LARGE,
        "the request is larger than 31 MB (RunningHub takes files of at most 30 MB)",
    )
}

#[cfg(test)]
mod tests {
    use super::is_api_path;

    #[test]
    fn api_paths() {
        for ok in [
            "/task/openapi/ai-app/run",
            "/task/openapi/upload",
            "/uc/openapi/accountStatus",
            "/api/webapp/apiCallDemo",
            "/openapi/v2/run/ai-app/1983061233110790146",
            "/openapi/v2/media/upload/binary",
            "/openapi/v2/query",
        ] {
            assert!(is_api_path(ok), "{ok}");
        }
        for bad in [
            "/",
            "",
            "/index.html",
            "/task/openapi",
            "/__su/info",
            "/task/openapi/../../admin",
            "/task/openapi/./run",
            "/task/openapi/%2e%2e/admin",
            "/task/openapi/..%2fadmin",
            "/task/openapi/x\\..\\..\\admin",
            "/task/openapi//evil.example/x",
            "//www.example.com/task/openapi/run",
            "/openapi/v1/x",
            "/TASK/openapi/run",
            "/task/openapi/run@evil.example",
            "/task/openapi/run:80",
        ] {
            assert!(!is_api_path(bad), "{bad}");
        }
    }
}
