//! `GET /__su/file?url=<percent-encoded URL>`: a RunningHub result file, fetched for the page.
//!
//! The page shows results with `<img src>`, which needs no CORS, but downloading, keeping a file
//! on the device, the ZIP export and the compare canvas need the bytes, and RunningHub's result
//! hosts may send no CORS headers. So the page asks this origin instead.
//!
//! It is not an open proxy: only `https` URLs on RunningHub's result hosts ([`allowed_host`]),
//! plus the exact origins given with `--allow-file-origin` (tests, private mirrors; http allowed
//! there). Every redirect hop is checked the same way (at most 5). The names are resolved here
//! and a name that leads to a loopback, private, link-local or otherwise non-public address is
//! refused ([`is_public`]); the connection goes to the address that was checked, so a second DNS
//! answer can't swap it ([`Resolver`]). The size is capped ([`MAX_BYTES`], by Content-Length and
//! again while streaming), the whole fetch has a deadline ([`DEADLINE`]), and failures are JSON
//! envelopes that say what went wrong.
//!
//! What comes back can never act on this origin, which holds the key: pictures and videos keep
//! their type, anything else is sent as `application/octet-stream` with `Content-Disposition:
//! attachment` (a `text/javascript` or `text/html` file would otherwise be a script or a page of
//! ours); always with `nosniff`, `Cross-Origin-Resource-Policy: same-origin` and a sandboxing
//! Content-Security-Policy.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
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

/// How long one fetch may take in all, its body included: 200 MiB at 350 KiB/s. A host that
/// drips a byte a minute can't hold a connection for ever.
pub const DEADLINE: Duration = Duration::from_secs(600);

/// The account id at the end of every Tencent COS bucket name of RunningHub's
/// (`rh-images-1252422369.cos.ap-beijing.myqcloud.com`, `rh-images-switch-1252422369.cos.
/// ap-guangzhou…`, `rh-hk-images-1252422369.cos.ap-hongkong…` in RunningHub's answers quoted by
/// public clients). COS names buckets `<name>-<APPID>` with the owner's APPID, so no one else
/// can create a bucket that ends in it: the pattern can't be satisfied by a stranger's bucket.
pub const RUNNINGHUB_COS_APPID: &str = "1252422369";

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
/// `xiaoyaoyou.com`, `runninghub.cn` or `runninghub.ai`, and RunningHub's own Tencent COS buckets
/// (`<name>-1252422369.cos.<region>.myqcloud.com`, also `….cos.accelerate.myqcloud.com`; see
/// [`RUNNINGHUB_COS_APPID`]). `host` is a host name as [`url::Url`] gives it (lower case);
/// anything else is refused.
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
    let runninghubs = |bucket: &str| {
        bucket
            .strip_suffix(RUNNINGHUB_COS_APPID)
            .and_then(|name| name.strip_suffix('-'))
            .is_some_and(|name| !name.is_empty())
    };
    match host.split('.').collect::<Vec<_>>()[..] {
        [bucket, "cos", region, "myqcloud", "com"] => {
            label(bucket) && label(region) && runninghubs(bucket)
        }
        _ => false,
    }
}

/// True for an address the file proxy may connect to for one of RunningHub's names: not
/// loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16, fe80::/10), unique
/// local (fc00::/7), shared/CGNAT (100.64/10), multicast, broadcast, unspecified or "this
/// network" (0/8), IETF protocol (192.0.0/24) or reserved (240/4); IPv6 forms that carry an IPv4
/// address (mapped, compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that.
/// 198.18/15 (benchmarking) is allowed on purpose: proxy tools in "fake-IP" mode, common in
/// China, answer every name with one of those and route it themselves.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_v4(v4);
            }
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            };
            if s[..6] == [0; 6] {
                // `::a.b.c.d` (IPv4-compatible), `::1` and `::` among them.
                return !v6.is_loopback()
                    && !v6.is_unspecified()
                    && public_v4(embedded(s[6], s[7]));
            }
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return public_v4(embedded(s[6], s[7]));
            }
            if s[0] == 0x2002 {
                return public_v4(embedded(s[1], s[2]));
            }
            !(v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0)
        }
    }
}

fn public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(a == 0
        || v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || (a == 100 && (b & 0xc0) == 64)
        || v4.is_multicast()
        || a >= 240
        || (a == 192 && b == 0 && c == 0))
}

/// A file host's name that leads to an address the proxy does not fetch from.
#[derive(Debug)]
pub struct NotPublic {
    pub host: String,
    pub ip: IpAddr,
}

impl fmt::Display for NotPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} leads to {}, which is not a public address; only public addresses are fetched",
            self.host, self.ip
        )
    }
}

impl std::error::Error for NotPublic {}

/// The file proxy's DNS: RunningHub's names (those [`allowed_host`] passes) must lead to public
/// addresses only ([`is_public`]), every one of them. The client connects to the addresses
/// returned here, so what was checked is what is used, on the first URL and on every redirect.
/// Other names are the `--allow-file-origin` hosts (the person running the server chose them)
/// or an HTTP proxy's, and are resolved as they are.
#[derive(Clone)]
pub struct Resolver {
    /// Test hook: names taken to be at these addresses instead of asking DNS.
    fixed: Arc<[(String, IpAddr)]>,
    /// Host names of the `--allow-file-origin` origins.
    exempt: Arc<[String]>,
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let checked = allowed_host(&host) && !self.exempt.contains(&host);
        let fixed: Vec<SocketAddr> = self
            .fixed
            .iter()
            .filter(|(name, _)| *name == host)
            .map(|(_, ip)| SocketAddr::new(*ip, 0))
            .collect();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = if fixed.is_empty() {
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect()
            } else {
                fixed
            };
            if checked {
                if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                    let refusal: Box<dyn std::error::Error + Send + Sync> =
                        Box::new(NotPublic { host, ip: bad.ip() });
                    return Err(refusal);
                }
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
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
        FileProxy::configured(extra, max_bytes, DEADLINE, &[])
    }

    /// Everything said: the extra origins, the size cap, the deadline of one fetch, and names
    /// to take as resolved (tests; see [`Resolver`]).
    pub fn configured(
        extra: &[Origin],
        max_bytes: u64,
        deadline: Duration,
        resolve: &[(String, IpAddr)],
    ) -> FileProxy {
        let extra: Arc<[Origin]> = extra.iter().cloned().collect();
        let resolver = Resolver {
            fixed: resolve
                .iter()
                .map(|(name, ip)| (name.to_ascii_lowercase(), *ip))
                .collect(),
            exempt: extra
                .iter()
                .filter_map(|o| Url::parse(o.as_str()).ok())
                .filter_map(|u| u.host_str().map(str::to_owned))
                .collect(),
        };
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
            .timeout(deadline)
            .dns_resolver(Arc::new(resolver))
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
            if let Some(refusal) = find::<NotPublic>(&e) {
                return failure(StatusCode::FORBIDDEN, &refusal.to_string());
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
    let media_type = media_type(answer.headers().get(header::CONTENT_TYPE));

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
    match media_type {
        Some(media_type) => {
            headers.insert(header::CONTENT_TYPE, media_type);
        }
        None => {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment"),
            );
        }
    }
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
    // No other site may embed it (the page fetches it with CORS, which this does not affect).
    headers.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    // Opened directly, a file from a bucket can't act as a page of this origin (which holds the
    // key in localStorage): no scripts, its own opaque origin, not framed.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"),
    );
    response
}

/// The type a file is served as when it is a picture or a video (`image/*` but SVG, which can
/// hold script; `video/*`), reduced to `type/subtype`; `None` for anything else, which is then
/// sent as a download.
pub fn media_type(upstream: Option<&HeaderValue>) -> Option<HeaderValue> {
    let text = upstream?.to_str().ok()?;
    let essence = text.split(';').next()?.trim().to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/')?;
    let clean = !subtype.is_empty()
        && subtype
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'));
    let shown = match kind {
        "image" => !subtype.contains("xml"),
        "video" => true,
        _ => false,
    };
    (clean && shown)
        .then(|| HeaderValue::from_str(&essence).ok())
        .flatten()
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
            "https://rh-images-1252422369.cos.ap-beijing.myqcloud.com/output/x.png",
            "https://rh-images-switch-1252422369.cos.ap-guangzhou.myqcloud.com/input/x.png",
            "https://rh-hk-images-1252422369.cos.ap-hongkong.myqcloud.com/output/x.png",
            "https://rh-images-1252422369.cos.accelerate.myqcloud.com/x.mp4",
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
            // Anyone can create a bucket; only RunningHub's end in its account id.
            "https://rh-1300000000.cos.ap-shanghai.myqcloud.com/output/x.png",
            "https://bucket-1.cos.accelerate.myqcloud.com/x.mp4",
            "https://evil-1252422369x.cos.ap-beijing.myqcloud.com/x.png",
            "https://1252422369.cos.ap-beijing.myqcloud.com/x.png",
            "https://-1252422369.cos.ap-beijing.myqcloud.com/x.png",
            "https://rh-images-1252422369.cvm.ap-beijing.myqcloud.com/x.png",
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

    #[test]
    fn addresses() {
        let public = |s: &str| is_public(s.parse().expect("ip"));
        for ok in [
            "1.1.1.1",
            "203.0.113.9",
            "198.18.0.7",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
            "64:ff9b::101:101",
            "2002:101:101::1",
        ] {
            assert!(public(ok), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "255.255.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "240.0.0.1",
            "192.0.0.170",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::10.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::1",
        ] {
            assert!(!public(bad), "{bad}");
        }
    }

    #[test]
    fn media_types() {
        let served = |t: &str| {
            media_type(Some(&HeaderValue::from_str(t).expect("value")))
                .map(|v| v.to_str().expect("text").to_owned())
        };
        assert_eq!(served("image/png").as_deref(), Some("image/png"));
        assert_eq!(served("IMAGE/WebP; q=1").as_deref(), Some("image/webp"));
        assert_eq!(served("video/mp4").as_deref(), Some("video/mp4"));
        for download in [
            "text/javascript",
            "text/html; charset=utf-8",
            "application/javascript",
            "application/json",
            "image/svg+xml",
            "image/",
            "image/png\"",
            "imagepng",
            "application/octet-stream",
            "",
        ] {
            assert_eq!(served(download), None, "{download}");
        }
        assert_eq!(media_type(None), None);
    }
}
