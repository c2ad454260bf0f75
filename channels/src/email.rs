//! E-mail over SMTP with `lettre`: one multipart message (plain text and
//! HTML) per send, its `Message-ID` derived from the message's id.
//!
//! The URL says how to connect: `smtp://host:port` in the clear (a local
//! relay), `smtp://host:port?tls=required` with STARTTLS, `smtps://host:port`
//! with TLS from the first byte; `user:password@` authenticates. Replies are
//! classified for the retry policy: 5xx permanent, 4xx transient, and so is
//! everything that is no reply at all (a timeout, a refused or dropped
//! connection, a TLS failure).

use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uuid::Uuid;

use crate::config::SmtpSettings;
use crate::outcome::{Delivered, Failure, SendError};
use crate::render::Rendered;

/// One e-mail to one recipient.
#[derive(Debug, Clone)]
pub struct Email {
    /// The message's id: the same on every try, so the `Message-ID` is.
    pub message_id: Uuid,
    /// The recipient's address, and name if known.
    pub to: String,
    pub to_name: Option<String>,
    pub rendered: Rendered,
}

/// Sends e-mails through one SMTP server.
#[derive(Clone)]
pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChannel")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// An SMTP URL or sender address that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SMTP settings: {0}")]
pub struct SmtpSettingsError(pub String);

impl EmailChannel {
    /// A channel to the server `settings.url` names, sending as
    /// `settings.from`; every command waits at most `settings.timeout`.
    pub fn new(settings: &SmtpSettings) -> Result<EmailChannel, SmtpSettingsError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.url())
            .map_err(|e| SmtpSettingsError(format!("the URL cannot be used ({e})")))?
            .timeout(Some(settings.timeout))
            .build();
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|e| SmtpSettingsError(format!("the sender {:?}: {e}", settings.from)))?;
        Ok(EmailChannel {
            transport,
            from,
            timeout: settings.timeout,
        })
    }

    /// The `Message-ID` of the message `id`: `<{id}@{sender's domain}>`.
    pub fn message_id_header(&self, id: Uuid) -> String {
        format!("<{}@{}>", id, self.from.email.domain())
    }

    /// Builds the e-mail as it goes on the wire (for tests and previews).
    pub fn build(&self, email: &Email) -> Result<Message, SendError> {
        let to = Mailbox::new(
            email.to_name.clone(),
            email.to.parse().map_err(|e| {
                SendError::new(
                    Failure::Permanent,
                    format!("recipient address refused: {e}"),
                )
            })?,
        );
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.rendered.subject.clone())
            .message_id(Some(self.message_id_header(email.message_id)))
            .header(ContentLanguage(email.rendered.language.as_str().to_owned()))
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                email.rendered.text.clone(),
                email.rendered.html.clone(),
            ))
            .map_err(|e| SendError::new(Failure::Permanent, format!("e-mail not built: {e}")))
    }

    /// Sends `email` once: the server's reply code when it took it, or the
    /// classified failure.
    pub async fn send(&self, email: &Email) -> Result<Delivered, SendError> {
        let message = self.build(email)?;
        // lettre bounds each command by the timeout; this bounds the whole
        // conversation (a server that trickles bytes never holds a sender).
        let whole = self.timeout.saturating_mul(4);
        match tokio::time::timeout(whole, self.transport.send(message)).await {
            Err(_) => Err(SendError::new(
                Failure::Transient,
                format!("the SMTP server did not finish within {whole:?}"),
            )),
            Ok(Ok(response)) => Ok(Delivered {
                status: code(response.code()),
            }),
            Ok(Err(e)) => Err(classify(&e)),
        }
    }
}

/// The retry policy's view of an SMTP error.
fn classify(e: &SmtpError) -> SendError {
    let failure = if e.is_permanent() {
        Failure::Permanent
    } else {
        // 4xx, timeouts, refused or dropped connections, TLS and protocol
        // trouble: the server may take it later.
        Failure::Transient
    };
    let detail = if e.is_timeout() {
        format!("SMTP timeout: {e}")
    } else {
        format!("SMTP: {e}")
    };
    let error = SendError::new(failure, detail);
    match e.status() {
        Some(status) => error.with_status(code(status)),
        None => error,
    }
}

fn code(c: lettre::transport::smtp::response::Code) -> u16 {
    c.to_string().parse().unwrap_or(0)
}

/// `Content-Language`: the language the message is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): sent by a machine, so
/// out-of-office replies and other responders leave it alone.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}
