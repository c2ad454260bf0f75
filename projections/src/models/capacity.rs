//! Slot capacity: per plant and ISO week, the capacity opened, the units booked, whether
//! the slot was frozen explicitly and whether production started; and, one document each,
//! the orders holding a unit (`slot_bookings`), so a week's document stays small however
//! many orders a launch books into it (it is written again at every commit that books).
//!
//! "Frozen" in the view also counts the calendar rule (14 days before the week starts),
//! evaluated when it is read with a given `today`: a projection must not read the clock.

use chrono::NaiveDate;
use domain::slot::SlotEvent;
use domain::streams::Aggregate;
use domain::streams::AnyEvent;
use domain::values::{IsoWeek, OrderId, PlantId};
use serde::{Deserialize, Serialize};

use crate::docs::Docs;
use crate::document::{Document, Tags};
use crate::error::ProjectionError;
use crate::models::fields;
use crate::projection::{Envelope, Projection};

/// One production slot.
///
/// Collection `slots`, key: `PLANT/YYYY-Www` (so a plant's weeks sort by week); tag 1: the
/// plant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotDoc {
    pub plant: PlantId,
    pub week: IsoWeek,
    pub capacity: u32,
    /// Units booked: the week's documents in `slot_bookings`.
    pub booked: u32,
    /// The day of the explicit `SlotFrozen` event.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_date"
    )]
    pub frozen_on: Option<NaiveDate>,
    pub production_started: bool,
    /// Builds started (once production started).
    pub builds: u32,
}

impl SlotDoc {
    /// The key of a plant-week.
    pub fn key(plant: &PlantId, week: IsoWeek) -> String {
        format!("{plant}/{week}")
    }
}

/// An order holding a unit of a plant-week.
///
/// Collection `slot_bookings`, key: `PLANT/YYYY-Www/ORDER` (so a week's bookings sort
/// together, by order); tag 0: the week's [`SlotDoc`] key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotBookingDoc {
    pub plant: PlantId,
    pub week: IsoWeek,
    pub order_id: OrderId,
}

impl SlotBookingDoc {
    /// The key of `order`'s booking in a plant-week.
    pub fn key(plant: &PlantId, week: IsoWeek, order: &OrderId) -> String {
        format!("{}/{order}", SlotDoc::key(plant, week))
    }
}

impl Document for SlotBookingDoc {
    const COLLECTION: &'static str = "slot_bookings";

    fn tags(&self) -> Tags {
        Tags::new(Some(SlotDoc::key(&self.plant, self.week)), None, None)
    }
}

impl Document for SlotDoc {
    const COLLECTION: &'static str = "slots";

    fn tags(&self) -> Tags {
        Tags::new(Some(self.plant.to_string()), None, None)
    }
}

/// The `capacity` projection.
#[derive(Debug, Clone, Copy, Default)]
pub struct CapacityProjection;

impl Projection for CapacityProjection {
    fn name(&self) -> &'static str {
        "capacity"
    }

    fn version(&self) -> u32 {
        2
    }

    fn collections(&self) -> &'static [&'static str] {
        &["slots", "slot_bookings"]
    }

    fn categories(&self) -> &'static [&'static str] {
        &[<domain::slot::Slot as Aggregate>::CATEGORY]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        let AnyEvent::Slot(event) = envelope.event else {
            return Ok(());
        };
        let (plant, week) = match event {
            SlotEvent::CapacitySet { plant, week, .. }
            | SlotEvent::Booked { plant, week, .. }
            | SlotEvent::Released { plant, week, .. }
            | SlotEvent::Frozen { plant, week, .. }
            | SlotEvent::ProductionStarted { plant, week, .. } => (plant, *week),
        };
        // A booking's own document first: whether it is new decides the count.
        let change: i64 = match event {
            SlotEvent::Booked { order, .. } => {
                let key = SlotBookingDoc::key(plant, week, order);
                if docs.get::<SlotBookingDoc>(&key)?.is_some() {
                    0
                } else {
                    let booking = SlotBookingDoc {
                        plant: plant.clone(),
                        week,
                        order_id: *order,
                    };
                    docs.insert(&key, booking)?;
                    1
                }
            }
            SlotEvent::Released { order, .. } => {
                let key = SlotBookingDoc::key(plant, week, order);
                if docs.get::<SlotBookingDoc>(&key)?.is_some() {
                    docs.remove::<SlotBookingDoc>(&key)?;
                    -1
                } else {
                    0
                }
            }
            _ => 0,
        };
        let slot = docs.get_or_insert_with(&SlotDoc::key(plant, week), || SlotDoc {
            plant: plant.clone(),
            week,
            capacity: 0,
            booked: 0,
            frozen_on: None,
            production_started: false,
            builds: 0,
        })?;
        match event {
            SlotEvent::CapacitySet { units, .. } => slot.capacity = *units,
            SlotEvent::Booked { .. } | SlotEvent::Released { .. } => {
                let booked = i64::from(slot.booked) + change;
                slot.booked = u32::try_from(booked).unwrap_or(0);
            }
            SlotEvent::Frozen { frozen_on, .. } => {
                slot.frozen_on.get_or_insert(*frozen_on);
            }
            SlotEvent::ProductionStarted { builds, .. } => {
                slot.production_started = true;
                slot.builds = u32::try_from(builds.len()).unwrap_or(u32::MAX);
            }
        }
        Ok(())
    }
}
