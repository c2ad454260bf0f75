//! Webhooks following the Standard Webhooks specification.
//!
//! A delivery is one `POST` of `{"type", "timestamp", "data"}` with the
//! headers `webhook-id` (the message's id: the same on every try),
//! `webhook-timestamp` (Unix seconds of this try) and `webhook-signature`
//! ([`WebhookSecret::sign`]). The answer is classified for the retry
//! policy: 2xx delivered; 410 gone (the endpoint is disabled); 429, 502 and
//! 504 slow down, with their `Retry-After`; any other status, a redirect
//! (never followed), a timeout or a connection failure transient; a URL the
//! [`SsrfGuard`] refuses permanent.

mod guard;
mod secret;

use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};
use domain::message::MessageKind;
use serde_json::{json, Map, Value};
use url::Url;

pub use guard::{forbidden, SsrfGuard, UrlRefused};
pub use secret::{InvalidSecret, WebhookSecret};

use crate::config::WebhookSettings;
use crate::outcome::{Delivered, Failure, SendError};
use guard::GuardedResolver;

/// Where deliveries go, and the secret they are signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub url: Url,
    pub secret: WebhookSecret,
}

/// One message as a webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// The message's id: `webhook-id`, the same on every try.
    pub id: String,
    pub kind: MessageKind,
    /// When the fact happened (business time): the body's `timestamp`.
    pub timestamp: DateTime<Utc>,
    /// The facts of the message (its kind's data contract).
    pub data: Map<String, Value>,
}

impl Webhook {
    /// The body: `{"type", "timestamp", "data"}`, the same bytes on every try.
    pub fn body(&self) -> Vec<u8> {
        let body = json!({
            "type": self.kind.name(),
            "timestamp": self.timestamp.to_rfc3339_opts(SecondsFormat::Secs, true),
            "data": self.data,
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// Delivers webhooks over HTTP(S), through the SSRF guard.
#[derive(Debug, Clone)]
pub struct WebhookChannel {
    client: reqwest::Client,
    guard: SsrfGuard,
}

/// The HTTP client could not be built (no TLS roots, for instance).
#[derive(Debug, thiserror::Error)]
#[error("the webhook HTTP client: {0}")]
pub struct ClientError(#[from] reqwest::Error);

impl WebhookChannel {
    pub fn new(settings: &WebhookSettings) -> Result<WebhookChannel, ClientError> {
        let guard = SsrfGuard::new(&settings.allow_hosts);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver(guard.clone())))
            .user_agent(concat!("otd-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(WebhookChannel { client, guard })
    }

    /// The guard this channel delivers through (to check a URL when an
    /// endpoint is registered).
    pub fn guard(&self) -> &SsrfGuard {
        &self.guard
    }

    /// Delivers `webhook` to `endpoint` once, stamped with the real clock.
    pub async fn send(
        &self,
        endpoint: &WebhookEndpoint,
        webhook: &Webhook,
    ) -> Result<Delivered, SendError> {
        self.send_at(endpoint, webhook, Utc::now()).await
    }

    /// Delivers `webhook` to `endpoint` once, with `webhook-timestamp` from
    /// `now` (receivers compare it with their own clock: give the real one).
    pub async fn send_at(
        &self,
        endpoint: &WebhookEndpoint,
        webhook: &Webhook,
        now: DateTime<Utc>,
    ) -> Result<Delivered, SendError> {
        self.guard
            .check_literal(&endpoint.url)
            .map_err(|e| SendError::new(Failure::Permanent, e.to_string()))?;
        let body = webhook.body();
        let timestamp = now.timestamp();
        let response = self
            .client
            .post(endpoint.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", &webhook.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                endpoint.secret.sign(&webhook.id, timestamp, &body),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| request_failed(&e))?;
        classify(response.status().as_u16(), retry_after(response.headers()))
    }
}

/// The retry policy's view of an answer.
fn classify(status: u16, retry_after: Option<Duration>) -> Result<Delivered, SendError> {
    let error = |failure, detail: String| {
        Err(SendError::new(failure, detail)
            .with_status(status)
            .with_retry_after(retry_after))
    };
    match status {
        200..=299 => Ok(Delivered { status }),
        410 => error(Failure::Gone, "the endpoint is gone (410)".into()),
        429 | 502 | 504 => error(
            Failure::SlowDown,
            format!("the endpoint asks to slow down ({status})"),
        ),
        300..=399 => error(
            Failure::Transient,
            format!("redirect ({status}) not followed"),
        ),
        _ => error(
            Failure::Transient,
            format!("the endpoint answered {status}"),
        ),
    }
}

/// A request that got no answer: refused by the guard (permanent), or a
/// timeout or connection failure (transient).
fn request_failed(e: &reqwest::Error) -> SendError {
    let mut source = e.source();
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<UrlRefused>() {
            let failure = match refused {
                UrlRefused::Unresolved { .. } => Failure::Transient,
                _ => Failure::Permanent,
            };
            return SendError::new(failure, refused.to_string());
        }
        source = cause.source();
    }
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    SendError::new(
        Failure::Transient,
        format!("the request {what}: {}", chain(e)),
    )
}

/// An error and its causes on one line (reqwest's own message is terse).
fn chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `Retry-After` as a delay: seconds, or an HTTP date (from now).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_for_the_retry_policy() {
        let failure = |status| classify(status, None).unwrap_err().failure;
        assert_eq!(classify(204, None), Ok(Delivered { status: 204 }));
        assert_eq!(failure(410), Failure::Gone);
        for status in [429, 502, 504] {
            assert_eq!(failure(status), Failure::SlowDown);
        }
        for status in [301, 302, 307, 308, 400, 404, 500, 503] {
            assert_eq!(failure(status), Failure::Transient, "{status}");
        }
        let slow = classify(429, Some(Duration::from_secs(7))).unwrap_err();
        assert_eq!(
            (slow.status, slow.retry_after),
            (Some(429), Some(Duration::from_secs(7)))
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_ignores_the_rest() {
        let with = |value: &str| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(reqwest::header::RETRY_AFTER, value.parse().unwrap());
            retry_after(&headers)
        };
        assert_eq!(with("120"), Some(Duration::from_secs(120)));
        assert_eq!(with(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            with("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a past date"
        );
        assert_eq!(with("soon"), None);
        assert_eq!(with("-5"), None);
        assert_eq!(retry_after(&reqwest::header::HeaderMap::new()), None);
    }
}
