//! Fulfilment: locate first, build second.
//!
//! For an order waiting in `placed`, [`decide_fulfilment`] says what to do:
//!
//! 1. **Locate to order (LTO).** Reserve an unreserved vehicle of the order's
//!    market whose configuration equals the order's exactly (near matches
//!    are for the [locator](super::locator), never for fulfilment), ranked by
//!    [`LtoRank`]: at the order's dealer, then in transit to it, then standing
//!    at another location of the order's market (a transfer is then planned),
//!    then in production. Within a tier the soonest ETA wins; ties break on
//!    the vehicle id, so the same snapshot always gives the same answer.
//! 2. **Build to order (BTO).** Otherwise book the earliest week at the
//!    model's plant that has free capacity and whose Monday is at least
//!    [`BTO_LEAD_DAYS`](crate::rules::BTO_LEAD_DAYS) days after today.
//! 3. Neither: the order **awaits capacity** and is tried again when a
//!    planner opens capacity or stock appears.
//!
//! The ETA is always the day the car is expected at the delivering dealer:
//! today for a car already there; its arrival for one in transit to it;
//! today plus transport days for a transfer; completion plus transport days
//! for a car in production; the Sunday of the production week plus transport
//! days for a build. A date already past (a late shipment or build) counts
//! as today, so an ETA never lies in the past.
//!
//! Vehicles the tiers do not name are left alone by fulfilment: a vehicle in
//! transit to another location (it can be transferred once it has arrived),
//! a vehicle standing at a location of another market (moving it needs the
//! ocean leg: a planner's decision, seen in the locator), and any vehicle
//! with no route to the dealer in the transport table.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Demand, SlotAvailability, StockUnit, Whereabouts};
use crate::catalog::Catalog;
use crate::rules::is_bookable;
use crate::values::{in_calendar, DealerId, IsoWeek, LocationId, MarketCode, PlantId, VehicleId};

/// The LTO tiers, best first: every vehicle of a tier beats every vehicle of
/// the next, whatever their ETAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LtoRank {
    /// Standing at the order's dealer.
    AtDealer,
    /// On a shipment leg to the order's dealer.
    InTransitToDealer,
    /// Standing at another dealer of the order's market, or at a plant (a
    /// finished build of the order's market waiting for its first move,
    /// wherever the plant is); a transfer to the order's dealer is then
    /// planned.
    ElsewhereInMarket,
    /// Being built (for the order's market, at whichever plant).
    InProduction,
}

impl LtoRank {
    /// The tier of a vehicle with these whereabouts for an order of `market`
    /// delivered at `dealer`, or `None` when fulfilment does not consider it
    /// (in transit elsewhere, or standing at a location of another market or
    /// unknown to the catalog).
    pub fn of(
        whereabouts: &Whereabouts,
        dealer: &DealerId,
        market: &MarketCode,
        catalog: &Catalog,
    ) -> Option<LtoRank> {
        match whereabouts {
            Whereabouts::AtLocation(LocationId::Dealer(at)) if at == dealer => {
                Some(LtoRank::AtDealer)
            }
            Whereabouts::InTransit {
                to: LocationId::Dealer(to),
                ..
            } if to == dealer => Some(LtoRank::InTransitToDealer),
            Whereabouts::AtLocation(at)
                if catalog.location_market(at) == Some(market)
                    || matches!(at, LocationId::Plant(_)) =>
            {
                Some(LtoRank::ElsewhereInMarket)
            }
            Whereabouts::InProduction { .. } => Some(LtoRank::InProduction),
            Whereabouts::AtLocation(_) | Whereabouts::InTransit { .. } => None,
        }
    }
}

/// The vehicle locate-to-order reserves, and what that means for the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LtoChoice {
    pub vehicle: VehicleId,
    pub rank: LtoRank,
    /// Where the vehicle is or is heading (for a build: its plant); for
    /// [`LtoRank::ElsewhereInMarket`] and [`LtoRank::InProduction`] the
    /// application plans a shipment from here to the order's dealer.
    pub location: LocationId,
    /// The day the vehicle is expected at the order's dealer.
    pub eta: NaiveDate,
    /// Whether the vehicle already stands at the order's dealer (no shipment
    /// needed).
    pub at_dealer: bool,
}

impl LtoChoice {
    /// The order of preference between choices: lower is better (tier, then
    /// ETA, then vehicle id so that the result is deterministic).
    pub fn precedence(&self) -> (LtoRank, NaiveDate, VehicleId) {
        (self.rank, self.eta, self.vehicle)
    }
}

/// What fulfilment decides for one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum FulfilmentDecision {
    /// Reserve this vehicle (locate to order).
    Reserve(LtoChoice),
    /// Book a build in this plant-week (build to order).
    Book {
        plant: PlantId,
        week: IsoWeek,
        /// The day the build is expected at the order's dealer.
        eta: NaiveDate,
    },
    /// No vehicle and no bookable capacity: the order stays `placed`
    /// ("awaiting capacity").
    AwaitCapacity,
}

impl FulfilmentDecision {
    /// The ETA at the order's dealer, if the decision promises one.
    pub fn eta(&self) -> Option<NaiveDate> {
        match self {
            FulfilmentDecision::Reserve(choice) => Some(choice.eta),
            FulfilmentDecision::Book { eta, .. } => Some(*eta),
            FulfilmentDecision::AwaitCapacity => None,
        }
    }
}

/// Locate first, build second: the vehicle to reserve, else the week to
/// book, else wait. See the [module documentation](self) for the rules.
pub fn decide_fulfilment(
    demand: &Demand,
    stock: &[StockUnit],
    slots: &[SlotAvailability],
    today: NaiveDate,
    catalog: &Catalog,
) -> FulfilmentDecision {
    if let Some(choice) = locate_to_order(demand, stock, today, catalog) {
        return FulfilmentDecision::Reserve(choice);
    }
    build_to_order(demand, slots, today, catalog).unwrap_or(FulfilmentDecision::AwaitCapacity)
}

/// The best vehicle for the order, if any: the LTO step of
/// [`decide_fulfilment`] on its own.
pub fn locate_to_order(
    demand: &Demand,
    stock: &[StockUnit],
    today: NaiveDate,
    catalog: &Catalog,
) -> Option<LtoChoice> {
    stock
        .iter()
        .filter_map(|unit| lto_choice(unit, demand, today, catalog))
        .min_by_key(LtoChoice::precedence)
}

/// What reserving `unit` for `demand` would mean, or `None` when fulfilment
/// never picks it: reserved, another market, not an exact match, outside
/// every [`LtoRank`], or no route to the dealer.
pub fn lto_choice(
    unit: &StockUnit,
    demand: &Demand,
    today: NaiveDate,
    catalog: &Catalog,
) -> Option<LtoChoice> {
    let eligible = unit.reserved_by.is_none()
        && unit.market == demand.market
        && unit.configuration == demand.configuration;
    if !eligible {
        return None;
    }
    let rank = LtoRank::of(&unit.whereabouts, &demand.dealer, &demand.market, catalog)?;
    let eta = eta_at_dealer(&unit.whereabouts, &demand.dealer, today, catalog)?;
    Some(LtoChoice {
        vehicle: unit.vehicle,
        rank,
        location: unit.whereabouts.location(),
        eta,
        at_dealer: rank == LtoRank::AtDealer,
    })
}

/// The day a vehicle with these whereabouts can be at `dealer`: the day it
/// is available where it is or is heading
/// ([`Whereabouts::available_on`], never before today) plus the transport
/// days from there to the dealer. `None` without a route.
pub fn eta_at_dealer(
    whereabouts: &Whereabouts,
    dealer: &DealerId,
    today: NaiveDate,
    catalog: &Catalog,
) -> Option<NaiveDate> {
    let days =
        catalog.transport_days(&whereabouts.location(), &LocationId::Dealer(dealer.clone()))?;
    plus_days(whereabouts.available_on(today), days)
}

/// The day a build of `week` at `plant` is expected at `dealer`: the
/// Sunday the week ends on plus the transport days. `None` without a route.
pub fn build_eta(
    plant: &PlantId,
    week: IsoWeek,
    dealer: &DealerId,
    catalog: &Catalog,
) -> Option<NaiveDate> {
    let days = catalog.transport_days(
        &LocationId::Plant(plant.clone()),
        &LocationId::Dealer(dealer.clone()),
    )?;
    plus_days(week.sunday(), days)
}

/// The earliest week at `plant` that has free capacity and that
/// build-to-order may still book on `today` ([`is_bookable`]).
pub fn earliest_bookable_week(
    plant: &PlantId,
    slots: &[SlotAvailability],
    today: NaiveDate,
) -> Option<IsoWeek> {
    slots
        .iter()
        .filter(|s| &s.plant == plant && s.has_free_capacity() && is_bookable(s.week, today))
        .map(|s| s.week)
        .min()
}

/// The BTO step: the earliest bookable week at the model's plant, with the
/// build's ETA at the dealer. `None` when the model is unknown, no week
/// qualifies, or the plant has no route to the dealer (no ETA can be
/// promised, so the order rather waits for a planner).
fn build_to_order(
    demand: &Demand,
    slots: &[SlotAvailability],
    today: NaiveDate,
    catalog: &Catalog,
) -> Option<FulfilmentDecision> {
    let plant = &catalog.model(&demand.configuration.model)?.plant;
    let week = earliest_bookable_week(plant, slots, today)?;
    let eta = build_eta(plant, week, &demand.dealer, catalog)?;
    Some(FulfilmentDecision::Book {
        plant: plant.clone(),
        week,
        eta,
    })
}

/// `date` plus `days`, or `None` past the end of the business calendar (9999-12-31): no
/// promise is made that the calendar cannot hold.
fn plus_days(date: NaiveDate, days: u32) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(u64::from(days)))
        .filter(|day| in_calendar(*day))
}
