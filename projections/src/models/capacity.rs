//! Slot capacity: per plant and ISO week, the capacity opened, the orders booked, whether
//! the slot was frozen explicitly and whether production started.
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
    /// The orders holding a unit, sorted.
    pub bookings: Vec<OrderId>,
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

    /// Units booked.
    pub fn booked(&self) -> u32 {
        u32::try_from(self.bookings.len()).unwrap_or(u32::MAX)
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
        1
    }

    fn collections(&self) -> &'static [&'static str] {
        &["slots"]
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
        let slot = docs.get_or_insert_with(&SlotDoc::key(plant, week), || SlotDoc {
            plant: plant.clone(),
            week,
            capacity: 0,
            bookings: Vec::new(),
            frozen_on: None,
            production_started: false,
            builds: 0,
        })?;
        match event {
            SlotEvent::CapacitySet { units, .. } => slot.capacity = *units,
            SlotEvent::Booked { order, .. } => {
                if let Err(at) = slot.bookings.binary_search(order) {
                    slot.bookings.insert(at, *order);
                }
            }
            SlotEvent::Released { order, .. } => {
                if let Ok(at) = slot.bookings.binary_search(order) {
                    slot.bookings.remove(at);
                }
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
