//! What the black-box tests share: the real `otd serve` started on a free port, tokens, and
//! plain HTTP/1.1 over a socket.

#![allow(clippy::unwrap_used, dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `otd serve` (the real binary), its stdout drained.
pub struct Server {
    child: Child,
    /// Where it listens (`host:port`).
    pub address: String,
}

impl Server {
    /// Starts `otd serve` on a free port over `data` with `extra` flags, on the simulated
    /// clock at 2026-11-23, and waits until it listens.
    pub fn start(data: &std::path::Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_otd"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--clock",
                "sim:2026-11-23",
                "--data",
            ])
            .arg(data)
            .args(extra)
            .env("OTD_JWT_SECRET", "black-box-secret-black-box-secret-42")
            .env("OTD_MASTER_KEY", "ab".repeat(32))
            .env_remove("OTD_BACKEND")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        let address = loop {
            assert!(Instant::now() < deadline, "server did not start");
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("otd listening on http://") {
                break rest.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, address }
    }

    /// SIGKILL: no graceful shutdown, no flush.
    pub fn kill(mut self) {
        // SIGKILL: no graceful shutdown, no flush.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and the process must exit 0.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0: {status}");
    }
}

/// A test that fails half way leaves no server behind.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A token signed with the servers' secret.
pub fn token(role: &str, sub: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_otd"))
        .args(["token", "--role", role, "--sub", sub])
        .env("OTD_JWT_SECRET", "black-box-secret-black-box-secret-42")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A customer registered in the Berlin showroom (orders are placed only for customers
/// that exist), and a token for it.
pub fn customer_token(server: &Server, email: &str) -> String {
    let dealer = token("dealer", "D-BER-01");
    let body =
        serde_json::json!({"name": "Black Box", "email": email, "language": "de", "market": "DE"})
            .to_string();
    let (status, reply) = http(
        server,
        "POST",
        "/api/v1/customers",
        Some(&dealer),
        Some(&body),
    );
    assert!(status == 201 || status == 200, "{status} {reply}");
    token("customer", reply["customer_id"].as_str().unwrap())
}

/// One HTTP/1.1 request on a fresh connection.
pub fn http(
    server: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, Value) {
    try_http(&server.address, method, path, token, body).unwrap()
}

/// One HTTP/1.1 request to `address` on a fresh connection; an error when the connection
/// fails (a killed server).
pub fn try_http(
    address: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        address,
        body.len()
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let broken = || std::io::Error::other(format!("not an HTTP answer: {raw:?}"));
    let (head, rest) = raw.split_once("\r\n\r\n").ok_or_else(broken)?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(broken)?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    Ok((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Polls a read until `check` holds (each read waits for the projections
/// through min_position; the process managers act asynchronously).
pub fn eventually(
    server: &Server,
    path: &str,
    token: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = http(server, "GET", path, Some(token), None);
        if status == 200 && check(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{path}: condition never held, last {status} {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
