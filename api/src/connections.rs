//! The HTTP server's connections (HTTP/1.1 over hyper): a cap on how many are
//! open at once, a deadline for a request's head, an idle keep-alive timeout,
//! and graceful shutdown.
//!
//! - **Cap.** Each connection holds one of [`ConnectionLimits::max_connections`]
//!   permits. A connection over the cap is answered `503` problem+json with
//!   `Retry-After` and closed (at most [`REFUSALS_AT_ONCE`] such answers are
//!   in progress; beyond that a new connection is closed at once).
//! - **Head.** Once the first byte of a request arrives, its head (request
//!   line and headers) must be complete within
//!   [`ConnectionLimits::header_read_timeout`], else the connection is closed.
//! - **Idle.** A connection that waits for a request (just opened, or its last
//!   response finished) longer than [`ConnectionLimits::idle_timeout`] is
//!   closed. While a response is in progress (a Server-Sent Events stream
//!   included) the connection is busy, never idle.
//! - **Shutdown.** New connections stop, idle ones close, busy ones finish
//!   their response (up to [`DRAIN_TIMEOUT`]; an open event stream would
//!   otherwise hold the server forever).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request, Response};
use axum::response::IntoResponse;
use axum::Router;
use futures_util::task::AtomicWaker;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::problem::ApiError;

/// How many connections and event streams the server holds, and how long it
/// waits for a client (see docs/decisions/0006).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once; the next is answered 503 and closed.
    pub max_connections: u32,
    /// From a request's first byte until its head is complete.
    pub header_read_timeout: Duration,
    /// A connection waiting for its next request is closed after this.
    pub idle_timeout: Duration,
    /// Live board streams open at once per token subject; the next is 429.
    pub streams_per_subject: usize,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            streams_per_subject: 8,
        }
    }
}

/// How many over-the-cap connections are answered `503` at once.
pub const REFUSALS_AT_ONCE: usize = 64;

/// How long shutdown waits for busy connections to finish.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The seconds an over-the-cap client is asked to wait.
const RETRY_AFTER_SECS: &str = "1";

/// Serves `app` on `listener` within `limits` until `shutdown` resolves,
/// then drains (see the module documentation).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let open = Arc::new(Semaphore::new(limits.max_connections as usize));
    let refusing = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Ok(permit) = open.clone().try_acquire_owned() {
            let connection = connection(socket, peer, app.clone(), limits, stopping.clone());
            tokio::spawn(hold(permit, connection));
        } else if let Ok(permit) = refusing.clone().try_acquire_owned() {
            tracing::warn!(%peer, max = limits.max_connections, "connection cap reached");
            tokio::spawn(hold(permit, refuse(socket, limits)));
        } else {
            drop(socket);
        }
    }
    drop(listener);
    // Every open connection holds a permit: all of them back means drained.
    let _ = stop.send(true);
    let drained =
        tokio::time::timeout(DRAIN_TIMEOUT, open.acquire_many(limits.max_connections)).await;
    if drained.is_err() {
        tracing::warn!("connections still busy after {DRAIN_TIMEOUT:?}; closing them");
    }
}

/// Runs `work` while holding `permit`.
async fn hold(permit: OwnedSemaphorePermit, work: impl Future<Output = ()>) {
    work.await;
    drop(permit);
}

/// One accepted connection, served until it closes or shutdown drains it.
async fn connection(
    socket: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::default());
    let io = TokioIo::new(Watched::new(socket, activity.clone(), limits));
    let service = service_fn(move |mut req: Request<Incoming>| {
        let busy = Busy::begin(&activity);
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let response = match app.oneshot(req).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            Ok::<_, Infallible>(response.map(|body| Body::new(Tracked { body, _busy: busy })))
        }
    });
    let conn = http1::Builder::new().serve_connection(io, service);
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = async { drop(stopping.wait_for(|stop| *stop).await) } => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection closed");
    }
}

/// A connection over the cap: its request is answered `503` and it is closed.
async fn refuse(socket: TcpStream, limits: ConnectionLimits) {
    let activity = Arc::new(Activity::default());
    let quick = ConnectionLimits {
        idle_timeout: limits.header_read_timeout,
        ..limits
    };
    let io = TokioIo::new(Watched::new(socket, activity.clone(), quick));
    let service = service_fn(move |_req: Request<Incoming>| {
        let busy = Busy::begin(&activity);
        let response = over_capacity(limits.max_connections)
            .map(|body| Body::new(Tracked { body, _busy: busy }));
        async move { Ok::<_, Infallible>(response) }
    });
    let result = http1::Builder::new()
        .keep_alive(false)
        .serve_connection(io, service)
        .await;
    if let Err(e) = result {
        tracing::debug!(error = %e, "refused connection closed");
    }
}

/// `503` problem+json with `Retry-After`, and `Connection: close`.
fn over_capacity(max_connections: u32) -> Response<Body> {
    let mut response = ApiError::Unavailable(format!(
        "the server holds its maximum of {max_connections} connections; retry shortly"
    ))
    .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECS),
    );
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// What a connection's requests are doing, seen by its socket.
#[derive(Debug, Default)]
struct Activity {
    /// Requests whose response is not finished yet.
    in_flight: AtomicUsize,
    /// Counts every start and every end of a request (a changed value means
    /// the deadline the socket armed belongs to an earlier wait).
    changes: AtomicU64,
    /// The socket's reader, woken when the last request ends so that it arms
    /// the idle deadline (hyper may have polled it while the request ran).
    reader: AtomicWaker,
}

/// A request in progress: it ends when its response body has been sent (or
/// dropped).
#[derive(Debug)]
struct Busy(Arc<Activity>);

impl Busy {
    fn begin(activity: &Arc<Activity>) -> Busy {
        activity.in_flight.fetch_add(1, Ordering::SeqCst);
        activity.changes.fetch_add(1, Ordering::SeqCst);
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.changes.fetch_add(1, Ordering::SeqCst);
        self.0.reader.wake();
    }
}

/// A response body that keeps its request [`Busy`] until it is done.
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// What the socket is waiting for while no request is in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// No byte of the next request yet.
    Idle,
    /// Part of the next request's head.
    Head,
}

/// The socket, failing a read with `TimedOut` when the connection has idled
/// or a request head has taken too long.
struct Watched {
    socket: TcpStream,
    activity: Arc<Activity>,
    limits: ConnectionLimits,
    deadline: Pin<Box<Sleep>>,
    /// The wait the deadline is armed for, and the activity it saw.
    armed: Option<(u64, Wait)>,
}

impl Watched {
    fn new(socket: TcpStream, activity: Arc<Activity>, limits: ConnectionLimits) -> Watched {
        Watched {
            socket,
            activity,
            deadline: Box::pin(tokio::time::sleep(limits.idle_timeout)),
            limits,
            armed: None,
        }
    }

    fn arm(&mut self, changes: u64, wait: Wait) {
        let after = match wait {
            Wait::Idle => self.limits.idle_timeout,
            Wait::Head => self.limits.header_read_timeout,
        };
        self.deadline.as_mut().reset(Instant::now() + after);
        self.armed = Some((changes, wait));
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.activity.reader.register(cx.waker());
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.socket).poll_read(cx, buf);
        if this.activity.in_flight.load(Ordering::SeqCst) > 0 {
            this.armed = None;
            return polled;
        }
        let changes = this.activity.changes.load(Ordering::SeqCst);
        let current = this.armed.filter(|(seen, _)| *seen == changes);
        match polled {
            Poll::Ready(Ok(())) if buf.filled().len() > before => {
                if current.map(|(_, wait)| wait) != Some(Wait::Head) {
                    this.arm(changes, Wait::Head);
                } else if this.deadline.is_elapsed() {
                    return Poll::Ready(Err(head_too_slow()));
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending => {
                let wait = match current {
                    Some((_, wait)) => wait,
                    None => {
                        this.arm(changes, Wait::Idle);
                        Wait::Idle
                    }
                };
                match this.deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(match wait {
                        Wait::Idle => io::Error::new(io::ErrorKind::TimedOut, "idle connection"),
                        Wait::Head => head_too_slow(),
                    })),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

fn head_too_slow() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "request head not complete in time")
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().socket).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().socket).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_shutdown(cx)
    }
}
