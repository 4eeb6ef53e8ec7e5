//! The relay: RunningHub's API paths forwarded to the real site, so the browser only ever talks
//! to this origin and needs no CORS. Keys and bodies pass through and are never logged.
//!
//! A POST must always get an answer: if the upstream fails or cuts its answer, the browser gets a
//! 502 with a RunningHub-style envelope. Closing a kept-alive connection without answering would
//! make Chromium send the POST again, which starts (and bills) a second task.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};

#[derive(Clone)]
struct Relay {
    upstream: String,
    client: reqwest::Client,
}

/// Where `cn` and `ai` point.
pub fn upstream_for(name: &str) -> String {
    match name {
        "cn" => "https://www.runninghub.cn".to_owned(),
        "ai" => "https://www.runninghub.ai".to_owned(),
        url => url.trim_end_matches('/').to_owned(),
    }
}

/// The relayed paths.
pub fn routes(upstream: &str) -> Router {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        // Uploads of 30 MB on slow links take a while; polls are small.
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap_or_default();
    let relay = Relay {
        upstream: upstream_for(upstream),
        client,
    };
    Router::new()
        .route("/task/openapi/{*rest}", any(forward))
        .route("/uc/openapi/{*rest}", any(forward))
        .route("/api/webapp/{*rest}", any(forward))
        .with_state(relay)
}

fn failure(status: StatusCode, why: &str) -> Response {
    let body = json!({"code": status.as_u16(), "msg": format!("relay: {why}"), "data": null});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn forward(State(relay): State<Relay>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let mut url = format!("{}{}", relay.upstream, path);
    let mut method = parts.method.clone();
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();

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
        let query = [("apiKey", field("apiKey")), ("webappId", field("webappId"))];
        let query: String = query
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        url = format!("{url}?{query}");
        method = Method::GET;
        reqwest::Body::from(Vec::new())
    } else {
        if let Some(query) = parts.uri.query() {
            url = format!("{url}?{query}");
        }
        reqwest::Body::wrap_stream(body.into_data_stream())
    };

    let mut upstream = relay.client.request(method.clone(), &url);
    if let Some(ct) = content_type {
        upstream = upstream.header(header::CONTENT_TYPE, ct);
    }
    if method != Method::GET {
        upstream = upstream.body(body);
    }
    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(e) if e.is_timeout() => {
            return failure(
                StatusCode::GATEWAY_TIMEOUT,
                "RunningHub did not answer in time",
            )
        }
        Err(_) => return failure(StatusCode::BAD_GATEWAY, "could not reach RunningHub"),
    };
    let status = answer.status();
    let content_type = answer.headers().get(header::CONTENT_TYPE).cloned();
    // Answers are small JSON documents: read them whole, so a cut answer becomes one clean 502
    // instead of a half-sent response.
    let bytes: Bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(_) => return failure(StatusCode::BAD_GATEWAY, "RunningHub's answer was cut off"),
    };
    let mut response = (status, bytes).into_response();
    if let Some(ct) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
