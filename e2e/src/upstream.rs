//! A misbehaving RunningHub for relay tests, at the level of raw HTTP/1.1 bytes.
//!
//! This file is shared as source: the e2e crate has it as `su_render_e2e::upstream`, and the
//! server's integration tests include it with `#[path]` (the server crate cannot depend on this
//! crate, which depends on the server). So it uses only std and tokio, and errors are
//! `std::io::Error`.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// An upstream that reads each request whole, then sends half an answer
/// (`Content-Length: 100`, 9 bytes of body) and closes the connection. It keeps every request
/// line it read, so a test can tell whether a POST was sent twice. Stopped when dropped.
pub struct CutUpstream {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base_url: String,
    /// Every request line read so far (`POST /task/openapi/ai-app/run HTTP/1.1`); shared so a
    /// test can read it from another thread.
    pub requests: Arc<Mutex<Vec<String>>>,
    handle: JoinHandle<()>,
}

impl Drop for CutUpstream {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl CutUpstream {
    pub async fn start() -> std::io::Result<CutUpstream> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = requests.clone();
        let handle = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let Some(line) = read_request(&mut stream).await else {
                        return;
                    };
                    if let Ok(mut seen) = seen.lock() {
                        seen.push(line);
                    }
                    let _ = stream
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"code\":0",
                        )
                        .await;
                    let _ = stream.flush().await;
                    // The stream is dropped here: closed with 91 bytes still owed.
                });
            }
        });
        Ok(CutUpstream {
            base_url: format!("http://{addr}"),
            requests,
            handle,
        })
    }

    /// Every request line read so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many requests for `path` arrived.
    pub fn count(&self, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|line| line.split(' ').nth(1).and_then(|t| t.split('?').next()) == Some(path))
            .count()
    }
}

/// Reads one HTTP/1.1 request: headers, then the body by Content-Length or chunked encoding.
/// Returns the request line, or `None` when the connection ends first.
pub async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let line = head.lines().next()?.to_owned();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_ascii_lowercase())
        })
    };
    let mut body = buf[head_end..].to_vec();
    let length = header("content-length").and_then(|v| v.parse::<usize>().ok());
    let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    loop {
        let complete = match length {
            Some(length) => body.len() >= length,
            None => !chunked || chunked_complete(&body),
        };
        if complete {
            return Some(line);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether a chunked body has arrived up to its last (empty) chunk and the final CRLF.
fn chunked_complete(body: &[u8]) -> bool {
    let mut at = 0;
    loop {
        let Some(eol) = find(&body[at..], b"\r\n") else {
            return false;
        };
        let size = String::from_utf8_lossy(&body[at..at + eol]).to_string();
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
        else {
            return false;
        };
        at += eol + 2;
        if size == 0 {
            // Trailers (none expected) end with an empty line.
            return find(&body[at..], b"\r\n").is_some();
        }
        at += size + 2;
        if at > body.len() {
            return false;
        }
    }
}

/// A port nothing listens on (bound, then released).
pub async fn dead_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?.port())
}
