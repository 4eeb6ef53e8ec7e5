//! `/__su/file`: result files fetched for the page from RunningHub's hosts only. A local file
//! host stands in for RunningHub's (allowed with `allow_file_origins`, as `--allow-file-origin`
//! does); everything it is asked for is counted, so refusals can be shown to reach nobody.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use su_render_server::file_proxy::{self, FileProxy};
use su_render_server::Mode;
use tokio::net::TcpListener;

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

    // No Content-Type: a neutral one, as a download.
    let untyped = fetch(&server.base, &host.url("/untyped")).await;
    assert_eq!(untyped.content_type, "application/octet-stream");
    assert_eq!(header(&untyped, "content-disposition"), Some("attachment"));
    assert_eq!(untyped.bytes, b"raw bytes");

    // A page from a file host can't act as this origin's page: not even as HTML.
    let page = fetch(&server.base, &host.url("/page.html")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.content_type, "application/octet-stream");
    assert_eq!(header(&page, "content-disposition"), Some("attachment"));
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

#[tokio::test]
async fn a_fetch_has_a_deadline_however_slowly_it_drips() {
    let host = file_host().await;
    let extra = [origin(&host.base_url)];
    let deadline = Duration::from_secs(2);
    let proxy = axum::Router::new().merge(file_proxy::routes(FileProxy::configured(
        &extra,
        file_proxy::MAX_BYTES,
        deadline,
        &[],
    )));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move { axum::serve(listener, proxy).await });
    // The host sends a byte every 250 ms, never pausing long enough for the per-read timeout:
    // only a deadline on the whole fetch ends it.
    let whole = DRIP_EVERY * DRIP_BYTES as u32;
    assert!(whole > deadline * 3, "the drip must outlast the deadline");
    let started = Instant::now();
    let response = client()
        .get(format!("http://{addr}/__su/file"))
        .query(&[("url", host.url("/drip"))])
        .send()
        .await
        .expect("proxy");
    assert_eq!(response.status(), 200, "the status is sent before the body");
    let body = response.bytes().await;
    let took = started.elapsed();
    assert!(
        body.is_err(),
        "the body must end in an error, not whole: {:?}",
        body.map(|b| b.len())
    );
    assert!(
        took >= deadline && took < deadline + Duration::from_secs(3),
        "cut after {took:?}, the deadline is {deadline:?} (the whole drip takes {whole:?})"
    );
    task.abort();
}
