//! `Idempotency-Key` on every state-changing request.
//!
//! The first response to a key is recorded in the event log itself, in a
//! stream `idempotency-{uuid}` of its own (the uuid derived from the caller
//! and the key), so it is as durable as the events and survives a restart.
//! The same key with the same request (method, path, body) returns the first
//! response again and changes nothing more; the same key with another
//! request is a 409. Two requests racing with one key both run, but the
//! commands they send are idempotent themselves (the ids of created things
//! derive from the key, see [`crate::new_id`]), and only the first response
//! is recorded; the loser answers with the recorded one.
//!
//! Responses that say nothing lasting (401, 408, 429, 5xx) are not recorded,
//! so a retry after them runs again.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{ExpectedVersion, NewEvent, Payload, StoreError, StreamId};
use uuid::Uuid;

use crate::problem::ApiError;
use crate::{AppState, BODY_LIMIT};

/// The longest key accepted.
pub const MAX_KEY_CHARS: usize = 200;

const RECORDED: &str = "IdempotentResponseRecorded";

/// The recorded first response.
#[derive(Debug, Serialize, Deserialize)]
struct Recorded {
    /// A fingerprint of method, path and body.
    request: Uuid,
    status: u16,
    content_type: Option<String>,
    body: String,
}

fn caller_of(req: &Request, state: &AppState) -> String {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| state.auth.verify(t.trim()).ok())
        .map(|c| format!("{:?}:{}", c.role, c.sub))
        .unwrap_or_else(|| "anonymous".into())
}

/// The middleware.
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
    let caller = caller_of(&req, &state);
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
    match recorded(&state, &stream).await {
        Ok(Some(first)) => return replay(first, fingerprint),
        Ok(None) => {}
        Err(e) => return e.into_response(),
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED | StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS
        )
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, 16 * 1024 * 1024).await else {
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
    match remember(&state, &stream, &record).await {
        Ok(()) => Response::from_parts(parts, Body::from(body)),
        // Another request with this key recorded first: answer as it did.
        Err(StoreError::WrongExpectedVersion { .. }) => match recorded(&state, &stream).await {
            Ok(Some(first)) => replay(first, fingerprint),
            Ok(None) => Response::from_parts(parts, Body::from(body)),
            Err(e) => e.into_response(),
        },
        Err(e) => {
            tracing::warn!(error = %e, "could not record an idempotent response");
            Response::from_parts(parts, Body::from(body))
        }
    }
}

async fn recorded(state: &AppState, stream: &StreamId) -> Result<Option<Recorded>, ApiError> {
    let events = state
        .executor
        .store()
        .read_stream(stream, 0, 1)
        .await
        .map_err(|e| ApiError::Unavailable(format!("idempotency records unavailable: {e}")))?;
    Ok(events
        .first()
        .and_then(|e| e.payload.parse::<Recorded>().ok()))
}

async fn remember(
    state: &AppState,
    stream: &StreamId,
    record: &Recorded,
) -> Result<(), StoreError> {
    let event = NewEvent::new(RECORDED, Payload::from_value(record)?);
    state
        .executor
        .store()
        .append(stream, ExpectedVersion::NoStream, vec![event])
        .await
        .map(|_| ())
}

fn replay(first: Recorded, fingerprint: Uuid) -> Response {
    if first.request != fingerprint {
        return ApiError::Conflict("this Idempotency-Key was used with a different request".into())
            .into_response();
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
