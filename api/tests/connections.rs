//! Slow, idle and too many clients, over a real socket: the header-read
//! timeout, the idle keep-alive timeout, the connection cap, and an event
//! stream that outlives the idle timeout.

#![allow(clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use api::auth::Role;
use api::connections::ConnectionLimits;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The generous deadline within which a connection must have been closed.
const DEADLINE: Duration = Duration::from_secs(15);

struct Server {
    address: SocketAddr,
    runtime: api::runtime::Runtime,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(limits: ConnectionLimits) -> Server {
        let runtime = sim().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let app = api::app(runtime.state.clone());
        let task = tokio::spawn(api::connections::serve(listener, app, limits, async {
            let _ = stopped.await;
        }));
        Server {
            address,
            runtime,
            stop,
            task,
        }
    }

    /// Shuts down gracefully (within the deadline).
    async fn stop(self) {
        self.stop.send(()).unwrap();
        tokio::time::timeout(DEADLINE, self.task)
            .await
            .expect("the server drains and stops")
            .unwrap();
        self.runtime.shutdown().await;
    }
}

fn limits(header: Duration, idle: Duration, max_connections: u32) -> ConnectionLimits {
    ConnectionLimits {
        max_connections,
        header_read_timeout: header,
        idle_timeout: idle,
        ..ConnectionLimits::default()
    }
}

/// Reads until the peer closes (a reset counts as closed); panics if it is
/// still open after the deadline. Returns what was read.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let closed = tokio::time::timeout(DEADLINE, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let seen = String::from_utf8_lossy(&seen).into_owned();
    assert!(closed.is_ok(), "still open after {DEADLINE:?}; read {seen}");
    seen
}

/// Sends `GET path` on a keep-alive connection and reads one whole response.
async fn get(stream: &mut TcpStream, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        let mut buf = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&seen).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(str::to_owned)
                    })
                    .and_then(|l| l.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if seen.len() >= end + 4 + length {
                    return;
                }
            }
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed mid-response: {text}");
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("a whole response");
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_half_a_header_is_disconnected_after_the_header_timeout() {
    let server = Server::start(limits(
        Duration::from_millis(500),
        Duration::from_secs(600),
        16,
    ))
    .await;

    // Half a head, then nothing.
    let mut half = TcpStream::connect(server.address).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: te")
        .await
        .unwrap();
    read_until_closed(&mut half).await;

    // A head dribbled a byte at a time never completes either.
    let mut dribble = TcpStream::connect(server.address).await.unwrap();
    let (mut reader, mut writer) = dribble.split();
    let writing = async {
        for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: ".iter().cycle() {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let reading = tokio::time::timeout(DEADLINE, async {
        let mut buf = [0u8; 256];
        while let Ok(n) = reader.read(&mut buf).await {
            if n == 0 {
                return;
            }
        }
    });
    tokio::select! {
        () = writing => {}
        closed = reading => closed.expect("the dribbling client is closed"),
    }

    // A client that sends its head at once is served.
    let mut quick = TcpStream::connect(server.address).await.unwrap();
    assert!(get(&mut quick, "/healthz")
        .await
        .starts_with("HTTP/1.1 200"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = Server::start(limits(
        Duration::from_secs(600),
        Duration::from_millis(500),
        16,
    ))
    .await;

    let mut used = TcpStream::connect(server.address).await.unwrap();
    assert!(get(&mut used, "/healthz").await.starts_with("HTTP/1.1 200"));
    assert!(
        get(&mut used, "/healthz").await.starts_with("HTTP/1.1 200"),
        "kept alive"
    );
    assert_eq!(
        read_until_closed(&mut used).await,
        "",
        "closed, nothing sent"
    );

    let mut silent = TcpStream::connect(server.address).await.unwrap();
    read_until_closed(&mut silent).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_stream_is_not_idle_and_outlives_the_idle_timeout() {
    let server = Server::start(limits(
        Duration::from_secs(600),
        Duration::from_millis(300),
        16,
    ))
    .await;
    let dealer = token(Role::Dealer, "D-BER-01");
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    let request = format!(
        "GET /api/v1/dealers/D-BER-01/board/stream?token={dealer} HTTP/1.1\r\nHost: test\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));

    // Well past the idle timeout, the stream still delivers.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let customer = token(Role::Customer, "C-1001");
    let order = r#"{"market":"DE","model":"AURA","options":[],"dealer_id":"D-BER-01"}"#;
    let placed = call(
        &server.runtime.state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(order),
    )
    .await;
    let order_id = placed.json["order_id"].as_str().unwrap().to_owned();
    let mut seen = String::new();
    tokio::time::timeout(DEADLINE, async {
        while !seen.contains(&order_id) {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "the stream was closed: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
    .await
    .expect("the new order on the stream");
    drop(stream);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_beyond_the_cap_is_refused_with_a_503_problem_and_closed() {
    let server = Server::start(limits(Duration::from_secs(5), Duration::from_secs(600), 2)).await;
    let mut first = TcpStream::connect(server.address).await.unwrap();
    let mut second = TcpStream::connect(server.address).await.unwrap();
    assert!(get(&mut first, "/healthz")
        .await
        .starts_with("HTTP/1.1 200"));
    assert!(get(&mut second, "/healthz")
        .await
        .starts_with("HTTP/1.1 200"));

    let mut third = TcpStream::connect(server.address).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let refusal = read_until_closed(&mut third).await;
    let lower = refusal.to_ascii_lowercase();
    assert!(refusal.starts_with("HTTP/1.1 503"), "{refusal}");
    assert!(
        lower.contains("content-type: application/problem+json"),
        "{refusal}"
    );
    assert!(lower.contains("retry-after: 1"), "{refusal}");
    assert!(lower.contains("connection: close"), "{refusal}");
    assert!(refusal.contains(r#""status":503"#), "{refusal}");
    assert!(refusal.contains("maximum of 2 connections"), "{refusal}");

    // Once one closes, a new connection is served again.
    drop(first);
    let served = tokio::time::timeout(DEADLINE, async {
        loop {
            let mut next = TcpStream::connect(server.address).await.unwrap();
            next.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut reply = String::new();
            let _ = next.read_to_string(&mut reply).await;
            if reply.starts_with("HTTP/1.1 200") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(served.is_ok(), "a freed slot is used again");
    drop(second);
    server.stop().await;
}
