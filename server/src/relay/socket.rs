//! The task's progress socket through the relay: a WebSocket upgrade on `/cn/ws/…`, `/ai/ws/…`
//! or a root-level `/ws/…` is answered by opening the same path on the site's upstream (`wss:`
//! for an `https` upstream, `ws:` for `http`), with the query string passed on untouched, and
//! then every text and binary frame is pumped both ways until either side closes, which closes
//! the other.
//!
//! RunningHub hands out `netWssUrl` on its API host (`wss://www.runninghub.cn/ws/c_instance?…
//! &Rh-Comfy-Auth=<signed token>`), so a page that reaches RunningHub through this relay gets its
//! progress the same way, and never needs the socket's host to accept its Origin.
//!
//! - The query carries a signed token: it is a secret like the key, never logged or echoed.
//!   Our page keeps it out of the URL too: it opens the socket here without a query and sends
//!   `{"query": "<the query>"}` as its first text frame, and only then is the upstream socket
//!   opened (see [`hello_query`]). A URL would leave the token in the access log of every reverse
//!   proxy between the page and the relay. A socket opened with a query is relayed as it came.
//! - Origin: a browser page on another origin may open the socket only if `--allow-origin` lists
//!   it, as for the relayed HTTP calls (browsers do not apply CORS to WebSockets, so it is
//!   checked here). A page served through this relay (its Origin names the `Host`, or the
//!   `X-Forwarded-Host` a reverse proxy sets) and clients that send no Origin may.
//! - Upstream, the relay sends the upstream's own origin as `Origin`: what RunningHub's own web
//!   page sends, and what a native client sends by default (the official ComfyUI plugin uses
//!   Python's websocket-client, which sends `Origin: https://<host>`). The browser's Origin (a
//!   GitHub Pages address, `http://127.0.0.1:8080`) is never passed on: RunningHub knows nothing
//!   of it and might refuse it.
//! - Frames and messages are at most [`FRAME_LIMIT`] each way (ComfyUI's progress messages are
//!   well under a KiB; a preview picture a few hundred): a bigger one ends the socket, instead
//!   of this server holding tungstenite's default of 64 MiB per message for each side.
//! - An upstream that can't be connected to (refused, DNS, TLS, timeout) answers 502 with
//!   `x-su-relay: unreachable`, as the HTTP relay does; an upstream that answers the upgrade
//!   with an HTTP error gets that status passed on.

use std::time::Duration;

use axum::extract::ws::{self, WebSocket, WebSocketUpgrade};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};

use super::{failure, not_sent, Relay};
use crate::Origin;

/// The path family that is relayed as a WebSocket (RunningHub's `/ws/c_instance`).
pub const PREFIX: &str = "/ws/";

/// How long connecting to the upstream may take (TCP, TLS and the WebSocket handshake).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a socket opened without a query may take to send it as its first frame.
const HELLO_WAIT: Duration = Duration::from_secs(10);
/// The largest first frame taken (a RunningHub socket query is a few hundred bytes).
const HELLO_MAX: usize = 8 * 1024;

/// The largest frame or message passed either way (also the simulator's).
pub const FRAME_LIMIT: usize = 1024 * 1024;

type Upstream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// True for a path under [`PREFIX`] with the same character and segment rules as the API paths.
pub fn is_socket_path(path: &str) -> bool {
    path.starts_with(PREFIX) && super::is_clean_path(path)
}

/// The socket URL on `base` (an `http(s)://host[:port][/prefix]` upstream) for `path` and
/// `query`, the query as it came.
pub fn upstream_url(base: &str, path: &str, query: Option<&str>) -> Option<String> {
    let rest = base
        .strip_prefix("https://")
        .map(|rest| ("wss", rest))
        .or_else(|| base.strip_prefix("http://").map(|rest| ("ws", rest)));
    let (scheme, rest) = rest?;
    Some(match query {
        Some(query) => format!("{scheme}://{rest}{path}?{query}"),
        None => format!("{scheme}://{rest}{path}"),
    })
}

/// Whether a browser page may open a socket here: no Origin (not a page), this server's own
/// pages, or an origin `--allow-origin` lists.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[Origin]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if allowed.iter().any(|o| o.as_str() == origin) {
        return true;
    }
    let Some((_, authority)) = origin.split_once("://") else {
        return false;
    };
    [header::HOST.as_str(), "x-forwarded-host"]
        .iter()
        .filter_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .any(|host| host.trim().eq_ignore_ascii_case(authority))
}

/// Answers a request for `path` (already stripped of `/cn` or `/ai`) on `base`.
pub(super) async fn forward(relay: &Relay, base: &str, path: &str, mut parts: Parts) -> Response {
    if !is_socket_path(path) {
        return failure(StatusCode::NOT_FOUND, "not a RunningHub API path");
    }
    if !origin_allowed(&parts.headers, &relay.socket_origins) {
        return failure(
            StatusCode::FORBIDDEN,
            "this origin may not open sockets here (see --allow-origin)",
        );
    }
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade
            .max_frame_size(FRAME_LIMIT)
            .max_message_size(FRAME_LIMIT),
        Err(_) => {
            return failure(
                StatusCode::BAD_REQUEST,
                "a WebSocket upgrade was expected here",
            )
        }
    };
    let Some(query) = parts.uri.query().filter(|q| !q.is_empty()) else {
        // Our page's way: the query (with its token) comes in the first frame.
        let (base, path) = (base.to_owned(), path.to_owned());
        return upgrade.on_upgrade(move |browser| after_hello(browser, base, path));
    };
    let Some(url) = upstream_url(base, path, Some(query)) else {
        return unreachable();
    };
    let upstream = match connect(base, &url).await {
        Ok(upstream) => upstream,
        Err(response) => return response,
    };
    upgrade.on_upgrade(move |browser| pump(browser, upstream))
}

/// Opens the upstream socket, or the answer that says why not.
async fn connect(base: &str, url: &str) -> Result<Upstream, Response> {
    let mut request = url.into_client_request().map_err(|_| unreachable())?;
    if let Some(origin) = url::Url::parse(base).ok().as_ref().and_then(Origin::of) {
        if let Ok(value) = HeaderValue::from_str(origin.as_str()) {
            request.headers_mut().insert(header::ORIGIN, value);
        }
    }
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_frame_size(Some(FRAME_LIMIT))
        .max_message_size(Some(FRAME_LIMIT));
    let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok((upstream, _))) => Ok(upstream),
        // Reached, and refused the upgrade (an expired task, a bad token): its status, our words.
        Ok(Err(tungstenite::Error::Http(answer))) => {
            let status = StatusCode::from_u16(answer.status().as_u16())
                .ok()
                .filter(|s| s.is_client_error() || s.is_server_error())
                .unwrap_or(StatusCode::BAD_GATEWAY);
            Err(failure(status, "RunningHub refused the progress socket"))
        }
        Ok(Err(_)) => Err(unreachable()),
        Err(_) => Err(failure(
            StatusCode::GATEWAY_TIMEOUT,
            "RunningHub did not open the progress socket in time",
        )),
    }
}

/// The query a page's first frame carries: `{"query": "…"}`, of printable URL characters only
/// (no space, no `#`), at most [`HELLO_MAX`] bytes. `None` for anything else.
pub fn hello_query(frame: &str) -> Option<String> {
    if frame.len() > HELLO_MAX {
        return None;
    }
    let hello: serde_json::Value = serde_json::from_str(frame).ok()?;
    let query = hello.get("query")?.as_str()?;
    query
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'#')
        .then(|| query.to_owned())
}

/// A socket opened without a query: waits for the page's first frame (see [`hello_query`]),
/// then opens the upstream socket with that query and pumps frames. A missing or bad first frame,
/// or an upstream that can't be opened, closes the page's socket with a reason (the browser
/// can't see an HTTP status once the upgrade is done, and the page polls on regardless).
async fn after_hello(mut browser: WebSocket, base: String, path: String) {
    let first = tokio::time::timeout(HELLO_WAIT, browser.next()).await;
    let query = match first {
        Ok(Some(Ok(ws::Message::Text(text)))) => hello_query(text.as_str()),
        _ => None,
    };
    let Some(query) = query else {
        return close(
            browser,
            1008,
            "relay: the socket's query was expected first",
        )
        .await;
    };
    let query = Some(query.as_str()).filter(|q| !q.is_empty());
    let Some(url) = upstream_url(&base, &path, query) else {
        return close(
            browser,
            1011,
            "relay: could not reach RunningHub's progress socket",
        )
        .await;
    };
    match connect(&base, &url).await {
        Ok(upstream) => pump(browser, upstream).await,
        Err(_) => {
            close(
                browser,
                1011,
                "relay: RunningHub did not open the progress socket",
            )
            .await
        }
    }
}

/// Closes the page's socket with `code` and `reason`.
async fn close(mut browser: WebSocket, code: u16, reason: &str) {
    let frame = ws::CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = browser.send(ws::Message::Close(Some(frame))).await;
}

fn unreachable() -> Response {
    not_sent("could not reach RunningHub's progress socket")
}

/// Pumps frames both ways until one side closes or fails; then closes the other.
async fn pump(mut browser: WebSocket, mut upstream: Upstream) {
    loop {
        tokio::select! {
            from_browser = browser.next() => {
                let message = match from_browser {
                    Some(Ok(ws::Message::Text(text))) => Message::Text(text.as_str().into()),
                    Some(Ok(ws::Message::Binary(bytes))) => Message::Binary(bytes),
                    // Each side's library answers pings itself.
                    Some(Ok(ws::Message::Ping(_) | ws::Message::Pong(_))) => continue,
                    Some(Ok(ws::Message::Close(frame))) => {
                        let frame = frame.and_then(|f| sendable(f.code).map(|code| CloseFrame {
                            code: CloseCode::from(code),
                            reason: f.reason.as_str().into(),
                        }));
                        let _ = upstream.close(frame).await;
                        return;
                    }
                    // Gone without a close frame (tab closed, network lost).
                    Some(Err(_)) | None => {
                        let _ = upstream.close(None).await;
                        return;
                    }
                };
                if upstream.send(message).await.is_err() {
                    let _ = browser.send(ws::Message::Close(None)).await;
                    return;
                }
            }
            from_upstream = upstream.next() => {
                let message = match from_upstream {
                    Some(Ok(Message::Text(text))) => ws::Message::Text(text.as_str().into()),
                    Some(Ok(Message::Binary(bytes))) => ws::Message::Binary(bytes),
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                    Some(Ok(Message::Close(frame))) => {
                        let frame = frame.and_then(|f| sendable(u16::from(f.code)).map(|code| ws::CloseFrame {
                            code,
                            reason: f.reason.as_str().into(),
                        }));
                        let _ = browser.send(ws::Message::Close(frame)).await;
                        return;
                    }
                    Some(Err(_)) | None => {
                        let _ = browser.send(ws::Message::Close(None)).await;
                        return;
                    }
                };
                if browser.send(message).await.is_err() {
                    let _ = upstream.close(None).await;
                    return;
                }
            }
        }
    }
}

/// A close code that may be sent on (1005, 1006 and 1015 only describe what happened).
fn sendable(code: u16) -> Option<u16> {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_paths() {
        assert!(is_socket_path("/ws/c_instance"));
        assert!(is_socket_path("/ws/a/b"));
        for bad in [
            "/ws",
            "/ws/",
            "/ws/../task/openapi/run",
            "/ws//evil.example",
            "/task/openapi/run",
            "/wss/x",
            "/ws/x@evil.example",
        ] {
            assert!(!is_socket_path(bad), "{bad}");
        }
    }

    #[test]
    fn upstream_urls_keep_the_query() {
        assert_eq!(
            upstream_url(
                "https://www.runninghub.cn",
                "/ws/c_instance",
                Some("clientId=a&Rh-Comfy-Auth=eyJ%2B==")
            )
            .as_deref(),
            Some("wss://www.runninghub.cn/ws/c_instance?clientId=a&Rh-Comfy-Auth=eyJ%2B==")
        );
        assert_eq!(
            upstream_url("http://127.0.0.1:9000/base", "/ws/x", None).as_deref(),
            Some("ws://127.0.0.1:9000/base/ws/x")
        );
        assert_eq!(upstream_url("ftp://x", "/ws/x", None), None);
    }

    #[test]
    fn origins() {
        let headers = |pairs: &[(&str, &str)]| {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.insert(
                    header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                    HeaderValue::from_str(v).expect("value"),
                );
            }
            map
        };
        let listed = [Origin::parse("https://me.github.io").expect("origin")];
        assert!(origin_allowed(&headers(&[("host", "127.0.0.1:8080")]), &[]));
        assert!(origin_allowed(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080")
            ]),
            &[]
        ));
        assert!(origin_allowed(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("x-forwarded-host", "relay.example"),
                ("origin", "https://relay.example")
            ]),
            &[]
        ));
        let foreign = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "https://me.github.io"),
        ]);
        assert!(!origin_allowed(&foreign, &[]));
        assert!(origin_allowed(&foreign, &listed));
        assert!(!origin_allowed(
            &headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]),
            &listed
        ));
        assert!(!origin_allowed(
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8081")
            ]),
            &[]
        ));
    }

    #[test]
    fn first_frames() {
        let query = "c_host=1&clientId=ab&Rh-Comfy-Auth=eyJ%2B==";
        assert_eq!(
            hello_query(&serde_json::json!({ "query": query }).to_string()).as_deref(),
            Some(query)
        );
        assert_eq!(hello_query(r#"{"query":""}"#).as_deref(), Some(""));
        for bad in [
            "c_host=1",
            r#"{"query":1}"#,
            r#"{"q":"x=1"}"#,
            r#"{"query":"x=1 y"}"#,
            r#"{"query":"x=1#y"}"#,
            r#"{"query":"x=1\r\nHost: evil"}"#,
        ] {
            assert_eq!(hello_query(bad), None, "{bad}");
        }
        let long = format!(r#"{{"query":"{}"}}"#, "a".repeat(HELLO_MAX));
        assert_eq!(hello_query(&long), None);
    }

    #[test]
    fn close_codes() {
        assert_eq!(sendable(1000), Some(1000));
        assert_eq!(sendable(1001), Some(1001));
        assert_eq!(sendable(1005), None);
        assert_eq!(sendable(1006), None);
        assert_eq!(sendable(4000), Some(4000));
    }
}
