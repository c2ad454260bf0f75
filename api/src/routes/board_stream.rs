//! `GET /api/v1/dealers/{id}/board/stream`: the dealer board, live, as
//! Server-Sent Events.
//!
//! One `row` event per change of a board row (an order's or its invoice's
//! event), its `id` the log position of the change, its data the row as
//! `GET …/board` shows it. A client that reconnects with `Last-Event-ID`
//! receives every change after that position, so nothing is missed. Each
//! row is read after the projections have committed the change.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use domain::values::{DealerId, OrderId};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use store::{Position, Subscription};

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
    let id = stream
        .strip_prefix("order-")
        .or_else(|| stream.strip_prefix("invoice-"))?;
    OrderId::parse(id).ok()
}

struct Follow {
    state: AppState,
    dealer: DealerId,
    subscription: Subscription,
}

/// The next changed row of the dealer's board.
async fn next_row(mut f: Follow) -> Option<(Result<Event, Infallible>, Follow)> {
    loop {
        let record = match f.subscription.next().await {
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
        let row = serde_json::json!({
            "order_id": view.order_id,
            "customer_id": view.customer_id,
            "model": view.model,
            "status": view.status,
            "status_reason": view.status_reason,
            "eta": view.eta,
            "delayed": view.delayed,
            "handover_at": view.handover_at,
            "invoice_status": view.invoice.as_ref().map(|i| i.status),
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
        (status = 404, body = crate::problem::Problem, description = "no such dealer")))]
pub async fn board_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath(dealer): AppPath<String>,
    AppQuery(q): AppQuery<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let caller = authenticate(&state, &headers, q.token.as_deref())?;
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
                .executor
                .store()
                .head()
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()))?,
        };
    let subscription = state.executor.store().subscribe_all(after);
    let follow = Follow {
        state,
        dealer,
        subscription,
    };
    Ok(Sse::new(stream::unfold(follow, next_row))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    token: Option<&str>,
) -> Result<Caller, ApiError> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match header.or(token) {
        Some(t) => state.auth().verify(t.trim()),
        None => Err(ApiError::Unauthorized("a bearer token is required".into())),
    }
}
