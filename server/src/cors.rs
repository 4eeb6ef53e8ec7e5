//! Who may call this server from a page on another origin.
//!
//! A team relay lists the origins of the pages that use it (`--allow-origin`, e.g. the GitHub
//! Pages copy). For those, and only those, preflights are answered (with Chromium's
//! private-network header when asked: a public https page calling a loopback or LAN address) and
//! answers carry `Access-Control-Allow-Origin`. A preflight from any other origin gets a 403 with
//! no `Access-Control-*` header, so the browser never sends the call. No credentials: the app
//! uses no cookies.
//!
//! The simulator's own paths are [`Cors::Open`] (a page served elsewhere may use it) unless it
//! plays a RunningHub that is closed to other origins (`--no-cors`).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

/// A web origin, `scheme://host[:port]`, as browsers send it in `Origin` (lower case, no
/// default port, no path).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    /// Parses an exact origin: `http` or `https`, a host, an optional port, nothing else (a
    /// single trailing `/` is tolerated). Normalised the way browsers serialise it.
    pub fn parse(text: &str) -> Result<Origin, String> {
        let bad = |why: &str| {
            Err(format!("{text:?} is not an origin like https://example.com or http://127.0.0.1:8080 ({why})"))
        };
        let url = match url::Url::parse(text.trim()) {
            Ok(url) => url,
            Err(e) => return bad(&e.to_string()),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return bad("only http and https");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return bad("no user name or password");
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return bad("no path, query or fragment");
        }
        if url.host().is_none() {
            return bad("no host");
        }
        Ok(Origin(url.origin().ascii_serialization()))
    }

    /// The origin of an absolute URL (`None` for opaque origins such as `data:`).
    pub fn of(url: &url::Url) -> Option<Origin> {
        let origin = url.origin();
        origin
            .is_tuple()
            .then(|| Origin(origin.ascii_serialization()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Origin {
    type Err = String;
    fn from_str(text: &str) -> Result<Origin, String> {
        Origin::parse(text)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CORS policy for a group of routes.
#[derive(Debug, Clone)]
pub enum Cors {
    /// Any origin (the simulator's own paths).
    Open,
    /// Only these origins (possibly none).
    Only(Arc<[Origin]>),
}

impl Cors {
    pub fn only(origins: &[Origin]) -> Cors {
        Cors::Only(origins.iter().cloned().collect())
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, if it may call.
    fn allow(&self, origin: Option<&HeaderValue>, preflight: bool) -> Option<HeaderValue> {
        let origin = origin?;
        match self {
            // Preflights echo the origin (Chromium's private-network check wants it named);
            // answers keep the wildcard they always had.
            Cors::Open if preflight => Some(origin.clone()),
            Cors::Open => Some(HeaderValue::from_static("*")),
            Cors::Only(list) => {
                let origin_text = origin.to_str().ok()?;
                list.iter()
                    .any(|o| o.as_str() == origin_text)
                    .then(|| origin.clone())
            }
        }
    }
}

/// `router` with `cors` in front of every route it has so far.
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>, cors: Cors) -> Router<S> {
    router.layer(axum::middleware::from_fn_with_state(cors, middleware))
}

const ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";
const REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";

fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS
        && headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

async fn middleware(State(cors): State<Cors>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    if is_preflight(request.method(), request.headers()) {
        return preflight(&cors, request.headers());
    }
    let mut response = next.run(request).await;
    let allowed = cors.allow(origin.as_ref(), false);
    let headers = response.headers_mut();
    if let Some(value) = allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        // A page on a listed origin must read `x-su-relay` to tell "not sent" from "unknown"
        // (the browser hides every other header from it).
        let exposed = match cors {
            Cors::Open => "*",
            Cors::Only(_) => crate::relay::NOT_SENT.0,
        };
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(exposed),
        );
    }
    if matches!(&cors, Cors::Only(list) if !list.is_empty()) {
        // The answer depends on Origin whenever some origins are listed.
        headers.append(header::VARY, HeaderValue::from_static("origin"));
    }
    response
}

fn preflight(cors: &Cors, request: &HeaderMap) -> Response {
    let Some(allow_origin) = cors.allow(request.get(header::ORIGIN), true) else {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "CORS: this origin may not call this server (see --allow-origin)\n",
        )
            .into_response();
    };
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    match cors {
        Cors::Only(_) => {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, authorization"),
            );
        }
        Cors::Open => {
            // Whatever was asked for, as tower-http's permissive layer answered before.
            for (asked, allow) in [
                (
                    header::ACCESS_CONTROL_REQUEST_METHOD,
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                ),
                (
                    header::ACCESS_CONTROL_REQUEST_HEADERS,
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                ),
            ] {
                if let Some(value) = request.get(asked) {
                    headers.insert(allow, value.clone());
                }
            }
        }
    }
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
    let private_network = request
        .get(REQUEST_PRIVATE_NETWORK)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    if private_network {
        headers.insert(ALLOW_PRIVATE_NETWORK, HeaderValue::from_static("true"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::Origin;

    #[test]
    fn origins_are_exact_and_normalised() {
        let ok = |s: &str| Origin::parse(s).map(|o| o.to_string());
        assert_eq!(
            ok("https://example.github.io").as_deref(),
            Ok("https://example.github.io")
        );
        assert_eq!(
            ok("https://Example.GitHub.io/").as_deref(),
            Ok("https://example.github.io")
        );
        assert_eq!(
            ok("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert_eq!(
            ok("https://a.example:443").as_deref(),
            Ok("https://a.example")
        );
        assert_eq!(ok("http://[::1]:9000").as_deref(), Ok("http://[::1]:9000"));
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://example.com/app/",
            "https://example.com/?q",
            "https://example.com/#x",
            "https://user@example.com",
            "null",
            "*",
            "",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }
}
