//! The delivery estimate a quote carries when it names the delivering
//! dealer: what fulfilment would decide for the configuration today
//! ([`app::process::estimate_fulfilment`], the same policy over the same
//! supply read models), in words a configurator can show before ordering.

use std::time::Duration;

use chrono::NaiveDate;
use domain::catalog::Configuration;
use domain::policy::{FulfilmentDecision, LtoRank};
use domain::values::{DealerId, MarketCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiError;
use crate::AppState;

/// How long an estimate waits for the supply read models to reach the log's head.
const ESTIMATE_WAIT: Duration = Duration::from_secs(5);

/// How the order would be fulfilled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EstimateKind {
    /// An existing vehicle (standing, in transit or being built) would be reserved.
    Stock,
    /// A build would be booked in a production week.
    Build,
    /// Neither: the order would wait for capacity (no date can be promised).
    AwaitingCapacity,
}

/// Where the vehicle a `stock` estimate reserves is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StockWhere {
    /// Standing at the delivering dealer.
    AtDealer,
    /// On its way to the delivering dealer.
    InTransitToDealer,
    /// At another location of the market (a transfer follows).
    ElsewhereInMarket,
    /// Being built for the market.
    InProduction,
}

/// What ordering this configuration now would give, by the fulfilment policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EstimateView {
    /// The delivering dealer the estimate is for.
    #[schema(value_type = String, example = "D-BER-01")]
    pub dealer_id: String,
    pub kind: EstimateKind,
    /// The business day the estimate was made on.
    pub today: NaiveDate,
    /// The day the car is expected at the dealer (absent while awaiting capacity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta: Option<NaiveDate>,
    /// Days from `today` to `eta`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// `stock`: where the vehicle is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<StockWhere>,
    /// `stock`: the location the vehicle is at or heading to (a dealer or a plant id).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "D-HAM-01")]
    pub location: Option<String>,
    /// `build`: the plant that would build it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "P-LEI")]
    pub plant: Option<String>,
    /// `build`: the ISO production week.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "2026-W51")]
    pub week: Option<String>,
}

impl EstimateView {
    /// The view of `decision` for `dealer`, made on `today`.
    pub fn new(dealer: &DealerId, today: NaiveDate, decision: &FulfilmentDecision) -> Self {
        let eta = decision.eta();
        let mut view = EstimateView {
            dealer_id: dealer.to_string(),
            kind: EstimateKind::AwaitingCapacity,
            today,
            eta,
            days: eta.map(|d| (d - today).num_days()),
            stock: None,
            location: None,
            plant: None,
            week: None,
        };
        match decision {
            FulfilmentDecision::Reserve(choice) => {
                view.kind = EstimateKind::Stock;
                view.stock = Some(match choice.rank {
                    LtoRank::AtDealer => StockWhere::AtDealer,
                    LtoRank::InTransitToDealer => StockWhere::InTransitToDealer,
                    LtoRank::ElsewhereInMarket => StockWhere::ElsewhereInMarket,
                    LtoRank::InProduction => StockWhere::InProduction,
                });
                view.location = Some(choice.location.to_string());
            }
            FulfilmentDecision::Book { plant, week, .. } => {
                view.kind = EstimateKind::Build;
                view.plant = Some(plant.to_string());
                view.week = Some(week.to_string());
            }
            FulfilmentDecision::AwaitCapacity => {}
        }
        view
    }
}

/// The estimate for `configuration` in `market` delivered by `dealer` (a
/// dealer id as sent): 400 when malformed, 422 when the network has no such
/// dealer or it is not an agent in the market.
pub async fn estimate(
    state: &AppState,
    market: &MarketCode,
    configuration: Configuration,
    dealer: &str,
) -> Result<EstimateView, ApiError> {
    let dealer = DealerId::parse(dealer).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let Some(known) = state.catalog.dealer(&dealer) else {
        return Err(ApiError::rule(
            "unknown_dealer",
            format!("dealer {dealer} is not in the network"),
        ));
    };
    if &known.market != market {
        return Err(ApiError::rule(
            "dealer_not_in_market",
            format!("dealer {dealer} is not an agent in market {market}"),
        ));
    }
    let supply = projections::Supply::new(state.views.clone()).with_wait(ESTIMATE_WAIT);
    let (today, decision) = app::process::estimate_fulfilment(
        &state.executor,
        &supply,
        market.clone(),
        configuration,
        dealer.clone(),
    )
    .await
    .map_err(|e| ApiError::Unavailable(format!("no delivery estimate right now: {e}")))?;
    Ok(EstimateView::new(&dealer, today, &decision))
}
