//! Policies: pure decisions that read several aggregates' facts at once.
//!
//! A policy is not an aggregate: it owns no stream, emits no events and has
//! no `decide`/`evolve`. It is a pure function from a snapshot of read models
//! (filled by the application layer from the vehicle and slot projections)
//! to a decision the application then carries out by sending commands to the
//! aggregates, which have the last word (two orders racing for one vehicle:
//! the vehicle's stream lets exactly one win, the other runs fulfilment again).
//!
//! The snapshot types below are the policies' own, so that the policies do
//! not depend on how the aggregates store their state.
//!
//! - [`fulfilment`]: locate first, build second ([`decide_fulfilment`]).
//! - [`locator`]: the planner's and showroom's search for a matching or
//!   nearly matching vehicle anywhere in the pipeline ([`locate`]).

pub mod fulfilment;
pub mod locator;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::Configuration;
use crate::values::{DealerId, IsoWeek, LocationId, MarketCode, OrderId, PlantId, VehicleId};

pub use fulfilment::{
    build_eta, decide_fulfilment, earliest_bookable_week, eta_at_dealer, locate_to_order,
    lto_choice, FulfilmentDecision, LtoChoice, LtoRank,
};
pub use locator::{locate, locate_with_limit, Candidate, LocateQuery, MatchKind, NEAR_MATCH_LIMIT};

/// Where an unreserved vehicle is in the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whereabouts {
    /// Standing at a dealer's yard or at a plant.
    AtLocation(LocationId),
    /// On a shipment leg to `to`, expected there on `eta`.
    InTransit { to: LocationId, eta: NaiveDate },
    /// Being built at `plant`; the build is expected complete on `ready_on`.
    InProduction { plant: PlantId, ready_on: NaiveDate },
}

impl Whereabouts {
    /// The location the vehicle is at or is heading to (for a build: its
    /// plant).
    pub fn location(&self) -> LocationId {
        match self {
            Whereabouts::AtLocation(at) => at.clone(),
            Whereabouts::InTransit { to, .. } => to.clone(),
            Whereabouts::InProduction { plant, .. } => LocationId::Plant(plant.clone()),
        }
    }

    /// The day the vehicle is (expected to be) available at
    /// [`location`](Self::location): today when it stands there, else its
    /// arrival or completion date. A late vehicle is expected any moment, so
    /// a date already past counts as today: an ETA never lies in the past.
    pub fn available_on(&self, today: NaiveDate) -> NaiveDate {
        match self {
            Whereabouts::AtLocation(_) => today,
            Whereabouts::InTransit { eta, .. } => (*eta).max(today),
            Whereabouts::InProduction { ready_on, .. } => (*ready_on).max(today),
        }
    }

    /// The kind of whereabouts, without its data.
    pub fn kind(&self) -> WhereaboutsKind {
        match self {
            Whereabouts::AtLocation(_) => WhereaboutsKind::AtLocation,
            Whereabouts::InTransit { .. } => WhereaboutsKind::InTransit,
            Whereabouts::InProduction { .. } => WhereaboutsKind::InProduction,
        }
    }
}

/// The kind of a [`Whereabouts`], ordered as the locator ranks vehicles when
/// no dealer is given: standing somewhere, then on the road, then being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhereaboutsKind {
    AtLocation,
    InTransit,
    InProduction,
}

/// A vehicle as the policies see it: filled from the vehicle read model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockUnit {
    pub vehicle: VehicleId,
    /// The market the vehicle is built for (homologation, language, price).
    pub market: MarketCode,
    pub configuration: Configuration,
    pub whereabouts: Whereabouts,
    /// The order holding the vehicle, if any; the policies only ever offer
    /// unreserved vehicles.
    pub reserved_by: Option<OrderId>,
}

/// Production capacity of one plant-week: filled from the slot read model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotAvailability {
    pub plant: PlantId,
    pub week: IsoWeek,
    pub capacity: u32,
    pub booked: u32,
}

impl SlotAvailability {
    /// Whether one more build fits into the week.
    pub fn has_free_capacity(&self) -> bool {
        self.booked < self.capacity
    }
}

/// An order waiting for fulfilment: what it asks for and where it is
/// delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    pub order: OrderId,
    pub market: MarketCode,
    pub configuration: Configuration,
    /// The delivering dealer (in the order's market).
    pub dealer: DealerId,
}
