//! What an order promised, as of a date, and the promise KPIs.
//!
//! `as_of` is a business date (UTC), today by the business clock when absent; the answer is
//! what the customer had been promised by the end of that day and what was known of the
//! arrival and the compensation then. A date before the order existed is refused with a
//! 422 `as_of_before_order`: nothing was promised yet, and an empty answer would read as
//! "no ETA".

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use domain::values::OrderId;
use projections::views::{OrderPromises, PromiseKpiBy, PromiseKpis};
use serde::Deserialize;

use super::reads::{caught_up, read_error, visible_order};
use crate::auth::{Caller, Role};
use crate::extract::{AppPath, AppQuery};
use crate::problem::{ApiError, Problem};
use crate::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub as_of: Option<NaiveDate>,
    pub min_position: Option<u64>,
}

/// The refusal of an `as_of` before the order was placed.
pub fn before_order(order: OrderId, as_of: NaiveDate) -> ApiError {
    ApiError::rule(
        "as_of_before_order",
        format!("order {order} was not placed yet on {as_of}: nothing was promised"),
    )
}

/// What was promised for an order on a date: the ETA, price, time and reason in force, the
/// promises up to then, the first ETA, the arrival, the days late and the compensation.
#[utoipa::path(get, path = "/api/v1/orders/{order_id}/promises", tag = "orders", security(("bearer" = [])),
    params(("order_id" = OrderId, Path),
        ("as_of" = Option<String>, Query, description = "YYYY-MM-DD; default: today by the business clock"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = OrderPromises),
        (status = 400, body = Problem, description = "as_of is not a date"),
        (status = 403, body = Problem, description = "not the owner, its dealer or a planner"),
        (status = 404, body = Problem, description = "no such order"),
        (status = 422, body = Problem, description = "`as_of_before_order`: the order did not exist yet")))]
pub async fn order_promises(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(order): AppPath<OrderId>,
    AppQuery(q): AppQuery<AsOfQuery>,
) -> Result<Json<OrderPromises>, ApiError> {
    if caller.role == Role::Finance {
        return Err(ApiError::Forbidden(
            "an order's promises are for its owner, its dealer and planners".into(),
        ));
    }
    caught_up(&state, q.min_position).await?;
    visible_order(&state, &caller, order).await?;
    let as_of = q.as_of.unwrap_or_else(|| state.clock.today());
    let doc = state
        .views
        .promises_of(&order)
        .await
        .map_err(read_error)?
        .ok_or_else(|| ApiError::NotFound(format!("order {order}")))?;
    OrderPromises::of(&doc, as_of)
        .map(Json)
        .ok_or_else(|| before_order(order, as_of))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromiseKpiQuery {
    pub by: PromiseKpiBy,
    pub min_position: Option<u64>,
}

/// Per plant, dealer or market: the share of orders at the dealer by the first promised
/// ETA, the mean days late and the delay compensation paid.
#[utoipa::path(get, path = "/api/v1/kpis/promises", tag = "operations", security(("bearer" = [])),
    params(("by" = PromiseKpiBy, Query, description = "plant, dealer or market"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = PromiseKpis),
        (status = 400, body = Problem, description = "by is missing or not plant, dealer or market"),
        (status = 403, body = Problem, description = "not a planner or finance")))]
pub async fn promise_kpis(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<PromiseKpiQuery>,
) -> Result<Json<PromiseKpis>, ApiError> {
    caller.require(&[Role::Planner, Role::Finance])?;
    caught_up(&state, q.min_position).await?;
    Ok(Json(
        state
            .views
            .promise_kpis(q.by, &state.catalog)
            .await
            .map_err(read_error)?,
    ))
}
