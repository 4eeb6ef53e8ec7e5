//! The packaged one-file app (`cargo xtask package`) as a child process: copied alone into an
//! empty folder, started there, its address read from what it prints, stopped by a signal or on
//! drop. Used by `e2e/tests/packaged.rs`, whose tests are ignored in a plain `cargo test`:
//! `cargo xtask test` (Linux, and the `.exe` under wine) and `cargo xtask test-windows` run them
//! with the binary's path in the environment.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioExecutor;

use crate::page::TempDir;
use crate::Result;

/// The packaged Linux binary (`target/package/su-render-<version>-linux-x86_64`).
pub const BIN_ENV: &str = "SU_RENDER_PACKAGED_BIN";
/// The packaged Windows `.exe`, for the test under wine.
pub const EXE_ENV: &str = "SU_RENDER_WINDOWS_EXE";
/// The wine loader (default `/usr/lib/wine/wine64`, Debian's `wine64`).
pub const WINE_ENV: &str = "SU_RENDER_WINE";

/// How long the binary may take to print its address.
pub const START: Duration = Duration::from_secs(15);

/// `mode` (e.g. `["--relay", upstream]`) and the flags every test starts the app with: no
/// browser opened, on `port` (`0`: a free one) of the loopback only.
pub fn local_args<'a>(mode: &[&'a str], port: &'a str) -> Vec<&'a str> {
    let mut args = mode.to_vec();
    args.extend(["--no-open", "--port", port, "--host", "127.0.0.1"]);
    args
}

/// The path in `var`, which must name an existing file. Unset, the test fails and says how it is
/// meant to be run: a packaged test must never pass without a package.
pub fn required_file(var: &str, command: &str) -> Result<PathBuf> {
    let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) else {
        return Err(format!(
            "{var} is not set. This test checks the packaged one-file app and runs through \
             `{command}`, which builds the package and sets {var} to its path (or build it with \
             `cargo xtask package` and set {var} to the file in target/package/ yourself)"
        )
        .into());
    };
    let path = PathBuf::from(value);
    if !path.is_file() {
        return Err(format!("{var}={} is not a file", path.display()).into());
    }
    Ok(path.canonicalize()?)
}

/// The version in a package's file name (`su-render-<version>-<os>-<arch>[.exe]`).
pub fn version_in_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let rest = name.strip_prefix("su-render-")?;
    // A version may itself hold a dash (`1.0.0-rc.1`): it ends where the system's name starts.
    let at = ["-linux-", "-windows-", "-macos-"]
        .iter()
        .filter_map(|os| rest.find(os))
        .min()?;
    Some(rest[..at].to_string())
}

/// A running packaged app; killed on drop (also when a test panics).
pub struct Packaged {
    child: Child,
    /// `http://<address>` as it printed it, no trailing slash (`None` until it printed one).
    pub base_url: Option<String>,
    /// Everything it wrote to stdout and stderr so far, one line each.
    output: Arc<Mutex<Vec<String>>>,
    address: mpsc::Receiver<String>,
    /// The threads copying its stdout and stderr into `output`.
    readers: Vec<std::thread::JoinHandle<()>>,
    /// The empty folder it was started in (holds only the binary); removed on drop.
    pub dir: TempDir,
    /// Its data folder (`SU_RENDER_HOME`: `inbox.json` goes there, never into the real one of
    /// whoever runs the tests); removed on drop.
    pub home: TempDir,
    pub started: Instant,
}

impl Packaged {
    /// Copies `binary` alone into a fresh folder and starts it there with `args`; does not wait.
    pub fn spawn(binary: &Path, args: &[&str]) -> Result<Packaged> {
        Packaged::spawn_with(None, binary, args, &[])
    }

    /// [`Packaged::spawn`], started through `launcher` (wine) when given, with `envs` added.
    pub fn spawn_with(
        launcher: Option<&Path>,
        binary: &Path,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Result<Packaged> {
        let dir = TempDir::new("packaged")?;
        let name = binary.file_name().ok_or("the binary has no file name")?;
        let copy = dir.path.join(name);
        std::fs::copy(binary, &copy)?;
        let beside: Vec<_> = std::fs::read_dir(&dir.path)?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        if beside != [name.to_os_string()] {
            return Err(format!("the start folder should hold only the binary: {beside:?}").into());
        }
        let home = TempDir::new("packaged-home")?;
        let mut command = match launcher {
            Some(launcher) => {
                let mut c = Command::new(launcher);
                c.arg(&copy);
                c
            }
            None => Command::new(&copy),
        };
        command
            .args(args)
            .current_dir(&dir.path)
            .env("SU_RENDER_HOME", &home.path)
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = spawn_fresh_copy(&mut command)
            .map_err(|e| format!("could not start {}: {e}", copy.display()))?;

        let output = Arc::new(Mutex::new(Vec::new()));
        let (tx, address) = mpsc::channel();
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            readers.push(collect(stdout, Arc::clone(&output), Some(tx)));
        }
        if let Some(stderr) = child.stderr.take() {
            readers.push(collect(stderr, Arc::clone(&output), None));
        }
        Ok(Packaged {
            child,
            base_url: None,
            output,
            address,
            readers,
            dir,
            home,
            started,
        })
    }

    /// Copies and starts `binary` and waits (up to `limit`) for its `SU Render: http://…/` line.
    pub fn start(binary: &Path, args: &[&str], limit: Duration) -> Result<Packaged> {
        let mut app = Packaged::spawn(binary, args)?;
        app.wait_for_address(limit)?;
        Ok(app)
    }

    /// Copies and starts `binary` in `mode` (e.g. `["--simulator"]`) on a free loopback port
    /// with no browser opened (see [`local_args`]); waits up to [`START`] for its address.
    pub fn start_local(binary: &Path, mode: &[&str]) -> Result<Packaged> {
        Packaged::start(binary, &local_args(mode, "0"), START)
    }

    /// Waits until it prints its address; returns the base URL. Fails if it exits first.
    pub fn wait_for_address(&mut self, limit: Duration) -> Result<String> {
        let deadline = Instant::now() + limit;
        loop {
            match self.address.recv_timeout(Duration::from_millis(100)) {
                Ok(url) => {
                    self.base_url = Some(url.clone());
                    return Ok(url);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Its stdout closed: it ended, or never prints the line.
                    let status = self.wait_exit(Duration::from_secs(2))?;
                    return Err(format!(
                        "it closed its output without printing `SU Render: http://…` (exit: \
                         {status:?}); it said:\n{}",
                        self.output()
                    )
                    .into());
                }
            }
            if let Some(status) = self.child.try_wait()? {
                return Err(format!(
                    "it exited ({status}) before printing its address; it said:\n{}",
                    self.output()
                )
                .into());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no `SU Render: http://…` line within {limit:?}; it said:\n{}",
                    self.output()
                )
                .into());
            }
        }
    }

    /// The base URL it printed; an error before it printed one.
    pub fn url(&self) -> Result<&str> {
        self.base_url
            .as_deref()
            .ok_or_else(|| "the app has not printed its address".into())
    }

    /// The port of the address it printed.
    pub fn port(&self) -> Result<u16> {
        let url = self.url()?;
        url.rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("no port in the app's address {url}").into())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it wrote so far, stdout and stderr interleaved by line.
    pub fn output(&self) -> String {
        self.output
            .lock()
            .map(|lines| lines.join("\n"))
            .unwrap_or_default()
    }

    /// Sends a Unix signal (`TERM`, `INT`…) with `kill`.
    pub fn signal(&self, name: &str) -> Result {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.pid().to_string()])
            .status()?;
        if !status.success() {
            return Err(format!("kill -{name} {} failed: {status}", self.pid()).into());
        }
        Ok(())
    }

    /// Waits up to `limit` for it to end; its status, or `None` if it still runs. Once it has
    /// ended, [`Packaged::output`] holds all it wrote.
    pub fn wait_exit(&mut self, limit: Duration) -> Result<Option<ExitStatus>> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                // Its last lines may still be in the pipes. A process it started (wine's server)
                // may hold them open longer: wait a little, not for that.
                let drained = Instant::now() + Duration::from_secs(2);
                while !self.readers.iter().all(|r| r.is_finished()) && Instant::now() < drained {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return Ok(Some(status));
            }
            if Instant::now() > deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Packaged {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts a program that was just written. Another test thread may fork while the copy is still
/// open for writing here, and until that child execs it holds the file open too: exec then
/// fails with ETXTBSY ("Text file busy") for a moment. Try again for up to two seconds.
fn spawn_fresh_copy(command: &mut Command) -> std::io::Result<Child> {
    const ETXTBSY: i32 = 26;
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match command.spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Copies lines from `stream` into `output`; the first `SU Render: http://…` line's URL goes to
/// `address`.
fn collect(
    stream: impl Read + Send + 'static,
    output: Arc<Mutex<Vec<String>>>,
    mut address: Option<mpsc::Sender<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let line = line.trim_end_matches('\r').to_string();
            let url = address_in(&line);
            // Kept before the address is announced: whoever waited for it may read the line.
            if let Ok(mut lines) = output.lock() {
                lines.push(line);
            }
            if let Some(url) = url {
                if let Some(tx) = address.take() {
                    let _ = tx.send(url);
                }
            }
        }
    })
}

/// `http://ADDR` from `SU Render: http://ADDR/  (…)`.
pub fn address_in(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("SU Render:")?.trim_start();
    let url = rest.split_whitespace().next()?;
    url.starts_with("http://")
        .then(|| url.trim_end_matches('/').to_string())
}

/// A free loopback port (bound, then released).
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// An answer with its headers.
pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request with headers of its own (raw_http's client sets none); a body is sent
/// as JSON.
pub async fn fetch(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    json: Option<&serde_json::Value>,
) -> Result<Answer> {
    let mut all = headers.to_vec();
    if json.is_some() {
        all.push(("content-type", "application/json"));
    }
    let body = json.map(|b| b.to_string()).unwrap_or_default();
    send(method, url, &all, body.into_bytes()).await
}

/// One HTTP/1.1 request with these headers and this body as it is (the SketchUp extension's
/// pictures: raw bytes, no form around them).
pub async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Answer> {
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::from(body)))?;
    let limit = Duration::from_secs(15);
    let response = tokio::time::timeout(limit, client.request(request))
        .await
        .map_err(|_| format!("{method} {url}: no answer in {limit:?}"))??;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes().to_vec();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_line_is_read() {
        assert_eq!(
            address_in("SU Render: http://127.0.0.1:41234/  (relay to http://127.0.0.1:1)"),
            Some("http://127.0.0.1:41234".to_string())
        );
        assert_eq!(address_in("listening"), None);
        assert_eq!(address_in("SU Render: starting"), None);
    }

    #[test]
    fn the_version_is_read_from_the_file_name() {
        let v = |name: &str| version_in_name(Path::new(name));
        assert_eq!(
            v("/x/su-render-0.1.0-linux-x86_64").as_deref(),
            Some("0.1.0")
        );
        assert_eq!(
            v("su-render-1.0.0-rc.1-windows-x86_64.exe").as_deref(),
            Some("1.0.0-rc.1")
        );
        assert_eq!(v("su-render-server"), None);
    }
}
