//! `Idempotency-Key` on the state-changing routes.
//!
//! **What is recorded.** Only an authenticated caller's `POST` or `PUT` to a
//! route that changes state (the router puts this middleware on those
//! routes only, with `route_layer`, so an unknown route, a method the route
//! does not have, and the anonymous read-by-POST `/api/v1/quotes` never
//! reach it). An anonymous request runs without it (it is answered 401
//! anyway). The key is the caller's own: the record lives in a stream
//! `idempotency-{uuid}` whose uuid derives from the caller (role and
//! subject) and the key, so one caller's key never answers another caller.
//!
//! **How a key is claimed.** Records are kept in the event log itself, so
//! they are as durable as the events, survive a restart, and are shared by
//! every `otd serve` process on one store. Before the handler runs, the
//! request appends `IdempotencyKeyClaimed` (its request fingerprint, over
//! method, path and body, and the end of its lease) with the stream version
//! it read as the expected version (`NoStream` for a fresh key). The store's
//! version check lets exactly one claimant win, on every backend and across
//! processes. The winner runs the handler and appends its response
//! (`IdempotentResponseRecorded`) after its claim. Every other request with
//! the key:
//!
//! - finds the recorded response: the same request gets it again (with
//!   `Idempotent-Replayed: true`), another request a 409;
//! - finds a live claim: another request gets a 409 at once; the same
//!   request waits (polling the stream, at most [`REQUEST_TIMEOUT`]) for the
//!   response and replays it, so it never takes effect a second time;
//! - finds the key released or its claim's lease run out: claims it in turn.
//!
//! **Releasing.** A response that says nothing lasting (401, 408, 429, 5xx)
//! is not recorded: the claimant appends `IdempotencyKeyReleased`, so a
//! retry runs again. A request dropped before its answer (the request timed
//! out, the client went away) releases its claim the same way. A claimant
//! that died (a crashed process) leaves a claim that nobody releases: it is
//! taken over once its lease ([`LEASE`], longer than a request may run) has
//! run out.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::{EventStore, ExpectedVersion, NewEvent, Payload, StoreError, StreamId};
use uuid::Uuid;

use crate::limits::REQUEST_TIMEOUT;
use crate::problem::ApiError;
use crate::{AppState, BODY_LIMIT};

/// The longest key accepted.
pub const MAX_KEY_CHARS: usize = 200;

/// How long a claim holds before another request may take it over: longer
/// than a request may run, so only a claimant that died loses its claim.
pub const LEASE: Duration = Duration::from_secs(REQUEST_TIMEOUT.as_secs() + 15);

const CLAIMED: &str = "IdempotencyKeyClaimed";
const RECORDED: &str = "IdempotentResponseRecorded";
const RELEASED: &str = "IdempotencyKeyReleased";

/// A request's claim on a key.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claim {
    /// A fingerprint of method, path and body.
    request: Uuid,
    /// When another request may take the claim over.
    expires_at: DateTime<Utc>,
}

/// The recorded first response.
#[derive(Debug, Serialize, Deserialize)]
struct Recorded {
    /// A fingerprint of method, path and body.
    request: Uuid,
    status: u16,
    content_type: Option<String>,
    body: String,
}

/// Where a key stands, folded from its stream.
enum KeyState {
    /// Nobody holds it (never used, or released): claim it at this version.
    Free(Option<u64>),
    /// A request holds it; its claim is the event at `version`.
    Claimed { claim: Claim, version: u64 },
    /// The first response.
    Recorded(Recorded),
}

/// The authenticated caller, as the key's owner (`None`: anonymous).
fn caller_of(req: &Request, state: &AppState) -> Option<String> {
    // A cookie write without its CSRF token counts as anonymous here; the
    // handler refuses it.
    crate::auth::authenticate(state, req.method(), req.headers())
        .ok()
        .flatten()
        .map(|v| format!("{}:{}", v.caller.role, v.caller.sub))
}

/// The middleware (on the state-changing routes only, see the module
/// documentation).
pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::POST | Method::PUT) {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key") else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.trim().is_empty() && k.chars().count() <= MAX_KEY_CHARS => k.trim().to_owned(),
        _ => {
            return ApiError::BadRequest(format!(
                "Idempotency-Key must be 1 to {MAX_KEY_CHARS} visible characters"
            ))
            .into_response()
        }
    };
    let Some(caller) = caller_of(&req, &state) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => return ApiError::PayloadTooLarge { limit: BODY_LIMIT }.into_response(),
    };
    let fingerprint = Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        &[
            parts.method.as_str().as_bytes(),
            b" ",
            parts.uri.path().as_bytes(),
            b"\n",
            &bytes,
        ]
        .concat(),
    );
    let stream = match StreamId::parse(format!(
        "idempotency-{}",
        Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{caller}\n{key}").as_bytes())
    )) {
        Ok(s) => s,
        Err(e) => return ApiError::Internal(e.to_string()).into_response(),
    };
    let store = state.executor.store().clone();
    let mut guard = match claim(&store, &stream, fingerprint).await {
        Ok(Claimed::Ours(guard)) => guard,
        Ok(Claimed::Answered(response)) => return response,
        Err(e) => return e.into_response(),
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if !recordable(status) {
        guard.release().await;
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, 16 * 1024 * 1024).await else {
        guard.release().await;
        return ApiError::Internal("response too large to record".into()).into_response();
    };
    let record = Recorded {
        request: fingerprint,
        status: status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    match guard.record(&record).await {
        Ok(()) => Response::from_parts(parts, Body::from(body)),
        // Our lease ran out and another request took the key over: answer
        // as the key's record says when there is one.
        Err(StoreError::WrongExpectedVersion { .. }) => match read(&store, &stream).await {
            Ok(KeyState::Recorded(first)) => replay(first, fingerprint),
            Ok(_) => Response::from_parts(parts, Body::from(body)),
            Err(e) => e.into_response(),
        },
        Err(e) => {
            tracing::warn!(error = %e, "could not record an idempotent response");
            Response::from_parts(parts, Body::from(body))
        }
    }
}

/// Whether a response says something lasting (401, 408, 429 and 5xx do
/// not: a retry after them runs again).
fn recordable(status: StatusCode) -> bool {
    !(status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED | StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS
        ))
}

/// The outcome of claiming a key.
enum Claimed {
    /// This request holds the key: run the handler.
    Ours(ClaimGuard),
    /// The key answered already (a replay, a 409, a timeout).
    Answered(Response),
}

/// Claims the key, or waits for the request that holds it to answer.
async fn claim(
    store: &Arc<dyn EventStore>,
    stream: &StreamId,
    fingerprint: Uuid,
) -> Result<Claimed, ApiError> {
    let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
    let mut pause = Duration::from_millis(2);
    loop {
        let at = match read(store, stream).await? {
            KeyState::Recorded(first) => return Ok(Claimed::Answered(replay(first, fingerprint))),
            // Its claimant died: take the key over.
            KeyState::Claimed { claim, version } if claim.expires_at <= Utc::now() => {
                ExpectedVersion::Exact(version)
            }
            KeyState::Claimed { claim, .. } if claim.request != fingerprint => {
                return Ok(Claimed::Answered(different_request()))
            }
            KeyState::Claimed { .. } => {
                if tokio::time::Instant::now() + pause > deadline {
                    return Ok(Claimed::Answered(ApiError::RequestTimeout.into_response()));
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(50));
                continue;
            }
            KeyState::Free(version) => {
                version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact)
            }
        };
        let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::MAX);
        let claim = Claim {
            request: fingerprint,
            expires_at: Utc::now() + lease,
        };
        let event = NewEvent::new(CLAIMED, Payload::from_value(&claim).map_err(unavailable)?);
        match store.append(stream, at, vec![event]).await {
            Ok(done) => {
                return Ok(Claimed::Ours(ClaimGuard {
                    store: store.clone(),
                    stream: stream.clone(),
                    version: Some(done.next_expected_version),
                }))
            }
            // Another request claimed (or answered) first: look again.
            Err(StoreError::WrongExpectedVersion { .. }) => continue,
            Err(e) => return Err(unavailable(e)),
        }
    }
}

/// A claim this request holds; dropped unanswered (the request timed out,
/// the client went away), it releases the key.
struct ClaimGuard {
    store: Arc<dyn EventStore>,
    stream: StreamId,
    /// The claim's version while it is held; `None` once answered.
    version: Option<u64>,
}

impl ClaimGuard {
    /// Records the response after the claim.
    async fn record(&mut self, record: &Recorded) -> Result<(), StoreError> {
        let Some(version) = self.version else {
            return Ok(());
        };
        let event = NewEvent::new(RECORDED, Payload::from_value(record)?);
        let appended = self
            .store
            .append(&self.stream, ExpectedVersion::Exact(version), vec![event])
            .await;
        if matches!(
            appended,
            Ok(_) | Err(StoreError::WrongExpectedVersion { .. })
        ) {
            self.version = None;
        }
        appended.map(|_| ())
    }

    /// Releases the key, so a retry runs again.
    async fn release(&mut self) {
        if let Some(version) = self.version.take() {
            release(&self.store, &self.stream, version).await;
        }
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        let Some(version) = self.version.take() else {
            return;
        };
        let (store, stream) = (self.store.clone(), self.stream.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { release(&store, &stream, version).await });
        }
    }
}

/// Appends the release after the claim at `version` (a claim taken over
/// meanwhile stays with its new holder).
async fn release(store: &Arc<dyn EventStore>, stream: &StreamId, version: u64) {
    let released = Payload::from_value(&serde_json::json!({}))
        .map(|payload| vec![NewEvent::new(RELEASED, payload)]);
    let appended = match released {
        Ok(events) => {
            store
                .append(stream, ExpectedVersion::Exact(version), events)
                .await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = appended {
        tracing::warn!(error = %e, "could not release an idempotency key; its lease will expire");
    }
}

/// Where the key stands.
async fn read(store: &Arc<dyn EventStore>, stream: &StreamId) -> Result<KeyState, ApiError> {
    const PAGE: usize = 64;
    let mut key = KeyState::Free(None);
    let mut from = 0;
    loop {
        let events = store
            .read_stream(stream, from, PAGE)
            .await
            .map_err(unavailable)?;
        for event in &events {
            key = match event.event_type.as_str() {
                RECORDED => match event.payload.parse::<Recorded>() {
                    Ok(first) => return Ok(KeyState::Recorded(first)),
                    Err(e) => return Err(ApiError::Internal(e.to_string())),
                },
                CLAIMED => match event.payload.parse::<Claim>() {
                    Ok(claim) => KeyState::Claimed {
                        claim,
                        version: event.stream_version,
                    },
                    Err(e) => return Err(ApiError::Internal(e.to_string())),
                },
                _ => KeyState::Free(Some(event.stream_version)),
            };
            from = event.stream_version + 1;
        }
        if events.len() < PAGE {
            return Ok(key);
        }
    }
}

fn unavailable(e: StoreError) -> ApiError {
    ApiError::Unavailable(format!("idempotency records unavailable: {e}"))
}

fn different_request() -> Response {
    ApiError::Conflict("this Idempotency-Key was used with a different request".into())
        .into_response()
}

fn replay(first: Recorded, fingerprint: Uuid) -> Response {
    if first.request != fingerprint {
        return different_request();
    }
    let status = StatusCode::from_u16(first.status).unwrap_or(StatusCode::OK);
    let mut response = (status, first.body).into_response();
    if let Some(ct) = first
        .content_type
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
