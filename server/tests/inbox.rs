//! The SketchUp inbox over plain HTTP against the real binary, started as a designer starts it
//! (with its data folder in a temporary `SU_RENDER_HOME`, never the real one): `inbox.json`
//! (written private, a new token each start, removed on a clean stop), what the extension may
//! send and every refusal, the page's side (same origin only, take once), the caps, the event
//! stream, and the extension's download.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use su_render_server::inbox::{MAX_PICTURES, MAX_PICTURE_BYTES};

/// The binary (`common::start_binary_home`), started with its data folder in `home`; killed
/// when dropped.
struct App {
    running: Running,
    base: String,
    home: PathBuf,
}

impl App {
    fn start(home: &Path, args: &[&str]) -> App {
        let mut all = vec!["--simulator", "--no-open", "--port", "0"];
        all.extend_from_slice(args);
        let running = start_binary_home(&dist(), home, &all);
        App {
            base: running.base.clone(),
            running,
            home: home.to_owned(),
        }
    }

    fn port(&self) -> u64 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port")
    }

    fn file(&self) -> PathBuf {
        self.home.join("inbox.json")
    }

    /// What `inbox.json` says now.
    fn inbox_json(&self) -> Value {
        let text = std::fs::read_to_string(self.file())
            .unwrap_or_else(|e| panic!("{}: {e}", self.file().display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn token(&self) -> String {
        self.inbox_json()["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// SIGTERM, then waits for it to end; how long that took.
    #[cfg(unix)]
    fn stop(&mut self) -> Duration {
        let sent = Instant::now();
        let killed = Command::new("kill")
            .args(["-TERM", &self.running.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        loop {
            if let Some(status) = self.running.child.try_wait().expect("wait") {
                assert!(status.success(), "{status:?}");
                return sent.elapsed();
            }
            assert!(
                sent.elapsed() < Duration::from_secs(15),
                "still running 15 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// POSTs `body` to the inbox as the extension does, with these extra headers.
    async fn send(
        &self,
        query: &str,
        content_type: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let mut request = client()
            .post(format!("{}/__su/inbox?{query}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.header("x-su-token", token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request.send().await.expect("POST /__su/inbox")).await
    }

    async fn send_png(&self, query: &str, bytes: Vec<u8>) -> Answer {
        let token = self.token();
        self.send(query, "image/png", Some(&token), &[], bytes)
            .await
    }

    async fn list(&self) -> Value {
        let answer = get(&self.base, "/__su/inbox").await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()
    }

    async fn take(&self, id: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = client().post(format!("{}/__su/inbox/{id}/take", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request.send().await.expect("take")).await
    }
}

/// A data folder of its own.
fn home(label: &str) -> PathBuf {
    let dir = dist().join(format!("home-{label}"));
    std::fs::create_dir_all(&dir).expect("home");
    dir
}

fn png(seed: u64) -> Vec<u8> {
    su_render_server::png::rendering(64, 40, seed)
}

fn ids(list: &Value) -> Vec<String> {
    list["pictures"]
        .as_array()
        .expect("pictures")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

#[cfg(unix)]
#[tokio::test]
async fn inbox_json_is_private_new_at_every_start_and_gone_after_a_clean_stop() {
    use std::os::unix::fs::PermissionsExt;
    let home = home("file").join("not-yet-there");
    let mut first = App::start(&home, &[]);
    let written = first.inbox_json();
    assert_eq!(written["port"].as_u64(), Some(first.port()), "{written}");
    let token = first.token();
    assert!(
        token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{token}"
    );
    let keys: Vec<&String> = written.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["port", "token"], "the contract's two keys");
    let mode = std::fs::metadata(first.file())
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "readable by the user only: {mode:o}");
    let dir_mode = std::fs::metadata(&home).expect("meta").permissions().mode();
    assert_eq!(
        dir_mode & 0o077,
        0,
        "the folder it made is private: {dir_mode:o}"
    );
    assert_eq!(get(&first.base, "/__su/info").await.json()["inbox"], true);

    let took = first.stop();
    assert!(!first.file().exists(), "removed on a clean stop");
    assert!(took < Duration::from_secs(3), "stopped in {took:?}");

    let mut second = App::start(&home, &[]);
    assert_ne!(second.token(), token, "a new token at every start");
    // The old token is worth nothing now.
    let refused = second
        .send("model=a", "image/png", Some(&token), &[], png(1))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text());

    // Another copy on another port writes its own; stopping this one leaves that one's file.
    let mut third = App::start(&home, &[]);
    assert_eq!(second.inbox_json()["port"].as_u64(), Some(third.port()));
    second.stop();
    assert_eq!(
        third.inbox_json()["port"].as_u64(),
        Some(third.port()),
        "the other copy's file stays"
    );
    third.stop();
    assert!(!third.file().exists());
}

#[tokio::test]
async fn only_the_extension_with_its_token_may_send_and_only_pictures() {
    let app = App::start(&home("send"), &[]);
    let token = app.token();
    let query = "model=Villa&scene=Front";
    // (what, the token sent, more headers, the status)
    type Refusal<'a> = (&'a str, Option<&'a str>, Vec<(&'a str, &'a str)>, u16);
    let refusals: Vec<Refusal> = vec![
        ("no token", None, vec![], 403),
        (
            "a wrong token",
            Some("0123456789abcdef0123456789abcdef"),
            vec![],
            403,
        ),
        ("a token cut short", Some(&token[..31]), vec![], 403),
        (
            "a page on another origin, with the token",
            Some(&token),
            vec![("origin", "http://127.0.0.1:1")],
            403,
        ),
        (
            "even the app's own page",
            Some(&token),
            vec![("origin", app.base.as_str())],
            403,
        ),
        (
            "a browser's request without Origin",
            Some(&token),
            vec![("sec-fetch-site", "cross-site")],
            403,
        ),
    ];
    for (what, token, headers, status) in refusals {
        let answer = app.send(query, "image/png", token, &headers, png(2)).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.text());
        assert!(
            answer.json()["error"].is_string(),
            "{what}: says why: {}",
            answer.text()
        );
        assert_eq!(
            answer.headers["x-content-type-options"], "nosniff",
            "{what}"
        );
    }
    for (content_type, body) in [
        ("text/plain", b"hello".to_vec()),
        ("image/webp", b"RIFF0000WEBPVP8 ".to_vec()),
        ("application/octet-stream", png(3)),
        ("image/png", b"<html><script>alert(1)</script>".to_vec()),
        ("image/jpeg", png(3)),
        ("image/png", Vec::new()),
    ] {
        let answer = app.send(query, content_type, Some(&token), &[], body).await;
        assert_eq!(answer.status, 415, "{content_type}: {}", answer.text());
    }
    assert_eq!(ids(&app.list().await), Vec::<String>::new(), "nothing held");

    // Too large: declared, and counted on the way when not declared.
    let addr = app.base.clone();
    let (status, body) = raw(
        &addr,
        &format!(
            "POST /__su/inbox?model=a HTTP/1.1\r\nX-SU-Token: {token}\r\nContent-Type: image/png\r\nContent-Length: {}",
            MAX_PICTURE_BYTES + 1
        ),
        Vec::new(),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    let mut chunked = Vec::new();
    let mut piece = png(4);
    piece.resize(1024 * 1024, 0);
    for _ in 0..(MAX_PICTURE_BYTES / piece.len() + 2) {
        use std::io::Write;
        write!(chunked, "{:x}\r\n", piece.len()).expect("write");
        chunked.extend_from_slice(&piece);
        chunked.extend_from_slice(b"\r\n");
        piece[..8].fill(0);
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, body) = raw(
        &addr,
        &format!(
            "POST /__su/inbox?model=a HTTP/1.1\r\nX-SU-Token: {token}\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked"
        ),
        chunked,
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(
        ids(&app.list().await),
        Vec::<String>::new(),
        "still nothing"
    );

    // As the extension sends it: 201 and an id; the page sees the names and the size.
    let picture = png(5);
    let sent = app
        .send_png(
            "model=%E5%88%AB%E5%A2%85%20Villa&scene=Scene%201&width=64&height=40",
            picture.clone(),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.text());
    assert!(sent.content_type.starts_with("application/json"));
    let id = sent.json()["id"].as_str().expect("id").to_owned();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    let list = app.list().await;
    assert_eq!(list["dropped"], 0);
    let held = &list["pictures"][0];
    assert_eq!(held["id"], id.as_str());
    assert_eq!(held["model"], "别墅 Villa");
    assert_eq!(held["scene"], "Scene 1");
    assert_eq!(
        (held["width"].clone(), held["height"].clone()),
        (64.into(), 40.into())
    );
    assert_eq!(held["type"], "image/png");
    assert_eq!(held["bytes"].as_u64(), Some(picture.len() as u64));
    // A JPEG at exactly 30 MB is taken too.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.resize(MAX_PICTURE_BYTES, 7);
    let token = app.token();
    let sent = app
        .send("model=m&scene=s", "image/jpeg", Some(&token), &[], jpeg)
        .await;
    assert_eq!(sent.status, 201, "{}", sent.text());
}

#[tokio::test]
async fn the_page_takes_each_picture_once_and_only_from_its_own_origin() {
    let app = App::start(&home("take"), &[]);
    let picture = png(6);
    let id = app
        .send_png("model=M&scene=S", picture.clone())
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let own_origin = app.base.clone();
    for (what, headers) in [
        ("another origin", vec![("origin", "http://127.0.0.1:1")]),
        ("an opaque origin", vec![("origin", "null")]),
        (
            "a cross-site request",
            vec![("sec-fetch-site", "cross-site")],
        ),
        ("a same-site request", vec![("sec-fetch-site", "same-site")]),
    ] {
        let taken = app.take(&id, &headers).await;
        assert_eq!(taken.status, 403, "take from {what}: {}", taken.text());
        let mut request = client().get(format!("{}/__su/inbox", app.base));
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let listed = answer(request.send().await.expect("list")).await;
        assert_eq!(listed.status, 403, "list from {what}");
        assert!(listed.headers.get("access-control-allow-origin").is_none());
        let mut request = client().get(format!("{}/__su/inbox/events", app.base));
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let events = request.send().await.expect("events");
        assert_eq!(events.status(), 403, "events from {what}");
    }
    assert_eq!(ids(&app.list().await), [id.as_str()], "still held");

    // The page itself: Origin and Sec-Fetch-Site as Chromium sends them for a same-origin POST.
    let taken = app
        .take(
            &id,
            &[
                ("origin", own_origin.as_str()),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(taken.status, 200, "{}", taken.text());
    assert_eq!(taken.content_type, "image/png");
    assert_eq!(taken.headers["x-content-type-options"], "nosniff");
    assert_eq!(taken.headers["cache-control"], "no-store");
    assert!(taken.bytes == picture, "the picture as sent");
    let again = app.take(&id, &[]).await;
    assert_eq!(again.status, 404, "taken once only: {}", again.text());
    assert_eq!(ids(&app.list().await), Vec::<String>::new());
}

#[tokio::test]
async fn at_most_twenty_pictures_or_200_mb_are_held_and_the_page_hears_of_the_dropped() {
    let app = App::start(&home("caps"), &[]);
    let mut sent = Vec::new();
    for i in 0..(MAX_PICTURES + 2) {
        let answer = app
            .send_png(&format!("model=M&scene=S{i}"), png(i as u64))
            .await;
        assert_eq!(answer.status, 201);
        sent.push(answer.json()["id"].as_str().expect("id").to_owned());
    }
    let list = app.list().await;
    assert_eq!(ids(&list), sent[2..], "the two oldest went");
    assert_eq!(list["dropped"], 2, "{list}");
    assert_eq!(list["pictures"][0]["scene"], "S2");
    assert_eq!(app.take(&sent[0], &[]).await.status, 404, "dropped is gone");
    assert_eq!(app.take(&sent[5], &[]).await.status, 200);
    assert_eq!(
        app.list().await["dropped"],
        0,
        "a page took one: it has been told"
    );
    for id in &sent[2..] {
        if id != &sent[5] {
            assert_eq!(app.take(id, &[]).await.status, 200);
        }
    }

    // By weight: seven pictures of 29 MiB are 203 MiB.
    let token = app.token();
    let mut big = png(9);
    big.resize(29 * 1024 * 1024, 1);
    let mut heavy = Vec::new();
    for i in 0..7 {
        let answer = app
            .send(
                &format!("scene=B{i}"),
                "image/png",
                Some(&token),
                &[],
                big.clone(),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        heavy.push(answer.json()["id"].as_str().expect("id").to_owned());
    }
    let list = app.list().await;
    assert_eq!(ids(&list), heavy[1..], "{list}");
    assert_eq!(list["dropped"], 1);
}

/// Reads server-sent events from `response` until one named `inbox` arrives; its data as JSON.
async fn next_event(response: &mut reqwest::Response, buffer: &mut String) -> Value {
    let deadline = Duration::from_secs(10);
    tokio::time::timeout(deadline, async {
        loop {
            if let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let mut name = "";
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if name == "inbox" {
                    return serde_json::from_str(&data).expect("event data is JSON");
                }
                continue;
            }
            let chunk = response
                .chunk()
                .await
                .expect("the stream")
                .expect("the stream ended");
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("no inbox event within 10 s")
}

#[tokio::test]
async fn the_event_stream_tells_the_page_at_once() {
    let mut app = App::start(&home("events"), &[]);
    let mut stream = client()
        .get(format!("{}/__su/inbox/events", app.base))
        .send()
        .await
        .expect("events");
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    let first = next_event(&mut stream, &mut buffer).await;
    assert_eq!(
        ids(&first),
        Vec::<String>::new(),
        "the state at once: {first}"
    );

    let sent = Instant::now();
    let id = app.send_png("model=M&scene=Garden", png(7)).await.json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let told = next_event(&mut stream, &mut buffer).await;
    println!("told after {:?}", sent.elapsed());
    assert_eq!(ids(&told), [id.as_str()]);
    assert_eq!(told["pictures"][0]["scene"], "Garden");
    assert_eq!(app.take(&id, &[]).await.status, 200);
    let emptied = next_event(&mut stream, &mut buffer).await;
    assert_eq!(ids(&emptied), Vec::<String>::new());

    // An open stream does not hold a stop up.
    #[cfg(unix)]
    {
        let took = app.stop();
        assert!(
            took < Duration::from_secs(3),
            "stopped in {took:?} with a stream open"
        );
        assert!(!app.file().exists());
    }
}

#[tokio::test]
async fn the_extension_is_served_as_built_from_the_sketchup_folder() {
    let app = App::start(&home("rbz"), &[]);
    let sketchup = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sketchup");
    let answer = get(&app.base, "/__su/extension.rbz").await;
    assert_eq!(answer.headers["x-content-type-options"], "nosniff");
    match su_render_server::rbz::build(&sketchup).expect("read sketchup/") {
        Some(rbz) => {
            assert_eq!(answer.status, 200, "{}", answer.text());
            assert_eq!(answer.content_type, "application/octet-stream");
            assert_eq!(
                answer.headers["content-disposition"],
                format!(
                    "attachment; filename=\"su-render-{}.rbz\"",
                    env!("CARGO_PKG_VERSION")
                )
                .as_str()
            );
            assert!(answer.bytes == rbz, "the .rbz of sketchup/ as it is now");
            assert!(answer.bytes.starts_with(b"PK\x03\x04"));
        }
        None => {
            assert_eq!(answer.status, 404);
            assert!(answer.text().contains("without the SketchUp extension"));
        }
    }
}

#[tokio::test]
async fn a_relay_on_the_network_and_servers_in_tests_have_no_inbox() {
    let home = home("network");
    let app = App::start(&home, &["--host", "0.0.0.0"]);
    let base = app.base.replace("0.0.0.0", "127.0.0.1");
    assert_eq!(get(&base, "/__su/info").await.json()["inbox"], false);
    assert!(!home.join("inbox.json").exists(), "no inbox.json");
    let answer = client()
        .post(format!("{base}/__su/inbox?model=a"))
        .header("content-type", "image/png")
        .body(png(8))
        .send()
        .await
        .expect("post");
    assert!(
        matches!(answer.status().as_u16(), 404 | 405),
        "{}",
        answer.status()
    );
    // The download is there all the same.
    let rbz = get(&base, "/__su/extension.rbz").await;
    assert!(matches!(rbz.status, 200 | 404));

    let in_process = simulator().await;
    assert_eq!(
        get(&in_process.base, "/__su/info").await.json()["inbox"],
        false
    );
    assert_eq!(get(&in_process.base, "/__su/inbox").await.status, 404);
}
