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

use domain::order::{Fulfilment, Order, OrderCommand};
use domain::slot::{Slot, SlotCommand, SlotError};
use domain::values::{IsoWeek, OrderId, PlantId, SlotKey, VehicleId};
use domain::vehicle::{Vehicle, VehicleCommand, VehicleError, VehicleStatus};
use store::Metadata;

use super::{load, run, Reached};
use crate::rejection::{Rejection, ServiceError};
use crate::{CommandError, Executor};

/// Releases `vehicle` from `order` if the vehicle is still reserved by it.
pub(crate) async fn release_vehicle(
    exec: &Executor,
    vehicle: VehicleId,
    order: OrderId,
    metadata: &Metadata,
) -> Result<Reached, ServiceError> {
    let state = match load::<Vehicle>(exec, &vehicle).await {
        Ok(state) => state,
        Err(CommandError::NotFound(_)) => return Ok(Reached::Nothing),
        Err(e) => return Err(e),
    };
    if state.order() != Some(order) || state.status() == Some(VehicleStatus::Delivered) {
        return Ok(Reached::Nothing);
    }
    match run::<Vehicle>(exec, &vehicle, metadata, |_| VehicleCommand::Release {
        order,
    })
    .await
    {
        Ok(done) => Ok(Reached::of(&done)),
        // Someone released (or reassigned) it between our read and our write.
        Err(CommandError::Rejected(Rejection::Vehicle(VehicleError::NotReservedBy { .. }))) => {
            Ok(Reached::Nothing)
        }
        Err(e) => Err(e),
    }
}

/// Makes `order` let go of `vehicle` (back to fulfilment) if it still holds it, naming
/// `to_order` as the order the vehicle went to; a refusal (the order moved on meanwhile, or
/// another step made it let go already) is nothing to do.
pub(crate) async fn let_go_of_vehicle(
    exec: &Executor,
    order: OrderId,
    vehicle: VehicleId,
    to_order: OrderId,
    metadata: &Metadata,
) -> Result<Reached, ServiceError> {
    let state = load::<Order>(exec, &order).await?;
    let held = state
        .placed()
        .and_then(|o| o.fulfilment.as_ref())
        .and_then(Fulfilment::vehicle);
    if held != Some(vehicle) {
        return Ok(Reached::Nothing);
    }
    let command = OrderCommand::GiveUpVehicle { vehicle, to_order };
    match run::<Order>(exec, &order, metadata, |_| command.clone()).await {
        Ok(done) => Ok(Reached::of(&done)),
        Err(CommandError::Rejected(_)) => Ok(Reached::Nothing),
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
) -> Result<Reached, ServiceError> {
    let key = SlotKey::new(plant.clone(), week);
    let slot = load::<Slot>(exec, &key).await?;
    if slot.production_started() {
        return release_build(exec, &slot, order, metadata).await;
    }
    if !slot.is_booked(&order) {
        return Ok(Reached::Nothing);
    }
    let released = run::<Slot>(exec, &key, metadata, |_| SlotCommand::Release { order }).await;
    match released {
        Ok(done) => Ok(Reached::of(&done)),
        // Production started between our read and our write.
        Err(CommandError::Rejected(Rejection::Slot(SlotError::ProductionAlreadyStarted {
            ..
        }))) => {
            let slot = load::<Slot>(exec, &key).await?;
            release_build(exec, &slot, order, metadata).await
        }
        Err(CommandError::Rejected(Rejection::Slot(SlotError::NotBooked { .. }))) => {
            Ok(Reached::Nothing)
        }
        Err(e) => Err(e),
    }
}

/// Releases the vehicle the started slot builds for `order`, if any.
async fn release_build(
    exec: &Executor,
    slot: &Slot,
    order: OrderId,
    metadata: &Metadata,
) -> Result<Reached, ServiceError> {
    let build = slot
        .builds()
        .and_then(|builds| builds.iter().find(|b| b.order == order));
    match build {
        Some(build) => release_vehicle(exec, build.vehicle, order, metadata).await,
        None => Ok(Reached::Nothing),
    }
}

/// Releases what `order` held according to `released` (the fulfilment its
/// event names), unless the order holds that very vehicle or slot again.
pub(crate) async fn release_held(
    exec: &Executor,
    order: OrderId,
    released: &Fulfilment,
    metadata: &Metadata,
) -> Result<Reached, ServiceError> {
    let now = load::<Order>(exec, &order).await?;
    let holds_now = now.placed().and_then(|o| o.fulfilment.clone());
    let mut reached = Reached::Nothing;
    match released {
        Fulfilment::Stock { vehicle, .. } => {
            if holds_now.as_ref().and_then(Fulfilment::vehicle) != Some(*vehicle) {
                reached = release_vehicle(exec, *vehicle, order, metadata).await?;
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
                reached = release_slot(exec, plant, *week, order, metadata).await?;
                if let Some(vehicle) = vehicle {
                    let released = release_vehicle(exec, *vehicle, order, metadata).await?;
                    reached = reached.max(released);
                }
            }
        }
    }
    Ok(reached)
}
