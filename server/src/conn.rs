//! The accept loop: what `axum::serve` does, plus the limits a server on a network needs.
//!
//! - **At most [`Limits::max_connections`] connections at once.** One more is answered at once
//!   with a 503 (a JSON envelope, `Retry-After`) and closed, without reading it; a WebSocket
//!   counts for as long as it is open, since its connection goes with it.
//! - **Headers within [`Limits::header_timeout`]**: a client that sends a request's headers a
//!   byte at a time, or opens a connection and says nothing, is closed when the time is up
//!   (hyper's header-read timeout, which also closes a kept-alive connection that stays idle that
//!   long: its timer runs while the next request's headers are awaited). Slow clients then cost a
//!   connection slot for a while, never the server.
//! - Graceful shutdown: no new connections, then running requests get [`SHUTDOWN_GRACE`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

/// Connections served at once by default: a studio's browsers (6 connections each, plus the
/// progress sockets) many times over, and well inside the 1,024 open files most systems allow.
pub const MAX_CONNECTIONS: usize = 512;

/// How long a client may take to send a request's headers (and a kept-alive connection may stay
/// idle).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(15);

/// How long requests still running at a shutdown may take to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Busy answers being written at once; past that, a connection over the cap is just closed.
const REFUSALS: usize = 64;

/// The limits of [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `None`: no cap (the bench's "before" figure).
    pub max_connections: Option<usize>,
    pub header_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: Some(MAX_CONNECTIONS),
            header_timeout: HEADER_TIMEOUT,
        }
    }
}

/// The 503 a connection over the cap gets. Not a RunningHub code: the page reads any 5xx as "no
/// answer" and tries again later.
const BUSY: &str = "HTTP/1.1 503 Service Unavailable\r\n\
    content-type: application/json\r\n\
    content-length: 78\r\n\
    retry-after: 2\r\n\
    cache-control: no-store\r\n\
    x-content-type-options: nosniff\r\n\
    connection: close\r\n\r\n\
    {\"code\":503,\"msg\":\"server busy: too many connections, try again\",\"data\":null}\n";

/// A connection and its place under the cap, released when the connection (or the WebSocket it
/// became) is dropped.
struct Counted {
    stream: TcpStream,
    _permit: Option<OwnedSemaphorePermit>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Serves `router` on `listener` until `shutdown` completes, within `limits`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let places = limits
        .max_connections
        .map(|n| Arc::new(Semaphore::new(n.max(1))));
    let refusals = Arc::new(Semaphore::new(REFUSALS));
    // Connections hold a receiver; when all are gone, every connection has finished.
    let (stopping, stop) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    pause_after(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let permit = match &places {
            None => None,
            Some(places) => match places.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    refuse(stream, &refusals);
                    continue;
                }
            },
        };
        // Answers are small and written whole: don't let Nagle hold their last packet.
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Counted {
            stream,
            _permit: permit,
        });
        let service = TowerToHyperService::new(router.clone());
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let connection = builder.serve_connection(io, service).with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stop.wait_for(|stopping| *stopping) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
            drop(stop);
        });
    }
    drop(listener);
    drop(stop);
    let _ = stopping.send(true);
    // Every connection task holds a clone of `stop`; `closed` completes when all have ended.
    tokio::select! {
        () = stopping.closed() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
    }
    Ok(())
}

/// After an accept error: none for a connection that failed on its own; a moment for the rest
/// (out of file descriptors), so the loop does not spin while connections close.
async fn pause_after(error: &io::Error) {
    let per_connection = matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    );
    if !per_connection {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Answers a connection over the cap with [`BUSY`] and closes it; what it sent is read and
/// dropped for a moment so that the close does not reset the answer away.
fn refuse(mut stream: TcpStream, refusals: &Arc<Semaphore>) {
    let Ok(permit) = refusals.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            stream.write_all(BUSY.as_bytes()).await?;
            stream.shutdown().await?;
            let mut sink = [0u8; 4096];
            while stream.read(&mut sink).await? > 0 {}
            io::Result::Ok(())
        })
        .await;
        drop(permit);
    });
}

#[cfg(test)]
mod tests {
    use super::BUSY;

    #[test]
    fn the_busy_answer_says_its_length() {
        let (head, body) = BUSY.split_once("\r\n\r\n").expect("head");
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .expect("length")
            .parse()
            .expect("number");
        assert_eq!(body.len(), length);
        let json: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(json["code"], 503);
    }
}
