//! Webhooks against a real local receiver (axum on a free port) that
//! verifies every signature with its own code, answers as each test
//! scripts it, and records what it saw.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use channels::config::WebhookSettings;
use channels::outcome::Failure;
use channels::retry::{Attempt, AttemptOutcome, RetryPolicy};
use channels::webhook::{Webhook, WebhookChannel, WebhookEndpoint, WebhookSecret};
use chrono::{TimeZone, Utc};
use domain::message::MessageKind;
use hmac::{Hmac, Mac};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};
use sha2::Sha256;
use url::Url;

/// How the receiver answers one delivery.
#[derive(Clone)]
enum Answer {
    Status(u16),
    StatusWith(u16, &'static str, String),
    Hang,
}

/// One delivery as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    timestamp: String,
    body: Value,
    verified: bool,
}

#[derive(Clone)]
struct Receiver {
    secret: String,
    script: Arc<Mutex<VecDeque<Answer>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    elsewhere: Arc<Mutex<u32>>,
}

/// The receiver's own Standard Webhooks verification, from the secret's
/// text form: any of the space-separated `v1,` signatures must match.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(""))
        .unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", header("webhook-id"), header("webhook-timestamp")).as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    header("webhook-signature")
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    r.seen.lock().unwrap().push(Seen {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        verified: verify(&r.secret, &headers, &body),
    });
    let answer = r
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Answer::Status(200));
    match answer {
        Answer::Status(s) => StatusCode::from_u16(s).unwrap().into_response(),
        Answer::StatusWith(s, name, value) => {
            (StatusCode::from_u16(s).unwrap(), [(name, value)]).into_response()
        }
        Answer::Hang => std::future::pending().await,
    }
}

async fn elsewhere(State(r): State<Receiver>) -> StatusCode {
    *r.elsewhere.lock().unwrap() += 1;
    StatusCode::OK
}

/// A receiver on a free port of 127.0.0.1 answering `script` in order
/// (then 200), and the endpoint pointing at it by `host`.
async fn receiver(host: &str, script: Vec<Answer>) -> (Receiver, WebhookEndpoint) {
    let secret = WebhookSecret::generate(&mut StdRng::seed_from_u64(42));
    let r = Receiver {
        secret: secret.reveal(),
        script: Arc::new(Mutex::new(script.into())),
        seen: Arc::default(),
        elsewhere: Arc::default(),
    };
    let app = Router::new()
        .route("/hook", post(hook))
        .route("/elsewhere", post(elsewhere))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = Url::parse(&format!("http://{host}:{port}/hook")).unwrap();
    (r, WebhookEndpoint { url, secret })
}

fn channel(allow: &[&str]) -> WebhookChannel {
    WebhookChannel::new(&WebhookSettings {
        allow_hosts: allow.iter().map(|h| h.to_string()).collect(),
        timeout: Duration::from_millis(800),
    })
    .unwrap()
}

fn local() -> WebhookChannel {
    channel(&["127.0.0.1", "localhost"])
}

fn webhook() -> Webhook {
    let data = json!({
        "order_id": "0b6d3c52-8c1e-4f53-9a59-3b0d8e2b8a11",
        "previous_eta": "2026-06-01",
        "eta": "2026-06-15",
        "reason": "supplier delay",
    });
    Webhook {
        id: "msg_0b6d3c528c1e4f539a593b0d8e2b8a11".into(),
        kind: MessageKind::EtaChanged,
        timestamp: Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap(),
        data: data.as_object().unwrap().clone(),
    }
}

fn seen(r: &Receiver) -> Vec<Seen> {
    r.seen.lock().unwrap().clone()
}

#[tokio::test]
async fn a_delivery_is_signed_and_carries_type_timestamp_and_data() {
    let (r, endpoint) = receiver("127.0.0.1", vec![Answer::Status(204)]).await;
    let sent_at = Utc.with_ymd_and_hms(2026, 12, 3, 9, 30, 0).unwrap();
    let delivered = local()
        .send_at(&endpoint, &webhook(), sent_at)
        .await
        .unwrap();
    assert_eq!(delivered.status, 204);

    let got = seen(&r);
    assert_eq!(got.len(), 1);
    assert!(got[0].verified, "the receiver verifies the signature");
    assert_eq!(got[0].id, webhook().id);
    assert_eq!(got[0].timestamp, sent_at.timestamp().to_string());
    assert_eq!(
        got[0].body,
        json!({
            "type": "order.eta_changed",
            "timestamp": "2026-05-04T10:00:00Z",
            "data": webhook().data,
        })
    );
    assert!(endpoint.secret.reveal().starts_with("whsec_"));
    assert!(
        STANDARD
            .decode(&endpoint.secret.reveal()[6..])
            .unwrap()
            .len()
            >= 24
    );
}

#[tokio::test]
async fn a_delivery_signed_with_another_secret_fails_verification() {
    let (r, mut endpoint) = receiver("127.0.0.1", vec![]).await;
    endpoint.secret = WebhookSecret::generate(&mut StdRng::seed_from_u64(7));
    local().send(&endpoint, &webhook()).await.unwrap();
    assert!(!seen(&r)[0].verified, "the receiver's check can fail");
}

/// Sends until delivered or dead, recording each attempt as the outbox will.
async fn deliver(
    channel: &WebhookChannel,
    endpoint: &WebhookEndpoint,
    policy: &RetryPolicy,
) -> Vec<Attempt> {
    let mut rng = StdRng::seed_from_u64(3);
    let mut now = Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap();
    let mut attempts = Vec::new();
    for number in 1.. {
        let result = channel.send(endpoint, &webhook()).await;
        let attempt = Attempt::record(number, now, &result, policy, &mut rng);
        let next = attempt.next_retry;
        attempts.push(attempt);
        match next {
            Some(next) => now = next,
            None => break,
        }
    }
    attempts
}

#[tokio::test]
async fn two_failures_then_one_delivery_with_the_same_id_and_body_on_every_try() {
    let script = vec![
        Answer::Status(500),
        Answer::Status(500),
        Answer::Status(200),
    ];
    let (r, endpoint) = receiver("127.0.0.1", script).await;
    let attempts = deliver(&local(), &endpoint, &RetryPolicy::default()).await;
    let outcomes: Vec<_> = attempts.iter().map(|a| (a.outcome, a.status)).collect();
    assert_eq!(
        outcomes,
        [
            (AttemptOutcome::Failed, Some(500)),
            (AttemptOutcome::Failed, Some(500)),
            (AttemptOutcome::Delivered, Some(200)),
        ]
    );
    assert!(attempts[0].next_retry.unwrap() <= attempts[0].at + chrono::Duration::seconds(30));

    let got = seen(&r);
    assert_eq!(got.len(), 3);
    assert!(got
        .iter()
        .all(|s| s.verified && s.id == got[0].id && s.body == got[0].body));
}

#[tokio::test]
async fn an_endpoint_failing_every_time_ends_in_a_dead_letter_after_the_last_attempt() {
    let (r, endpoint) = receiver("127.0.0.1", vec![Answer::Status(503); 10]).await;
    let policy = RetryPolicy {
        max_attempts: 4,
        ..RetryPolicy::default()
    };
    let attempts = deliver(&local(), &endpoint, &policy).await;
    assert_eq!(attempts.len(), 4);
    assert_eq!(attempts[3].outcome, AttemptOutcome::DeadLettered);
    assert_eq!(attempts[3].next_retry, None);
    assert_eq!(seen(&r).len(), 4);
}

#[tokio::test]
async fn a_gone_endpoint_is_disabled_at_once() {
    let (r, endpoint) = receiver("127.0.0.1", vec![Answer::Status(410)]).await;
    let attempts = deliver(&local(), &endpoint, &RetryPolicy::default()).await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, AttemptOutcome::EndpointDisabled);
    assert_eq!(attempts[0].status, Some(410));
    assert_eq!(seen(&r).len(), 1);
}

#[tokio::test]
async fn too_many_requests_with_retry_after_slows_down_to_its_time() {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    let script = vec![
        Answer::StatusWith(429, "retry-after", "120".into()),
        Answer::StatusWith(502, "retry-after", date),
        Answer::Status(504),
    ];
    let (_r, endpoint) = receiver("127.0.0.1", script).await;
    let channel = local();

    let first = channel.send(&endpoint, &webhook()).await.unwrap_err();
    assert_eq!(
        (first.failure, first.status),
        (Failure::SlowDown, Some(429))
    );
    assert_eq!(first.retry_after, Some(Duration::from_secs(120)));
    let mut rng = StdRng::seed_from_u64(9);
    let at = Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap();
    let attempt = Attempt::record(1, at, &Err(first), &RetryPolicy::default(), &mut rng);
    assert_eq!(
        attempt.next_retry,
        Some(at + chrono::Duration::seconds(120))
    );

    let second = channel.send(&endpoint, &webhook()).await.unwrap_err();
    assert_eq!(
        (second.failure, second.status),
        (Failure::SlowDown, Some(502))
    );
    let wait = second.retry_after.unwrap();
    assert!(
        wait > Duration::from_secs(3000) && wait <= Duration::from_secs(3600),
        "{wait:?}"
    );

    let third = channel.send(&endpoint, &webhook()).await.unwrap_err();
    assert_eq!(
        (third.failure, third.status, third.retry_after),
        (Failure::SlowDown, Some(504), None)
    );
}

#[tokio::test]
async fn a_hanging_endpoint_times_out_as_a_transient_failure() {
    let (r, endpoint) = receiver("127.0.0.1", vec![Answer::Hang]).await;
    let error = local().send(&endpoint, &webhook()).await.unwrap_err();
    assert_eq!((error.failure, error.status), (Failure::Transient, None));
    assert!(error.detail.contains("timed out"), "{}", error.detail);
    assert_eq!(seen(&r).len(), 1);
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_counts_as_a_failure() {
    let (r, endpoint) = receiver("127.0.0.1", vec![]).await;
    let target = endpoint.url.join("/elsewhere").unwrap().to_string();
    r.script
        .lock()
        .unwrap()
        .push_back(Answer::StatusWith(307, "location", target));
    let error = local().send(&endpoint, &webhook()).await.unwrap_err();
    assert_eq!(
        (error.failure, error.status),
        (Failure::Transient, Some(307))
    );
    assert_eq!(*r.elsewhere.lock().unwrap(), 0, "the redirect was followed");
}

#[tokio::test]
async fn a_private_address_is_refused_without_the_allow_list_and_nothing_is_sent() {
    for host in ["127.0.0.1", "localhost"] {
        let (r, endpoint) = receiver(host, vec![]).await;
        let error = channel(&[]).send(&endpoint, &webhook()).await.unwrap_err();
        assert_eq!(error.failure, Failure::Permanent, "{host}: {error:?}");
        assert!(
            error.detail.contains("forbidden address"),
            "{}",
            error.detail
        );
        assert!(seen(&r).is_empty(), "{host} was reached");

        let other = channel(&["hooks.example"])
            .send(&endpoint, &webhook())
            .await;
        assert!(
            other.is_err() && seen(&r).is_empty(),
            "another allowed host opens nothing"
        );

        channel(&[host]).send(&endpoint, &webhook()).await.unwrap();
        assert_eq!(seen(&r).len(), 1, "{host} allow-listed is reached");
    }
}

#[tokio::test]
async fn a_closed_port_is_a_transient_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let endpoint = WebhookEndpoint {
        url: Url::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap(),
        secret: WebhookSecret::generate(&mut StdRng::seed_from_u64(1)),
    };
    let error = local().send(&endpoint, &webhook()).await.unwrap_err();
    assert_eq!((error.failure, error.status), (Failure::Transient, None));
}

#[tokio::test]
async fn a_redelivery_after_a_crash_carries_the_same_id_so_the_receiver_keeps_one() {
    let (r, endpoint) = receiver("127.0.0.1", vec![]).await;
    // Sent and acknowledged, then the sender died before recording it: the
    // outbox sends the same message again.
    local().send(&endpoint, &webhook()).await.unwrap();
    local().send(&endpoint, &webhook()).await.unwrap();
    let got = seen(&r);
    assert_eq!(got.len(), 2);
    let mut ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids, [webhook().id.as_str()]);
    assert_eq!(got[0].body, got[1].body);
}

#[test]
fn a_secret_reads_back_from_its_text_and_short_ones_are_refused() {
    let secret = WebhookSecret::generate(&mut StdRng::seed_from_u64(5));
    assert_eq!(WebhookSecret::parse(&secret.reveal()).unwrap(), secret);
    assert!(!format!("{secret:?}").contains(&secret.reveal()[6..]));
    let short = format!("whsec_{}", STANDARD.encode([7u8; 23]));
    assert!(WebhookSecret::parse(&short).is_err());
    assert!(WebhookSecret::parse(&STANDARD.encode([7u8; 32])).is_err());
    assert!(WebhookSecret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 24]))).is_ok());
}

#[test]
fn the_signature_matches_the_standard_webhooks_example() {
    // The example of the Standard Webhooks specification's reference libraries.
    let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let body = br#"{"test": 2432232314}"#;
    assert_eq!(
        secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );
}
