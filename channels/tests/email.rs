//! E-mail against real local SMTP receivers: aiosmtpd (from PyPI) started
//! by the test and reading what arrived, and small TCP servers that refuse
//! (550), defer (451), hang or drop the connection.
//!
//! The Python is `OTD_TEST_PYTHON` (`.ci/run` points it at a virtualenv
//! where it installed aiosmtpd), else `python3`. Without aiosmtpd these
//! tests FAIL, saying how to install it (`python3 -m pip install aiosmtpd`),
//! unless `OTD_TEST_SKIP_SMTP=1` asks to skip them explicitly.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use channels::config::SmtpSettings;
use channels::email::{Email, EmailChannel};
use channels::outcome::Failure;
use channels::render::{Templates, LANGUAGES};
use domain::message::MessageKind;
use domain::values::Language;
use serde_json::{Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader as AsyncBufReader};
use tokio::net::TcpListener;
use uuid::Uuid;

/// aiosmtpd on a free port, writing what it accepts to a folder; killed
/// when dropped.
struct Sink {
    child: Child,
    port: u16,
    folder: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> String {
    std::env::var("OTD_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Starts the sink, or returns None when the skip is asked for explicitly.
fn sink() -> Option<Sink> {
    let has_aiosmtpd = Command::new(python())
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_aiosmtpd {
        if std::env::var("OTD_TEST_SKIP_SMTP").as_deref() == Ok("1") {
            eprintln!("SKIPPED: python3 with aiosmtpd is missing and OTD_TEST_SKIP_SMTP=1");
            return None;
        }
        panic!(
            "the e-mail tests need {} with aiosmtpd: run `{0} -m pip install aiosmtpd` or point \
             OTD_TEST_PYTHON at a Python that has it (or set OTD_TEST_SKIP_SMTP=1 to skip them \
             explicitly)",
            python()
        );
    }
    let folder = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
    let mut child = Command::new(python())
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
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("the SMTP sink did not start: {line:?}"));
    Some(Sink {
        child,
        port,
        folder,
    })
}

impl Sink {
    fn channel(&self) -> EmailChannel {
        channel_to(self.port)
    }

    /// The summaries of the first `n` messages that arrived, waiting for
    /// them up to a deadline.
    fn arrived(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = summaries(self.folder.path());
            if found.len() >= n || Instant::now() > deadline {
                assert_eq!(found.len(), n, "messages arrived");
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn summaries(folder: &Path) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

fn channel_to(port: u16) -> EmailChannel {
    let mut settings = SmtpSettings::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Orders <orders@oem.example>",
    )
    .unwrap();
    settings.timeout = Duration::from_millis(700);
    EmailChannel::new(&settings).unwrap()
}

fn data(kind: MessageKind) -> Map<String, Value> {
    kind.fields()
        .iter()
        .map(|f| (f.to_string(), Value::String(format!("[{f}]"))))
        .collect()
}

fn email(to: &str, kind: MessageKind, language: Language) -> Email {
    let mut data = data(kind);
    if kind == MessageKind::EtaChanged {
        data.insert("reason".into(), "Lieferengpass <Halbleiter> & Co".into());
    }
    Email {
        message_id: Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{kind}/{to}").as_bytes()),
        to: to.to_owned(),
        to_name: Some("Erika Mustermann".into()),
        rendered: Templates::builtin()
            .unwrap()
            .render(kind, language, &data)
            .unwrap(),
    }
}

#[tokio::test]
async fn an_email_arrives_with_its_message_id_language_and_both_parts() {
    let Some(sink) = sink() else { return };
    let mail = email("erika@example.de", MessageKind::EtaChanged, Language::De);
    let delivered = sink.channel().send(&mail).await.unwrap();
    assert_eq!(delivered.status, 250);

    let got = &sink.arrived(1)[0];
    assert_eq!(got["mail_from"], "orders@oem.example");
    assert_eq!(got["rcpt_tos"], serde_json::json!(["erika@example.de"]));
    assert_eq!(
        got["message_id"],
        format!("<{}@oem.example>", mail.message_id)
    );
    assert_eq!(got["content_language"], "de");
    assert_eq!(got["auto_submitted"], "auto-generated");
    assert_eq!(got["content_type"], "multipart/alternative");
    assert_eq!(
        got["subject"],
        "Neuer Liefertermin für Ihre Bestellung [order_id]"
    );
    assert_eq!(got["from"], "Orders <orders@oem.example>");
    assert!(got["to"].as_str().unwrap().contains("erika@example.de"));
    let text = got["parts"]["text/plain"].as_str().unwrap();
    let html = got["parts"]["text/html"].as_str().unwrap();
    assert!(
        text.contains("Grund: Lieferengpass <Halbleiter> & Co"),
        "{text}"
    );
    assert!(
        html.contains("Grund: Lieferengpass &lt;Halbleiter&gt; &amp; Co"),
        "{html}"
    );
    assert!(html.contains("<html lang=\"de\">"));
}

#[tokio::test]
async fn every_kind_arrives_in_every_language() {
    let Some(sink) = sink() else { return };
    let channel = sink.channel();
    let templates = Templates::builtin().unwrap();
    let mut expected = Vec::new();
    for kind in MessageKind::ALL {
        for language in LANGUAGES {
            let mut mail = email("dealer@example.cn", kind, language);
            mail.message_id = Uuid::new_v4();
            channel.send(&mail).await.unwrap();
            let subject = templates
                .render(kind, language, &data(kind))
                .unwrap()
                .subject;
            expected.push((mail.message_id, language, subject));
        }
    }
    let got = sink.arrived(expected.len());
    for (summary, (id, language, subject)) in got.iter().zip(&expected) {
        assert_eq!(summary["message_id"], format!("<{id}@oem.example>"));
        assert_eq!(summary["content_language"], language.as_str());
        assert_eq!(
            summary["subject"],
            subject.as_str(),
            "subjects in Chinese and German survive"
        );
        assert!(summary["parts"]["text/plain"].is_string());
        assert!(summary["parts"]["text/html"].is_string());
    }
}

#[tokio::test]
async fn a_redelivery_after_a_crash_carries_the_same_message_id() {
    let Some(sink) = sink() else { return };
    let mail = email(
        "erika@example.de",
        MessageKind::OrderConfirmed,
        Language::En,
    );
    // Sent, then the sender died before recording it: sent again.
    sink.channel().send(&mail).await.unwrap();
    sink.channel().send(&mail).await.unwrap();
    let got = sink.arrived(2);
    assert_eq!(got[0]["message_id"], got[1]["message_id"]);
    assert_eq!(got[0]["parts"], got[1]["parts"]);
}

#[tokio::test]
async fn a_refused_recipient_is_permanent_and_a_full_mailbox_transient() {
    let Some(sink) = sink() else { return };
    let channel = sink.channel();
    let nobody = email("nobody@example.de", MessageKind::Delivered, Language::De);
    let error = channel.send(&nobody).await.unwrap_err();
    assert_eq!(
        (error.failure, error.status),
        (Failure::Permanent, Some(550))
    );
    let full = email("full@example.de", MessageKind::Delivered, Language::De);
    let error = channel.send(&full).await.unwrap_err();
    assert_eq!(
        (error.failure, error.status),
        (Failure::Transient, Some(452))
    );
    assert!(summaries(sink.folder.path()).is_empty());
}

/// How a stand-in SMTP server misbehaves.
#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Answers `MAIL FROM` with this reply.
    MailReply(&'static str),
    /// Accepts the connection and never says a word.
    Hang,
    /// Accepts the connection and closes it at once.
    Drop,
    /// Greets, then closes the connection on `MAIL FROM`.
    DropMidway,
}

/// A TCP server on a free port that speaks just enough SMTP to misbehave.
async fn misbehaving(how: Misbehaviour) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                match how {
                    Misbehaviour::Hang => return std::future::pending().await,
                    Misbehaviour::Drop => return,
                    Misbehaviour::MailReply(_) | Misbehaviour::DropMidway => {}
                }
                let (read, mut write) = socket.split();
                let mut lines = AsyncBufReader::new(read).lines();
                write.write_all(b"220 stand-in ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply = match (verb.as_str(), how) {
                        ("EHLO" | "HELO", _) => "250 stand-in".to_owned(),
                        ("MAIL", Misbehaviour::DropMidway) => return,
                        ("MAIL", Misbehaviour::MailReply(reply)) => reply.to_owned(),
                        ("QUIT", _) => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => "250 ok".to_owned(),
                    };
                    if write
                        .write_all(format!("{reply}\r\n").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    port
}

async fn send_to(how: Misbehaviour) -> channels::outcome::SendError {
    let port = misbehaving(how).await;
    let mail = email(
        "erika@example.de",
        MessageKind::OrderConfirmed,
        Language::En,
    );
    channel_to(port).send(&mail).await.unwrap_err()
}

#[tokio::test]
async fn a_server_refusing_with_550_is_a_permanent_failure() {
    let error = send_to(Misbehaviour::MailReply("550 5.7.1 relaying denied")).await;
    assert_eq!(
        (error.failure, error.status),
        (Failure::Permanent, Some(550))
    );
}

#[tokio::test]
async fn a_server_deferring_with_451_is_a_transient_failure() {
    let error = send_to(Misbehaviour::MailReply("451 4.3.0 try again later")).await;
    assert_eq!(
        (error.failure, error.status),
        (Failure::Transient, Some(451))
    );
}

#[tokio::test]
async fn a_hanging_server_times_out_as_a_transient_failure() {
    let error = send_to(Misbehaviour::Hang).await;
    assert_eq!((error.failure, error.status), (Failure::Transient, None));
    assert!(
        error.detail.contains("timeout") || error.detail.contains("did not finish"),
        "{}",
        error.detail
    );
}

#[tokio::test]
async fn a_dropped_connection_is_a_transient_failure() {
    for how in [Misbehaviour::Drop, Misbehaviour::DropMidway] {
        let error = send_to(how).await;
        assert_eq!(
            (error.failure, error.status),
            (Failure::Transient, None),
            "{}",
            error.detail
        );
    }
}

#[tokio::test]
async fn a_closed_port_is_a_transient_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mail = email(
        "erika@example.de",
        MessageKind::OrderConfirmed,
        Language::En,
    );
    let error = channel_to(port).send(&mail).await.unwrap_err();
    assert_eq!((error.failure, error.status), (Failure::Transient, None));
}

#[test]
fn a_bad_recipient_address_is_permanent_and_nothing_is_sent() {
    let channel = channel_to(1);
    let mut mail = email(
        "erika@example.de",
        MessageKind::OrderConfirmed,
        Language::En,
    );
    mail.to = "not an address".into();
    let error = channel.build(&mail).unwrap_err();
    assert_eq!(error.failure, Failure::Permanent);
}
