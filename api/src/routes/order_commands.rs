//! Order commands: place, amend, cancel, reallocate, book a handover, hand
//! over.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use domain::order::Channel;
use domain::values::{CustomerId, DealerId, OrderId, VehicleId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{order_for, scope, Party};
use crate::auth::{Caller, Role};
use crate::extract::{AppJson, AppPath};
use crate::problem::{ApiError, Problem};
use crate::routes::catalog::{parse_configuration, parse_options};
use crate::routes::money::{MoneyView, PriceView};
use crate::{metadata, new_id, AppState};

/// An order as a customer (own) or a dealer (for a showroom customer) places it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderRequest {
    #[schema(value_type = domain::values::MarketCode)]
    pub market: String,
    #[schema(value_type = domain::values::ModelCode)]
    pub model: String,
    /// At most 64; families left out take their defaults.
    #[serde(default)]
    #[schema(value_type = Vec<domain::values::OptionCode>, max_items = 64)]
    pub options: Vec<String>,
    /// The delivering dealer (required for a customer; for a dealer: defaults to itself).
    #[schema(value_type = Option<domain::values::DealerId>)]
    pub dealer_id: Option<String>,
    /// Required when a dealer places the order; a customer orders for itself.
    #[schema(value_type = Option<domain::values::CustomerId>)]
    pub customer_id: Option<String>,
    /// The lead the order comes from: it becomes S (sold). Without one, the customer's
    /// open leads at the dealer do.
    #[schema(value_type = Option<domain::values::LeadId>)]
    pub lead_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlacedView {
    #[schema(value_type = domain::values::OrderId)]
    pub order_id: String,
    #[schema(value_type = domain::order::OrderStatus)]
    pub status: String,
    pub price: PriceView,
    pub deposit: MoneyView,
    /// The log position the write reached: read with `?min_position=` to see it.
    pub position: u64,
}

/// Parses the option codes of an amendment; a malformed code is a 400.
fn parse<T, E: std::fmt::Display>(
    value: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<T, ApiError> {
    parse(value).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// Places an order; fulfilment (a stock vehicle or a production slot) follows by itself.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = PlaceOrderRequest,
    security(("bearer" = [])),
    responses((status = 201, body = PlacedView),
        (status = 404, body = Problem, description = "no such customer (orders are placed only for registered customers)"),
        (status = 422, body = Problem, description = "the configuration breaks the catalog's rules, the dealer is not in the market, the customer was erased, or an online order's account e-mail is not verified yet")))]
pub async fn place(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    AppJson(req): AppJson<PlaceOrderRequest>,
) -> Result<(StatusCode, Json<PlacedView>), ApiError> {
    let (market, model, options) = parse_configuration(&req.market, &req.model, &req.options)?;
    let (customer, dealer, selling_dealer, channel) = match caller.role {
        Role::Customer => {
            let me = caller
                .customer()
                .ok_or_else(|| ApiError::Forbidden("not a customer".into()))?;
            if req.customer_id.as_deref().is_some_and(|c| c != me.as_str()) {
                return Err(ApiError::Forbidden(
                    "a customer orders only for itself".into(),
                ));
            }
            let dealer = req
                .dealer_id
                .as_deref()
                .ok_or_else(|| ApiError::BadRequest("dealer_id is required".into()))?;
            (me, parse(dealer, DealerId::parse)?, None, Channel::Online)
        }
        Role::Dealer => {
            let me = caller
                .dealer()
                .ok_or_else(|| ApiError::Forbidden("not a dealer".into()))?;
            let customer = req
                .customer_id
                .as_deref()
                .ok_or_else(|| ApiError::BadRequest("customer_id is required".into()))?;
            let dealer = match req.dealer_id.as_deref() {
                Some(d) => parse(d, DealerId::parse)?,
                None => me.clone(),
            };
            (
                parse(customer, CustomerId::parse)?,
                dealer,
                Some(me),
                Channel::Showroom,
            )
        }
        Role::Planner | Role::Finance | Role::Admin => {
            return Err(ApiError::Forbidden(
                "customers and dealers place orders".into(),
            ))
        }
    };
    let lead = req
        .lead_id
        .as_deref()
        .map(|l| parse(l, domain::values::LeadId::parse))
        .transpose()?;
    let order = OrderId::from_uuid(new_id(&caller, &headers, "order"));
    let input = app::services::PlaceOrder {
        lead,
        order,
        customer,
        dealer,
        selling_dealer,
        market,
        model,
        options,
        channel,
    };
    let placed = state
        .services
        .place_order(input, &metadata(&caller))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PlacedView {
            order_id: placed.order.to_string(),
            status: placed.status.to_string(),
            price: placed.price.into(),
            deposit: placed.deposit.into(),
            position: placed.position.0,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendRequest {
    /// The new options (at most 64); families left out take their defaults.
    #[schema(value_type = Vec<domain::values::OptionCode>, max_items = 64)]
    pub options: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AmendedView {
    #[schema(value_type = domain::values::OrderId)]
    pub order_id: String,
    pub price: PriceView,
    /// New net minus old net.
    pub difference: MoneyView,
    /// The stock vehicle given back when the new configuration no longer matches it.
    #[schema(value_type = Option<domain::values::VehicleId>)]
    pub released_vehicle: Option<String>,
    pub position: u64,
}

/// Amends the options before the freeze (re-priced at the locked price list).
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/amend", tag = "orders", request_body = AmendRequest,
    security(("bearer" = [])), params(("order_id" = domain::values::OrderId, Path)),
    responses((status = 200, body = AmendedView), (status = 404, body = Problem, description = "no such order"),
        (status = 422, body = Problem, description = "frozen, or invalid options")))]
pub async fn amend(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(order): AppPath<OrderId>,
    AppJson(req): AppJson<AmendRequest>,
) -> Result<Json<AmendedView>, ApiError> {
    let (roles, parties) = (&[], &[Party::Owner, Party::ItsDealer]);
    let options = match parse_options(&req.options) {
        Ok(options) => options,
        Err(malformed) => {
            // Someone else's or an unknown order is refused as such first.
            order_for(&state, &caller, order, roles, parties).await?;
            return Err(malformed);
        }
    };
    let scope = scope(&state, &caller, roles, parties).await?;
    let done = state
        .services
        .amend_order(order, options, &scope, &metadata(&caller))
        .await?;
    Ok(Json(AmendedView {
        order_id: order.to_string(),
        price: done.price.into(),
        difference: done.difference.into(),
        released_vehicle: done.released_vehicle.map(|v| v.to_string()),
        position: done.position.0,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CancelledView {
    #[schema(value_type = domain::values::OrderId)]
    pub order_id: String,
    /// Always `cancelled`.
    #[schema(value_type = domain::order::OrderStatus)]
    pub status: &'static str,
    /// Everything paid back: the deposit when refundable plus what was paid on a credited invoice.
    pub refund: MoneyView,
    pub deposit_refunded: MoneyView,
    pub deposit_forfeited: MoneyView,
    /// The credit note's number when the order was invoiced.
    #[schema(value_type = Option<domain::values::InvoiceNumber>)]
    pub credit_note: Option<String>,
    pub position: u64,
}

/// Cancels before delivery: deposit refunded before the freeze, forfeited after.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/cancel", tag = "orders", request_body = CancelRequest,
    security(("bearer" = [])), params(("order_id" = domain::values::OrderId, Path)),
    responses((status = 200, body = CancelledView), (status = 404, body = Problem, description = "no such order"),
        (status = 422, body = Problem, description = "delivered or already cancelled")))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(order): AppPath<OrderId>,
    AppJson(req): AppJson<CancelRequest>,
) -> Result<Json<CancelledView>, ApiError> {
    let scope = scope(
        &state,
        &caller,
        &[Role::Planner],
        &[Party::Owner, Party::ItsDealer],
    )
    .await?;
    let done = state
        .services
        .cancel_order(order, &req.reason, &scope, &metadata(&caller))
        .await?;
    Ok(Json(CancelledView {
        order_id: order.to_string(),
        status: "cancelled",
        refund: done.refund.into(),
        deposit_refunded: done.deposit_refunded.into(),
        deposit_forfeited: done.deposit_forfeited.into(),
        credit_note: done.credit_note.map(|c| c.credit_number.to_string()),
        position: done.position.0,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReallocateRequest {
    #[schema(value_type = domain::values::VehicleId)]
    pub vehicle_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReallocatedView {
    #[schema(value_type = domain::values::OrderId)]
    pub order_id: String,
    #[schema(value_type = domain::values::VehicleId)]
    pub vehicle_id: String,
    /// The order the vehicle came from (it goes back to fulfilment).
    #[schema(value_type = Option<domain::values::OrderId>)]
    pub from_order: Option<String>,
    #[schema(value_type = chrono::NaiveDate)]
    pub eta: String,
    pub position: u64,
}

/// Gives a vehicle to this order; the order it came from goes back to fulfilment (planner).
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/reallocate", tag = "orders", request_body = ReallocateRequest,
    security(("bearer" = [])), params(("order_id" = domain::values::OrderId, Path)),
    responses((status = 200, body = ReallocatedView), (status = 404, body = Problem, description = "no such order or vehicle"),
        (status = 422, body = Problem, description = "the vehicle or the order cannot change hands now")))]
pub async fn reallocate(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(order): AppPath<OrderId>,
    AppJson(req): AppJson<ReallocateRequest>,
) -> Result<Json<ReallocatedView>, ApiError> {
    caller.require(&[Role::Planner])?;
    let vehicle = parse(&req.vehicle_id, VehicleId::parse)?;
    // The use case answers 404 for an unknown order or vehicle.
    let done = state
        .services
        .reallocate(order, vehicle, &metadata(&caller))
        .await?;
    Ok(Json(ReallocatedView {
        order_id: order.to_string(),
        vehicle_id: vehicle.to_string(),
        from_order: done.from_order.map(|o| o.to_string()),
        eta: done.eta.to_string(),
        position: done.position.0,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentRequest {
    /// RFC 3339.
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentView {
    #[schema(value_type = domain::values::OrderId)]
    pub order_id: String,
    #[schema(value_type = chrono::DateTime<chrono::Utc>)]
    pub handover_at: String,
    pub position: u64,
}

/// Books (or moves) the handover appointment once the car is at the dealer.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/handover-appointment", tag = "orders",
    request_body = AppointmentRequest, security(("bearer" = [])), params(("order_id" = domain::values::OrderId, Path)),
    responses((status = 200, body = AppointmentView), (status = 404, body = Problem, description = "no such order"),
        (status = 422, body = Problem, description = "the car is not at the dealer, or the time is in the past")))]
pub async fn book_handover(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(order): AppPath<OrderId>,
    AppJson(req): AppJson<AppointmentRequest>,
) -> Result<Json<AppointmentView>, ApiError> {
    let (roles, parties) = (&[], &[Party::Owner, Party::ItsDealer]);
    let at = match crate::calendar::moment("at", req.at) {
        Ok(at) => at,
        Err(out_of_range) => {
            // Someone else's or an unknown order is refused as such first.
            order_for(&state, &caller, order, roles, parties).await?;
            return Err(out_of_range);
        }
    };
    let scope = scope(&state, &caller, roles, parties).await?;
    let done = state
        .services
        .book_handover(order, at, &scope, &metadata(&caller))
        .await?;
    Ok(Json(AppointmentView {
        order_id: order.to_string(),
        handover_at: req.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        position: done.position.0,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveredView {
    #[schema(value_type = domain::values::OrderId)]
    pub order_id: String,
    /// Always `delivered`.
    #[schema(value_type = domain::order::OrderStatus)]
    pub status: &'static str,
    #[schema(value_type = Option<domain::values::VehicleId>)]
    pub vehicle_id: Option<String>,
    pub position: u64,
}

/// Hands the car over (its dealer): only at the dealer and with the invoice paid.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/handover", tag = "orders",
    security(("bearer" = [])), params(("order_id" = domain::values::OrderId, Path)),
    responses((status = 200, body = DeliveredView), (status = 404, body = Problem, description = "no such order"),
        (status = 422, body = Problem, description = "not at the dealer, or the invoice is not paid")))]
pub async fn hand_over(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(order): AppPath<OrderId>,
) -> Result<Json<DeliveredView>, ApiError> {
    let scope = scope(&state, &caller, &[], &[Party::ItsDealer]).await?;
    let done = state
        .services
        .hand_over(order, &scope, &metadata(&caller))
        .await?;
    Ok(Json(DeliveredView {
        order_id: order.to_string(),
        status: "delivered",
        vehicle_id: done.vehicle.map(|v| v.to_string()),
        position: done.position.0,
    }))
}
