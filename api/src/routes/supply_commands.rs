//! Supply commands (planner): capacity, production, stock, milestones; and
//! payments (finance).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::NaiveDate;
use domain::values::{
    InvoiceNumber, IsoWeek, LocationId, MarketCode, ModelCode, Money, OptionCode, OrderId,
    PaymentId, PlantId, ShipmentId, VehicleId, Vin,
};
use domain::vehicle::VehicleStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, Role};
use crate::extract::{AppJson, AppPath, OptionalJson};
use crate::problem::{ApiError, Problem};
use crate::routes::catalog::parse_configuration;
use crate::routes::money::MoneyView;
use crate::{metadata, new_id, AppState};

fn bad(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityRequest {
    pub units: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CapacityView {
    #[schema(value_type = PlantId)]
    pub plant: String,
    #[schema(value_type = IsoWeek)]
    pub week: String,
    pub capacity: u32,
    pub position: u64,
}

/// Opens or changes a plant-week's capacity (never below its bookings).
#[utoipa::path(put, path = "/api/v1/plants/{plant}/capacity/{week}", tag = "supply", request_body = CapacityRequest,
    security(("bearer" = [])), params(("plant" = PlantId, Path), ("week" = IsoWeek, Path)),
    responses((status = 200, body = CapacityView), (status = 404, body = Problem, description = "no such plant"),
        (status = 422, body = Problem, description = "below the week's bookings, or the week is frozen")))]
pub async fn set_capacity(
    State(state): State<AppState>,
    caller: Caller,
    AppPath((plant, week)): AppPath<(PlantId, String)>,
    AppJson(req): AppJson<CapacityRequest>,
) -> Result<Json<CapacityView>, ApiError> {
    caller.require(&[Role::Planner])?;
    let week = crate::calendar::week(&week)?;
    if state.catalog.plant(&plant).is_none() {
        return Err(ApiError::NotFound(format!("plant {plant}")));
    }
    let done = state
        .services
        .set_capacity(plant.clone(), week, req.units, &metadata(&caller))
        .await?;
    Ok(Json(CapacityView {
        plant: plant.to_string(),
        week: week.to_string(),
        capacity: req.units,
        position: done.position.0,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildView {
    #[schema(value_type = OrderId)]
    pub order_id: String,
    #[schema(value_type = VehicleId)]
    pub vehicle_id: String,
    #[schema(value_type = Vin)]
    pub vin: String,
}

/// Starts the builds of a week's bookings: VINs assigned.
#[utoipa::path(post, path = "/api/v1/plants/{plant}/capacity/{week}/start-production", tag = "supply",
    security(("bearer" = [])), params(("plant" = PlantId, Path), ("week" = IsoWeek, Path)),
    responses((status = 200, body = [BuildView], description = "the builds started (`OTD-Position`: the log position reached)"),
        (status = 404, body = Problem, description = "no such plant"),
        (status = 422, body = Problem, description = "the week's production cannot start now")))]
pub async fn start_production(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    AppPath((plant, week)): AppPath<(PlantId, String)>,
) -> Result<(HeaderMap, Json<Vec<BuildView>>), ApiError> {
    caller.require(&[Role::Planner])?;
    let week = crate::calendar::week(&week)?;
    if state.catalog.plant(&plant).is_none() {
        return Err(ApiError::NotFound(format!("plant {plant}")));
    }
    let _ = headers;
    let done = state
        .services
        .start_production(plant, week, &metadata(&caller))
        .await?;
    let builds = done
        .builds
        .into_iter()
        .map(|b| BuildView {
            order_id: b.order.to_string(),
            vehicle_id: b.vehicle.to_string(),
            vin: b.vin.to_string(),
        })
        .collect();
    Ok((crate::position_header(done.position), Json(builds)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterVehicleRequest {
    #[schema(value_type = MarketCode)]
    pub market: String,
    #[schema(value_type = ModelCode)]
    pub model: String,
    /// At most 64; families left out take their defaults.
    #[serde(default)]
    #[schema(value_type = Vec<OptionCode>, max_items = 64)]
    pub options: Vec<String>,
    /// A dealer or plant id.
    #[schema(value_type = LocationId)]
    pub location: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredView {
    #[schema(value_type = VehicleId)]
    pub vehicle_id: String,
    pub position: u64,
}

/// Registers a free stock vehicle at a location.
#[utoipa::path(post, path = "/api/v1/vehicles", tag = "supply", request_body = RegisterVehicleRequest,
    security(("bearer" = [])),
    responses((status = 201, body = RegisteredView),
        (status = 422, body = Problem, description = "the configuration breaks the catalog's rules, or the location is unknown")))]
pub async fn register_vehicle(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    AppJson(req): AppJson<RegisterVehicleRequest>,
) -> Result<(StatusCode, Json<RegisteredView>), ApiError> {
    caller.require(&[Role::Planner])?;
    let (market, model, options) = parse_configuration(&req.market, &req.model, &req.options)?;
    let location = LocationId::parse(&req.location).map_err(bad)?;
    let vehicle = VehicleId::from_uuid(new_id(&caller, &headers, "vehicle"));
    let done = state
        .services
        .register_vehicle(
            vehicle,
            market,
            model,
            options,
            location,
            &metadata(&caller),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredView {
            vehicle_id: vehicle.to_string(),
            position: done.position.0,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneView {
    #[schema(value_type = VehicleId)]
    pub vehicle_id: String,
    #[schema(value_type = VehicleStatus)]
    pub status: String,
    pub position: u64,
}

/// Records a build's completion (`in_production` → `built`).
#[utoipa::path(post, path = "/api/v1/vehicles/{vehicle_id}/complete-build", tag = "supply",
    security(("bearer" = [])), params(("vehicle_id" = VehicleId, Path)),
    responses((status = 200, body = MilestoneView), (status = 404, body = Problem, description = "no such vehicle"),
        (status = 422, body = Problem, description = "the vehicle is not in production")))]
pub async fn complete_build(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(vehicle): AppPath<VehicleId>,
) -> Result<Json<MilestoneView>, ApiError> {
    caller.require(&[Role::Planner])?;
    let done = state
        .services
        .complete_build(vehicle, &metadata(&caller))
        .await?;
    let v = crate::access::vehicle(&state, vehicle).await?;
    Ok(Json(MilestoneView {
        vehicle_id: vehicle.to_string(),
        status: v.status().map(status_name).unwrap_or_default(),
        position: done.position.0,
    }))
}

fn status_name(s: domain::vehicle::VehicleStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchRequest {
    /// Defaults to the order's dealer; required for free stock (a transfer).
    #[schema(value_type = Option<LocationId>)]
    pub to_location: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispatchedView {
    #[schema(value_type = ShipmentId)]
    pub shipment_id: String,
    #[schema(value_type = LocationId)]
    pub to_location: String,
    #[schema(value_type = NaiveDate)]
    pub eta: String,
    pub position: u64,
}

/// Records that the yard handed the car to a carrier.
#[utoipa::path(post, path = "/api/v1/vehicles/{vehicle_id}/dispatch", tag = "supply", request_body = DispatchRequest,
    security(("bearer" = [])), params(("vehicle_id" = VehicleId, Path)),
    responses((status = 200, body = DispatchedView), (status = 404, body = Problem, description = "no such vehicle"),
        (status = 422, body = Problem, description = "the vehicle cannot leave now, or no route to the destination")))]
pub async fn dispatch(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(vehicle): AppPath<VehicleId>,
    OptionalJson(body): OptionalJson<DispatchRequest>,
) -> Result<Json<DispatchedView>, ApiError> {
    caller.require(&[Role::Planner])?;
    let req = body.unwrap_or_default();
    let to = req
        .to_location
        .as_deref()
        .map(LocationId::parse)
        .transpose()
        .map_err(bad)?;
    crate::access::vehicle(&state, vehicle).await?;
    let done = state
        .services
        .dispatch(vehicle, to, &metadata(&caller))
        .await?;
    Ok(Json(DispatchedView {
        shipment_id: done.shipment.to_string(),
        to_location: done.to.to_string(),
        eta: done.eta.to_string(),
        position: done.position.0,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelayRequest {
    pub reason: String,
    /// YYYY-MM-DD.
    pub new_eta: NaiveDate,
}

/// Records a delay in transit with its reason and new ETA.
#[utoipa::path(post, path = "/api/v1/vehicles/{vehicle_id}/delay", tag = "supply", request_body = DelayRequest,
    security(("bearer" = [])), params(("vehicle_id" = VehicleId, Path)),
    responses((status = 200, body = MilestoneView), (status = 404, body = Problem, description = "no such vehicle"),
        (status = 422, body = Problem, description = "the vehicle is not in transit, or the new ETA is not later")))]
pub async fn delay(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(vehicle): AppPath<VehicleId>,
    AppJson(req): AppJson<DelayRequest>,
) -> Result<Json<MilestoneView>, ApiError> {
    caller.require(&[Role::Planner])?;
    crate::access::vehicle(&state, vehicle).await?;
    let new_eta = crate::calendar::day("new_eta", req.new_eta)?;
    let done = state
        .services
        .delay(vehicle, &req.reason, new_eta, &metadata(&caller))
        .await?;
    Ok(Json(MilestoneView {
        vehicle_id: vehicle.to_string(),
        status: "in_transit".into(),
        position: done.position.0,
    }))
}

/// Records the arrival at the destination (planner, or the receiving dealer).
#[utoipa::path(post, path = "/api/v1/vehicles/{vehicle_id}/arrive", tag = "supply",
    security(("bearer" = [])), params(("vehicle_id" = VehicleId, Path)),
    responses((status = 200, body = MilestoneView), (status = 404, body = Problem, description = "no such vehicle"),
        (status = 422, body = Problem, description = "the vehicle is not in transit")))]
pub async fn arrive(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(vehicle): AppPath<VehicleId>,
) -> Result<Json<MilestoneView>, ApiError> {
    let v = crate::access::vehicle(&state, vehicle).await?;
    let receiving = caller
        .dealer()
        .is_some_and(|d| v.destination().and_then(LocationId::dealer) == Some(&d));
    if caller.role != Role::Planner && !receiving {
        return Err(ApiError::Forbidden(
            "only a planner or the receiving dealer records an arrival".into(),
        ));
    }
    let done = state.services.arrive(vehicle, &metadata(&caller)).await?;
    let v = crate::access::vehicle(&state, vehicle).await?;
    Ok(Json(MilestoneView {
        vehicle_id: vehicle.to_string(),
        status: v.status().map(status_name).unwrap_or_default(),
        position: done.position.0,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// In the invoice's currency, minor units, positive.
    #[schema(minimum = 1)]
    pub amount_minor: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    #[schema(value_type = InvoiceNumber)]
    pub number: String,
    #[schema(value_type = OrderId)]
    pub order_id: String,
    pub paid: MoneyView,
    pub outstanding: MoneyView,
    #[schema(value_type = domain::invoice::InvoiceStatus)]
    pub status: String,
    pub position: u64,
}

/// Records a payment against an invoice (finance); overpayment is refused (422).
#[utoipa::path(post, path = "/api/v1/invoices/{number}/payments", tag = "finance", request_body = PaymentRequest,
    security(("bearer" = [])), params(("number" = InvoiceNumber, Path)),
    responses((status = 200, body = PaymentView), (status = 404, body = Problem, description = "no such invoice"),
        (status = 422, body = Problem, description = "overpayment, not positive, or the invoice is not open")))]
pub async fn record_payment(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    AppPath(number): AppPath<InvoiceNumber>,
    AppJson(req): AppJson<PaymentRequest>,
) -> Result<Json<PaymentView>, ApiError> {
    caller.require(&[Role::Finance])?;
    let currency = state
        .catalog
        .market(&number.market)
        .map(|m| m.currency)
        .ok_or_else(|| ApiError::NotFound(format!("invoice {number}")))?;
    let payment = PaymentId::from_uuid(new_id(&caller, &headers, "payment"));
    let amount = Money::new(req.amount_minor, currency);
    let done = state
        .services
        .record_payment(&number, amount, payment, &metadata(&caller))
        .await?;
    Ok(Json(PaymentView {
        number: number.to_string(),
        order_id: done.order.to_string(),
        paid: done.paid_total.into(),
        outstanding: done.outstanding.into(),
        status: serde_json::to_value(done.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        position: done.position.0,
    }))
}
