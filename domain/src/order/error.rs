//! The rules an order command can break, and the step it tried.

use chrono::{DateTime, NaiveDate, Utc};

use super::OrderStatus;
use crate::catalog::Violation;
use crate::values::{DealerId, IsoWeek, LocationId, MarketCode, OrderId, PlantId, VehicleId};

/// The step a command tried, for [`OrderError::NotAllowed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Fulfil,
    StartProduction,
    CompleteBuild,
    Dispatch,
    Delay,
    Arrive,
    BookHandover,
    HandOver,
    Amend,
    Cancel,
    Reallocate,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Action::Fulfil => "allocate or schedule",
            Action::StartProduction => "start production of",
            Action::CompleteBuild => "complete the build of",
            Action::Dispatch => "dispatch",
            Action::Delay => "delay",
            Action::Arrive => "record the arrival of",
            Action::BookHandover => "book a handover for",
            Action::HandOver => "hand over",
            Action::Amend => "amend",
            Action::Cancel => "cancel",
            Action::Reallocate => "reallocate",
        };
        f.write_str(s)
    }
}

/// The rules an order command can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("no such order")]
    NotPlaced,
    #[error("order {0} is already placed")]
    AlreadyPlaced(OrderId),
    #[error("the configuration breaks {} rule(s)", .0.len())]
    InvalidConfiguration(Vec<Violation>),
    #[error("dealer {0} is not in the network")]
    UnknownDealer(DealerId),
    #[error("dealer {dealer} does not sell in market {market}")]
    DealerNotInMarket {
        dealer: DealerId,
        market: MarketCode,
    },
    #[error("dealer {dealer} sells only in its own market, not in {market}")]
    SellerNotInMarket {
        dealer: DealerId,
        market: MarketCode,
    },
    #[error("cannot {action} an order that is {status}")]
    NotAllowed { action: Action, status: OrderStatus },
    /// Reallocation, giving side: the order the vehicle comes from no longer lets it go.
    #[error("order {order} is {status}: it can no longer give up vehicle {vehicle}")]
    CannotGiveUpVehicle {
        order: OrderId,
        vehicle: VehicleId,
        status: OrderStatus,
    },
    #[error("{model} is built at {builds_at}, not {plant}")]
    WrongPlant {
        model: crate::values::ModelCode,
        plant: PlantId,
        builds_at: PlantId,
    },
    #[error("week {week} starts too soon to book: the earliest bookable Monday is {earliest}")]
    WeekTooSoon { week: IsoWeek, earliest: NaiveDate },
    #[error("the order's vehicle is {expected:?}, not {got}")]
    WrongVehicle {
        expected: Option<VehicleId>,
        got: VehicleId,
    },
    #[error("the vehicle's configuration differs from the order's (it was amended meanwhile)")]
    ConfigurationDiffers { vehicle: VehicleId },
    #[error("the order is delivered at {dealer}, not {location}")]
    WrongLocation {
        dealer: DealerId,
        location: LocationId,
    },
    #[error("the ETA {eta} is in the past")]
    EtaInPast { eta: NaiveDate },
    #[error("a reason is required (at most 200 characters)")]
    InvalidReason,
    #[error("the handover appointment {at} is in the past")]
    HandoverInPast { at: DateTime<Utc> },
    #[error("the car is handed over only when the invoice is paid in full")]
    InvoiceNotPaid,
    #[error("the configuration froze on {frozen_on}: it can no longer be amended")]
    AmendAfterFreeze { frozen_on: NaiveDate },
    #[error("the vehicle is already on its way: the order can no longer be amended")]
    AmendAfterDispatch,
    #[error("the handover is booked: the order can no longer be amended")]
    AmendAfterHandoverBooked,
    #[error("the order is invoiced: it can no longer be amended")]
    AmendAfterInvoice,
    #[error("model {0} is no longer in the catalog")]
    ModelNotInCatalog(crate::values::ModelCode),
    #[error(transparent)]
    Money(#[from] crate::values::MoneyError),
    #[error("no route from {from} to {to} in the transport table")]
    NoRoute { from: LocationId, to: LocationId },
}
