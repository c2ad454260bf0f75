//! The configured order: one stream per order.
//!
//! It protects the customer-facing life of an order: one locked price, one
//! fulfilment at a time (a stock vehicle *or* a production slot, never
//! both, never two), a status that only moves forward (except by
//! cancellation, an amendment that releases a stock vehicle, or a
//! planner's reallocation, which send it back to `placed`), amendments and
//! a refunded deposit only before the production freeze (for stock: before
//! dispatch, or for a car that stood at the dealer, before the handover is
//! booked or its invoice paid; plus the online withdrawal period, see
//! `terms.rs`), and a handover only when the invoice is paid. A dealer sells
//! only in its own market; the order records the selling dealer.

mod course;
mod decide;
mod error;
mod evolve;
mod terms;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::{Configuration, Price, PriceSheet, QuoteLine};
use crate::values::{
    CustomerId, DealerId, IsoWeek, LocationId, MarketCode, Money, OptionCode, OrderId, PlantId,
    Sealed, ShipmentId, VehicleId, Vin,
};
use crate::{Context, Decider};

pub use course::{Course, Holding, Moved};
pub use decide::decide;
pub use error::{Action, OrderError};
pub use evolve::evolve;

/// The customer-facing status, in the order an order moves through it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Allocated,
    Scheduled,
    InProduction,
    Built,
    InTransit,
    AtDealer,
    HandoverScheduled,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    /// The step on the way to delivery: `allocated` and `scheduled` are the
    /// same step (a vehicle or a slot is secured); `cancelled` is past all.
    pub fn step(&self) -> u8 {
        match self {
            OrderStatus::Placed => 0,
            OrderStatus::Allocated | OrderStatus::Scheduled => 1,
            OrderStatus::InProduction => 2,
            OrderStatus::Built => 3,
            OrderStatus::InTransit => 4,
            OrderStatus::AtDealer => 5,
            OrderStatus::HandoverScheduled => 6,
            OrderStatus::Delivered => 7,
            OrderStatus::Cancelled => 8,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Allocated => "allocated",
            OrderStatus::Scheduled => "scheduled",
            OrderStatus::InProduction => "in_production",
            OrderStatus::Built => "built",
            OrderStatus::InTransit => "in_transit",
            OrderStatus::AtDealer => "at_dealer",
            OrderStatus::HandoverScheduled => "handover_scheduled",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Every status, in order.
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::Placed,
        OrderStatus::Allocated,
        OrderStatus::Scheduled,
        OrderStatus::InProduction,
        OrderStatus::Built,
        OrderStatus::InTransit,
        OrderStatus::AtDealer,
        OrderStatus::HandoverScheduled,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the order was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Online,
    Showroom,
}

/// Where an allocated stock vehicle is, seen from the order's dealer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleSource {
    /// Already in the dealer's yard.
    AtDealer,
    /// Already on its way to the dealer.
    InTransitToDealer,
    /// At another location: a transfer is planned.
    AtOtherLocation,
    /// Still being built (a build without an order of its own).
    InProduction,
}

/// How the order is fulfilled: locate-to-order or build-to-order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fulfilment {
    /// A stock vehicle is reserved for the order.
    Stock {
        vehicle: VehicleId,
        location: LocationId,
        source: VehicleSource,
    },
    /// A production slot is booked; the vehicle exists once the build starts.
    Build {
        plant: PlantId,
        week: IsoWeek,
        vehicle: Option<VehicleId>,
        vin: Option<Vin>,
    },
}

impl Fulfilment {
    pub fn vehicle(&self) -> Option<VehicleId> {
        match self {
            Fulfilment::Stock { vehicle, .. } => Some(*vehicle),
            Fulfilment::Build { vehicle, .. } => *vehicle,
        }
    }
}

/// Why an order is waiting, as the customer reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaitReason {
    AwaitingCapacity,
    Delayed { reason: String },
}

impl std::fmt::Display for WaitReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitReason::AwaitingCapacity => f.write_str("awaiting capacity"),
            WaitReason::Delayed { reason } => write!(f, "delayed: {reason}"),
        }
    }
}

/// The state of an order that exists. Read it; change it only through
/// [`evolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrder {
    pub id: OrderId,
    pub customer: CustomerId,
    pub dealer: DealerId,
    /// The dealer that placed the order in its showroom (`None`: the customer
    /// placed it online). It may read the order beside the delivering dealer.
    pub selling_dealer: Option<DealerId>,
    pub market: MarketCode,
    pub channel: Channel,
    pub configuration: Configuration,
    /// The prices locked at placement; amendments are priced with them.
    pub sheet: PriceSheet,
    pub lines: Vec<QuoteLine>,
    pub price: Price,
    pub deposit: Money,
    pub status: OrderStatus,
    pub reason: Option<WaitReason>,
    pub fulfilment: Option<Fulfilment>,
    pub eta: Option<NaiveDate>,
    pub delayed: bool,
    /// Set once the vehicle is on its way to the dealer (deposit and
    /// amendment rules of stock orders turn on it).
    pub dispatched: bool,
    pub shipment: Option<ShipmentId>,
    pub handover_at: Option<DateTime<Utc>>,
    pub placed_at: DateTime<Utc>,
    /// The buyer's sealed billing identity, when the order was placed with one.
    pub billing: Option<Sealed>,
}

/// An order: not placed yet, or placed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    New,
    Placed(Box<PlacedOrder>),
}

impl Order {
    pub fn placed(&self) -> Option<&PlacedOrder> {
        match self {
            Order::New => None,
            Order::Placed(o) => Some(o),
        }
    }

    pub fn status(&self) -> Option<OrderStatus> {
        self.placed().map(|o| o.status)
    }
}

/// What can be asked of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderCommand {
    /// Configure and place: the price is locked, the deposit taken.
    Place {
        order: OrderId,
        customer: CustomerId,
        dealer: DealerId,
        /// The dealer placing the order in its showroom (it must sell in
        /// `market`); `None` for an order the customer places online.
        selling_dealer: Option<DealerId>,
        market: MarketCode,
        model: crate::values::ModelCode,
        options: Vec<OptionCode>,
        channel: Channel,
        /// The buyer's billing identity, sealed by the vault (`None`: not given).
        billing: Option<Sealed>,
        /// The lead the order comes from, if the seller names it (it becomes S).
        lead: Option<crate::values::LeadId>,
    },
    /// Fulfilment found neither a vehicle nor a slot: the order waits.
    AwaitCapacity,
    /// Reserve a stock vehicle for the order (locate-to-order).
    /// `configuration` is the vehicle's, which the order's must still equal: a customer's
    /// amendment between the match and this command makes the order refuse the vehicle.
    Allocate {
        vehicle: VehicleId,
        configuration: Configuration,
        location: LocationId,
        source: VehicleSource,
        eta: NaiveDate,
    },
    /// Book a production slot for the order (build-to-order).
    Schedule { plant: PlantId, week: IsoWeek },
    /// The build of the order's vehicle started; the VIN is assigned.
    StartProduction { vehicle: VehicleId, vin: Vin },
    /// The order's vehicle left the line.
    CompleteBuild { vehicle: VehicleId },
    /// The order's vehicle was handed to a carrier toward the dealer.
    Dispatch {
        shipment: ShipmentId,
        eta: NaiveDate,
    },
    /// The order is late: why, and the new ETA.
    Delay { reason: String, new_eta: NaiveDate },
    /// The order's vehicle arrived at `location`.
    Arrive { location: LocationId },
    /// Book (or move) the handover appointment.
    BookHandover { at: DateTime<Utc> },
    /// Hand the car over; `invoice_paid` is the invoice's state, read by
    /// the application from the invoice stream.
    HandOver { invoice_paid: bool },
    /// Change the options before the freeze (for stock: before dispatch, or
    /// for a car that stood at the dealer, before the handover is booked or
    /// the invoice paid). `invoice` is read by the application from the
    /// invoice stream.
    Amend {
        options: Vec<OptionCode>,
        invoice: InvoiceFacts,
    },
    /// Cancel before delivery. `invoice` is read by the application from the
    /// invoice stream.
    Cancel {
        reason: String,
        invoice: InvoiceFacts,
    },
    /// Reallocation, receiving side: this order takes `vehicle` (from
    /// `from_order`, or a free vehicle), releasing what it held.
    TakeVehicle {
        vehicle: VehicleId,
        /// The vehicle's configuration, which the order's must still equal.
        configuration: Configuration,
        from_order: Option<OrderId>,
        location: LocationId,
        source: VehicleSource,
        eta: NaiveDate,
    },
    /// Reallocation, giving side: this order loses its vehicle to
    /// `to_order` and goes back to fulfilment.
    GiveUpVehicle {
        vehicle: VehicleId,
        to_order: OrderId,
    },
}

/// What the order's invoice says, as far as amending and refunding turn on
/// it (the application reads it from the invoice stream).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InvoiceFacts {
    /// An invoice is issued for the order and not credited.
    pub issued: bool,
    /// A payment was recorded on that invoice.
    pub payment_made: bool,
}

crate::event_enum! {
    /// What happened to an order. Stored names are pinned.
    ///
    /// `Placed` carries the locked price sheet and is much larger than the
    /// other variants; events are built once and serialized, so the size does
    /// not matter and boxing would only clutter every match.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[allow(clippy::large_enum_variant)]
    pub enum OrderEvent {
        Placed as "OrderPlaced" {
            order: OrderId,
            customer: CustomerId,
            dealer: DealerId,
            /// Absent in events recorded before showroom sales across outlets.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            selling_dealer: Option<DealerId>,
            market: MarketCode,
            channel: Channel,
            configuration: Configuration,
            sheet: PriceSheet,
            lines: Vec<QuoteLine>,
            price: Price,
            deposit: Money,
            placed_at: DateTime<Utc>,
            /// The buyer's billing identity (name and address), sealed by the
            /// vault; absent in events recorded before issue 15.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            billing: Option<Sealed>,
            /// The lead the order names (it becomes S); absent in events
            /// recorded before issue 16 and for orders naming none.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            lead: Option<crate::values::LeadId>,
        },
        AwaitingCapacity as "OrderAwaitingCapacity" { since: NaiveDate },
        Allocated as "OrderAllocated" {
            vehicle: VehicleId,
            location: LocationId,
            source: VehicleSource,
            eta: NaiveDate,
        },
        Scheduled as "OrderScheduled" {
            plant: PlantId,
            week: IsoWeek,
            /// The last day the configuration can be amended.
            changeable_until: NaiveDate,
            eta: NaiveDate,
        },
        ProductionStarted as "OrderProductionStarted" { vehicle: VehicleId, vin: Vin },
        Built as "OrderBuilt" { vehicle: VehicleId },
        Dispatched as "OrderDispatched" {
            shipment: ShipmentId,
            eta: NaiveDate,
        },
        Delayed as "OrderDelayed" { reason: String, new_eta: NaiveDate },
        ArrivedAtDealer as "OrderArrivedAtDealer" { arrived_on: NaiveDate },
        HandoverBooked as "HandoverAppointmentBooked" {
            at: DateTime<Utc>,
            /// The day the appointment was booked (absent in events recorded
            /// before it was kept): the invoice date of a car that already stood
            /// at the dealer when the order was matched to it.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            booked_on: Option<NaiveDate>,
        },
        Delivered as "OrderDelivered" {
            delivered_at: DateTime<Utc>,
            vehicle: Option<VehicleId>,
            net_price: Money,
        },
        Amended as "OrderAmended" {
            configuration: Configuration,
            lines: Vec<QuoteLine>,
            price: Price,
            /// New net minus old net: what the customer pays more (or less).
            difference: Money,
            released_vehicle: Option<VehicleId>,
        },
        Cancelled as "OrderCancelled" {
            reason: String,
            refund: Money,
            forfeited: Money,
            released: Option<Fulfilment>,
            cancelled_at: DateTime<Utc>,
        },
        Reallocated as "OrderReallocated" {
            vehicle: VehicleId,
            from_order: Option<OrderId>,
            location: LocationId,
            source: VehicleSource,
            eta: NaiveDate,
            released: Option<Fulfilment>,
        },
        VehicleWithdrawn as "OrderVehicleWithdrawn" {
            vehicle: VehicleId,
            to_order: OrderId,
        },
    }
}

impl Decider for Order {
    type State = Order;
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;

    fn decide(
        state: &Order,
        command: OrderCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        decide(state, command, ctx)
    }

    fn evolve(state: Order, event: &OrderEvent) -> Order {
        evolve(state, event)
    }
}
