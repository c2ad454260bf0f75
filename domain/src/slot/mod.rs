//! The production slot of one plant in one ISO week: one stream per
//! plant-week (`slot-{plant}-{week}`, e.g. `slot-P-LEIPZIG-2026-W50`).
//!
//! It protects:
//! - **Invariant 2:** the bookings of a plant-week never exceed the capacity
//!   the planner opened (a slot that was never opened has capacity 0).
//! - A slot freezes [`crate::rules::FREEZE_LEAD_DAYS`] days before its week starts
//!   (changeable until [`crate::rules::changeable_until`], frozen from
//!   [`crate::rules::freeze_date`]); from then on no order is booked into it (the
//!   configurations it builds are final). A booked order may still be
//!   released after the freeze (a cancellation; the order forfeits its
//!   deposit).
//! - Production starts once, in or after its week, with exactly one build
//!   (vehicle and VIN) per booked order; after that the bookings are final.
//!
//! **BTO lead time.** Build-to-order books only weeks whose Monday is at least
//! [`crate::rules::BTO_LEAD_DAYS`] days after today ([`crate::rules::is_bookable`]). With
//! both lead times at 14 days, a week is bookable exactly as long as it is
//! not frozen, so the slot enforces one rule and one error for both:
//! [`SlotError::SlotFrozen`].
//!
//! VINs are unique within a slot here; uniqueness across the whole fleet is
//! the vehicle side's concern.

mod decide;
mod evolve;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::decider::{Context, Decider};
use crate::values::{IsoWeek, OrderId, PlantId, VehicleId, Vin};

pub use decide::decide;
pub use evolve::evolve;

/// One vehicle put into production for one booked order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Build {
    pub order: OrderId,
    pub vehicle: VehicleId,
    pub vin: Vin,
}

/// The state of a production slot. `Default` is a slot that was never
/// opened: no plant-week recorded yet, capacity 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slot {
    key: Option<(PlantId, IsoWeek)>,
    capacity: u32,
    bookings: BTreeSet<OrderId>,
    /// Orders whose last word here was a release, so that a retried release
    /// is a no-op rather than an error.
    released: BTreeSet<OrderId>,
    frozen_on: Option<NaiveDate>,
    builds: Option<Vec<Build>>,
}

impl Slot {
    /// The plant, once the slot has been opened.
    pub fn plant(&self) -> Option<&PlantId> {
        self.key.as_ref().map(|(plant, _)| plant)
    }

    /// The ISO week, once the slot has been opened.
    pub fn week(&self) -> Option<IsoWeek> {
        self.key.as_ref().map(|(_, week)| *week)
    }

    /// Units the planner opened (0 until opened).
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Number of booked orders.
    pub fn booked(&self) -> u32 {
        u32::try_from(self.bookings.len()).unwrap_or(u32::MAX)
    }

    /// Units still free.
    pub fn free(&self) -> u32 {
        self.capacity.saturating_sub(self.booked())
    }

    /// The booked orders.
    pub fn bookings(&self) -> &BTreeSet<OrderId> {
        &self.bookings
    }

    /// Whether `order` holds a unit of this slot.
    pub fn is_booked(&self, order: &OrderId) -> bool {
        self.bookings.contains(order)
    }

    /// The day the slot was frozen (the explicit [`SlotEvent::Frozen`]).
    pub fn frozen_on(&self) -> Option<NaiveDate> {
        self.frozen_on
    }

    /// Whether the slot was frozen explicitly.
    pub fn is_frozen(&self) -> bool {
        self.frozen_on.is_some()
    }

    /// The builds, once production started.
    pub fn builds(&self) -> Option<&[Build]> {
        self.builds.as_deref()
    }

    /// Whether production started.
    pub fn production_started(&self) -> bool {
        self.builds.is_some()
    }

    /// Refuses a command aimed at another plant-week than this stream holds.
    fn check_key(&self, plant: &PlantId, week: IsoWeek) -> Result<(), SlotError> {
        match &self.key {
            Some((p, w)) if p != plant || *w != week => Err(SlotError::WrongSlot {
                plant: p.clone(),
                week: *w,
                requested_plant: plant.clone(),
                requested_week: week,
            }),
            _ => Ok(()),
        }
    }

    /// Refuses any change once production started.
    fn refuse_if_started(&self) -> Result<(), SlotError> {
        match (&self.builds, &self.key) {
            (Some(_), Some((plant, week))) => Err(SlotError::ProductionAlreadyStarted {
                plant: plant.clone(),
                week: *week,
            }),
            _ => Ok(()),
        }
    }
}

/// What a planner or the fulfilment process asks of a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotCommand {
    /// Open the slot or change its capacity (planner).
    SetCapacity {
        plant: PlantId,
        week: IsoWeek,
        units: u32,
    },
    /// Book one unit for a build-to-order order. It names the plant-week so
    /// that a slot never opened can answer [`SlotError::SlotFull`].
    Book {
        plant: PlantId,
        week: IsoWeek,
        order: OrderId,
    },
    /// Book one unit for each of `orders` at once (fulfilment deciding many
    /// orders together): all of them or none, one [`SlotEvent::Booked`] per
    /// order not booked yet, in the order given. Orders already booked are
    /// left as they are, so a retried batch books nothing twice.
    BookMany {
        plant: PlantId,
        week: IsoWeek,
        orders: Vec<OrderId>,
    },
    /// Give a booked unit back (cancellation, amendment, reallocation).
    Release { order: OrderId },
    /// Freeze the slot on or after its freeze date.
    Freeze,
    /// Start production: one build per booked order.
    StartProduction { builds: Vec<Build> },
}

crate::event_enum! {
    /// What happened to a slot.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum SlotEvent {
        /// The planner opened the slot or changed its capacity.
        CapacitySet as "CapacitySet" {
            plant: PlantId,
            week: IsoWeek,
            units: u32,
        },
        /// An order holds a unit of the slot.
        Booked as "SlotBooked" {
            plant: PlantId,
            week: IsoWeek,
            order: OrderId,
        },
        /// An order gave its unit back.
        Released as "SlotReleased" {
            plant: PlantId,
            week: IsoWeek,
            order: OrderId,
        },
        /// The slot froze; `orders` are the orders whose configuration is now final.
        Frozen as "SlotFrozen" {
            plant: PlantId,
            week: IsoWeek,
            frozen_on: NaiveDate,
            orders: Vec<OrderId>,
        },
        /// Production started: every booked order has its vehicle and VIN.
        ProductionStarted as "ProductionStarted" {
            plant: PlantId,
            week: IsoWeek,
            builds: Vec<Build>,
        },
    }
}

/// The rule of a slot a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    #[error("plant {plant} is not in the catalog")]
    UnknownPlant { plant: PlantId },
    #[error("this stream holds slot {week} at {plant}, not {requested_week} at {requested_plant}")]
    WrongSlot {
        plant: PlantId,
        week: IsoWeek,
        requested_plant: PlantId,
        requested_week: IsoWeek,
    },
    #[error("the slot was never opened")]
    NotOpened,
    #[error("week {week} is over")]
    WeekInPast { week: IsoWeek },
    #[error("capacity {units} is below the {booked} orders already booked")]
    BelowBookings { units: u32, booked: u32 },
    #[error("slot {week} at {plant} is full")]
    SlotFull { plant: PlantId, week: IsoWeek },
    #[error("slot {week} at {plant} is frozen")]
    SlotFrozen { plant: PlantId, week: IsoWeek },
    #[error("order {order} is not booked in this slot")]
    NotBooked { order: OrderId },
    #[error("the slot freezes on {freezes_on}")]
    TooEarlyToFreeze { freezes_on: NaiveDate },
    #[error("the production week starts on {starts_on}")]
    WeekNotStarted { starts_on: NaiveDate },
    #[error("no order is booked in this slot")]
    NothingToBuild,
    #[error("production of slot {week} at {plant} has already started")]
    ProductionAlreadyStarted { plant: PlantId, week: IsoWeek },
    #[error("order {order} has a build but no booking in this slot")]
    BuildForUnbookedOrder { order: OrderId },
    #[error("booked order {order} has no build")]
    MissingBuild { order: OrderId },
    #[error("order {order} has more than one build")]
    DuplicateBuild { order: OrderId },
    #[error("vehicle {vehicle} appears in more than one build")]
    DuplicateVehicle { vehicle: VehicleId },
    #[error("VIN {vin} appears in more than one build")]
    DuplicateVin { vin: Vin },
}

impl Decider for Slot {
    type State = Slot;
    type Command = SlotCommand;
    type Event = SlotEvent;
    type Error = SlotError;

    fn decide(
        state: &Slot,
        command: SlotCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<SlotEvent>, SlotError> {
        decide(state, command, ctx)
    }

    fn evolve(state: Slot, event: &SlotEvent) -> Slot {
        evolve(state, event)
    }
}
