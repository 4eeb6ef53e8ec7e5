//! What stands in front of every route, including routes added later: [`layer`] wraps the whole
//! router, so a new path is covered without anyone remembering to.
//!
//! - **The Host check** (DNS rebinding). A page on `http://rebind.example:8080` whose name the
//!   attacker points at 127.0.0.1 is, for the browser, a page of its own origin talking to
//!   itself: it could read `/__su/info`, use the relay and the file proxy, open the socket. The
//!   one thing it can't change is the `Host` header, which names the attacker's domain. So a
//!   request is answered only when its Host is one of ours ([`Hosts`]); any other gets a 421 and
//!   reaches nothing.
//! - **Headers on every answer**: `X-Content-Type-Options: nosniff` (nothing of ours is read as
//!   another type than it says), `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'` (no
//!   other site can frame the app and click-jack it; a header, because `frame-ancestors` is
//!   ignored in a `<meta>`), and, for answers that set no policy of their own (everything but the
//!   app's files and the file proxy's), `default-src 'none'; sandbox`: an API answer opened as a
//!   page runs nothing and gets an opaque origin, away from the key in localStorage.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::uri::Authority;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

/// The policy for answers that set none: no resources, no scripts, an opaque origin, no framing.
pub const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Added beside a policy that does not forbid framing itself (browsers enforce every policy).
pub const NO_FRAMING: &str = "frame-ancestors 'none'";

/// A name given with `--public-host NAME[:PORT]`: a relay behind a reverse proxy, or reached by
/// a name on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicHost {
    /// Lower case; an IPv6 address in brackets, as in a Host header.
    host: String,
    port: Option<u16>,
}

impl PublicHost {
    pub fn parse(text: &str) -> Result<PublicHost, String> {
        let bad = |why: &str| {
            Err(format!(
                "{text:?} is not a host name like relay.example or relay.example:8443 ({why})"
            ))
        };
        let Some((host, port)) = split_authority(text.trim()) else {
            return bad("a name and an optional port only");
        };
        if host.ends_with('.') {
            return bad("no trailing dot");
        }
        Ok(PublicHost { host, port })
    }

    /// True when a Host of `host` (lower case) and `port` names this: the same name, and the
    /// given port, or with none given, no port (a proxy on 80/443) or the port we listen on.
    fn matches(&self, host: &str, port: Option<u16>, bound_port: Option<u16>) -> bool {
        if self.host != host {
            return false;
        }
        match self.port {
            Some(own) => port == Some(own),
            None => port.is_none() || bound_port.is_none() || port == bound_port,
        }
    }
}

impl FromStr for PublicHost {
    type Err = String;
    fn from_str(text: &str) -> Result<PublicHost, String> {
        PublicHost::parse(text)
    }
}

impl std::fmt::Display for PublicHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// The Host values this server answers for.
///
/// - `localhost` and loopback addresses (`127.0.0.0/8`, `[::1]`), and the address it listens
///   on, each with the port it listens on;
/// - listening on every address (`0.0.0.0`, `[::]`, a team relay): any IP address with that
///   port. DNS rebinding needs a *name* (the attacker's page lives at a name whose address it
///   changes); a Host that is an address can only come from a page served at that address and
///   port, which is this server;
/// - the `--public-host` names (with or without a port, see [`PublicHost`]).
///
/// Other names never: not `*.localhost`, not the machine's own names (they can't all be known;
/// a LAN relay reached by name says so with `--public-host`). Without a known listening address
/// (a router built by a test and served by it), the port is not checked.
#[derive(Debug, Clone, Default)]
pub struct Hosts {
    bound: Option<SocketAddr>,
    public: Arc<[PublicHost]>,
}

impl Hosts {
    pub fn new(bound: Option<SocketAddr>, public: &[PublicHost]) -> Hosts {
        Hosts {
            bound,
            public: public.iter().cloned().collect(),
        }
    }

    /// True when a request whose Host (or absolute-form authority) is `authority` may be
    /// answered.
    pub fn allows(&self, authority: &str) -> bool {
        let Some((host, port)) = split_authority(authority) else {
            return false;
        };
        let bound_port = self.bound.map(|b| b.port());
        if self
            .public
            .iter()
            .any(|p| p.matches(&host, port, bound_port))
        {
            return true;
        }
        let port_ok = match bound_port {
            // A Host without a port means 80.
            Some(bound) => port.unwrap_or(80) == bound,
            None => true,
        };
        if !port_ok {
            return false;
        }
        if host == "localhost" {
            return true;
        }
        let literal = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&host);
        let Ok(ip) = literal.parse::<IpAddr>() else {
            return false;
        };
        ip.is_loopback()
            || self
                .bound
                .is_some_and(|b| b.ip() == ip || b.ip().is_unspecified())
    }
}

/// `host[:port]` as a Host header has it, the host in lower case (an IPv6 address in brackets);
/// `None` for anything else (user info, a path, an empty or non-numeric port, odd characters).
fn split_authority(text: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            inside.parse::<std::net::Ipv6Addr>().ok()?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (format!("[{inside}]"), port)
        }
        None => {
            let (host, port) = match text.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            };
            let name_like = !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
            if !name_like {
                return None;
            }
            (host.to_owned(), port)
        }
    };
    let port = match port {
        None => None,
        Some(digits) => {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(digits.parse::<u16>().ok()?)
        }
    };
    Some((host.to_ascii_lowercase(), port))
}

/// `router` behind the Host check and the headers above.
pub fn layer(router: Router, hosts: Hosts) -> Router {
    router.layer(axum::middleware::from_fn_with_state(hosts, middleware))
}

/// True when the Host a request names is ours: its `Host` header, and the authority of an
/// absolute-form target (which HTTP/1.1 says wins over the header) when it has one. A request
/// that names no host at all is not answered either.
fn names_us(hosts: &Hosts, request: &Request) -> bool {
    // Two Host headers: which one a proxy on the way believed is anyone's guess.
    if request.headers().get_all(header::HOST).iter().count() > 1 {
        return false;
    }
    let authority = request.uri().authority().map(Authority::as_str);
    // A Host that is not text is nobody's.
    let header = request
        .headers()
        .get(header::HOST)
        .map(|v| v.to_str().unwrap_or(""));
    if header.is_none() && authority.is_none() {
        return false;
    }
    header.is_none_or(|h| hosts.allows(h)) && authority.is_none_or(|a| hosts.allows(a))
}

async fn middleware(State(hosts): State<Hosts>, request: Request, next: Next) -> Response {
    let mut response = if names_us(&hosts, &request) {
        next.run(request).await
    } else {
        misdirected()
    };
    harden(response.headers_mut());
    response
}

/// The answer to a Host that is not ours: plain words, in both languages (a colleague who types
/// the relay's machine name sees it), and no echo of what was sent.
fn misdirected() -> Response {
    (
        StatusCode::MISDIRECTED_REQUEST,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "421 Misdirected Request\n\n\
         This server answers only at its own address: 127.0.0.1, localhost, the address it \
         listens on, or a name given with --public-host. Open it at one of those, or ask whoever \
         runs it to add --public-host with the name you used.\n\n\
         此服务器只响应它自己的地址：127.0.0.1、localhost、它监听的地址，或用 --public-host \
         指定的名称。请改用这些地址打开，或请运行它的人用 --public-host 加上你所用的名称。\n",
    )
        .into_response()
}

/// The headers every answer gets (see the module's comment).
pub fn harden(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let policies: Vec<&[u8]> = headers
        .get_all(header::CONTENT_SECURITY_POLICY)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    if policies.is_empty() {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_POLICY),
        );
    } else if !policies.iter().any(|p| {
        p.windows(15)
            .any(|w| w.eq_ignore_ascii_case(b"frame-ancestors"))
    }) {
        headers.append(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NO_FRAMING),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> Option<SocketAddr> {
        Some(text.parse().expect("addr"))
    }

    #[test]
    fn loopback_on_our_port() {
        let hosts = Hosts::new(addr("127.0.0.1:8080"), &[]);
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "127.0.0.2:8080",
            "[::1]:8080",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "rebind.example:8080",
            "rebind.example",
            "127.0.0.1:8081",
            "127.0.0.1",
            "localhost",
            "localhost.:8080",
            "evil.localhost:8080",
            "localhost.evil.example:8080",
            "192.168.1.5:8080",
            "0.0.0.0:8080",
            "user@127.0.0.1:8080",
            "127.0.0.1:8080/x",
            "",
            " ",
            "127.0.0.1:8080:8080",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
    }

    #[test]
    fn a_lan_relay() {
        let hosts = Hosts::new(
            addr("0.0.0.0:8080"),
            &[
                PublicHost::parse("Relay.Example").expect("name"),
                PublicHost::parse("studio:9000").expect("name:port"),
            ],
        );
        for ok in [
            "192.168.1.5:8080",
            "10.0.0.7:8080",
            "[fe80::1]:8080",
            "127.0.0.1:8080",
            "relay.example",
            "relay.example:8080",
            "studio:9000",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "192.168.1.5:9090",
            "relay.example:9090",
            "studio",
            "studio:8080",
            "rebind.example:8080",
            "other.relay.example",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
        let one = Hosts::new(addr("192.168.1.5:8080"), &[]);
        assert!(one.allows("192.168.1.5:8080"));
        assert!(one.allows("127.0.0.1:8080"));
        assert!(
            !one.allows("192.168.1.6:8080"),
            "not the address we listen on"
        );
    }

    #[test]
    fn without_a_known_address_any_port() {
        let hosts = Hosts::new(None, &[]);
        assert!(hosts.allows("127.0.0.1:1234"));
        assert!(hosts.allows("localhost"));
        assert!(!hosts.allows("rebind.example:1234"));
        assert!(!hosts.allows("192.168.1.5:1234"));
    }

    #[test]
    fn public_host_names() {
        assert_eq!(
            PublicHost::parse("relay.example:8443")
                .expect("ok")
                .to_string(),
            "relay.example:8443"
        );
        assert_eq!(
            PublicHost::parse("[::1]:9").expect("ok").to_string(),
            "[::1]:9"
        );
        for bad in [
            "",
            "https://relay.example",
            "relay.example/",
            "u@relay.example",
            "relay.example:x",
            "relay.example.",
            "relay.example:99999",
        ] {
            assert!(PublicHost::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_every_answer_gets() {
        let mut plain = HeaderMap::new();
        harden(&mut plain);
        assert_eq!(plain[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(plain[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(plain[header::CONTENT_SECURITY_POLICY], API_POLICY);

        let mut own = HeaderMap::new();
        own.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        );
        harden(&mut own);
        let policies: Vec<_> = own
            .get_all(header::CONTENT_SECURITY_POLICY)
            .iter()
            .collect();
        assert_eq!(policies, ["default-src 'none'; sandbox", NO_FRAMING]);

        let mut framed = HeaderMap::new();
        framed.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("Frame-Ancestors 'none'"),
        );
        harden(&mut framed);
        assert_eq!(
            framed
                .get_all(header::CONTENT_SECURITY_POLICY)
                .iter()
                .count(),
            1
        );
    }
}
