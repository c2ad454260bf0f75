//! `evolve` for the slot.

use super::{Slot, SlotEvent};

/// Folds one event into the slot. The first event names the plant-week.
pub fn evolve(mut state: Slot, event: &SlotEvent) -> Slot {
    let (plant, week) = match event {
        SlotEvent::CapacitySet { plant, week, .. }
        | SlotEvent::Booked { plant, week, .. }
        | SlotEvent::Released { plant, week, .. }
        | SlotEvent::Frozen { plant, week, .. }
        | SlotEvent::ProductionStarted { plant, week, .. } => (plant, week),
    };
    if state.key.is_none() {
        state.key = Some((plant.clone(), *week));
    }
    match event {
        SlotEvent::CapacitySet { units, .. } => state.capacity = *units,
        SlotEvent::Booked { order, .. } => {
            state.released.remove(order);
            state.bookings.insert(*order);
        }
        SlotEvent::Released { order, .. } => {
            if state.bookings.remove(order) {
                state.released.insert(*order);
            }
        }
        SlotEvent::Frozen { frozen_on, .. } => state.frozen_on = Some(*frozen_on),
        SlotEvent::ProductionStarted { builds, .. } => state.builds = Some(builds.clone()),
    }
    state
}
