//! The LTO locator: find the car that matches in the supply chain
//! (`GET /api/v1/vehicles/locate`).
//!
//! [`locate`] lists the unreserved vehicles of the query's market and model:
//!
//! - **Exact matches first** (the same configuration), in the fulfilment
//!   order when a dealer is given: the [`LtoRank`] tiers, soonest ETA at that
//!   dealer within a tier (see [`fulfilment`](super::fulfilment)). Vehicles
//!   fulfilment would leave alone (in transit elsewhere, standing in another
//!   market, no route to the dealer) follow the tiers, by ETA where a route
//!   is known, unknown ETAs last: a planner may still decide to move them. Without a dealer: standing at a location,
//!   then in transit, then in production, each by the day the vehicle is
//!   (expected to be) available where it is or is heading.
//! - **Then near matches** (same model, other options), fewest differences
//!   first, then in the same order as the exact ones; at most
//!   [`NEAR_MATCH_LIMIT`] of them (or the limit given to
//!   [`locate_with_limit`]) so that a big stock does not flood the planner.
//!   Exact matches are never capped.
//!
//! The first exact candidate for a dealer is the vehicle
//! [`decide_fulfilment`](super::decide_fulfilment) would reserve, when it
//! reserves one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::fulfilment::{eta_at_dealer, LtoRank};
use super::{StockUnit, WhereaboutsKind};
use crate::catalog::{Catalog, Configuration};
use crate::values::{DealerId, LocationId, MarketCode, VehicleId};

/// How many near matches [`locate`] returns at most.
pub const NEAR_MATCH_LIMIT: usize = 20;

/// What the planner or the showroom is looking for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocateQuery {
    pub market: MarketCode,
    /// A validated configuration (defaults filled in), as
    /// [`Catalog::validate`] returns it.
    pub configuration: Configuration,
    /// The dealer the car would be delivered at: ranks and ETAs are then
    /// those of fulfilment for that dealer.
    pub dealer: Option<DealerId>,
}

/// Whether a vehicle's configuration equals the one asked for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The same model with exactly the same options.
    Exact,
    /// The same model with other options.
    Near,
}

/// One vehicle the locator found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub vehicle: VehicleId,
    /// Where the vehicle is or is heading (for a build: its plant).
    pub location: LocationId,
    pub whereabouts: WhereaboutsKind,
    pub match_kind: MatchKind,
    /// How the vehicle differs from the query, as
    /// [`Configuration::differences`] of the vehicle against the query:
    /// `"+CODE"` the vehicle has an option the query does not ask for,
    /// `"-CODE"` the vehicle lacks an option the query asks for. Empty for an
    /// exact match.
    pub differences: Vec<String>,
    /// With a dealer: the day the vehicle can be at that dealer (`None` when
    /// the transport table has no route). Without: the day it is (expected
    /// to be) available at [`location`](Self::location). Never in the past.
    pub eta: Option<NaiveDate>,
}

/// The vehicles matching `query`, exact ones first, at most
/// [`NEAR_MATCH_LIMIT`] near ones. See the [module documentation](self).
pub fn locate(
    query: &LocateQuery,
    stock: &[StockUnit],
    today: NaiveDate,
    catalog: &Catalog,
) -> Vec<Candidate> {
    locate_with_limit(query, stock, today, catalog, NEAR_MATCH_LIMIT)
}

/// [`locate`] with at most `near_limit` near matches.
pub fn locate_with_limit(
    query: &LocateQuery,
    stock: &[StockUnit],
    today: NaiveDate,
    catalog: &Catalog,
    near_limit: usize,
) -> Vec<Candidate> {
    let mut found: Vec<(SortKey, Candidate)> = stock
        .iter()
        .filter(|unit| {
            unit.reserved_by.is_none()
                && unit.market == query.market
                && unit.configuration.model == query.configuration.model
        })
        .map(|unit| candidate(unit, query, today, catalog))
        .collect();
    found.sort_by_key(|(key, _)| *key);

    let mut near_left = near_limit;
    found
        .into_iter()
        .map(|(_, candidate)| candidate)
        .filter(|c| match c.match_kind {
            MatchKind::Exact => true,
            MatchKind::Near if near_left > 0 => {
                near_left -= 1;
                true
            }
            MatchKind::Near => false,
        })
        .collect()
}

/// Where a candidate stands in the ranking, best first. With a dealer only
/// `Lto` and `Beyond` occur; without one only `Kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// A fulfilment tier for the query's dealer.
    Lto(LtoRank),
    /// Outside every fulfilment tier for the query's dealer, or without a
    /// route to it.
    Beyond,
    /// No dealer given: ranked by whereabouts alone.
    Kind(WhereaboutsKind),
}

/// Match kind, number of differences, tier, ETA (unknown last), vehicle id.
type SortKey = (MatchKind, usize, Tier, (bool, Option<NaiveDate>), VehicleId);

fn candidate(
    unit: &StockUnit,
    query: &LocateQuery,
    today: NaiveDate,
    catalog: &Catalog,
) -> (SortKey, Candidate) {
    let whereabouts = &unit.whereabouts;
    let (tier, eta) = match &query.dealer {
        Some(dealer) => {
            let eta = eta_at_dealer(whereabouts, dealer, today, catalog);
            // Without a route fulfilment skips the vehicle: so does the tier.
            let rank =
                LtoRank::of(whereabouts, dealer, &query.market, catalog).filter(|_| eta.is_some());
            (rank.map_or(Tier::Beyond, Tier::Lto), eta)
        }
        None => (
            Tier::Kind(whereabouts.kind()),
            Some(whereabouts.available_on(today)),
        ),
    };
    let differences = unit.configuration.differences(&query.configuration);
    let match_kind = if unit.configuration == query.configuration {
        MatchKind::Exact
    } else {
        MatchKind::Near
    };
    let key = (
        match_kind,
        differences.len(),
        tier,
        (eta.is_none(), eta),
        unit.vehicle,
    );
    let candidate = Candidate {
        vehicle: unit.vehicle,
        location: whereabouts.location(),
        whereabouts: whereabouts.kind(),
        match_kind,
        differences,
        eta,
    };
    (key, candidate)
}
