//! `GET /api/v1/vehicles/locate`: the LTO locator, as the planner and the
//! showroom search the supply chain for a car.

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use domain::catalog::Configuration;
use domain::policy::{locate, Candidate, LocateQuery, MatchKind, WhereaboutsKind};
use domain::values::{DealerId, LocationId, MarketCode, ModelCode, OptionCode, VehicleId};
use domain::vehicle::VehicleStatus;
use serde::{Deserialize, Serialize};
use store::Position;
use utoipa::ToSchema;

use crate::auth::{Caller, Role};
use crate::extract::AppQuery;
use crate::problem::{ApiError, Problem};
use crate::routes::reads::caught_up;
use crate::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocateParams {
    pub market: String,
    pub model: String,
    /// Comma separated.
    pub options: Option<String>,
    pub dealer_id: Option<String>,
    pub min_position: Option<u64>,
}

/// One vehicle the locator found, as the contract names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocatedView {
    pub vehicle_id: VehicleId,
    /// Where the vehicle stands or is heading (for a build: its plant).
    pub location: LocationId,
    /// The vehicle's status: the locator offers only unreserved vehicles, so
    /// `free` (standing at a location), `in_transit` or `in_production`.
    pub status: VehicleStatus,
    /// `exact`: the same configuration; `near`: the same model with other options.
    #[serde(rename = "match")]
    #[schema(rename = "match")]
    pub match_kind: MatchKind,
    /// `+CODE`: the vehicle has an option not asked for; `-CODE`: it lacks one asked for.
    /// Empty for an exact match.
    pub differences: Vec<String>,
    /// With a dealer: the day the vehicle can be there (`null` without a route);
    /// without: the day it is (expected to be) available where it is.
    pub eta: Option<NaiveDate>,
}

impl From<Candidate> for LocatedView {
    fn from(c: Candidate) -> Self {
        LocatedView {
            vehicle_id: c.vehicle,
            location: c.location,
            status: match c.whereabouts {
                WhereaboutsKind::AtLocation => VehicleStatus::Free,
                WhereaboutsKind::InTransit => VehicleStatus::InTransit,
                WhereaboutsKind::InProduction => VehicleStatus::InProduction,
            },
            match_kind: c.match_kind,
            differences: c.differences,
            eta: c.eta,
        }
    }
}

fn bad(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

/// The LTO locator: exact then near matches anywhere in the pipeline, ranked.
#[utoipa::path(get, path = "/api/v1/vehicles/locate", tag = "supply", security(("bearer" = [])),
    params(("market" = MarketCode, Query), ("model" = ModelCode, Query),
        ("options" = Option<String>, Query, description = "option codes, comma separated",
            pattern = "^([A-Z0-9]+(-[A-Z0-9]+)*(,[A-Z0-9]+(-[A-Z0-9]+)*)*)?$", example = "PNT-RED,WHL-20"),
        ("dealer_id" = Option<DealerId>, Query, description = "rank and date for delivery at this dealer (a dealer: itself by default)"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, description = "candidates, best first", body = [LocatedView]),
        (status = 422, body = Problem, description = "the configuration breaks the catalog's rules")))]
pub async fn locate_vehicles(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<LocateParams>,
) -> Result<Json<Vec<LocatedView>>, ApiError> {
    caller.require(&[Role::Planner, Role::Dealer])?;
    let market = MarketCode::parse(&q.market).map_err(bad)?;
    let model = ModelCode::parse(&q.model).map_err(bad)?;
    let options = q
        .options
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| OptionCode::parse(s).map_err(bad))
        .collect::<Result<Vec<_>, _>>()?;
    let dealer = match q.dealer_id.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => Some(DealerId::parse(d).map_err(bad)?),
        None => caller.dealer(),
    };
    let configuration: Configuration = state
        .catalog
        .validate(&market, &model, &options)
        .map_err(crate::routes::catalog::violations)?;
    caught_up(&state, q.min_position).await?;
    let stock = app::SupplyView::stock(
        &projections::Supply::new(state.views.clone()),
        Position::START,
        &market,
        &model,
    )
    .await
    .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let query = LocateQuery {
        market,
        configuration,
        dealer,
    };
    let found = locate(&query, &stock, state.clock.today(), &state.catalog);
    Ok(Json(found.into_iter().map(LocatedView::from).collect()))
}
