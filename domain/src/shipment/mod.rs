//! Shipment: a planned or actual move of one vehicle from one location to
//! another. One stream per shipment.
//!
//! The engine *plans* a move as soon as it is known, so the customer sees an
//! ETA early; *dispatch* is a milestone a planner records when the yard hands
//! the car to a carrier. The shipment protects:
//!
//! - a plan has a known route: two different, known locations that the
//!   transport table connects, and an ETA of departure plus transport days;
//! - no move starts in the past: a departure before today is planned today;
//! - its life only moves forward: `planned` → `in_transit` → `arrived`, or
//!   `planned` → `cancelled` (a move under way cannot be cancelled);
//! - every delay has a reason (non-empty, at most [`MAX_REASON_CHARS`]
//!   characters) and a new ETA that is not in the past.
//!
//! A shipment holds its route as legs. The demo transport table has a direct
//! entry for every pair of locations, so a plan has one leg today; the `Vec`
//! lets multi-leg routes (plant → port → dealer) fit later.

mod decide;
mod evolve;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::decider::{Context, Decider};
use crate::values::{LocationId, OrderId, ShipmentId, VehicleId};

pub use decide::decide;
pub use evolve::evolve;

use crate::rules::ReasonProblem;
pub use crate::rules::MAX_REASON_CHARS;

/// One leg of a route: from one location to the next, in transport days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub from: LocationId,
    pub to: LocationId,
    pub days: u32,
}

/// Where a shipment is in its life (the API's names, snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Known and given an ETA; the vehicle has not left yet.
    Planned,
    /// Handed to a carrier.
    InTransit,
    /// At its destination (terminal).
    Arrived,
    /// Called off before it started (terminal).
    Cancelled,
}

/// A delay recorded against a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delay {
    pub reason: String,
    pub new_eta: NaiveDate,
    pub recorded_on: NaiveDate,
}

/// The state of one shipment; the default is a shipment not planned yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shipment {
    planned: Option<Move>,
}

/// A shipment that has been planned.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Move {
    id: ShipmentId,
    vehicle: VehicleId,
    order: Option<OrderId>,
    legs: Vec<Leg>,
    status: ShipmentStatus,
    departure: NaiveDate,
    departed_on: Option<NaiveDate>,
    eta: NaiveDate,
    delays: Vec<Delay>,
    arrived_on: Option<NaiveDate>,
    cancel_reason: Option<String>,
}

impl Move {
    fn origin(&self) -> Option<&LocationId> {
        self.legs.first().map(|l| &l.from)
    }

    fn destination(&self) -> Option<&LocationId> {
        self.legs.last().map(|l| &l.to)
    }

    fn days(&self) -> u32 {
        self.legs.iter().map(|l| l.days).sum()
    }
}

impl Shipment {
    /// Whether the shipment has been planned.
    pub fn exists(&self) -> bool {
        self.planned.is_some()
    }

    pub fn id(&self) -> Option<ShipmentId> {
        self.planned.as_ref().map(|m| m.id)
    }

    /// The vehicle that moves.
    pub fn vehicle(&self) -> Option<VehicleId> {
        self.planned.as_ref().map(|m| m.vehicle)
    }

    /// The order the move serves; `None` for a transfer of free stock.
    pub fn order(&self) -> Option<OrderId> {
        self.planned.as_ref().and_then(|m| m.order)
    }

    /// The route, leg by leg (empty before planning).
    pub fn legs(&self) -> &[Leg] {
        self.planned.as_ref().map_or(&[], |m| m.legs.as_slice())
    }

    /// Where the move starts.
    pub fn origin(&self) -> Option<&LocationId> {
        self.planned.as_ref().and_then(Move::origin)
    }

    /// Where the move ends.
    pub fn destination(&self) -> Option<&LocationId> {
        self.planned.as_ref().and_then(Move::destination)
    }

    /// Transport days of the whole route.
    pub fn days(&self) -> Option<u32> {
        self.planned.as_ref().map(Move::days)
    }

    pub fn status(&self) -> Option<ShipmentStatus> {
        self.planned.as_ref().map(|m| m.status)
    }

    /// The departure the plan assumed (never before the day it was planned).
    pub fn planned_departure(&self) -> Option<NaiveDate> {
        self.planned.as_ref().map(|m| m.departure)
    }

    /// The day the vehicle was handed to a carrier.
    pub fn departed_on(&self) -> Option<NaiveDate> {
        self.planned.as_ref().and_then(|m| m.departed_on)
    }

    /// The expected arrival at the destination, as last planned, dispatched
    /// or delayed.
    pub fn eta(&self) -> Option<NaiveDate> {
        self.planned.as_ref().map(|m| m.eta)
    }

    /// Every delay recorded, oldest first.
    pub fn delays(&self) -> &[Delay] {
        self.planned.as_ref().map_or(&[], |m| m.delays.as_slice())
    }

    pub fn arrived_on(&self) -> Option<NaiveDate> {
        self.planned.as_ref().and_then(|m| m.arrived_on)
    }

    /// Why the move was called off, if it was.
    pub fn cancel_reason(&self) -> Option<&str> {
        self.planned
            .as_ref()
            .and_then(|m| m.cancel_reason.as_deref())
    }
}

/// What may be asked of a shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShipmentCommand {
    /// Plan a move of `vehicle` from `from` to `to`, ready to leave on
    /// `ready_on` (today if that is in the past).
    Plan {
        shipment: ShipmentId,
        vehicle: VehicleId,
        order: Option<OrderId>,
        from: LocationId,
        to: LocationId,
        ready_on: NaiveDate,
    },
    /// Record that the vehicle was handed to a carrier today.
    Dispatch,
    /// Record a delay with its reason and the new ETA.
    Delay { reason: String, new_eta: NaiveDate },
    /// Record the arrival at the destination today.
    Arrive,
    /// Call off a move that has not started.
    Cancel { reason: String },
}

crate::event_enum! {
    /// What happened to a shipment. Every event names the shipment, its vehicle
    /// and its order, so projections render it without lookups.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum ShipmentEvent {
        /// A move was planned with its route and ETA.
        Planned as "ShipmentPlanned" {
            shipment: ShipmentId,
            vehicle: VehicleId,
            order: Option<OrderId>,
            legs: Vec<Leg>,
            departure: NaiveDate,
            eta: NaiveDate,
        },
        /// The vehicle left with a carrier.
        Dispatched as "ShipmentDispatched" {
            shipment: ShipmentId,
            vehicle: VehicleId,
            order: Option<OrderId>,
            from: LocationId,
            to: LocationId,
            departed_on: NaiveDate,
            eta: NaiveDate,
        },
        /// The move is late (or its ETA was revised) for a reason.
        Delayed as "ShipmentDelayed" {
            shipment: ShipmentId,
            vehicle: VehicleId,
            order: Option<OrderId>,
            reason: String,
            new_eta: NaiveDate,
            on: NaiveDate,
        },
        /// The vehicle reached the destination.
        Arrived as "ShipmentArrived" {
            shipment: ShipmentId,
            vehicle: VehicleId,
            order: Option<OrderId>,
            at: LocationId,
            on: NaiveDate,
        },
        /// The move was called off before it started.
        Cancelled as "ShipmentCancelled" {
            shipment: ShipmentId,
            vehicle: VehicleId,
            order: Option<OrderId>,
            reason: String,
            on: NaiveDate,
        },
    }
}

/// The rule a shipment command breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShipmentError {
    #[error("the shipment has not been planned")]
    NotFound,
    #[error("shipment {shipment} is already planned with a different route, vehicle or order")]
    AlreadyPlanned { shipment: ShipmentId },
    #[error("location {location} is not in the network")]
    UnknownLocation { location: LocationId },
    #[error("a shipment must go somewhere else than {location}")]
    SameLocation { location: LocationId },
    #[error("the transport table has no route from {from} to {to}")]
    NoRoute { from: LocationId, to: LocationId },
    #[error("only a planned shipment can be dispatched; this one is {status:?}")]
    NotPlanned { status: ShipmentStatus },
    #[error("a shipment that is {status:?} can no longer be delayed")]
    NotUnderway { status: ShipmentStatus },
    #[error("only a shipment in transit can arrive; this one is {status:?}")]
    NotInTransit { status: ShipmentStatus },
    #[error("only a planned shipment can be cancelled; this one is {status:?}")]
    NotCancellable { status: ShipmentStatus },
    #[error("a reason is required")]
    ReasonMissing,
    #[error("a reason has at most {max} characters")]
    ReasonTooLong { max: usize },
    #[error("the ETA {eta} is before today ({today})")]
    EtaInPast { eta: NaiveDate, today: NaiveDate },
}

impl From<ReasonProblem> for ShipmentError {
    fn from(problem: ReasonProblem) -> Self {
        match problem {
            ReasonProblem::Missing => ShipmentError::ReasonMissing,
            ReasonProblem::TooLong => ShipmentError::ReasonTooLong {
                max: MAX_REASON_CHARS,
            },
        }
    }
}

impl Decider for Shipment {
    type State = Shipment;
    type Command = ShipmentCommand;
    type Event = ShipmentEvent;
    type Error = ShipmentError;

    fn decide(
        state: &Shipment,
        command: ShipmentCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<ShipmentEvent>, ShipmentError> {
        decide(state, command, ctx)
    }

    fn evolve(state: Shipment, event: &ShipmentEvent) -> Shipment {
        evolve(state, event)
    }
}
