//! The test-drive slot grid and the one check of a start, shared by the
//! slot listing and the booking decision.
//!
//! A test drive takes one demo car for [`TEST_DRIVE_MINUTES`]. The slots of
//! a car on a local date run back to back from the opening instant while a
//! whole slot fits before closing. [`check_start`] says whether a start can
//! be booked (or which rule it breaks); [`free_slots`] lists the grid's
//! starts that pass it, and the aggregate books only a start that passes it,
//! so a slot shown free online and the showroom's booking cannot disagree.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Dealer};
use crate::values::{CarId, DealerId, ModelCode};

/// How long a test drive takes.
pub const TEST_DRIVE_MINUTES: i64 = 45;

/// [`TEST_DRIVE_MINUTES`] as a duration.
pub fn test_drive_length() -> Duration {
    Duration::minutes(TEST_DRIVE_MINUTES)
}

/// A span of time, start included, end excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    /// The test drive that starts at `start` (ending at the end of time
    /// at the latest).
    pub fn drive_at(start: DateTime<Utc>) -> Span {
        let end = start
            .checked_add_signed(test_drive_length())
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Span { start, end }
    }

    /// Whether the two spans share any instant.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// A slot of a demo car that can be booked now.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreeSlot {
    #[serde(rename = "car_id")]
    pub car: CarId,
    pub model: ModelCode,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Why a start cannot be booked; the booking decision reports it as its
/// own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRefusal {
    /// The showroom is closed then, or the drive would end after closing.
    OutsideOpeningHours,
    /// Within opening hours, but not a start of the 45-minute grid.
    NotOnSlotGrid,
    /// The slot has started (or is over).
    InThePast,
    /// An active booking of the car overlaps it.
    Taken,
}

/// The slots of a car of `dealer` on the local date `date`, in order (none
/// when the showroom is closed, or the date lies outside the business
/// calendar).
pub fn grid(dealer: &Dealer, date: NaiveDate) -> Vec<Span> {
    let Some((open, close)) = dealer.opening(date) else {
        return Vec::new();
    };
    let mut slots = Vec::new();
    let mut slot = Span::drive_at(open);
    while slot.end <= close {
        slots.push(slot);
        slot = Span::drive_at(slot.end);
    }
    slots
}

/// Whether a car of `dealer` that is `held` (its active bookings) can be
/// booked from `start` at `now`; the drive's span if so. The rules in
/// order: within opening hours, on the grid, not started, not taken.
pub fn check_start(
    dealer: &Dealer,
    start: DateTime<Utc>,
    held: &[Span],
    now: DateTime<Utc>,
) -> Result<Span, SlotRefusal> {
    let Some((open, close)) = dealer.opening(dealer.local_date(start)) else {
        return Err(SlotRefusal::OutsideOpeningHours);
    };
    let drive = Span::drive_at(start);
    if start < open || drive.end > close {
        return Err(SlotRefusal::OutsideOpeningHours);
    }
    let from_open = start - open;
    let on_grid = from_open.subsec_nanos() == 0
        && from_open.num_seconds() % test_drive_length().num_seconds() == 0;
    if !on_grid {
        return Err(SlotRefusal::NotOnSlotGrid);
    }
    if start <= now {
        return Err(SlotRefusal::InThePast);
    }
    if held.iter().any(|h| h.overlaps(&drive)) {
        return Err(SlotRefusal::Taken);
    }
    Ok(drive)
}

/// The free slots of `dealer`'s demo cars (of `model` only, if given) on its
/// local date `date` at `now`, by start then car. `held` holds each car's
/// active bookings (a car missing from it has none). Nothing for a dealer
/// not in the catalog.
pub fn free_slots(
    catalog: &Catalog,
    dealer: &DealerId,
    date: NaiveDate,
    model: Option<&ModelCode>,
    held: &BTreeMap<CarId, Vec<Span>>,
    now: DateTime<Utc>,
) -> Vec<FreeSlot> {
    let Some(dealer) = catalog.dealer(dealer) else {
        return Vec::new();
    };
    let slots = grid(dealer, date);
    let mut free: Vec<FreeSlot> = dealer
        .demo_cars
        .iter()
        .filter(|car| model.is_none() || model == Some(&car.model))
        .flat_map(|car| {
            let held = held.get(&car.id).map_or(&[][..], Vec::as_slice);
            slots
                .iter()
                .filter(move |slot| check_start(dealer, slot.start, held, now).is_ok())
                .map(move |slot| FreeSlot {
                    car: car.id.clone(),
                    model: car.model.clone(),
                    start: slot.start,
                    end: slot.end,
                })
        })
        .collect();
    free.sort_by(|a, b| (a.start, &a.car).cmp(&(b.start, &b.car)));
    free
}
