//! `/__su/file`: result files fetched for the page from RunningHub's hosts only. A local file
//! host stands in for RunningHub's (allowed with `allow_file_origins`, as `--allow-file-origin`
//! does); everything it is asked for is counted, so refusals can be shown to reach nobody.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get as route_get;
use common::*;
use su_render_server::file_proxy::{self, FileProxy, MAX_BYTES};
use su_render_server::Mode;
use tokio::net::TcpListener;

/// A file host on a free loopback port; stopped when dropped.
struct FileHost {
    base_url: String,
    hits: Arc<AtomicUsize>,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for FileHost {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl FileHost {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

fn picture() -> Vec<u8> {
    su_render_server::png::rendering(64, 40, 7)
}

fn redirect(to: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

/// A body of `n` bytes in 1000-byte pieces with no Content-Length.
fn chunked(n: usize) -> Response {
    let pieces = (0..n.div_ceil(1000))
        .map(move |i| Ok::<_, std::io::Error>(vec![b'z'; 1000.min(n - i * 1000)]));
    Response::new(Body::from_stream(futures_util::stream::iter(pieces)))
}

async fn file_host() -> FileHost {
    let dead = dead_port().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits: Arc<AtomicUsize> = Arc::default();
    let counter = hits.clone();
    let app = axum::Router::new()
        .route(
            "/pic.png",
            route_get(|| async { ([(header::CONTENT_TYPE, "image/png")], picture()) }),
        )
        .route(
            "/untyped",
            route_get(|| async { Response::new(Body::from(b"raw bytes".to_vec())) }),
        )
        .route(
            "/page.html",
            route_get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<script>alert(localStorage)</script>",
                )
            }),
        )
        .route(
            "/to-pic",
            route_get(|| async { redirect("/pic.png".into()) }),
        )
        .route(
            "/to-unlisted",
            route_get(move || async move { redirect(format!("http://127.0.0.1:{dead}/pic.png")) }),
        )
        .route(
            "/to-evil",
            route_get(|| async {
                redirect("https://rh-images.xiaoyaoyou.com.evil.example/x.png".into())
            }),
        )
        .route("/loop", route_get(|| async { redirect("/loop".into()) }))
        .route(
            "/expired",
            route_get(|| async { (StatusCode::NOT_FOUND, "NoSuchKey") }),
        )
        .route(
            "/broken",
            route_get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "oops") }),
        )
        .route(
            "/declared-huge",
            route_get(|| async {
                // Claims more than the cap (and then sends 10 bytes and waits forever): the
                // proxy must refuse on the header alone.
                let start = futures_util::stream::iter([Ok::<_, std::io::Error>(vec![b'z'; 10])]);
                let body = futures_util::StreamExt::chain(start, futures_util::stream::pending());
                let mut response = Response::new(Body::from_stream(body));
                response.headers_mut().insert(
                    header::CONTENT_LENGTH,
                    header::HeaderValue::from(MAX_BYTES + 1),
                );
                response
            }),
        )
        .route("/chunked-5000", route_get(|| async { chunked(5000) }))
        .route("/sized-5000", route_get(|| async { vec![b'z'; 5000] }))
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(request)
            },
        ));
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FileHost {
        base_url: format!("http://{addr}"),
        hits,
        handle,
    }
}

/// A server in `mode` whose file proxy also takes the file host's origin.
async fn server_for(host: &FileHost, mode: Mode) -> Server {
    let mut settings = settings(mode);
    settings.allow_file_origins = vec![origin(&host.base_url)];
    start_with(settings).await
}

async fn fetch(server_base: &str, url: &str) -> Answer {
    let response = client()
        .get(format!("{server_base}/__su/file"))
        .query(&[("url", url)])
        .send()
        .await
        .expect("file proxy");
    answer(response).await
}

fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    answer.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn an_allowed_file_passes_with_its_type_and_bytes() {
    let host = file_host().await;
    let server = server_for(&host, Mode::Simulator).await;
    let file = fetch(&server.base, &host.url("/pic.png")).await;
    assert_eq!(file.status, 200, "{}", file.text());
    assert_eq!(file.content_type, "image/png");
    assert_eq!(file.bytes, picture());
    assert_eq!(
        header(&file, "content-length"),
        Some(picture().len().to_string().as_str())
    );
    assert_eq!(
        header(&file, "cache-control"),
        Some("private, max-age=3600")
    );
    assert_eq!(header(&file, "x-content-type-options"), Some("nosniff"));
    assert!(header(&file, "content-security-policy")
        .unwrap_or("")
        .contains("sandbox"));

    // Followed within the allowed origin.
    let moved = fetch(&server.base, &host.url("/to-pic")).await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(moved.bytes, picture());

    // No Content-Type: a neutral one.
    let untyped = fetch(&server.base, &host.url("/untyped")).await;
    assert_eq!(untyped.content_type, "application/octet-stream");
    assert_eq!(untyped.bytes, b"raw bytes");

    // A page from a file host can't act as this origin's page.
    let page = fetch(&server.base, &host.url("/page.html")).await;
    assert_eq!(page.status, 200);
    let csp = header(&page, "content-security-policy").unwrap_or("");
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );

    // HEAD: the headers, no body.
    let head = client()
        .head(format!("{}/__su/file", server.base))
        .query(&[("url", host.url("/pic.png"))])
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some(picture().len().to_string().as_str())
    );
    assert!(head.bytes().await.expect("body").is_empty());
}

#[tokio::test]
async fn it_works_on_the_relay_too() {
    let host = file_host().await;
    let server = server_for(&host, Mode::runninghub()).await;
    let file = fetch(&server.base, &host.url("/pic.png")).await;
    assert_eq!(file.status, 200, "{}", file.text());
    assert_eq!(file.bytes, picture());
}

#[tokio::test]
async fn hosts_off_the_list_and_plain_http_are_refused_without_a_request() {
    let host = file_host().await;
    let other = file_host().await;
    // The relay's default: RunningHub's hosts only, the local file host not listed.
    let strict = start(Mode::runninghub(), fast_sim()).await;
    let listed = server_for(&host, Mode::Simulator).await;

    for (server, url, status, says) in [
        (
            &listed,
            "https://evil.example/x.png".to_owned(),
            403,
            "not one of RunningHub's file hosts",
        ),
        (
            &listed,
            "https://rh-images.xiaoyaoyou.com.evil.example/x.png".to_owned(),
            403,
            "not one of",
        ),
        (
            &listed,
            "https://x@evil.example/x.png".to_owned(),
            403,
            "not one of",
        ),
        (
            &listed,
            "https://rh-images.xiaoyaoyou.com:8443/x.png".to_owned(),
            403,
            "not one of",
        ),
        (
            &listed,
            "https://127.0.0.1/x.png".to_owned(),
            403,
            "not one of",
        ),
        (&listed, other.url("/pic.png"), 400, "only https"),
        (
            &listed,
            "http://rh-images.xiaoyaoyou.com/x.png".to_owned(),
            400,
            "only https",
        ),
        (&listed, "not a url".to_owned(), 400, "not a valid"),
        (&strict, host.url("/pic.png"), 400, "only https"),
    ] {
        let refused = fetch(&server.base, &url).await;
        assert_eq!(refused.status, status, "{url}: {}", refused.text());
        let body = refused.json();
        assert_eq!(body["code"], status, "{url}");
        assert!(body["data"].is_null());
        let msg = body["msg"].as_str().unwrap_or("");
        assert!(
            msg.starts_with("file proxy:") && msg.contains(says),
            "{url}: {msg}"
        );
    }
    let missing = get(&listed.base, "/__su/file").await;
    assert_eq!(missing.status, 400);
    assert_eq!(host.hits.load(Ordering::SeqCst), 0);
    assert_eq!(other.hits.load(Ordering::SeqCst), 0);

    let post = post(&listed.base, "/__su/file?url=x", &serde_json::json!({})).await;
    assert_eq!(post.status, 405, "GET and HEAD only");
}

#[tokio::test]
async fn redirects_off_the_list_are_refused() {
    let host = file_host().await;
    let server = server_for(&host, Mode::Simulator).await;
    for path in ["/to-unlisted", "/to-evil"] {
        let refused = fetch(&server.base, &host.url(path)).await;
        assert_eq!(refused.status, 403, "{path}: {}", refused.text());
        let msg = refused.json()["msg"].as_str().unwrap_or("").to_owned();
        assert!(msg.contains("redirected"), "{path}: {msg}");
    }
    let looping = fetch(&server.base, &host.url("/loop")).await;
    assert_eq!(looping.status, 502, "{}", looping.text());
    // The first request and 5 followed hops, then it stops.
    assert!(host.hits.load(Ordering::SeqCst) <= 2 + 1 + 6);
}

#[tokio::test]
async fn failures_say_what_happened() {
    let host = file_host().await;
    let server = server_for(&host, Mode::Simulator).await;
    let expired = fetch(&server.base, &host.url("/expired")).await;
    assert_eq!(expired.status, 502);
    let msg = expired.json()["msg"].as_str().unwrap_or("").to_owned();
    assert!(msg.contains("expired") && msg.contains("HTTP 404"), "{msg}");
    let broken = fetch(&server.base, &host.url("/broken")).await;
    assert_eq!(broken.status, 502);
    assert!(broken.text().contains("HTTP 500"), "{}", broken.text());

    let port = dead_port().await;
    let mut settings = settings(Mode::Simulator);
    settings.allow_file_origins = vec![origin(&format!("http://127.0.0.1:{port}"))];
    let unreachable = start_with(settings).await;
    let gone = fetch(&unreachable.base, &format!("http://127.0.0.1:{port}/x.png")).await;
    assert_eq!(gone.status, 502);
    assert!(gone.text().contains("could not reach"), "{}", gone.text());
}

#[tokio::test]
async fn files_over_the_cap_are_refused() {
    let host = file_host().await;
    let server = server_for(&host, Mode::Simulator).await;
    let huge = fetch(&server.base, &host.url("/declared-huge")).await;
    assert_eq!(huge.status, 413, "{}", huge.text());
    assert!(huge.text().contains("200 MiB"), "{}", huge.text());

    // Counted while streaming as well, for hosts that send no length (a small cap here).
    let extra = [origin(&host.base_url)];
    let proxy = axum::Router::new().merge(file_proxy::routes(FileProxy::with_limit(&extra, 3000)));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move { axum::serve(listener, proxy).await });
    let response = client()
        .get(format!("http://{addr}/__su/file"))
        .query(&[("url", host.url("/chunked-5000"))])
        .send()
        .await
        .expect("proxy");
    assert_eq!(
        response.status(),
        200,
        "the status is sent before the size is known"
    );
    // Cut off: the body ends in an error, never as a whole 5000 bytes.
    if let Ok(bytes) = response.bytes().await {
        panic!("a {}-byte body went through a 3000-byte cap", bytes.len());
    }
    let sized = client()
        .get(format!("http://{addr}/__su/file"))
        .query(&[("url", host.url("/sized-5000"))])
        .send()
        .await
        .expect("proxy");
    assert_eq!(sized.status(), 413, "its Content-Length is over 3000");
    task.abort();
}
