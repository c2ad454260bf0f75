//! Supply-side reads: plant capacity, vehicles and stock by location, served
//! from the projections like every read (`?min_position=N`, see
//! [`caught_up`]).

use axum::extract::{OriginalUri, State};
use axum::Json;
use domain::values::{IsoWeek, LocationId, MarketCode, ModelCode, PlantId, VehicleId};
use domain::vehicle::VehicleStatus;
use projections::views::{LocationSummary, VehicleFilter, VehicleView, WeekCapacity};
use serde::Deserialize;

use crate::auth::{Caller, Role};
use crate::extract::{AppPath, AppQuery};
use crate::paging::{Page, Paged, Search};
use crate::problem::{ApiError, Problem};
use crate::routes::reads::{caught_up, read_error, AtQuery};
use crate::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeksQuery {
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub from: Option<IsoWeek>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub to: Option<IsoWeek>,
    pub min_position: Option<u64>,
}

/// Capacity per week of a plant: `[{week, capacity, booked, frozen}]` (planner).
#[utoipa::path(get, path = "/api/v1/plants/{plant}/capacity", tag = "supply", security(("bearer" = [])),
    params(("plant" = PlantId, Path), ("from" = Option<IsoWeek>, Query, description = "default: this week"),
        ("to" = Option<IsoWeek>, Query, description = "default: 52 weeks on; not before `from`"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = [WeekCapacity]), (status = 404, body = Problem, description = "no such plant")))]
pub async fn capacity(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(plant): AppPath<PlantId>,
    AppQuery(q): AppQuery<WeeksQuery>,
) -> Result<Json<Vec<WeekCapacity>>, ApiError> {
    caller.require(&[Role::Planner])?;
    if state.catalog.plant(&plant).is_none() {
        return Err(ApiError::NotFound(format!("plant {plant}")));
    }
    let today = state.clock.today();
    // The defaults stop at the last week of the business calendar.
    let from = q
        .from
        .unwrap_or_else(|| IsoWeek::containing(today).min(IsoWeek::last()));
    let to = match q.to {
        Some(to) => to,
        None => IsoWeek::containing(today + chrono::Days::new(7 * 52)).min(IsoWeek::last()),
    };
    if to < from {
        return Err(ApiError::BadRequest("`to` is before `from`".into()));
    }
    caught_up(&state, q.min_position).await?;
    Ok(Json(
        state
            .views
            .plant_capacity(&plant, from, to, today)
            .await
            .map_err(read_error)?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehiclesQuery {
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub location: Option<LocationId>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub status: Option<VehicleStatus>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub model: Option<ModelCode>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub market: Option<MarketCode>,
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    pub min_position: Option<u64>,
}

/// Vehicles by location, status, model and market, searched and paged like the other lists
/// ([`crate::paging`]; planner; a dealer sees its own location).
#[utoipa::path(get, path = "/api/v1/vehicles", tag = "supply", security(("bearer" = [])),
    params(("location" = Option<LocationId>, Query), ("status" = Option<VehicleStatus>, Query),
        ("model" = Option<ModelCode>, Query), ("market" = Option<MarketCode>, Query),
        ("q" = Option<String>, Query, description = "search: vehicle id or the 8 characters shown (its end), VIN, model, option codes, location, the order's id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "page size; without it every match"),
        ("offset" = Option<u32>, Query, description = "matches to skip"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = [VehicleView],
        headers(("X-Total-Count" = u64, description = "matches before paging"),
            ("Link" = String, description = "`<…&offset=N>; rel=\"next\"` while a next page exists"))),
        (status = 400, body = Problem, description = "a malformed parameter, or a limit out of 1..=500")))]
pub async fn list_vehicles(
    State(state): State<AppState>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    AppQuery(q): AppQuery<VehiclesQuery>,
) -> Result<Paged<VehicleView>, ApiError> {
    let page = Page::new(q.limit, q.offset)?;
    let search = Search::new(q.q.as_deref());
    let mut filter = VehicleFilter {
        location: q.location,
        status: q.status,
        model: q.model,
    };
    match caller.role {
        Role::Planner => {}
        Role::Dealer => {
            let own = caller.dealer().map(LocationId::Dealer);
            if filter.location.is_some() && filter.location != own {
                return Err(ApiError::Forbidden(
                    "a dealer sees the stock at its own location".into(),
                ));
            }
            filter.location = own;
        }
        Role::Customer | Role::Finance | Role::Admin => {
            return Err(ApiError::Forbidden("planners and dealers see stock".into()))
        }
    }
    caught_up(&state, q.min_position).await?;
    let mut vehicles = state.views.vehicles(&filter).await.map_err(read_error)?;
    vehicles.retain(|v| {
        q.market.as_ref().is_none_or(|m| *m == v.market)
            && search.as_ref().is_none_or(|s| vehicle_matches(s, v))
    });
    Ok(page.cut(vehicles, &uri))
}

/// What a person may type to find a vehicle: its id (the 8 characters shown are its
/// end), VIN, model, an option code, where it stands, the order it is reserved for.
fn vehicle_matches(search: &Search, v: &VehicleView) -> bool {
    let id = v.vehicle_id.to_string();
    let order = v.order_id.map(|o| o.to_string()).unwrap_or_default();
    search.matches(
        [
            id.as_str(),
            v.vin.as_ref().map_or("", |vin| vin.as_str()),
            v.model.as_str(),
            v.location.as_str(),
            order.as_str(),
        ]
        .into_iter()
        .chain(v.options.iter().map(|o| o.as_str())),
    )
}

/// One vehicle with configuration, location, status, order, VIN, ETA.
#[utoipa::path(get, path = "/api/v1/vehicles/{vehicle_id}", tag = "supply", security(("bearer" = [])),
    params(("vehicle_id" = VehicleId, Path), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = VehicleView), (status = 404, body = Problem, description = "no such vehicle")))]
pub async fn get_vehicle(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(vehicle): AppPath<VehicleId>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<VehicleView>, ApiError> {
    caller.require(&[Role::Planner, Role::Dealer])?;
    caught_up(&state, q.min_position).await?;
    let view = state
        .views
        .vehicle(vehicle)
        .await
        .map_err(read_error)?
        .ok_or_else(|| ApiError::NotFound(format!("vehicle {vehicle}")))?;
    if let Some(me) = caller.dealer() {
        let mine = LocationId::Dealer(me.clone());
        let related = view.location == mine || view.dealer_id.as_ref() == Some(&me);
        if !related {
            return Err(ApiError::Forbidden(format!(
                "vehicle {vehicle} is neither at nor bound for {me}"
            )));
        }
    }
    Ok(Json(view))
}

/// Stock per location (free, reserved, in transit, in production) with the open demand waiting there.
#[utoipa::path(get, path = "/api/v1/stock/summary", tag = "supply", security(("bearer" = [])),
    params(("min_position" = Option<u64>, Query)),
    responses((status = 200, body = [LocationSummary])))]
pub async fn stock_summary(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<Vec<LocationSummary>>, ApiError> {
    caller.require(&[Role::Planner])?;
    caught_up(&state, q.min_position).await?;
    Ok(Json(state.views.stock_summary().await.map_err(read_error)?))
}
