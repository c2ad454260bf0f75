//! Giving supply back: the vehicle or the production slot an order no
//! longer holds (cancelled, amended away from its stock vehicle, or
//! reallocated).
//!
//! The order is the consistency point of these use cases: it says first
//! that it lets go (its event names what it released), and the supply side
//! follows. Both the service that ran the use case and the fulfilment
//! process manager (reacting to the order's event) call these steps, so a
//! crash between the two appends is repaired; each step therefore checks
//! what it finds and does nothing when the release already happened.

use domain::order::{Fulfilment, Order};
use domain::slot::{Slot, SlotCommand, SlotError};
use domain::streams::{order_stream, slot_stream, vehicle_stream};
use domain::values::{IsoWeek, OrderId, PlantId, VehicleId};
use domain::vehicle::{Vehicle, VehicleCommand, VehicleError, VehicleStatus};
use store::Metadata;

use super::{load, run, Progress};
use crate::rejection::{Rejection, ServiceError};
use crate::{CommandError, Executor};

/// Releases `vehicle` from `order` if the vehicle is still reserved by it.
/// Returns whether a release was appended.
pub(crate) async fn release_vehicle(
    exec: &Executor,
    vehicle: VehicleId,
    order: OrderId,
    metadata: &Metadata,
    progress: &mut Progress,
) -> Result<bool, ServiceError> {
    let stream = vehicle_stream(vehicle);
    let state = match load::<Vehicle>(exec, &stream).await {
        Ok(state) => state,
        Err(CommandError::NotFound(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    if state.order() != Some(order) || state.status() == Some(VehicleStatus::Delivered) {
        return Ok(false);
    }
    match run::<Vehicle>(exec, &stream, metadata, progress, |_| {
        VehicleCommand::Release { order }
    })
    .await
    {
        Ok(done) => Ok(!done.events.is_empty()),
        // Someone released (or reassigned) it between our read and our write.
        Err(CommandError::Rejected(Rejection::Vehicle(VehicleError::NotReservedBy { .. }))) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Gives `order`'s unit of the slot back. Once production of the week has
/// started the bookings are final: the order's build vehicle (if the slot
/// started one for it) is released instead and becomes free stock.
pub(crate) async fn release_slot(
    exec: &Executor,
    plant: &PlantId,
    week: IsoWeek,
    order: OrderId,
    metadata: &Metadata,
    progress: &mut Progress,
) -> Result<(), ServiceError> {
    let stream = slot_stream(plant, week);
    let slot = load::<Slot>(exec, &stream).await?;
    if slot.production_started() {
        return release_build(exec, &slot, order, metadata, progress).await;
    }
    if !slot.is_booked(&order) {
        return Ok(());
    }
    let released = run::<Slot>(exec, &stream, metadata, progress, |_| {
        SlotCommand::Release { order }
    })
    .await;
    match released {
        Ok(_) => Ok(()),
        // Production started between our read and our write.
        Err(CommandError::Rejected(Rejection::Slot(SlotError::ProductionAlreadyStarted {
            ..
        }))) => {
            let slot = load::<Slot>(exec, &stream).await?;
            release_build(exec, &slot, order, metadata, progress).await
        }
        Err(CommandError::Rejected(Rejection::Slot(SlotError::NotBooked { .. }))) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Releases the vehicle the started slot builds for `order`, if any.
async fn release_build(
    exec: &Executor,
    slot: &Slot,
    order: OrderId,
    metadata: &Metadata,
    progress: &mut Progress,
) -> Result<(), ServiceError> {
    let build = slot
        .builds()
        .and_then(|builds| builds.iter().find(|b| b.order == order));
    if let Some(build) = build {
        release_vehicle(exec, build.vehicle, order, metadata, progress).await?;
    }
    Ok(())
}

/// Releases what `order` held according to `released` (the fulfilment its
/// event names), unless the order holds that very vehicle or slot again.
pub(crate) async fn release_held(
    exec: &Executor,
    order: OrderId,
    released: &Fulfilment,
    metadata: &Metadata,
    progress: &mut Progress,
) -> Result<(), ServiceError> {
    let now = load::<Order>(exec, &order_stream(order)).await?;
    let holds_now = now.placed().and_then(|o| o.fulfilment.clone());
    match released {
        Fulfilment::Stock { vehicle, .. } => {
            if holds_now.as_ref().and_then(Fulfilment::vehicle) != Some(*vehicle) {
                release_vehicle(exec, *vehicle, order, metadata, progress).await?;
            }
        }
        Fulfilment::Build {
            plant,
            week,
            vehicle,
            ..
        } => {
            let same_slot = matches!(
                &holds_now,
                Some(Fulfilment::Build { plant: p, week: w, .. }) if p == plant && w == week
            );
            if !same_slot {
                release_slot(exec, plant, *week, order, metadata, progress).await?;
                if let Some(vehicle) = vehicle {
                    release_vehicle(exec, *vehicle, order, metadata, progress).await?;
                }
            }
        }
    }
    Ok(())
}
