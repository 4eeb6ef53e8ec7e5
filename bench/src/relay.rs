//! What the relay costs (issue 19): the server binary relaying a poll (`POST
//! /task/openapi/outputs`) to a local upstream, against the same upstream called directly, at
//! 64 requests in flight; and the relay's memory with 1,000 connections open, with the
//! connection cap off (`--max-connections 0`) and on (the default).
//!
//! Everything runs on 127.0.0.1: the upstream is a minimal HTTP/1.1 server in this process that
//! answers every request with a finished poll as RunningHub sends it, and the client is a plain
//! keep-alive loop per connection, so that the figures are the relay's, not a library's. Every
//! loop is bounded by a count.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rh_api::path::OUTPUTS;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::browser::Result;

/// Requests in flight.
pub const CONCURRENCY: usize = 64;
/// Requests per connection in one round.
const PER_CONNECTION: usize = 150;
/// Rounds, each one direct and one through the relay, alternating.
pub const ROUNDS: usize = 3;
/// Connections held open for the memory figure.
pub const OPEN: usize = 1_000;

const POLL: &str =
    r#"{"apiKey":"0123456789abcdef0123456789abcdef","taskId":"1983070826507480817"}"#;
/// A finished poll's answer, the shape of the seed document's.
const ANSWER: &str = r#"{"code":0,"msg":"success","data":[{"fileUrl":"https://rh-images.xiaoyaoyou.com/de0db6f2564c8697b07df55a77f07be9/output/ComfyUI_00033_hpgko_1742822929.png","fileType":"png","taskCostTime":"41","nodeId":"9","consumeCoins":"12"}]}"#;

/// The figures of one target (direct or relayed), over all rounds.
pub struct Throughput {
    pub requests_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Resident memory of the relay, KiB.
pub struct Memory {
    pub idle: u64,
    /// 1,000 connections that each made a poll and stay open (browsers keep connections alive).
    pub kept_alive: u64,
    /// How many of those got an answer, how many a 503, and how many were closed without one
    /// (past the cap, when more than 64 wait for their 503 at once).
    pub kept_alive_served: usize,
    pub kept_alive_busy: usize,
    pub kept_alive_closed: usize,
    /// 1,000 connections that sent half a request's headers and wait (an attacker's).
    pub half_sent: u64,
}

pub struct Relay {
    pub direct: Throughput,
    pub relayed: Throughput,
    /// Each may fail on its own (a binary without `--max-connections`, say) without losing the
    /// rest.
    pub uncapped: std::result::Result<Memory, String>,
    pub capped: std::result::Result<Memory, String>,
    pub binary: String,
    /// `/proc/loadavg`'s one-minute figure when the polls ran (the machine may be shared).
    pub load: String,
}

/// The upstream: answers every request on a connection with [`ANSWER`], keeping it alive.
async fn upstream() -> Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let handle = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = serve_upstream(stream).await;
            });
        }
    });
    Ok((addr, handle))
}

async fn serve_upstream(mut stream: TcpStream) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json;charset=UTF-8\r\ncontent-length: {}\r\n\r\n{ANSWER}",
        ANSWER.len()
    );
    let mut buf = Vec::with_capacity(4096);
    loop {
        let Some((_, length)) = read_head(&mut stream, &mut buf).await? else {
            return Ok(());
        };
        read_body(&mut stream, &mut buf, length).await?;
        stream.write_all(answer.as_bytes()).await?;
    }
}

/// Reads a message head into `buf` (which may already hold some of it); returns the head's
/// first line and its `content-length`, and leaves what follows the head in `buf`. `None` at
/// the end of the stream.
async fn read_head(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<(String, usize)>> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            let first = head.lines().next().unwrap_or("").to_owned();
            let length = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
            return Ok(Some((first, length)));
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn read_body(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    length: usize,
) -> std::io::Result<()> {
    while buf.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.drain(..length);
    Ok(())
}

fn poll_request(authority: &str) -> String {
    format!(
        "POST {OUTPUTS} HTTP/1.1\r\nHost: {authority}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{POLL}",
        POLL.len()
    )
}

/// One connection making `count` polls one after another; the time of each, in ms.
async fn client(authority: String, count: usize) -> Result<Vec<f64>> {
    let mut stream = TcpStream::connect(&authority).await?;
    stream.set_nodelay(true)?;
    let request = poll_request(&authority);
    let mut buf = Vec::with_capacity(4096);
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        stream.write_all(request.as_bytes()).await?;
        let (status, length) = read_head(&mut stream, &mut buf)
            .await?
            .ok_or("the connection closed before the answer")?;
        read_body(&mut stream, &mut buf, length).await?;
        if !status.contains(" 200 ") {
            return Err(format!("the poll answered {status}").into());
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}

/// [`CONCURRENCY`] connections × `per_connection` polls at `authority`: the wall time and every
/// poll's time.
async fn round(authority: &str, per_connection: usize) -> Result<(Duration, Vec<f64>)> {
    let started = Instant::now();
    let clients: Vec<_> = (0..CONCURRENCY)
        .map(|_| tokio::spawn(client(authority.to_owned(), per_connection)))
        .collect();
    let mut times = Vec::with_capacity(CONCURRENCY * per_connection);
    for c in clients {
        times.extend(c.await??);
    }
    Ok((started.elapsed(), times))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at]
}

fn summary(wall: Duration, mut times: Vec<f64>) -> Throughput {
    times.sort_by(f64::total_cmp);
    Throughput {
        requests_per_s: times.len() as f64 / wall.as_secs_f64(),
        p50_ms: percentile(&times, 0.50),
        p99_ms: percentile(&times, 0.99),
    }
}

/// The server binary, started as a relay to `upstream`; its address; killed on drop.
struct Running {
    child: Child,
    authority: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_relay(binary: &Path, upstream: &str, extra: &[&str]) -> Result<Running> {
    let mut child = Command::new(binary)
        .args(["--relay", &format!("http://{upstream}"), "--port", "0"])
        .args(["--host", "127.0.0.1", "--no-open"])
        .args(extra)
        .env("SU_RENDER_NO_OPEN", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let authority = loop {
        let line = lines.next().ok_or("the relay printed no address")??;
        if let Some(rest) = line.strip_prefix("SU Render: http://") {
            break rest.split('/').next().unwrap_or("").to_owned();
        }
    };
    // Drain what it prints later, so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok(Running { child, authority })
}

/// `VmRSS` of a process, KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/<pid>/status".into())
}

/// Opens [`OPEN`] connections to `authority` (64 at a time); each makes one poll and stays
/// open. Returns them, and how many were answered 200, 503, or closed without an answer.
async fn kept_alive(authority: &str) -> Result<(Vec<TcpStream>, [usize; 3])> {
    let request = poll_request(authority);
    let mut held = Vec::with_capacity(OPEN);
    let mut counts = [0; 3];
    for batch in 0..OPEN.div_ceil(CONCURRENCY) {
        let n = CONCURRENCY.min(OPEN - batch * CONCURRENCY);
        let opened: Vec<_> = (0..n)
            .map(|_| {
                let authority = authority.to_owned();
                let request = request.clone();
                tokio::spawn(async move {
                    let mut stream = TcpStream::connect(&authority).await?;
                    let answered = async {
                        stream.write_all(request.as_bytes()).await?;
                        let mut buf = Vec::new();
                        read_head(&mut stream, &mut buf).await
                    }
                    .await;
                    let kind = match answered {
                        Ok(Some((status, _))) if status.contains(" 200 ") => 0,
                        Ok(Some((status, _))) if status.contains(" 503 ") => 1,
                        _ => 2,
                    };
                    Ok::<_, std::io::Error>((stream, kind))
                })
            })
            .collect();
        for o in opened {
            let (stream, kind) = o.await??;
            counts[kind] += 1;
            held.push(stream);
        }
    }
    Ok((held, counts))
}

/// Opens [`OPEN`] connections that send half a request's headers and then nothing (a write
/// the server refused is not an error here: past the cap it may close at once).
async fn half_sent(authority: &str) -> Result<Vec<TcpStream>> {
    let partial = format!("POST {OUTPUTS} HTTP/1.1\r\nHost: {authority}\r\ncontent-type: appl");
    let mut held = Vec::with_capacity(OPEN);
    for _ in 0..OPEN {
        let mut stream = TcpStream::connect(authority).await?;
        let _ = stream.write_all(partial.as_bytes()).await;
        held.push(stream);
    }
    Ok(held)
}

async fn memory(binary: &Path, upstream: &str, extra: &[&str]) -> Result<Memory> {
    let settle = Duration::from_millis(700);
    let relay = start_relay(binary, upstream, extra)?;
    // One poll first, so that the relay's client and pools exist in both readings.
    client(relay.authority.clone(), 1).await?;
    tokio::time::sleep(settle).await;
    let idle = rss_kib(relay.child.id())?;
    let (held, [served, busy, closed]) = kept_alive(&relay.authority)
        .await
        .map_err(|e| format!("kept-alive connections: {e}"))?;
    tokio::time::sleep(settle).await;
    let with_kept = rss_kib(relay.child.id())?;
    drop(held);
    drop(relay);

    // A fresh relay for the other kind, so that the first one's high-water mark is not in it.
    let relay = start_relay(binary, upstream, extra)?;
    client(relay.authority.clone(), 1).await?;
    let held = half_sent(&relay.authority)
        .await
        .map_err(|e| format!("half-sent requests: {e}"))?;
    tokio::time::sleep(settle).await;
    let with_half = rss_kib(relay.child.id())?;
    drop(held);
    Ok(Memory {
        idle,
        kept_alive: with_kept,
        kept_alive_served: served,
        kept_alive_busy: busy,
        kept_alive_closed: closed,
        half_sent: with_half,
    })
}

pub async fn measure(binary: &Path) -> Result<Relay> {
    let (upstream, handle) = upstream().await?;
    let relay = start_relay(binary, &upstream, &[])?;
    // Warm-up: connections, pools, the allocator.
    round(&upstream, 20).await?;
    round(&relay.authority, 20).await?;
    let (mut direct_wall, mut direct_times) = (Duration::ZERO, Vec::new());
    let (mut relay_wall, mut relay_times) = (Duration::ZERO, Vec::new());
    for _ in 0..ROUNDS {
        let (wall, times) = round(&upstream, PER_CONNECTION)
            .await
            .map_err(|e| format!("direct: {e}"))?;
        direct_wall += wall;
        direct_times.extend(times);
        let (wall, times) = round(&relay.authority, PER_CONNECTION)
            .await
            .map_err(|e| format!("through the relay: {e}"))?;
        relay_wall += wall;
        relay_times.extend(times);
    }
    drop(relay);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned());
    let uncapped = memory(binary, &upstream, &["--max-connections", "0"])
        .await
        .map_err(|e| format!("memory without the cap: {e}"));
    let capped = memory(binary, &upstream, &[])
        .await
        .map_err(|e| format!("memory with the cap: {e}"));
    handle.abort();
    Ok(Relay {
        direct: summary(direct_wall, direct_times),
        relayed: summary(relay_wall, relay_times),
        uncapped,
        capped,
        binary: shown(binary),
        load,
    })
}

/// The requests one round makes, for the report.
pub fn requests_per_round() -> usize {
    CONCURRENCY * PER_CONNECTION
}

/// The size of the upstream's answer, for the report.
pub fn answer_bytes() -> usize {
    ANSWER.len()
}

/// A binary's path from `target/` on (the rest is this machine's).
fn shown(binary: &Path) -> String {
    let text = binary.display().to_string();
    match text.find("/target/") {
        Some(at) => text[at + 1..].to_owned(),
        None => text,
    }
}
