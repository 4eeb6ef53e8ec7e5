//! The progress socket through the relay: a WebSocket on `/cn/ws/…`, `/ai/ws/…` or `/ws/…` is
//! opened on the site's upstream (here the in-process simulator, so `ws:`), with the query as it
//! came; frames flow, and a close on either side closes the other. Only `/ws/` paths upgrade,
//! pages on other origins need `--allow-origin`, and an upstream that can't be reached answers
//! 502 with `x-su-relay: unreachable`. Our page opens it without a query and sends the query
//! (with RunningHub's signed token) as its first frame, so that no URL carries the token.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use su_render_server::Mode;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

use rh_api::path::SOCKET;

type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn control(base: &str, body: Value) {
    let answer = post(base, "/__sim/control", &body).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
}

/// Starts a task through `base` (a relay path such as `<relay>/cn`) on a simulator whose tasks
/// start at once, and returns the `netWssUrl` its run answer names (on the simulator's host).
async fn run_through(base: &str) -> String {
    let run = post(base, RUN, &json!({"apiKey": KEY, "webappId": SU_APP})).await;
    assert_eq!(run.code(), 0, "{}", run.text());
    run.data()["netWssUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("a running task names its socket: {}", run.text()))
        .to_owned()
}

/// A simulator whose tasks start at once and run for `run_ms`, a relay to it, and a task started
/// through the relay's `site` (`/cn` or `/ai`): the simulator, the relay, and the `netWssUrl`
/// the run answer names.
async fn running_task(run_ms: u64, site: &str) -> (Server, Server, String) {
    let sim = simulator().await;
    control(&sim.base, json!({"queueMs": 0, "runMs": run_ms})).await;
    let relay = relay(&sim.base).await;
    let url = run_through(&relay.url(site)).await;
    (sim, relay, url)
}

/// `url` (on the simulator) moved onto `relay` under `prefix` (`/cn`, `/ai` or ``), the query
/// untouched: what the page does when its calls go through a relay.
fn via(relay: &str, prefix: &str, url: &str) -> String {
    let path_and_query = &url[url.find(SOCKET).expect("a /ws/ path")..];
    format!(
        "{}{prefix}{path_and_query}",
        relay.replacen("http://", "ws://", 1)
    )
}

/// The task's socket on `relay`'s `/cn` as our page opens it: the address without its query,
/// and the query (with RunningHub's signed token) that the page sends as its first frame.
fn without_query(relay: &str, url: &str) -> (String, String) {
    let through = via(relay, "/cn", url);
    let (bare, query) = through.split_once('?').expect("a query");
    assert!(query.contains("Rh-Comfy-Auth="), "{query}");
    (bare.to_owned(), query.to_owned())
}

async fn open(url: &str, origin: Option<&str>) -> Result<Client, tungstenite::Error> {
    let mut request = url.into_client_request()?;
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().expect("origin"));
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// The HTTP status a refused upgrade answered, and its `x-su-relay` header.
fn refusal(result: Result<Client, tungstenite::Error>) -> (u16, Option<String>) {
    match result {
        Err(tungstenite::Error::Http(answer)) => (
            answer.status().as_u16(),
            answer
                .headers()
                .get("x-su-relay")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ),
        Err(e) => panic!("refused without an HTTP answer: {e}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

/// Text frames until the socket closes or `limit` passes; and whether a close frame came.
async fn frames(socket: &mut Client, limit: Duration) -> (Vec<String>, bool) {
    let deadline = tokio::time::Instant::now() + limit;
    let mut texts = Vec::new();
    while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, socket.next()).await {
        match frame {
            Ok(Message::Text(text)) => texts.push(text.to_string()),
            Ok(Message::Close(_)) => return (texts, true),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    (texts, false)
}

/// Reads a socket of a task that runs to its end: the types of its frames, which must begin with
/// the task's status and end with its success, and the simulator's close must come through.
async fn whole_run(socket: &mut Client) -> Vec<String> {
    let (texts, closed) = frames(socket, Duration::from_secs(6)).await;
    let kinds = frame_types(&texts);
    assert_ran_to_success(&kinds);
    assert!(closed, "the simulator's close reached the client");
    kinds
}

async fn stats(sim: &str) -> Value {
    get(sim, "/__sim/stats").await.json()
}

/// Waits until the simulator's statistics satisfy `test`.
async fn stats_until(sim: &str, what: &str, test: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let now = stats(sim).await;
        if test(&now) {
            return now;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{what}: {now}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn frames_flow_through_the_relay_with_the_query_unchanged_and_the_close_passed_on() {
    let (sim, relay, url) = running_task(1500, "/cn").await;
    let sim_host = sim.base.trim_start_matches("http://");
    assert!(
        url.starts_with(&format!("ws://{sim_host}{SOCKET}?")),
        "RunningHub names its own API host: {url}"
    );
    // A parameter the simulator ignores, with escapes that must arrive exactly as sent.
    let url = format!("{url}&extra=a%2Bb%20c%3D");
    let through = via(&relay.base, "/cn", &url);
    let mut socket = open(&through, Some(&relay.base))
        .await
        .unwrap_or_else(|e| panic!("{through}: {e}"));
    let kinds = whole_run(&mut socket).await;
    assert_eq!(kinds.iter().filter(|k| *k == "progress").count(), 20);

    let log = sim_log(&sim.base).await;
    let sockets = entries(&log, SOCKET);
    assert_eq!(sockets.len(), 1, "{sockets:?}");
    // The query as sent (the simulator masks the token in its log, and checked it first).
    let query = &url[url.find('?').expect("query")..];
    let token = query
        .split('&')
        .find_map(|p| p.strip_prefix("Rh-Comfy-Auth="))
        .expect("token");
    let masked = query.replace(token, "***");
    assert_eq!(sockets[0]["uri"], format!("{SOCKET}{masked}"));
    // The relay opened it, as a native client does: the upstream's own origin, not the page's.
    assert_eq!(sockets[0]["origin"], sim.base);
    let after = stats_until(&sim.base, "the socket ended", |s| s["socketsClosed"] == 1).await;
    assert_eq!(after["socketsOpened"], 1);
    assert_eq!(after["socketsClosedByClient"], 0, "the simulator closed it");
}

#[tokio::test]
async fn a_socket_opened_without_a_query_takes_it_from_the_first_frame() {
    let (sim, relay, url) = running_task(1500, "/cn").await;
    let (bare, query) = without_query(&relay.base, &url);
    let mut socket = open(&bare, Some(&relay.base))
        .await
        .unwrap_or_else(|e| panic!("{bare}: {e}"));
    // Nothing is opened upstream before the page said which socket.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stats(&sim.base).await["socketsOpened"], 0);
    assert!(entries(&sim_log(&sim.base).await, SOCKET).is_empty());
    socket
        .send(Message::Text(json!({ "query": query }).to_string().into()))
        .await
        .expect("the first frame");
    whole_run(&mut socket).await;
    // The simulator checked the token it got from the first frame (its log masks it).
    let log = sim_log(&sim.base).await;
    let sockets = entries(&log, SOCKET);
    assert_eq!(sockets.len(), 1, "{sockets:?}");
    let uri = sockets[0]["uri"].as_str().unwrap_or_default();
    assert!(
        uri.starts_with(&format!("{SOCKET}?")) && uri.contains("Rh-Comfy-Auth=***"),
        "{uri}"
    );
    assert_eq!(sockets[0]["origin"], sim.base);
}

#[tokio::test]
async fn a_socket_without_its_query_first_is_closed_and_opens_nothing_upstream() {
    let (sim, relay, url) = running_task(5_000, "/cn").await;
    let (bare, query) = without_query(&relay.base, &url);
    for first in [
        Message::Text(query.clone().into()),
        Message::Text(json!({ "query": format!("{query} x") }).to_string().into()),
        Message::Binary(json!({ "query": query }).to_string().into_bytes().into()),
    ] {
        let mut socket = open(&bare, None).await.expect("upgraded");
        socket.send(first.clone()).await.expect("a first frame");
        let closing = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("an answer in time");
        match closing {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(u16::from(frame.code), 1008, "{first:?}: {frame:?}");
                assert!(!frame.reason.contains("Rh-Comfy-Auth"), "{frame:?}");
            }
            other => panic!("{first:?}: closed with a reason, not {other:?}"),
        }
    }
    assert_eq!(stats(&sim.base).await["socketsOpened"], 0);
    assert!(entries(&sim_log(&sim.base).await, SOCKET).is_empty());
}

#[tokio::test]
async fn a_client_that_closes_closes_the_upstream_socket() {
    let (sim, relay, url) = running_task(20_000, "/ai").await;
    let mut socket = open(&via(&relay.base, "/ai", &url), None)
        .await
        .expect("open");
    let first = socket.next().await.expect("a frame").expect("a frame");
    assert!(matches!(first, Message::Text(_)), "{first:?}");
    stats_until(&sim.base, "open upstream", |s| s["socketsOpened"] == 1).await;
    socket.close(None).await.expect("close");
    let after = stats_until(&sim.base, "the close reached the simulator", |s| {
        s["socketsClosedByClient"] == 1
    })
    .await;
    assert_eq!(after["socketsClosed"], 1, "{after}");

    // A client that just drops its connection, on the root-level path (the China site's).
    let url = run_through(&relay.base).await;
    let socket = open(&via(&relay.base, "", &url), None).await.expect("open");
    stats_until(&sim.base, "second open", |s| s["socketsOpened"] == 2).await;
    drop(socket);
    stats_until(&sim.base, "the drop reached the simulator", |s| {
        s["socketsClosedByClient"] == 2
    })
    .await;
}

#[tokio::test]
async fn each_site_opens_its_own_upstream_and_a_refusal_there_comes_back() {
    let cn = simulator().await;
    let ai = simulator().await;
    for sim in [&cn, &ai] {
        control(&sim.base, json!({"queueMs": 0, "runMs": 5_000})).await;
    }
    let relay = sites(&cn.base, &ai.base).await;
    let url = run_through(&relay.url("/ai")).await;
    assert!(url.contains(ai.base.trim_start_matches("http://")), "{url}");
    // The China site knows no such instance: its 404 is passed on.
    let (status, header) = refusal(open(&via(&relay.base, "/cn", &url), None).await);
    assert_eq!((status, header), (404, None));
    let mut socket = open(&via(&relay.base, "/ai", &url), None)
        .await
        .expect("the ai site's socket");
    assert!(socket.next().await.is_some());
    assert_eq!(stats(&ai.base).await["socketsOpened"], 1);
    assert_eq!(stats(&cn.base).await["socketsOpened"], 0);
}

#[tokio::test]
async fn only_ws_paths_are_upgraded() {
    let (sim, relay, url) = running_task(5_000, "/cn").await;
    let query = &url[url.find('?').expect("query")..];
    let ws = relay.base.replacen("http://", "ws://", 1);
    for path in [
        "/cn/task/openapi/outputs",
        "/cn/wsx/c_instance",
        "/cn/ws",
        "/ai/__su/info",
        "/cn/ws/../task/openapi/run",
        "/__sim/log",
    ] {
        let result = open(&format!("{ws}{path}{query}"), None).await;
        assert!(
            matches!(&result, Err(tungstenite::Error::Http(a)) if a.status() != 101),
            "{path}: {:?}",
            result.as_ref().map(|_| "upgraded")
        );
    }
    // A plain request on a socket path is not forwarded at all.
    let plain = get(&relay.base, &format!("/cn{SOCKET}{query}")).await;
    assert_eq!(plain.status, 400, "{}", plain.text());
    assert!(
        !plain.text().contains("Rh-Comfy-Auth"),
        "the token is never echoed"
    );
    assert!(entries(&sim_log(&sim.base).await, SOCKET).is_empty());
}

#[tokio::test]
async fn pages_on_other_origins_need_allow_origin() {
    let (sim, closed, url) = running_task(5_000, "/cn").await;
    let stranger = "https://stranger.example";
    let (status, _) = refusal(open(&via(&closed.base, "/cn", &url), Some(stranger)).await);
    assert_eq!(status, 403);
    assert!(
        entries(&sim_log(&sim.base).await, SOCKET).is_empty(),
        "nothing was opened upstream"
    );
    // Its own page may; so may a client with no Origin (checked in the other tests).
    let mut own = open(&via(&closed.base, "/cn", &url), Some(&closed.base))
        .await
        .expect("same origin");
    assert!(own.next().await.is_some());

    let mut settings = settings(Mode::Relay {
        upstream: sim.base.clone(),
    });
    settings.allow_origins = vec![origin(stranger)];
    let open_to_it = start_with(settings).await;
    let mut socket = open(&via(&open_to_it.base, "/cn", &url), Some(stranger))
        .await
        .expect("a listed origin");
    assert!(socket.next().await.is_some());
    let (status, _) = refusal(
        open(
            &via(&open_to_it.base, "/cn", &url),
            Some("https://other.example"),
        )
        .await,
    );
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_unreachable_upstream_answers_502_unreachable() {
    let port = dead_port().await;
    let relay = relay(&format!("http://127.0.0.1:{port}")).await;
    let url = format!(
        "{}/cn{SOCKET}?clientId=abc&Rh-Comfy-Auth=secret",
        relay.base.replacen("http://", "ws://", 1)
    );
    let (status, header) = refusal(open(&url, None).await);
    assert_eq!((status, header.as_deref()), (502, Some("unreachable")));
}

#[tokio::test]
async fn an_https_upstream_is_opened_with_tls_and_a_failed_handshake_is_unreachable() {
    // Something that accepts TCP and then hangs up: the TLS handshake (wss:, with the webpki
    // roots) starts and fails, which is "unreachable" too, and nothing panics on the way.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut first = [0u8; 1];
        stream.read_exact(&mut first).await.expect("a first byte");
        first[0]
    });
    let relay = relay(&format!("https://127.0.0.1:{port}")).await;
    let url = format!(
        "{}/ai{SOCKET}?clientId=abc&Rh-Comfy-Auth=secret",
        relay.base.replacen("http://", "ws://", 1)
    );
    let (status, header) = refusal(open(&url, None).await);
    assert_eq!((status, header.as_deref()), (502, Some("unreachable")));
    let first = accepted.await.expect("the relay connected");
    assert_eq!(first, 0x16, "a TLS handshake record (ClientHello)");
}
