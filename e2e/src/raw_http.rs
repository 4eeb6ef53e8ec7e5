//! The one plain HTTP client of the tests and the bench: the server's own endpoints (simulator
//! knobs, stored files) and chromedriver's vendor endpoints (logs, DevTools commands) that
//! fantoccini has no call for.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::Result;

/// How long one request may take before the test fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(15);

/// A one-shot HTTP/1.1 request with an optional JSON body; returns the status and body bytes.
pub async fn request(method: &str, url: &str, body: Option<&Value>) -> Result<(u16, Vec<u8>)> {
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut request = hyper::Request::builder().method(method).uri(url);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let bytes = body.map(|b| b.to_string()).unwrap_or_default();
    let request = request.body(Full::new(Bytes::from(bytes)))?;
    let response = tokio::time::timeout(LIMIT, client.request(request))
        .await
        .map_err(|_| format!("{method} {url}: no answer in {LIMIT:?}"))??;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body.to_vec()))
}

/// [`request`], the body as text.
pub async fn http(method: &str, url: &str, body: Option<&Value>) -> Result<(u16, String)> {
    let (status, bytes) = request(method, url, body).await?;
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// `GET url`, the body as bytes (for files the simulator stored).
pub async fn get_bytes(url: &str) -> Result<(u16, Vec<u8>)> {
    request("GET", url, None).await
}

/// `POST`s JSON to chromedriver (or any WebDriver-style endpoint) and returns the answer's
/// `value`; `what` names the call in the error.
pub async fn post_value(url: &str, body: &Value, what: &str) -> Result<Value> {
    let (status, text) = http("POST", url, Some(body)).await?;
    if status != 200 {
        return Err(format!("{what}: {status} {text}").into());
    }
    let mut answer: Value = serde_json::from_str(&text)?;
    Ok(answer["value"].take())
}
