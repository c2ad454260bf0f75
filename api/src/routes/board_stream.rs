//! `GET /api/v1/dealers/{id}/board/stream`: the dealer board, live, as
//! Server-Sent Events.
//!
//! One `row` event per change of a board row (an order's or its invoice's
//! event), its `id` the log position of the change, its data the row as
//! `GET …/board` shows it. A client that reconnects with `Last-Event-ID`
//! receives every change after that position, so nothing is missed. Each
//! row is read after the projections have committed the change.
//!
//! The stream lives as long as its token: when the token expires it sends
//! one `token_expired` event saying so and ends (a client reopens it with a
//! fresh token). Each token subject may hold [`StreamSlots`] streams open at
//! once; the next one is refused with 429.

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::Utc;
use domain::streams::AnyId;
use domain::values::{DealerId, OrderId};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use store::{Position, Subscription};
use tokio::time::Sleep;

use crate::auth::{Caller, HasAuth, Role};
use crate::extract::{AppPath, AppQuery};
use crate::problem::ApiError;
use crate::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// For `EventSource`, which cannot send headers: the bearer token.
    pub token: Option<String>,
}

/// The order a stored event belongs to, if it is an order's or an invoice's.
fn order_of(stream: &str) -> Option<OrderId> {
    match AnyId::of_stream(stream) {
        Ok(AnyId::Order(order) | AnyId::Invoice(order)) => Some(order),
        _ => None,
    }
}

/// How many live streams each token subject has open, within a cap.
#[derive(Debug, Clone)]
pub struct StreamSlots {
    per_subject: usize,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl StreamSlots {
    /// At most `per_subject` streams open at once for each subject.
    pub fn per_subject(per_subject: usize) -> StreamSlots {
        StreamSlots {
            per_subject,
            open: Arc::default(),
        }
    }

    /// A slot for one more stream of `subject`, unless it has them all.
    fn take(&self, subject: String) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(subject.clone()).or_insert(0);
        if *count >= self.per_subject {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            slots: self.clone(),
            subject,
        })
    }
}

/// One open stream's slot, given back when the stream is dropped.
#[derive(Debug)]
struct StreamSlot {
    slots: StreamSlots,
    subject: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.subject) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.subject);
            }
        }
    }
}

struct Follow {
    state: AppState,
    dealer: DealerId,
    subscription: Subscription,
    /// When the token expires.
    expiry: Pin<Box<Sleep>>,
    expires_at: i64,
    /// The `token_expired` event has been sent: the stream ends.
    ended: bool,
    _slot: StreamSlot,
}

/// The event that ends a stream whose token expired.
fn token_expired(expires_at: i64) -> Event {
    let at = chrono::DateTime::from_timestamp(expires_at, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| expires_at.to_string());
    let data = serde_json::json!({
        "reason": "token_expired",
        "detail": format!("the token expired at {at}; open the stream again with a fresh token"),
    });
    Event::default()
        .event("token_expired")
        .data(data.to_string())
}

/// The next changed row of the dealer's board, or the end of the token.
async fn next_row(mut f: Follow) -> Option<(Result<Event, Infallible>, Follow)> {
    if f.ended {
        return None;
    }
    loop {
        let next = tokio::select! {
            next = f.subscription.next() => next,
            () = f.expiry.as_mut() => {
                f.ended = true;
                let event = token_expired(f.expires_at);
                return Some((Ok(event), f));
            }
        };
        let record = match next {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "board stream ended");
                return None;
            }
        };
        let Some(order) = order_of(record.stream_id.as_str()) else {
            continue;
        };
        if f.state
            .views
            .wait_for(record.position, Duration::from_secs(10))
            .await
            .is_err()
        {
            tracing::warn!(
                position = record.position.0,
                "board stream: read models behind"
            );
        }
        let Ok(Some(view)) = f.state.views.order(order).await else {
            continue;
        };
        if view.dealer_id != f.dealer {
            continue;
        }
        let mut named = [view];
        if let Err(e) = crate::names::name_orders(&f.state, &mut named).await {
            tracing::warn!(error = %e, "board stream: no customer name");
        }
        let [view] = named;
        let row = serde_json::json!({
            "order_id": view.order_id,
            "customer_id": view.customer_id,
            "customer_name": view.customer_name,
            "model": view.model,
            "status": view.status,
            "status_reason": view.status_reason,
            "eta": view.eta,
            "delayed": view.delayed,
            "handover_at": view.handover_at,
            "invoice_status": view.invoice.as_ref().map(|i| i.status),
            "vehicle_in_transit": view.vehicle_in_transit,
        });
        let event = Event::default()
            .event("row")
            .id(record.position.0.to_string())
            .data(row.to_string());
        return Some((Ok(event), f));
    }
}

/// The board of one dealer, live (that dealer, planner).
#[utoipa::path(get, path = "/api/v1/dealers/{dealer_id}/board/stream", tag = "dealers", security(("bearer" = [])),
    params(("dealer_id" = DealerId, Path), ("token" = Option<String>, Query, description = "bearer token for EventSource"),
        ("Last-Event-ID" = Option<u64>, Header, description = "resume after this position")),
    responses((status = 200, description = "text/event-stream of `row` events (each a board row as JSON)", content_type = "text/event-stream"),
        (status = 404, body = crate::problem::Problem, description = "no such dealer"),
        (status = 429, description = "this subject already holds its maximum of open streams", body = crate::problem::Problem)))]
pub async fn board_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath(dealer): AppPath<String>,
    AppQuery(q): AppQuery<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let (caller, expires_at) = authenticate(&state, &headers, q.token.as_deref())?;
    let dealer = DealerId::parse(&dealer).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if caller.role != Role::Planner && caller.dealer().as_ref() != Some(&dealer) {
        return Err(ApiError::Forbidden(format!(
            "not allowed to see dealer {dealer}"
        )));
    }
    if state.catalog.dealer(&dealer).is_none() {
        return Err(ApiError::NotFound(format!("dealer {dealer}")));
    }
    let after =
        match headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
            Some(id) => Position(id.trim().parse().map_err(|_| {
                ApiError::BadRequest("Last-Event-ID must be a log position".into())
            })?),
            None => state
                .services
                .log_head()
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()))?,
        };
    let slot = state
        .streams
        .take(format!("{}:{}", caller.role, caller.sub))
        .ok_or(ApiError::TooManyStreams {
            limit: state.streams.per_subject,
        })?;
    let left =
        u64::try_from(expires_at.saturating_mul(1000) - Utc::now().timestamp_millis()).unwrap_or(0);
    let subscription = state.services.follow_log(after);
    let follow = Follow {
        state,
        dealer,
        subscription,
        expiry: Box::pin(tokio::time::sleep(Duration::from_millis(left))),
        expires_at,
        ended: false,
        _slot: slot,
    };
    Ok(Sse::new(stream::unfold(follow, next_row))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The caller and when their token expires (Unix seconds): from the bearer
/// header or the session cookie, else from `?token=` (`EventSource`).
fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    token: Option<&str>,
) -> Result<(Caller, i64), ApiError> {
    let verified = match crate::auth::authenticate(state, &axum::http::Method::GET, headers)? {
        Some(verified) => verified,
        None => {
            let token =
                token.ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?;
            let verified = state.auth().verify_token(token.trim())?;
            if verified
                .jti
                .as_deref()
                .is_some_and(|jti| state.revoked().contains(jti))
            {
                return Err(ApiError::Unauthorized("the session has ended".into()));
            }
            verified
        }
    };
    Ok((verified.caller, verified.expires_at))
}
