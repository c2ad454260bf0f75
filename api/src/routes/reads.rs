//! Read routes: served from the projections, scoped by role and ownership.
//! Every read accepts `?min_position=N` and waits (up to 2 s) until the
//! projections have caught up to N, so a client reads its own writes; an N past
//! the log's head is a 400.

use std::time::Duration;

use axum::extract::State;
use axum::Json;
use domain::order::OrderStatus;
use domain::values::{CustomerId, DealerId, InvoiceNumber, MarketCode, Month, OrderId};
use projections::views::{
    CommissionStatement, DealerBoard, HistoryEntry, InvoiceView, Kpis, OrderView,
};
use serde::Deserialize;
use store::{Position, StoreError};

use crate::auth::{Caller, Role};
use crate::extract::{AppPath, AppQuery};
use crate::problem::{ApiError, Problem};
use crate::AppState;

/// How long a read waits for `min_position`.
pub const READ_WAIT: Duration = Duration::from_secs(2);

pub(crate) fn read_error(e: projections::ReadModelError) -> ApiError {
    match e {
        projections::ReadModelError::Unavailable(reason) => ApiError::Unavailable(reason),
        other => ApiError::Internal(other.to_string()),
    }
}

/// Waits until the projections have committed `min_position`.
///
/// A position past the log's head is the caller's mistake (no write returned it): a 400
/// naming the head, at once. Only a position the log has reached is waited for; a view
/// still behind it after [`READ_WAIT`] answers 503.
pub async fn caught_up(state: &AppState, min_position: Option<u64>) -> Result<(), ApiError> {
    let Some(position) = min_position else {
        return Ok(());
    };
    if state.views.progress().snapshot().reached() < Position(position) {
        let head = state.services.log_head().await.map_err(|e| match e {
            StoreError::Unavailable(_) | StoreError::Locked(_) | StoreError::DiskFull(_) => {
                ApiError::Unavailable(format!("the event store cannot be read right now: {e}"))
            }
            other => ApiError::Internal(other.to_string()),
        })?;
        if Position(position) > head {
            return Err(ApiError::BadRequest(format!(
                "min_position {position} is past the end of the log: its head is at position \
                 {head}, and a read can only wait for a position a write has returned"
            )));
        }
    }
    state
        .views
        .wait_for(Position(position), READ_WAIT)
        .await
        .map_err(|e| {
            ApiError::Unavailable(format!(
                "the read models have not reached position {position} yet ({e}); retry"
            ))
        })
}

/// May `caller` see `order`? Owner (under any id it answers for: `mine`), its delivering or
/// selling dealer, planner, finance.
fn may_see(caller: &Caller, mine: &[CustomerId], order: &OrderView) -> bool {
    match caller.role {
        Role::Planner | Role::Finance => true,
        Role::Admin => false,
        Role::Customer => mine.contains(&order.customer_id),
        Role::Dealer => {
            let me = caller.dealer();
            me.as_ref() == Some(&order.dealer_id) || (me.is_some() && me == order.selling_dealer_id)
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    pub min_position: Option<u64>,
}

pub(crate) async fn visible_order(
    state: &AppState,
    caller: &Caller,
    order: OrderId,
) -> Result<OrderView, ApiError> {
    let view = state
        .views
        .order(order)
        .await
        .map_err(read_error)?
        .ok_or_else(|| ApiError::NotFound(format!("order {order}")))?;
    let mine = crate::access::customer_ids(state, caller).await?;
    if !may_see(caller, &mine, &view) {
        return Err(ApiError::Forbidden(format!("order {order} is not yours")));
    }
    Ok(view)
}

/// One order as its customer follows it: status, ETA, reason, fulfilment, price, invoice.
#[utoipa::path(get, path = "/api/v1/orders/{order_id}", tag = "orders", security(("bearer" = [])),
    params(("order_id" = OrderId, Path), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = OrderView), (status = 404, body = Problem, description = "no such order")))]
pub async fn get_order(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(order): AppPath<OrderId>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<OrderView>, ApiError> {
    caught_up(&state, q.min_position).await?;
    let mut view = [visible_order(&state, &caller, order).await?];
    crate::names::name_orders(&state, &mut view).await?;
    let [view] = view;
    Ok(Json(view))
}

/// The order's events: `[{position, at, type, summary}]`.
#[utoipa::path(get, path = "/api/v1/orders/{order_id}/history", tag = "orders", security(("bearer" = [])),
    params(("order_id" = OrderId, Path), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = [HistoryEntry]), (status = 404, body = Problem, description = "no such order")))]
pub async fn order_history(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(order): AppPath<OrderId>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    caught_up(&state, q.min_position).await?;
    visible_order(&state, &caller, order).await?;
    let history = state.views.order_history(order).await.map_err(read_error)?;
    Ok(Json(history.unwrap_or_default()))
}

pub(crate) fn dealer_scope(
    caller: &Caller,
    dealer: &DealerId,
    also: &[Role],
) -> Result<(), ApiError> {
    if also.contains(&caller.role) || caller.dealer().as_ref() == Some(dealer) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "not allowed to see dealer {dealer}"
        )))
    }
}

/// Every order a dealer delivers, with counts per status.
#[utoipa::path(get, path = "/api/v1/dealers/{dealer_id}/board", tag = "dealers", security(("bearer" = [])),
    params(("dealer_id" = DealerId, Path), ("min_position" = Option<u64>, Query),
        ("except_status" = Option<OrderStatus>, Query, description = "leave the orders of this status out of `orders` (the counts still count them): the dealer page pages its delivered orders through `GET /api/v1/orders?status=delivered`")),
    responses((status = 200, body = DealerBoard), (status = 400, body = Problem, description = "a malformed parameter or body, or an unknown `except_status`"),
        (status = 404, body = Problem, description = "no such dealer")))]
pub async fn dealer_board(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(dealer): AppPath<DealerId>,
    AppQuery(q): AppQuery<BoardQuery>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    dealer_scope(&caller, &dealer, &[Role::Planner])?;
    if state.catalog.dealer(&dealer).is_none() {
        return Err(ApiError::NotFound(format!("dealer {dealer}")));
    }
    caught_up(&state, q.min_position).await?;
    let json = crate::names::named_board(&state, &dealer, q.except_status).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        axum::body::Bytes::from_owner(json),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    pub min_position: Option<u64>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub except_status: Option<OrderStatus>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    pub month: Option<Month>,
    pub min_position: Option<u64>,
}

/// A dealer's commission statement for a month (default: the current month).
#[utoipa::path(get, path = "/api/v1/dealers/{dealer_id}/commissions", tag = "dealers", security(("bearer" = [])),
    params(("dealer_id" = DealerId, Path), ("month" = Option<Month>, Query, description = "default: the current month"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = CommissionStatement), (status = 404, body = Problem, description = "no such dealer")))]
pub async fn commissions(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(dealer): AppPath<DealerId>,
    AppQuery(q): AppQuery<MonthQuery>,
) -> Result<Json<CommissionStatement>, ApiError> {
    dealer_scope(&caller, &dealer, &[Role::Finance])?;
    let Some(market) = state.catalog.dealer(&dealer).map(|d| d.market.clone()) else {
        return Err(ApiError::NotFound(format!("dealer {dealer}")));
    };
    let currency = state
        .catalog
        .market(&market)
        .map(|m| m.currency)
        .ok_or_else(|| ApiError::Internal(format!("market {market} is not in the catalog")))?;
    let month = q
        .month
        .unwrap_or_else(|| Month::containing(state.clock.today()));
    caught_up(&state, q.min_position).await?;
    let mut statement = state
        .views
        .commission_statement(&dealer, month, currency)
        .await
        .map_err(read_error)?;
    crate::names::name_statement(&state, &mut statement);
    Ok(Json(statement))
}

/// One invoice with its lines, amounts, payments and status (finance, owner).
#[utoipa::path(get, path = "/api/v1/invoices/{number}", tag = "finance", security(("bearer" = [])),
    params(("number" = InvoiceNumber, Path), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = InvoiceView), (status = 404, body = Problem, description = "no such invoice")))]
pub async fn get_invoice(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(number): AppPath<InvoiceNumber>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<InvoiceView>, ApiError> {
    caller.require(&[Role::Finance, Role::Customer])?;
    caught_up(&state, q.min_position).await?;
    let view = state
        .views
        .invoice(&number)
        .await
        .map_err(read_error)?
        .ok_or_else(|| ApiError::NotFound(format!("invoice {number}")))?;
    if caller.role == Role::Customer
        && !crate::access::customer_ids(&state, &caller)
            .await?
            .contains(&view.customer_id)
    {
        return Err(ApiError::Forbidden(format!(
            "invoice {number} is not yours"
        )));
    }
    let mut view = [view];
    crate::names::name_invoices(&state, &mut view).await?;
    let [view] = view;
    Ok(Json(view))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiQuery {
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub market: Option<MarketCode>,
    pub min_position: Option<u64>,
}

/// LTO vs BTO share, order-to-delivery days, orders awaiting capacity, ETA promised vs actual.
#[utoipa::path(get, path = "/api/v1/kpis", tag = "operations", security(("bearer" = [])),
    params(("market" = Option<MarketCode>, Query, description = "default: every market"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = Kpis)))]
pub async fn kpis(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<KpiQuery>,
) -> Result<Json<Kpis>, ApiError> {
    caller.require(&[Role::Planner, Role::Finance])?;
    caught_up(&state, q.min_position).await?;
    Ok(Json(
        state
            .views
            .kpis(q.market.as_ref())
            .await
            .map_err(read_error)?,
    ))
}
