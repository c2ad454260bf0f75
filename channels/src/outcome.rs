//! How one try at sending went, the same for every channel, so the retry
//! policy never looks at SMTP codes or HTTP statuses itself.

use std::time::Duration;

/// The receiver took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The HTTP status (webhooks) or SMTP reply code (e-mail) it answered.
    pub status: u16,
}

/// Why a try failed, as far as trying again is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// It may work later: a 4xx SMTP reply, an HTTP error status, a
    /// timeout, a refused or dropped connection. Retried with back-off.
    Transient,
    /// The receiver asks us to slow down (HTTP 429, 502, 504): retried, not
    /// before its `Retry-After` when it gave one.
    SlowDown,
    /// It will never work as it is (a 5xx SMTP reply, an address refused,
    /// a URL on a forbidden address): dead-lettered at once.
    Permanent,
    /// The webhook endpoint is gone (HTTP 410): the endpoint is disabled
    /// and the message dead-lettered.
    Gone,
}

/// A failed try: its classification, the status the receiver answered (if
/// it answered), when it asked to be tried again, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct SendError {
    pub failure: Failure,
    pub status: Option<u16>,
    /// The receiver's `Retry-After`, if it gave one.
    pub retry_after: Option<Duration>,
    /// What went wrong, for the delivery log (never a secret or a body).
    pub detail: String,
}

impl SendError {
    pub fn new(failure: Failure, detail: impl Into<String>) -> SendError {
        SendError {
            failure,
            status: None,
            retry_after: None,
            detail: detail.into(),
        }
    }

    pub fn with_status(mut self, status: u16) -> SendError {
        self.status = Some(status);
        self
    }

    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> SendError {
        self.retry_after = retry_after;
        self
    }
}
