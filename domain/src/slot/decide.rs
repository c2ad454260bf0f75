//! `decide` for the slot: capacity, bookings, freeze and production start.

use std::collections::BTreeSet;

use super::{Build, Slot, SlotCommand, SlotError, SlotEvent};
use crate::decider::Context;
use crate::rules;
use crate::values::{IsoWeek, OrderId, PlantId};

/// Decides what a command does to a slot.
pub fn decide(
    state: &Slot,
    command: SlotCommand,
    ctx: &Context<'_>,
) -> Result<Vec<SlotEvent>, SlotError> {
    match command {
        SlotCommand::SetCapacity { plant, week, units } => {
            set_capacity(state, plant, week, units, ctx)
        }
        SlotCommand::Book { plant, week, order } => book(state, plant, week, vec![order], ctx),
        SlotCommand::BookMany {
            plant,
            week,
            orders,
        } => book(state, plant, week, orders, ctx),
        SlotCommand::Release { order } => release(state, order),
        SlotCommand::Freeze => freeze(state, ctx),
        SlotCommand::StartProduction { builds } => start_production(state, builds, ctx),
    }
}

fn set_capacity(
    state: &Slot,
    plant: PlantId,
    week: IsoWeek,
    units: u32,
    ctx: &Context<'_>,
) -> Result<Vec<SlotEvent>, SlotError> {
    if ctx.catalog.plant(&plant).is_none() {
        return Err(SlotError::UnknownPlant { plant });
    }
    state.check_key(&plant, week)?;
    if units == state.capacity {
        return Ok(vec![]);
    }
    state.refuse_if_started()?;
    if week.sunday() < ctx.today() {
        return Err(SlotError::WeekInPast { week });
    }
    let booked = state.booked();
    if units < booked {
        return Err(SlotError::BelowBookings { units, booked });
    }
    Ok(vec![SlotEvent::CapacitySet { plant, week, units }])
}

/// Books every order of `orders` not booked yet, or none of them: never beyond capacity
/// (invariant 2), never into a frozen or started week.
fn book(
    state: &Slot,
    plant: PlantId,
    week: IsoWeek,
    orders: Vec<OrderId>,
    ctx: &Context<'_>,
) -> Result<Vec<SlotEvent>, SlotError> {
    if ctx.catalog.plant(&plant).is_none() {
        return Err(SlotError::UnknownPlant { plant });
    }
    state.check_key(&plant, week)?;
    let mut new = BTreeSet::new();
    let orders: Vec<OrderId> = orders
        .into_iter()
        .filter(|order| !state.is_booked(order) && new.insert(*order))
        .collect();
    if orders.is_empty() {
        return Ok(vec![]);
    }
    state.refuse_if_started()?;
    if state.is_frozen() || rules::is_frozen(week, ctx.today()) {
        return Err(SlotError::SlotFrozen { plant, week });
    }
    let wanted = u32::try_from(orders.len()).unwrap_or(u32::MAX);
    if wanted > state.free() {
        return Err(SlotError::SlotFull { plant, week });
    }
    Ok(orders
        .into_iter()
        .map(|order| SlotEvent::Booked {
            plant: plant.clone(),
            week,
            order,
        })
        .collect())
}

fn release(state: &Slot, order: OrderId) -> Result<Vec<SlotEvent>, SlotError> {
    let Some((plant, week)) = state.key.clone().filter(|_| state.is_booked(&order)) else {
        return if state.released.contains(&order) {
            Ok(vec![])
        } else {
            Err(SlotError::NotBooked { order })
        };
    };
    state.refuse_if_started()?;
    Ok(vec![SlotEvent::Released { plant, week, order }])
}

fn freeze(state: &Slot, ctx: &Context<'_>) -> Result<Vec<SlotEvent>, SlotError> {
    let Some((plant, week)) = state.key.clone() else {
        return Err(SlotError::NotOpened);
    };
    if state.is_frozen() {
        return Ok(vec![]);
    }
    let freezes_on = rules::freeze_date(week);
    if ctx.today() < freezes_on {
        return Err(SlotError::TooEarlyToFreeze { freezes_on });
    }
    Ok(vec![SlotEvent::Frozen {
        plant,
        week,
        frozen_on: ctx.today(),
        orders: state.bookings.iter().copied().collect(),
    }])
}

fn start_production(
    state: &Slot,
    builds: Vec<Build>,
    ctx: &Context<'_>,
) -> Result<Vec<SlotEvent>, SlotError> {
    if let Some(started) = &state.builds {
        if sorted(started) == sorted(&builds) {
            return Ok(vec![]);
        }
        state.refuse_if_started()?;
    }
    let Some((plant, week)) = state.key.clone().filter(|_| !state.bookings.is_empty()) else {
        return Err(SlotError::NothingToBuild);
    };
    if ctx.today() < week.monday() {
        return Err(SlotError::WeekNotStarted {
            starts_on: week.monday(),
        });
    }
    let (mut orders, mut vehicles, mut vins) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for build in &builds {
        if !state.is_booked(&build.order) {
            return Err(SlotError::BuildForUnbookedOrder { order: build.order });
        }
        if !orders.insert(build.order) {
            return Err(SlotError::DuplicateBuild { order: build.order });
        }
        if !vehicles.insert(build.vehicle) {
            return Err(SlotError::DuplicateVehicle {
                vehicle: build.vehicle,
            });
        }
        if !vins.insert(&build.vin) {
            return Err(SlotError::DuplicateVin {
                vin: build.vin.clone(),
            });
        }
    }
    if let Some(missing) = state.bookings.iter().find(|o| !orders.contains(*o)) {
        return Err(SlotError::MissingBuild { order: *missing });
    }
    Ok(vec![SlotEvent::ProductionStarted {
        plant,
        week,
        builds,
    }])
}

fn sorted(builds: &[Build]) -> Vec<&Build> {
    let mut sorted: Vec<&Build> = builds.iter().collect();
    sorted.sort();
    sorted
}
