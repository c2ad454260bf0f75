//! Vehicle: one stock unit or build, where it is, and the order it is
//! allocated to. One stream per vehicle.
//!
//! The vehicle protects:
//!
//! - **one vehicle, at most one order**: it is reserved by one order or by
//!   none; another order is refused ([`VehicleError::AlreadyReserved`]) and
//!   only a planner's reassignment moves it from one order to another;
//! - its configuration is valid for its market, it stands at (or moves
//!   between) known locations, it is built at the plant that builds its
//!   model, and it is only reserved for a dealer of its own market;
//! - a reserved vehicle only travels to its order's dealer, and is delivered
//!   only for that order, standing at that dealer;
//! - its life: registered stock or a build (`in_production` → `built`, or
//!   free stock at the plant when built without an order), moves
//!   (`in_transit`) with an ETA that is never in the past and delays with a
//!   reason, and `delivered`, which is terminal: nothing more is accepted.
//!
//! Free, in-production and in-transit vehicles can all be reserved: LTO may
//! take a vehicle anywhere in the pipeline.

mod decide;
mod evolve;
mod step;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::{Configuration, Violation};
use crate::decider::{Context, Decider};
use crate::values::{
    DealerId, IsoWeek, LocationId, MarketCode, ModelCode, OptionCode, OrderId, PlantId, ShipmentId,
    VehicleId, Vin,
};

pub use decide::decide;
pub use evolve::evolve;
pub use step::{step, BuildStart, Change, Created, Standing, Step};

/// Where a vehicle is in its life (the API's names, snake_case).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleStatus {
    /// At a location, not reserved.
    Free,
    /// At a location, reserved for an order.
    Reserved,
    /// Being built at its plant, reserved or not.
    InProduction,
    /// Build completed, at the plant, reserved for an order, awaiting
    /// dispatch. (A build completed without an order is `Free` stock.)
    Built,
    /// Moving to a destination, reserved or not.
    InTransit,
    /// Handed over to the customer of its order (terminal).
    Delivered,
}

/// The order a vehicle is reserved for and the dealer that delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub order: OrderId,
    pub dealer: DealerId,
}

/// Where and when a vehicle was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub plant: PlantId,
    pub week: IsoWeek,
    pub vin: Vin,
    /// The day the build completed; `None` while in production.
    pub built_on: Option<NaiveDate>,
}

/// The move a vehicle is on while in transit.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Journey {
    shipment: ShipmentId,
    destination: LocationId,
    eta: NaiveDate,
    delay_reason: Option<String>,
}

/// The state of one vehicle; the default is a vehicle that does not exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vehicle {
    unit: Option<Unit>,
}

/// A vehicle that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Unit {
    id: VehicleId,
    market: MarketCode,
    configuration: Configuration,
    status: VehicleStatus,
    /// Where it stands, or where it left from while in transit.
    location: LocationId,
    /// Set exactly while in transit.
    journey: Option<Journey>,
    reservation: Option<Reservation>,
    /// Set for a vehicle built by the engine; `None` for registered stock.
    build: Option<Build>,
}

impl Vehicle {
    /// Whether the vehicle has been registered or its build started.
    pub fn exists(&self) -> bool {
        self.unit.is_some()
    }

    pub fn id(&self) -> Option<VehicleId> {
        self.unit.as_ref().map(|u| u.id)
    }

    pub fn status(&self) -> Option<VehicleStatus> {
        self.unit.as_ref().map(|u| u.status)
    }

    /// The market the vehicle is configured for.
    pub fn market(&self) -> Option<&MarketCode> {
        self.unit.as_ref().map(|u| &u.market)
    }

    /// The complete configuration (defaults filled in): two vehicles match
    /// an order exactly when their configurations are equal.
    pub fn configuration(&self) -> Option<&Configuration> {
        self.unit.as_ref().map(|u| &u.configuration)
    }

    /// Where the vehicle stands; while in transit, where it left from.
    pub fn location(&self) -> Option<&LocationId> {
        self.unit.as_ref().map(|u| &u.location)
    }

    /// Where the vehicle is going, while in transit.
    pub fn destination(&self) -> Option<&LocationId> {
        self.journey().map(|j| &j.destination)
    }

    /// The expected arrival at the destination, while in transit.
    pub fn eta(&self) -> Option<NaiveDate> {
        self.journey().map(|j| j.eta)
    }

    /// The shipment the vehicle is on, while in transit.
    pub fn shipment(&self) -> Option<ShipmentId> {
        self.journey().map(|j| j.shipment)
    }

    /// Why the current move is late, if a delay was recorded on it.
    pub fn delay_reason(&self) -> Option<&str> {
        self.journey().and_then(|j| j.delay_reason.as_deref())
    }

    /// The order the vehicle is reserved for (or was delivered to).
    pub fn order(&self) -> Option<OrderId> {
        self.reservation().map(|r| r.order)
    }

    /// The dealer that delivers the vehicle's order.
    pub fn order_dealer(&self) -> Option<&DealerId> {
        self.reservation().map(|r| &r.dealer)
    }

    pub fn reservation(&self) -> Option<&Reservation> {
        self.unit.as_ref().and_then(|u| u.reservation.as_ref())
    }

    /// Whether an order may reserve the vehicle now: it exists, is not
    /// reserved and not delivered.
    pub fn is_reservable(&self) -> bool {
        self.unit.as_ref().is_some_and(|u| {
            u.reservation.is_none()
                && matches!(
                    u.status,
                    VehicleStatus::Free | VehicleStatus::InProduction | VehicleStatus::InTransit
                )
        })
    }

    /// Plant, week, VIN and completion day of a vehicle the engine built.
    pub fn build(&self) -> Option<&Build> {
        self.unit.as_ref().and_then(|u| u.build.as_ref())
    }

    /// The VIN assigned at build start (registered stock has none recorded).
    pub fn vin(&self) -> Option<&Vin> {
        self.build().map(|b| &b.vin)
    }

    /// The plant that built (or builds) the vehicle.
    pub fn plant(&self) -> Option<&PlantId> {
        self.build().map(|b| &b.plant)
    }

    /// The production week of the vehicle's build.
    pub fn week(&self) -> Option<IsoWeek> {
        self.build().map(|b| b.week)
    }

    fn journey(&self) -> Option<&Journey> {
        self.unit.as_ref().and_then(|u| u.journey.as_ref())
    }
}

/// What may be asked of a vehicle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VehicleCommand {
    /// A planner registers a free stock vehicle at a location.
    Register {
        vehicle: VehicleId,
        market: MarketCode,
        model: ModelCode,
        options: Vec<OptionCode>,
        location: LocationId,
    },
    /// Production starts building a vehicle, for an order (with its
    /// delivering dealer) or for stock.
    StartBuild {
        vehicle: VehicleId,
        market: MarketCode,
        configuration: Configuration,
        plant: PlantId,
        week: IsoWeek,
        vin: Vin,
        order: Option<OrderId>,
        order_dealer: Option<DealerId>,
    },
    /// Production completed the build.
    CompleteBuild,
    /// Reserve the vehicle for an order delivered by `dealer`.
    Reserve { order: OrderId, dealer: DealerId },
    /// Give the vehicle back from `order` (amended or cancelled).
    Release { order: OrderId },
    /// A planner takes the vehicle from order `from` and gives it to order
    /// `to`, delivered by `dealer`.
    Reassign {
        from: OrderId,
        to: OrderId,
        dealer: DealerId,
    },
    /// The vehicle leaves on `shipment` for `to`, expected on `eta`.
    Dispatch {
        shipment: ShipmentId,
        to: LocationId,
        eta: NaiveDate,
    },
    /// The move is late for `reason`; it is now expected on `new_eta`.
    Delay { reason: String, new_eta: NaiveDate },
    /// The vehicle reached `location`.
    Arrive { location: LocationId },
    /// The vehicle was handed over to the customer of `order`.
    Deliver { order: OrderId },
}

crate::event_enum! {
    /// What happened to a vehicle. Every event names the vehicle and, where
    /// there is one, its order, so projections render it without lookups.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum VehicleEvent {
        /// A free stock vehicle was registered at a location.
        Registered as "VehicleRegistered" {
            vehicle: VehicleId,
            market: MarketCode,
            configuration: Configuration,
            location: LocationId,
        },
        /// A build started at `plant` in `week`, for an order or for stock.
        BuildStarted as "VehicleBuildStarted" {
            vehicle: VehicleId,
            market: MarketCode,
            configuration: Configuration,
            plant: PlantId,
            week: IsoWeek,
            vin: Vin,
            order: Option<OrderId>,
            dealer: Option<DealerId>,
        },
        /// The build completed at the plant.
        Built as "VehicleBuilt" {
            vehicle: VehicleId,
            plant: PlantId,
            vin: Vin,
            order: Option<OrderId>,
            on: NaiveDate,
        },
        /// An order reserved the vehicle.
        Reserved as "VehicleReserved" {
            vehicle: VehicleId,
            order: OrderId,
            dealer: DealerId,
        },
        /// An order gave the vehicle back.
        Released as "VehicleReleased" {
            vehicle: VehicleId,
            order: OrderId,
            dealer: DealerId,
        },
        /// A planner moved the reservation from one order to another.
        Reassigned as "VehicleReassigned" {
            vehicle: VehicleId,
            from: OrderId,
            from_dealer: DealerId,
            to: OrderId,
            to_dealer: DealerId,
        },
        /// The vehicle left `from` for `to` on a shipment.
        Dispatched as "VehicleDispatched" {
            vehicle: VehicleId,
            shipment: ShipmentId,
            order: Option<OrderId>,
            from: LocationId,
            to: LocationId,
            eta: NaiveDate,
            on: NaiveDate,
        },
        /// The move is late for a reason; new ETA.
        Delayed as "VehicleDelayed" {
            vehicle: VehicleId,
            shipment: ShipmentId,
            order: Option<OrderId>,
            reason: String,
            new_eta: NaiveDate,
            on: NaiveDate,
        },
        /// The vehicle reached its destination.
        Arrived as "VehicleArrived" {
            vehicle: VehicleId,
            shipment: ShipmentId,
            order: Option<OrderId>,
            at: LocationId,
            on: NaiveDate,
        },
        /// The vehicle was handed over to the customer of its order.
        Delivered as "VehicleDelivered" {
            vehicle: VehicleId,
            order: OrderId,
            dealer: DealerId,
            on: NaiveDate,
        },
    }
}

/// The rule a vehicle command breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VehicleError {
    #[error("the vehicle does not exist")]
    NotFound,
    #[error("vehicle {vehicle} already exists")]
    AlreadyExists { vehicle: VehicleId },
    #[error("vehicle {vehicle} is delivered: nothing more can happen to it")]
    AlreadyDelivered { vehicle: VehicleId },
    #[error("the configuration is invalid for the market: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidConfiguration(Vec<Violation>),
    #[error("location {location} is not in the network")]
    UnknownLocation { location: LocationId },
    #[error("plant {plant} is not in the network")]
    UnknownPlant { plant: PlantId },
    #[error("model {model} is built at {builds_at}, not at {plant}")]
    WrongPlant {
        plant: PlantId,
        model: ModelCode,
        builds_at: PlantId,
    },
    #[error("a build for an order needs both the order and its dealer")]
    IncompleteReservation,
    #[error("dealer {dealer} is not in the network")]
    UnknownDealer { dealer: DealerId },
    #[error("dealer {dealer} is in market {dealer_market}, the vehicle is for {vehicle_market}")]
    DealerOutsideMarket {
        dealer: DealerId,
        dealer_market: MarketCode,
        vehicle_market: MarketCode,
    },
    #[error("{location} is in market {location_market}, the vehicle is for {vehicle_market}: stock stays in its market")]
    LocationOutsideMarket {
        location: LocationId,
        location_market: MarketCode,
        vehicle_market: MarketCode,
    },
    #[error("only a vehicle in production can complete its build; this one is {status:?}")]
    NotInProduction { status: VehicleStatus },
    #[error("vehicle {vehicle} is already reserved by order {by}")]
    AlreadyReserved { vehicle: VehicleId, by: OrderId },
    #[error("vehicle {vehicle} is not reserved by order {order}")]
    NotReservedBy { vehicle: VehicleId, order: OrderId },
    #[error("a vehicle that is {status:?} cannot be dispatched")]
    NotDispatchable { status: VehicleStatus },
    #[error("the vehicle already stands at {location}")]
    AlreadyAt { location: LocationId },
    #[error("vehicle {vehicle} is reserved and may only go to its order's dealer {dealer}")]
    MustGoToOrderDealer {
        vehicle: VehicleId,
        dealer: DealerId,
    },
    #[error("the ETA {eta} is before today ({today})")]
    EtaInPast { eta: NaiveDate, today: NaiveDate },
    #[error("only a vehicle in transit can be delayed or arrive; this one is {status:?}")]
    NotInTransit { status: VehicleStatus },
    #[error("the vehicle is going to {destination}, not to {location}")]
    WrongDestination {
        destination: LocationId,
        location: LocationId,
    },
    #[error("a delay needs a reason")]
    ReasonMissing,
    #[error("a reason has at most {max} characters")]
    ReasonTooLong { max: usize },
    #[error("vehicle {vehicle} is not standing at its order's dealer {dealer}")]
    NotAtOrderDealer {
        vehicle: VehicleId,
        dealer: DealerId,
    },
}

impl Decider for Vehicle {
    type State = Vehicle;
    type Command = VehicleCommand;
    type Event = VehicleEvent;
    type Error = VehicleError;

    fn decide(
        state: &Vehicle,
        command: VehicleCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<VehicleEvent>, VehicleError> {
        decide(state, command, ctx)
    }

    fn evolve(state: Vehicle, event: &VehicleEvent) -> Vehicle {
        evolve(state, event)
    }
}
