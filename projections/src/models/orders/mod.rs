//! The order tracker, the order list and the dealer board: one document per order.
//!
//! The board is the tracker's documents of one dealer (tag 1), so the two views can never
//! disagree and an order event is written once, not twice. The KPIs per market are counted
//! here too, from the order documents' changes (see [`crate::models::kpis`]). The history
//! timeline is read from the order's own streams (see `views::history`).

mod apply;

use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::Price;
use domain::invoice::InvoiceStatus;
use domain::order::{Channel, OrderStatus, WaitReason};
use domain::values::{
    CustomerId, DealerId, InvoiceNumber, IsoWeek, LocationId, MarketCode, ModelCode, Money,
    OptionCode, OrderId, PlantId, VehicleId, Vin,
};
use serde::{Deserialize, Serialize};

use crate::document::{Document, Tags};
use crate::models::fields;

pub use apply::OrdersProjection;

/// One order as its customer, its dealer and the back office follow it.
///
/// Collection `orders`, key: the order id; tags: dealer, customer, status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDoc {
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub dealer_id: DealerId,
    /// The dealer that placed the order in its showroom (none for an online order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selling_dealer_id: Option<DealerId>,
    pub market: MarketCode,
    pub channel: Channel,
    pub model: ModelCode,
    /// The complete configuration's options (defaults filled in), sorted.
    pub options: Vec<OptionCode>,
    pub status: OrderStatus,
    /// Why the order waits (as the domain's order holds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<WaitReason>,
    /// When the car is expected at the delivering dealer.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_date"
    )]
    pub eta: Option<NaiveDate>,
    pub delayed: bool,
    /// The stock vehicle was allocated while already on its way to the dealer: the order
    /// is `allocated`, its car on the road.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vehicle_in_transit: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_instant"
    )]
    pub handover_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<FulfilmentDoc>,
    /// The locked price (after amendments).
    pub price: Price,
    pub deposit: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceSummary>,
    #[serde(serialize_with = "fields::instant")]
    pub placed_at: DateTime<Utc>,
    /// For a build: the last day the configuration can be changed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_date"
    )]
    pub changeable_until: Option<NaiveDate>,
    /// How the order was first fulfilled (for the LTO/BTO share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_fulfilment: Option<FulfilmentKind>,
    /// The first ETA the order was ever given (the promise, for the KPIs).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_date"
    )]
    pub first_eta: Option<NaiveDate>,
    /// The first day the car stood at the dealer.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_date"
    )]
    pub arrived_on: Option<NaiveDate>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_instant"
    )]
    pub delivered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Cancellation>,
    /// When the last event that changed the order was recorded.
    #[serde(serialize_with = "fields::instant")]
    pub updated_at: DateTime<Utc>,
}

impl Document for OrderDoc {
    const COLLECTION: &'static str = "orders";

    fn tags(&self) -> Tags {
        Tags::new(
            Some(self.dealer_id.to_string()),
            Some(self.customer_id.to_string()),
            Some(self.status.as_str().to_owned()),
        )
    }
}

/// An order a dealer placed in its showroom: the index of the orders each dealer sold
/// (it may read them beside the orders it delivers).
///
/// Collection `orders_sold`, key: the order id; tag 0: the selling dealer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoldOrder {
    pub order_id: OrderId,
    pub selling_dealer_id: DealerId,
}

impl Document for SoldOrder {
    const COLLECTION: &'static str = "orders_sold";

    fn tags(&self) -> Tags {
        Tags::new(Some(self.selling_dealer_id.to_string()), None, None)
    }
}

/// Stock vehicle or build slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentKind {
    /// Locate-to-order: a stock vehicle is reserved.
    Stock,
    /// Build-to-order: a production slot is booked.
    Build,
}

/// How the order is fulfilled, with what the customer wants to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfilmentDoc {
    pub kind: FulfilmentKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_id: Option<VehicleId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<Vin>,
    /// Where the vehicle is or is heading (for a build before dispatch: its plant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<LocationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plant: Option<PlantId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week: Option<IsoWeek>,
}

/// The order's invoice, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    pub number: InvoiceNumber,
    pub status: InvoiceStatus,
    pub amount_due: Money,
}

/// Why and on what terms the order was cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub reason: String,
    pub refund: Money,
    pub forfeited: Money,
    #[serde(serialize_with = "fields::instant")]
    pub cancelled_at: DateTime<Utc>,
}

/// What the tracker needs to know of a built vehicle when an order takes it from stock: kept
/// for builds for stock and for built vehicles an order let go of (cancelled, amended,
/// reallocated).
///
/// Collection `order_vehicles`, key: the vehicle id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleFacts {
    pub vin: Vin,
    pub plant: PlantId,
    pub week: IsoWeek,
}

impl Document for VehicleFacts {
    const COLLECTION: &'static str = "order_vehicles";
}
