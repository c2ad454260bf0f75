//! Real local receivers for the outbox tests: aiosmtpd (the channels crate's SMTP sink)
//! reading what arrived, and an HTTP webhook receiver that verifies every Standard Webhooks
//! signature with its own code, answers as the test scripts it, and records what it saw.
//!
//! The Python is `OTD_TEST_PYTHON` (`.ci/run` points it at a virtualenv with aiosmtpd), else
//! `python3`. Without aiosmtpd the e-mail tests FAIL, saying how to install it, unless
//! `OTD_TEST_SKIP_SMTP=1` asks to skip them explicitly.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// aiosmtpd on a free port, writing what it accepts to a folder; killed when dropped.
pub struct Sink {
    child: Child,
    pub port: u16,
    folder: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    /// Starts the sink, or returns None when the skip is asked for explicitly.
    pub fn start() -> Option<Sink> {
        let python = std::env::var("OTD_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let has = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has {
            if std::env::var("OTD_TEST_SKIP_SMTP").as_deref() == Ok("1") {
                eprintln!("SKIPPED: python3 with aiosmtpd is missing and OTD_TEST_SKIP_SMTP=1");
                return None;
            }
            panic!(
                "the outbox tests need python3 with aiosmtpd: run `python3 -m pip install \
                 aiosmtpd` (or set OTD_TEST_SKIP_SMTP=1 to skip them explicitly)"
            );
        }
        let folder = tempfile::tempdir().unwrap();
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../channels/tests/support/smtp_sink.py"
        );
        let mut child = Command::new(&python)
            .arg(script)
            .arg(folder.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap();
        Some(Sink {
            child,
            port,
            folder,
        })
    }

    /// The e-mails that arrived (their summaries), in arrival order.
    pub fn mails(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.folder.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// The e-mails to `address`.
    pub fn mails_to(&self, address: &str) -> Vec<Value> {
        self.mails()
            .into_iter()
            .filter(|m| {
                m["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r == address)
            })
            .collect()
    }
}

/// One delivery as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub id: String,
    pub kind: String,
    pub body: Value,
    pub verified: bool,
}

/// A webhook receiver on 127.0.0.1: answers each delivery with the next scripted status
/// (200 when the script is empty).
#[derive(Clone)]
pub struct Receiver {
    pub port: u16,
    secret: Arc<Mutex<String>>,
    script: Arc<Mutex<VecDeque<u16>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let Ok(key) = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or("")) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", header("webhook-id"), header("webhook-timestamp")).as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    header("webhook-signature")
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let secret = r.secret.lock().unwrap().clone();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    r.seen.lock().unwrap().push(Seen {
        id: headers
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        kind: parsed["type"].as_str().unwrap_or("").to_owned(),
        body: parsed,
        verified: verify(&secret, &headers, &body),
    });
    let status = r.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            port: listener.local_addr().unwrap().port(),
            secret: Arc::default(),
            script: Arc::default(),
            seen: Arc::default(),
        };
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// The secret the signatures are verified with.
    pub fn set_secret(&self, secret: &str) {
        *self.secret.lock().unwrap() = secret.to_owned();
    }

    /// The next answers, in order.
    pub fn answer(&self, statuses: &[u16]) {
        self.script.lock().unwrap().extend(statuses.iter().copied());
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn seen_of(&self, kind: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.kind == kind).collect()
    }
}

/// Waits until `done` holds, at most `within` (a condition with a deadline, no sleeping
/// past it).
pub async fn until(within: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
