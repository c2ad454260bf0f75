//! Shipment ids and the planning steps shared by the logistics process
//! manager and the dispatch service.
//!
//! A shipment that brings a vehicle to its order's dealer has a
//! deterministic id derived from the vehicle and the order
//! ([`delivery_id`]): the process manager that plans it early and the
//! planner who dispatches it later name the same shipment without a lookup
//! table, and a redelivered event plans nothing twice.

use chrono::NaiveDate;
use domain::shipment::{Shipment, ShipmentCommand, ShipmentError, ShipmentStatus};
use domain::values::{LocationId, OrderId, ShipmentId, VehicleId};
use store::Metadata;

use super::{load, run, Reached};
use crate::rejection::{Rejection, ServiceError};
use crate::{CommandError, Executor};

/// The shipment that brings `vehicle` to the dealer of `order`.
pub fn delivery_id(vehicle: VehicleId, order: OrderId) -> ShipmentId {
    ShipmentId::derived(&format!("delivery:{vehicle}:{order}"))
}

/// A second delivery shipment of the same vehicle for the same order, for
/// when the first one can no longer be used (it was called off, or the
/// vehicle has moved since it was planned). `version` is the vehicle's
/// stream version when it is planned, so a retry names it again.
pub fn replanned_delivery_id(vehicle: VehicleId, order: OrderId, version: u64) -> ShipmentId {
    ShipmentId::derived(&format!("delivery:{vehicle}:{order}:{version}"))
}

/// A transfer of free stock to `to`, planned when the vehicle's stream is
/// at `version`.
pub fn transfer_id(vehicle: VehicleId, to: &LocationId, version: u64) -> ShipmentId {
    ShipmentId::derived(&format!("transfer:{vehicle}:{to}:{version}"))
}

/// What a shipment plan is for.
pub(crate) struct PlanRequest {
    pub shipment: ShipmentId,
    pub vehicle: VehicleId,
    pub order: Option<OrderId>,
    pub from: LocationId,
    pub to: LocationId,
    pub ready_on: NaiveDate,
}

/// Plans the shipment (a no-op when the same plan exists) and returns its
/// state and how far it got.
pub(crate) async fn plan(
    exec: &Executor,
    request: PlanRequest,
    metadata: &Metadata,
) -> Result<(Shipment, Reached), ServiceError> {
    let PlanRequest {
        shipment,
        vehicle,
        order,
        from,
        to,
        ready_on,
    } = request;
    let done = run::<Shipment>(exec, &shipment, metadata, |_| ShipmentCommand::Plan {
        shipment,
        vehicle,
        order,
        from: from.clone(),
        to: to.clone(),
        ready_on,
    })
    .await?;
    let reached = Reached::of(&done);
    Ok((done.state, reached))
}

/// Calls off the delivery shipment of `vehicle` for `order` if it is
/// planned and has not left.
pub(crate) async fn cancel_planned_delivery(
    exec: &Executor,
    vehicle: VehicleId,
    order: OrderId,
    reason: &str,
    metadata: &Metadata,
) -> Result<Reached, ServiceError> {
    let id = delivery_id(vehicle, order);
    let shipment = load::<Shipment>(exec, &id).await?;
    if shipment.status() != Some(ShipmentStatus::Planned) {
        return Ok(Reached::Nothing);
    }
    let reason = reason.to_owned();
    match run::<Shipment>(exec, &id, metadata, |_| ShipmentCommand::Cancel {
        reason: reason.clone(),
    })
    .await
    {
        Ok(done) => Ok(Reached::of(&done)),
        // It left in the meantime: a move under way is not called off.
        Err(CommandError::Rejected(Rejection::Shipment(ShipmentError::NotCancellable {
            ..
        }))) => Ok(Reached::Nothing),
        Err(e) => Err(e),
    }
}
