//! The server as an attacker meets it: the real binary (relay or simulator), a recording fake
//! upstream and a fake file host, and requests written byte for byte (paths, `Host`, `Origin`,
//! headers). Each test checks the status and the headers that came back, and that the upstream
//! and the file host saw nothing they should not. SECURITY.md names the promise each one holds.
//!
//! The probes that passed before the hardening (path filtering, headers not passed either way,
//! the file proxy's host list, CORS, 413) are here too, so that they keep passing.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

/// The origin the relays here list with `--allow-origin`.
const TEAM: &str = "https://team.example";
/// The name they answer for besides their address (`--public-host`).
const PUBLIC: &str = "relay.example";

/// A relay binary in front of a recording upstream, with a file host it may fetch from.
struct Relay {
    up: Recorder,
    files: FileHost,
    app: Running,
}

/// The relay binary with a test page, `--allow-origin TEAM`, `--public-host relay.example`, the
/// file host allowed, and three of RunningHub's names taken to be at non-public addresses.
async fn relay_binary(extra: &[&str]) -> Relay {
    let up = recorder().await;
    let files = file_host().await;
    let dist = dist();
    let dist_text = dist.to_string_lossy().into_owned();
    let mut args = vec![
        "--relay",
        &up.base_url,
        "--port",
        "0",
        "--no-open",
        "--dist",
        &dist_text,
        "--allow-origin",
        TEAM,
        "--allow-file-origin",
        &files.base_url,
        "--public-host",
        PUBLIC,
        "--resolve-file-host",
        "rh-images.xiaoyaoyou.com=127.0.0.1",
        "--resolve-file-host",
        "files.xiaoyaoyou.com=10.0.0.1",
        "--resolve-file-host",
        "cdn.runninghub.ai=169.254.169.254",
    ];
    args.extend_from_slice(extra);
    let app = start_binary(&args);
    Relay { up, files, app }
}

/// A request with exactly this request line, `Host` and headers (and `Connection: close`).
async fn send(
    base: &str,
    line: &str,
    host: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawAnswer {
    let mut head = format!("{line}\r\n");
    if let Some(host) = host {
        head.push_str(&format!("Host: {host}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    raw_exact(base, head.into_bytes(), body.to_vec()).await
}

/// What a page (or a rebinding attacker's page) would ask of the server: the app, the
/// server's own paths, the relay on both kinds of path, the file proxy, the socket, a
/// preflight.
/// A request line, its headers and its body.
type Probe = (String, Vec<(&'static str, &'static str)>, Vec<u8>);

fn probes(files: &FileHost) -> Vec<Probe> {
    let body = format!("{{\"apiKey\":\"{KEY}\",\"taskId\":\"1\"}}").into_bytes();
    let json = vec![("Content-Type", "application/json")];
    vec![
        ("GET / HTTP/1.1".into(), vec![], vec![]),
        ("GET /__su/info HTTP/1.1".into(), vec![], vec![]),
        (
            format!("POST {OUTPUTS} HTTP/1.1"),
            json.clone(),
            body.clone(),
        ),
        (format!("POST /cn{OUTPUTS} HTTP/1.1"), json, body),
        (
            format!(
                "GET /__su/file?url={} HTTP/1.1",
                files
                    .url("/pic.png")
                    .replace(':', "%3A")
                    .replace('/', "%2F")
            ),
            vec![],
            vec![],
        ),
        (
            "GET /ws/c_instance?clientId=x&Rh-Comfy-Auth=y HTTP/1.1".into(),
            vec![
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ],
            vec![],
        ),
        (
            format!("OPTIONS {OUTPUTS} HTTP/1.1"),
            vec![
                ("Origin", TEAM),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type"),
            ],
            vec![],
        ),
    ]
}

#[tokio::test]
async fn a_host_that_is_not_ours_reaches_nothing() {
    let relay = relay_binary(&[]).await;
    let base = &relay.app.base;
    let port = relay.app.port();
    let foreign = [
        format!("rebind.example:{port}"),
        "rebind.example".to_owned(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_owned(),
        format!("localhost.:{port}"),
        format!("evil.localhost:{port}"),
        format!("localhost.rebind.example:{port}"),
        format!("{PUBLIC}.rebind.example:{port}"),
        format!("{PUBLIC}:{}", port.wrapping_add(1)),
        format!("192.168.1.5:{port}"),
        format!("0.0.0.0:{port}"),
        format!("x@127.0.0.1:{port}"),
        format!("127.0.0.1:{port}:{port}"),
        String::new(),
    ];
    for host in &foreign {
        for (line, headers, body) in probes(&relay.files) {
            let answer = send(base, &line, Some(host), &headers, &body).await;
            assert_eq!(answer.status, 421, "Host {host:?}, {line}: {answer:?}");
            assert_eq!(
                answer.header("content-type"),
                Some("text/plain; charset=utf-8")
            );
            assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
            assert!(answer.header("access-control-allow-origin").is_none());
            assert!(
                !answer.body.contains("su-render") && !answer.body.contains("SU Render test page"),
                "{}",
                answer.body
            );
        }
    }
    // No Host at all (HTTP/1.0), two of them, or an absolute target naming another host.
    let no_host = send(base, "GET /__su/info HTTP/1.0", None, &[], &[]).await;
    assert_eq!(no_host.status, 421, "{no_host:?}");
    let ours = relay.app.authority();
    let two = send(
        base,
        "GET /__su/info HTTP/1.1",
        Some(&ours),
        &[("Host", "rebind.example")],
        &[],
    )
    .await;
    assert!(
        [400, 421].contains(&two.status),
        "two Hosts must not be served: {two:?}"
    );
    let absolute = send(
        base,
        &format!("GET http://rebind.example:{port}/__su/info HTTP/1.1"),
        Some(&ours),
        &[],
        &[],
    )
    .await;
    assert_eq!(absolute.status, 421, "{absolute:?}");
    assert!(relay.up.seen().is_empty(), "{:?}", relay.up.seen());
    assert_eq!(relay.files.hits(), 0);

    // Ours: the address it listens on, loopback by name and address, the public name.
    for host in [
        ours.clone(),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
        PUBLIC.to_owned(),
        format!("{PUBLIC}:{port}"),
    ] {
        let answer = send(base, "GET /__su/info HTTP/1.1", Some(&host), &[], &[]).await;
        assert_eq!(answer.status, 200, "Host {host:?}: {answer:?}");
        assert!(answer.body.contains("\"server\":\"su-render\""));
    }
    let absolute = send(
        base,
        &format!("GET http://{ours}/__su/info HTTP/1.1"),
        Some(&ours),
        &[],
        &[],
    )
    .await;
    assert_eq!(absolute.status, 200, "{absolute:?}");
}

#[tokio::test]
async fn a_relay_on_every_address_takes_addresses_and_listed_names_only() {
    let up = recorder().await;
    let app = start_binary(&[
        "--relay",
        &up.base_url,
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--no-open",
        "--public-host",
        "studio-pc",
    ]);
    // It prints 0.0.0.0; this machine reaches it on loopback.
    let base = app.base.replace("0.0.0.0", "127.0.0.1");
    let port = app.port();
    for host in [
        format!("192.168.77.5:{port}"),
        format!("10.1.2.3:{port}"),
        format!("[fd00::5]:{port}"),
        format!("studio-pc:{port}"),
        "studio-pc".to_owned(),
    ] {
        let answer = send(&base, "GET /__su/info HTTP/1.1", Some(&host), &[], &[]).await;
        assert_eq!(answer.status, 200, "Host {host:?}: {answer:?}");
    }
    // DNS rebinding needs a name; names are listed or refused. Other ports are not ours.
    for host in [
        format!("rebind.example:{port}"),
        format!("studio-pc.rebind.example:{port}"),
        format!("192.168.77.5:{}", port.wrapping_add(1)),
    ] {
        let answer = send(&base, "GET /__su/info HTTP/1.1", Some(&host), &[], &[]).await;
        assert_eq!(answer.status, 421, "Host {host:?}: {answer:?}");
        let relayed = send(
            &base,
            &format!("POST {OUTPUTS} HTTP/1.1"),
            Some(&host),
            &[("Content-Type", "application/json")],
            b"{}",
        )
        .await;
        assert_eq!(relayed.status, 421);
    }
    assert!(up.seen().is_empty(), "{:?}", up.seen());
}

#[tokio::test]
async fn every_answer_forbids_framing_and_sniffing() {
    let relay = relay_binary(&[]).await;
    let base = &relay.app.base;
    let ours = relay.app.authority();
    let page = send(base, "GET / HTTP/1.1", Some(&ours), &[], &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("SU Render test page"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    // The page's own policy is its <meta>; the header adds what a <meta> can't say, and no
    // sandbox (the app must run).
    assert_eq!(
        page.all("content-security-policy"),
        ["frame-ancestors 'none'"]
    );

    for line in [
        "GET /missing.html HTTP/1.1",
        "GET /__su/info HTTP/1.1",
        "GET /cn/not-api HTTP/1.1",
        "GET /__su/file HTTP/1.1",
        "DELETE / HTTP/1.1",
    ] {
        let answer = send(base, line, Some(&ours), &[], &[]).await;
        assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{line}");
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{line}"
        );
        let csp = answer.all("content-security-policy").join(", ");
        assert!(csp.contains("frame-ancestors 'none'"), "{line}: {csp}");
        if line != "GET /missing.html HTTP/1.1" && line != "DELETE / HTTP/1.1" {
            assert!(
                csp.contains("default-src 'none'") && csp.contains("sandbox"),
                "{line}: {csp}"
            );
        }
    }
}

#[tokio::test]
async fn relayed_answers_are_json_of_ours_whatever_the_upstream_sends() {
    let relay = relay_binary(&[]).await;
    let base = &relay.app.base;
    let call = |query: &'static str| {
        let url = format!("{base}{OUTPUTS}{query}");
        async move {
            let response = client()
                .post(url)
                .json(&json!({"apiKey": KEY, "taskId": "1"}))
                .send()
                .await
                .expect("relay");
            answer(response).await
        }
    };
    let hardened = |a: &Answer| {
        assert_eq!(a.headers["x-content-type-options"], "nosniff");
        let csp = a.headers["content-security-policy"].to_str().unwrap_or("");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("sandbox"),
            "{csp}"
        );
        assert!(a.content_type.starts_with("application/json"), "{a:?}");
    };

    let normal = call("").await;
    assert_eq!(normal.status, 200);
    assert_eq!(normal.code(), 0);
    hardened(&normal);

    // A captive portal's or a firewall's HTML page, and a script: never served as such.
    for (query, says) in [
        ("?answer=portal", "HTTP 200 with text/html"),
        ("?answer=script", "HTTP 200 with text/javascript"),
        ("?answer=empty", "HTTP 200 with no type"),
    ] {
        let stand_in = call(query).await;
        assert_eq!(stand_in.status, 200, "{query}");
        hardened(&stand_in);
        assert_eq!(stand_in.content_type, "application/json");
        assert_eq!(stand_in.headers["x-su-relay"], "not-json");
        let body = stand_in.json();
        assert!(
            body["code"].is_null(),
            "{query}: no RunningHub code, so the page reads it as not JSON: {body}"
        );
        assert!(body["msg"].as_str().unwrap_or("").contains(says), "{body}");
        assert!(
            !stand_in.text().contains("<script") && !stand_in.text().contains("localStorage"),
            "{}",
            stand_in.text()
        );
    }
    // An HTML error keeps its status (the page reads a 5xx as a lost answer).
    let error = client()
        .post(format!("{base}{STATUS}"))
        .json(&json!({}))
        .send()
        .await
        .expect("status");
    let error = answer(error).await;
    assert_eq!(error.status, 500);
    hardened(&error);
    assert!(error.json()["code"].is_null());

    // More than 8 MiB: a 502 of ours, nothing of it passed on.
    let huge = call("?answer=huge").await;
    assert_eq!(
        huge.status,
        502,
        "{}",
        &huge.text()[..huge.text().len().min(200)]
    );
    hardened(&huge);
    assert_eq!(huge.code(), 502);
    assert!(huge.json()["msg"].as_str().unwrap_or("").contains("8 MiB"));
    assert!(huge.bytes.len() < 1000);

    // The upstream's own headers stay with it.
    let cookies = call("?answer=cookies").await;
    assert_eq!(cookies.status, 200);
    for name in [
        "set-cookie",
        "location",
        "refresh",
        "access-control-allow-origin",
    ] {
        assert!(
            !cookies.headers.contains_key(name),
            "{name} came back: {:?}",
            cookies.headers
        );
    }
    let csp: Vec<_> = cookies
        .headers
        .get_all("content-security-policy")
        .iter()
        .collect();
    assert!(
        !csp.iter().any(|v| v.to_str().unwrap_or("").contains('*')),
        "{csp:?}"
    );
    assert_eq!(relay.up.seen().len(), 7, "each call was relayed once");
}

#[tokio::test]
async fn nothing_but_the_call_reaches_the_upstream() {
    let relay = relay_binary(&[]).await;
    let base = &relay.app.base;
    let ours = relay.app.authority();
    let sneaky = [
        ("Cookie", "session=abc"),
        ("X-Forwarded-For", "10.0.0.1"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "https"),
        ("Forwarded", "for=10.0.0.1;host=evil.example"),
        ("X-Real-IP", "10.0.0.1"),
        ("Authorization", "Bearer someone-elses"),
        ("Proxy-Authorization", "Basic eDp5"),
        ("Referer", "https://team.example/secret-page?k=1"),
        ("Origin", TEAM),
        ("Content-Type", "application/json"),
    ];
    let body = format!("{{\"apiKey\":\"{KEY}\",\"taskId\":\"1\"}}");
    for line in [
        format!("POST {OUTPUTS} HTTP/1.1"),
        format!("POST /ai{OUTPUTS}?lang=en HTTP/1.1"),
        "POST /openapi/v2/query HTTP/1.1".to_owned(),
    ] {
        let answer = send(base, &line, Some(&ours), &sneaky, body.as_bytes()).await;
        assert_eq!(answer.status, 200, "{line}: {answer:?}");
        // No cookies set, no redirect, whatever the upstream said.
        assert!(answer.header("set-cookie").is_none() && answer.header("location").is_none());
    }
    let seen = relay.up.seen();
    assert_eq!(seen.len(), 3);
    for request in &seen {
        let names: Vec<&str> = request.headers.iter().map(|(k, _)| k.as_str()).collect();
        for banned in [
            "cookie",
            "x-forwarded-for",
            "x-forwarded-host",
            "x-forwarded-proto",
            "forwarded",
            "x-real-ip",
            "proxy-authorization",
            "referer",
            "origin",
        ] {
            assert!(
                !names.contains(&banned),
                "{banned} reached upstream: {names:?}"
            );
        }
        let values = request
            .headers
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(!values.contains("evil.example") && !values.contains("10.0.0.1"));
        assert_eq!(
            request.body,
            body.as_bytes(),
            "the body passes byte for byte"
        );
    }
    // `Authorization` is v2's key and goes with v2's paths only.
    assert_eq!(seen[0].authorization, None, "{}", seen[0].target);
    assert_eq!(seen[1].authorization, None, "{}", seen[1].target);
    assert_eq!(
        seen[2].authorization.as_deref(),
        Some("Bearer someone-elses")
    );
}

#[tokio::test]
async fn paths_that_are_not_runninghub_api_reach_nobody() {
    let relay = relay_binary(&[]).await;
    let base = &relay.app.base;
    let ours = relay.app.authority();
    for target in [
        "/task/openapi/../../admin",
        "/task/openapi/%2e%2e/admin",
        "/task/openapi/%2E%2E%2Fadmin",
        "/task/openapi/..%2fadmin",
        "/task/openapi/x%5c..%5c..%5cadmin",
        "/task/openapi//evil.example/x",
        "//evil.example/task/openapi/run",
        "/task/openapi/run@evil.example",
        "/task/openapi/run:80",
        "/task/openapi/%40evil.example",
        "/cn/../task/openapi/run",
        "/cn/%2e%2e/task/openapi/run",
        "/cn//evil.example/task/openapi/run",
        "/cn/http://evil.example/task/openapi/run",
        "/ai/task/openapi/../../../etc/passwd",
        "/ai/uc/openapi/%2F%2Fevil.example",
        "/openapi/v1/whatever",
        "/TASK/openapi/run",
        "/cn/ws/../task/openapi/run",
    ] {
        let answer = send(
            base,
            &format!("POST {target} HTTP/1.1"),
            Some(&ours),
            &[("Content-Type", "application/json")],
            b"{}",
        )
        .await;
        assert!(
            [400, 404, 405].contains(&answer.status),
            "{target}: {answer:?}"
        );
    }
    // A backslash in the request line itself: not a path at all.
    let backslash = send(
        base,
        "POST /task/openapi/x\\..\\..\\admin HTTP/1.1",
        Some(&ours),
        &[],
        b"{}",
    )
    .await;
    assert!([0, 400, 404].contains(&backslash.status), "{backslash:?}");
    assert!(relay.up.seen().is_empty(), "{:?}", relay.up.seen());
}

#[tokio::test]
async fn cors_answers_the_listed_origin_only() {
    let relay = relay_binary(&[]).await;
    let base = &relay.app.base;
    let ours = relay.app.authority();
    let preflight = |origin: &'static str| {
        let ours = ours.clone();
        async move {
            send(
                base,
                &format!("OPTIONS {OUTPUTS} HTTP/1.1"),
                Some(&ours),
                &[
                    ("Origin", origin),
                    ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "content-type"),
                    ("Access-Control-Request-Private-Network", "true"),
                ],
                &[],
            )
            .await
        }
    };
    let listed = preflight(TEAM).await;
    assert_eq!(listed.status, 204, "{listed:?}");
    assert_eq!(listed.header("access-control-allow-origin"), Some(TEAM));
    assert_eq!(
        listed.header("access-control-allow-private-network"),
        Some("true")
    );
    for origin in [
        "null",
        "https://team.example.evil.example",
        "https://evil-team.example",
        "https://evil.team.example",
        "http://team.example",
        "https://team.example:444",
        "https://team.example/",
        "*",
    ] {
        let refused = preflight(origin).await;
        assert_eq!(refused.status, 403, "{origin}: {refused:?}");
        assert!(
            refused
                .headers
                .iter()
                .all(|(k, _)| !k.starts_with("access-control-")),
            "{origin}: {refused:?}"
        );
    }
    // The call itself: readable by the listed origin only, with `x-su-relay` exposed.
    let body = b"{}";
    let from_team = send(
        base,
        &format!("POST {OUTPUTS}?answer=portal HTTP/1.1"),
        Some(&ours),
        &[("Origin", TEAM), ("Content-Type", "application/json")],
        body,
    )
    .await;
    assert_eq!(from_team.header("access-control-allow-origin"), Some(TEAM));
    assert_eq!(
        from_team.header("access-control-expose-headers"),
        Some("x-su-relay")
    );
    assert_eq!(from_team.header("x-su-relay"), Some("not-json"));
    let from_null = send(
        base,
        &format!("POST {OUTPUTS} HTTP/1.1"),
        Some(&ours),
        &[("Origin", "null"), ("Content-Type", "text/plain")],
        body,
    )
    .await;
    assert!(from_null.header("access-control-allow-origin").is_none());
    // No preflight reached the upstream.
    assert!(relay.up.seen().iter().all(|s| s.method == "POST"));
}

#[tokio::test]
async fn an_announced_body_over_the_limit_is_refused_before_it_is_read() {
    let relay = relay_binary(&[]).await;
    let started = Instant::now();
    let answer = send(
        &relay.app.base,
        &format!("POST {UPLOAD} HTTP/1.1"),
        Some(&relay.app.authority()),
        &[
            ("Content-Type", "multipart/form-data; boundary=x"),
            ("Content-Length", "40000000"),
        ],
        &[],
    )
    .await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(relay.up.seen().is_empty(), "{:?}", relay.up.seen());
}

/// `/__su/file?url=…` through the relay binary.
async fn fetch_file(relay: &Relay, url: &str) -> Answer {
    let response = client()
        .get(format!("{}/__su/file", relay.app.base))
        .query(&[("url", url)])
        .send()
        .await
        .expect("file proxy");
    answer(response).await
}

#[tokio::test]
async fn the_file_proxy_serves_pictures_and_videos_and_nothing_that_could_run() {
    let relay = relay_binary(&[]).await;
    for (path, shown) in [("/pic.png", "image/png"), ("/clip.mp4", "video/mp4")] {
        let file = fetch_file(&relay, &relay.files.url(path)).await;
        assert_eq!(file.status, 200, "{path}: {}", file.text());
        assert_eq!(file.content_type, shown);
        assert!(file.headers.get("content-disposition").is_none());
        assert_eq!(file.headers["x-content-type-options"], "nosniff");
        assert_eq!(file.headers["cross-origin-resource-policy"], "same-origin");
        let csp = file.headers["content-security-policy"]
            .to_str()
            .unwrap_or("");
        assert!(csp.contains("sandbox") && csp.contains("frame-ancestors 'none'"));
    }
    for path in ["/script.js", "/page.html", "/drawing.svg", "/untyped"] {
        let file = fetch_file(&relay, &relay.files.url(path)).await;
        assert_eq!(file.status, 200, "{path}: {}", file.text());
        assert_eq!(file.content_type, "application/octet-stream", "{path}");
        assert_eq!(file.headers["content-disposition"], "attachment", "{path}");
        assert_eq!(file.headers["x-content-type-options"], "nosniff");
        assert_eq!(file.headers["cross-origin-resource-policy"], "same-origin");
    }
}

#[tokio::test]
async fn the_file_proxy_is_not_an_open_proxy() {
    let relay = relay_binary(&[]).await;
    let files = &relay.files;
    let port = files.base_url.rsplit(':').next().unwrap_or("");
    for (url, status) in [
        ("https://evil.example/x.png".to_owned(), 403),
        (
            "https://rh-images.xiaoyaoyou.com.evil.example/x.png".to_owned(),
            403,
        ),
        ("https://evilxiaoyaoyou.com/x.png".to_owned(), 403),
        (
            "https://rh-images.xiaoyaoyou.com@evil.example/x.png".to_owned(),
            403,
        ),
        (
            "https://user:pw@rh-images.xiaoyaoyou.com/x.png".to_owned(),
            403,
        ),
        (
            "https://rh-images.xiaoyaoyou.com:8443/x.png".to_owned(),
            403,
        ),
        ("https://127.0.0.1/x.png".to_owned(), 403),
        ("https://[::1]/x.png".to_owned(), 403),
        ("https://169.254.169.254/latest/meta-data/".to_owned(), 403),
        ("https://2130706433/x.png".to_owned(), 403),
        // Anyone can make a COS bucket; only RunningHub's carry its account id.
        (
            "https://rh-1300000000.cos.ap-shanghai.myqcloud.com/output/x.png".to_owned(),
            403,
        ),
        ("http://rh-images.xiaoyaoyou.com/x.png".to_owned(), 400),
        (format!("http://localhost:{port}/pic.png"), 400),
        (format!("https://127.0.0.1:{port}/pic.png"), 403),
        ("file:///etc/passwd".to_owned(), 400),
        ("data:image/png;base64,AAAA".to_owned(), 400),
        ("gopher://rh-images.xiaoyaoyou.com/x".to_owned(), 400),
    ] {
        let refused = fetch_file(&relay, &url).await;
        assert_eq!(refused.status, status, "{url}: {}", refused.text());
        assert!(refused.json()["msg"]
            .as_str()
            .unwrap_or("")
            .starts_with("file proxy:"));
    }
    assert_eq!(files.hits(), 0, "none of these reached the file host");

    // Redirects are checked hop by hop.
    for path in ["/to-metadata", "/to-evil", "/to-unlisted"] {
        let refused = fetch_file(&relay, &files.url(path)).await;
        assert_eq!(refused.status, 403, "{path}: {}", refused.text());
        assert!(refused.text().contains("redirected"), "{}", refused.text());
    }
    assert_eq!(files.hits(), 3, "the redirecting requests only");
}

#[tokio::test]
async fn a_listed_name_that_leads_to_a_private_address_is_not_fetched() {
    let relay = relay_binary(&[]).await;
    // The binary takes these names to be at 127.0.0.1, 10.0.0.1 and 169.254.169.254
    // (--resolve-file-host): what a hostile DNS answer, or a stale record, would say.
    for url in [
        "https://rh-images.xiaoyaoyou.com/output/x.png",
        "https://cdn.runninghub.ai/x.png",
        "https://files.xiaoyaoyou.com/x.png",
    ] {
        let refused = fetch_file(&relay, url).await;
        assert_eq!(refused.status, 403, "{url}: {}", refused.text());
        let msg = refused.json()["msg"].as_str().unwrap_or("").to_owned();
        assert!(msg.contains("not a public address"), "{url}: {msg}");
    }
    // Also when a listed host redirects there.
    let hops = fetch_file(&relay, &relay.files.url("/to-listed")).await;
    assert_eq!(hops.status, 403, "{}", hops.text());
    let msg = hops.json()["msg"].as_str().unwrap_or("").to_owned();
    assert!(
        msg.contains("files.xiaoyaoyou.com leads to 10.0.0.1"),
        "{msg}"
    );
    assert_eq!(relay.files.hits(), 1);
}

#[tokio::test]
async fn the_simulator_log_is_for_this_origin_and_shows_no_key() {
    let sim = start_binary(&[
        "--simulator",
        "--port",
        "0",
        "--no-open",
        "--allow-origin",
        TEAM,
    ]);
    let base = &sim.base;
    let ours = sim.authority();
    let demo = send(
        base,
        &format!("GET {APP_DEMO}?apiKey={KEY}&webappId={SU_APP} HTTP/1.1"),
        Some(&ours),
        &[],
        &[],
    )
    .await;
    assert_eq!(demo.status, 200);
    for origin in ["https://evil.example", "null"] {
        let log = send(
            base,
            "GET /__sim/log HTTP/1.1",
            Some(&ours),
            &[("Origin", origin)],
            &[],
        )
        .await;
        assert_eq!(log.status, 200);
        assert!(
            log.header("access-control-allow-origin").is_none(),
            "{origin} may not read the log: {log:?}"
        );
        let preflight = send(
            base,
            "OPTIONS /__sim/log HTTP/1.1",
            Some(&ours),
            &[("Origin", origin), ("Access-Control-Request-Method", "GET")],
            &[],
        )
        .await;
        assert_eq!(preflight.status, 403);
    }
    let listed = send(
        base,
        "GET /__sim/log HTTP/1.1",
        Some(&ours),
        &[("Origin", TEAM)],
        &[],
    )
    .await;
    assert_eq!(listed.header("access-control-allow-origin"), Some(TEAM));
    assert!(!listed.body.contains(KEY), "{}", listed.body);
    assert!(listed.body.contains("apiKey=***"), "{}", listed.body);
    // The rest of the simulator stays open to pages elsewhere, as before.
    let run = send(
        base,
        &format!("POST {OUTPUTS} HTTP/1.1"),
        Some(&ours),
        &[
            ("Origin", "https://evil.example"),
            ("Content-Type", "application/json"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(run.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn x_su_relay_is_readable_by_a_listed_page_when_nothing_was_sent() {
    let dead = dead_port().await;
    let upstream = format!("http://127.0.0.1:{dead}");
    let relay = start_binary(&[
        "--relay",
        &upstream,
        "--port",
        "0",
        "--no-open",
        "--allow-origin",
        TEAM,
    ]);
    let answer = send(
        &relay.base,
        &format!("POST {RUN} HTTP/1.1"),
        Some(&relay.authority()),
        &[("Origin", TEAM), ("Content-Type", "application/json")],
        b"{}",
    )
    .await;
    assert_eq!(answer.status, 502);
    assert_eq!(answer.header("x-su-relay"), Some("unreachable"));
    assert_eq!(answer.header("access-control-allow-origin"), Some(TEAM));
    assert_eq!(
        answer.header("access-control-expose-headers"),
        Some("x-su-relay")
    );
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_socket(url: &str) -> Socket {
    let request = url.into_client_request().expect("request");
    tokio_tungstenite::connect_async(request)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .0
}

/// True when the socket ends (a close frame, an error or the end) within `limit`.
async fn ends_within(socket: &mut Socket, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

#[tokio::test]
async fn socket_messages_over_one_mib_end_the_socket() {
    let sim = start_binary(&[
        "--simulator",
        "--port",
        "0",
        "--no-open",
        "--queue-ms",
        "0",
        "--run-ms",
        "30000",
    ]);
    let relay = start_binary(&["--relay", &sim.base, "--port", "0", "--no-open"]);
    let socket_of = |base: &str| {
        let base = base.to_owned();
        async move {
            let run = post(&base, RUN, &json!({"apiKey": KEY, "webappId": SU_APP})).await;
            run.data()["netWssUrl"]
                .as_str()
                .expect("netWssUrl")
                .to_owned()
        }
    };
    let stats = |base: String| async move { get(&base, "/__sim/stats").await.json() };

    // Straight to the simulator, and through the relay.
    let direct = socket_of(&sim.base).await;
    let through = {
        let url = socket_of(&relay.base).await;
        let path = &url[url.find("/ws/").expect("a socket path")..];
        format!("{}{path}", relay.base.replacen("http://", "ws://", 1))
    };
    for url in [direct, through] {
        let mut socket = open_socket(&url).await;
        // Under the cap: nothing happens, frames keep coming.
        socket
            .send(Message::Binary(vec![7u8; 900 * 1024].into()))
            .await
            .expect("send");
        assert!(
            !ends_within(&mut socket, Duration::from_millis(800)).await,
            "{url}: 900 KiB must pass"
        );
        let big = socket
            .send(Message::Binary(vec![7u8; 2 * 1024 * 1024].into()))
            .await;
        assert!(
            big.is_err() || ends_within(&mut socket, Duration::from_secs(5)).await,
            "{url}: a 2 MiB message must end the socket"
        );
    }
    // Both upstream sockets of the simulator ended (the relay closed its side too).
    let started = Instant::now();
    loop {
        let now: Value = stats(sim.base.clone()).await;
        if now["socketsClosed"] == 2 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A WebSocket upstream whose socket sends one binary message of `?size=N` bytes, then "after".
async fn big_frame_upstream() -> (String, tokio::task::JoinHandle<()>) {
    use axum::extract::ws::{Message as AxMessage, WebSocketUpgrade};
    use axum::extract::Query;
    use std::collections::HashMap;
    let app = axum::Router::new().route(
        "/ws/c_instance",
        axum::routing::get(
            |upgrade: WebSocketUpgrade, Query(q): Query<HashMap<String, String>>| async move {
                let size: usize = q.get("size").and_then(|s| s.parse().ok()).unwrap_or(0);
                upgrade
                    .max_message_size(64 << 20)
                    .on_upgrade(move |mut socket| async move {
                        let _ = socket.send(AxMessage::Binary(vec![1u8; size].into())).await;
                        let _ = socket.send(AxMessage::Text("after".into())).await;
                        tokio::time::sleep(Duration::from_secs(10)).await;
                    })
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, handle)
}

#[tokio::test]
async fn an_upstream_socket_message_over_one_mib_is_not_passed_on() {
    let (upstream, handle) = big_frame_upstream().await;
    let relay = start_binary(&["--relay", &upstream, "--port", "0", "--no-open"]);
    let ws = relay.base.replacen("http://", "ws://", 1);
    let mut small = open_socket(&format!("{ws}/ws/c_instance?size=900000")).await;
    let first = small.next().await.expect("a message").expect("a message");
    assert!(
        matches!(&first, Message::Binary(b) if b.len() == 900_000),
        "{first:?}"
    );

    let mut big = open_socket(&format!("{ws}/ws/c_instance?size=2000000")).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, big.next()).await {
            Ok(Some(Ok(Message::Binary(b)))) => panic!("{} bytes passed", b.len()),
            Ok(Some(Ok(Message::Text(t)))) => panic!("the socket went on: {t}"),
            Ok(Some(Ok(_))) => {}
            Ok(None | Some(Err(_))) => break,
            Err(_) => panic!("the socket neither ended nor passed the message"),
        }
    }
    handle.abort();
}

/// Opens `n` connections that send nothing.
fn idle_connections(base: &str, n: usize) -> Vec<TcpStream> {
    let addr = base.trim_start_matches("http://");
    (0..n)
        .map(|_| TcpStream::connect(addr).expect("connect"))
        .collect()
}

#[tokio::test]
async fn connections_over_the_cap_get_503_and_the_server_recovers() {
    let app = start_binary(&[
        "--simulator",
        "--port",
        "0",
        "--no-open",
        "--max-connections",
        "8",
        "--header-timeout-ms",
        "60000",
    ]);
    let ours = app.authority();
    let held = idle_connections(&app.base, 8);
    // Let the server accept them all.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let busy = send(&app.base, "GET /__su/info HTTP/1.1", Some(&ours), &[], &[]).await;
    assert_eq!(busy.status, 503, "{busy:?}");
    assert_eq!(busy.header("retry-after"), Some("2"));
    let body: Value = serde_json::from_str(busy.body.trim()).expect("JSON");
    assert_eq!(body["code"], 503);
    drop(held);
    let started = Instant::now();
    loop {
        let answer = send(&app.base, "GET /__su/info HTTP/1.1", Some(&ours), &[], &[]).await;
        if answer.status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still {} after the connections closed",
            answer.status
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// When the server closes `stream`, waiting at most 10 s from `started`; a `drips` client sends
/// a byte of its never-ending header every 300 ms meanwhile.
fn closed_at(mut stream: TcpStream, drips: bool, started: Instant) -> Option<Instant> {
    let wait = if drips {
        Duration::from_millis(300)
    } else {
        Duration::from_secs(10)
    };
    stream.set_read_timeout(Some(wait)).expect("timeout");
    let mut buf = [0u8; 512];
    while started.elapsed() < Duration::from_secs(10) {
        if drips && stream.write_all(b"x").is_err() {
            return Some(Instant::now());
        }
        match stream.read(&mut buf) {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            // The end, a reset, or a last word before it: closed.
            _ => return Some(Instant::now()),
        }
    }
    None
}

#[tokio::test]
async fn three_hundred_slow_clients_cost_a_while_and_not_the_server() {
    let timeout = Duration::from_millis(1500);
    let app = start_binary(&[
        "--simulator",
        "--port",
        "0",
        "--no-open",
        "--header-timeout-ms",
        "1500",
    ]);
    let addr = app.authority();
    let partial = format!("GET /__su/info HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ");
    let started = Instant::now();
    // 300 that send half their headers and stop, and 20 that drip a byte every 300 ms.
    let mut slow = Vec::new();
    for i in 0..320 {
        let mut stream = TcpStream::connect(&addr).expect("connect");
        stream.write_all(partial.as_bytes()).expect("write");
        slow.push((i >= 300, stream));
    }
    // Each watcher says when the server closed its connection (None: not within 10 s).
    let watchers: Vec<_> = slow
        .into_iter()
        .map(|(drips, stream)| std::thread::spawn(move || closed_at(stream, drips, started)))
        .collect();
    // Meanwhile everyone else is served at once.
    for _ in 0..20 {
        let asked = Instant::now();
        let info = get(&app.base, "/__su/info").await;
        assert_eq!(info.status, 200);
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "{:?}",
            asked.elapsed()
        );
    }
    // And each slow one is let go when its time is up.
    for watcher in watchers {
        let closed = watcher.join().expect("watcher");
        let at = closed.expect("a slow client was never closed") - started;
        assert!(
            at >= timeout - Duration::from_millis(200) && at < timeout + Duration::from_secs(4),
            "closed after {at:?}"
        );
    }
    assert_eq!(get(&app.base, "/__su/info").await.status, 200);
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = start_binary(&[
        "--simulator",
        "--port",
        "0",
        "--no-open",
        "--header-timeout-ms",
        "1000",
    ]);
    let addr = app.authority();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(format!("GET /__su/info HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .expect("write");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    // The answer, kept alive.
    while !String::from_utf8_lossy(&got).contains("\"server\":\"su-render\"") {
        let n = stream.read(&mut buf).expect("the answer");
        assert!(n > 0, "closed before answering");
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    let idle = Instant::now();
    let n = stream.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "nothing more is sent: the server closes");
    let after = idle.elapsed();
    assert!(
        after >= Duration::from_millis(800) && after < Duration::from_secs(5),
        "closed after {after:?} idle"
    );
}
