//! Carrying out a fulfilment decision, supply first: reserve then
//! allocate, book then schedule, or wait; and finishing a half-done step a
//! crash left behind.

use domain::order::{Order, OrderCommand, PlacedOrder};
use domain::policy::{lto_choice, Demand, LtoChoice, SlotAvailability, StockUnit};
use domain::rules::is_bookable;
use domain::slot::{Slot, SlotCommand};
use domain::values::{IsoWeek, OrderId, PlantId, SlotKey, VehicleId};
use domain::vehicle::{Vehicle, VehicleCommand};
use store::Metadata;

use super::{waiting, FulfilmentManager, FulfilmentOutcome};
use crate::process::ReactionError;
use crate::rejection::ServiceError;
use crate::steps::release::{let_go_of_vehicle, release_slot, release_vehicle};
use crate::steps::{load, run};
use crate::stock::source_of;
use crate::CommandError;

impl FulfilmentManager {
    /// Finishes (or undoes) a reservation or booking a crash left half
    /// done for this order.
    pub(super) async fn resume(
        &self,
        o: &PlacedOrder,
        demand: &Demand,
        stock: &[StockUnit],
        slots: &[SlotAvailability],
        metadata: &Metadata,
    ) -> Result<Option<FulfilmentOutcome>, ReactionError> {
        let exec = &self.exec;
        let today = exec.clock().today();
        if let Some(unit) = stock.iter().find(|u| u.reserved_by == Some(o.id)) {
            // The supply read model may be behind the log: a planner's reallocation (or
            // another instance) may have given the vehicle to another order since. Only
            // the vehicle's own stream says it is still reserved for this one.
            let vehicle = load::<Vehicle>(exec, &unit.vehicle).await?;
            if vehicle.order() == Some(o.id) {
                let free = StockUnit {
                    reserved_by: None,
                    ..unit.clone()
                };
                match lto_choice(&free, demand, today, exec.catalog()) {
                    Some(choice) => {
                        let outcome = self.allocate(o, &choice, metadata).await?;
                        self.let_go_unless_held(o.id, unit.vehicle, metadata)
                            .await?;
                        return Ok(Some(outcome));
                    }
                    None => {
                        release_vehicle(exec, unit.vehicle, o.id, metadata).await?;
                    }
                }
            }
        }
        for s in slots.iter().filter(|s| s.booked > 0) {
            let key = SlotKey::new(s.plant.clone(), s.week);
            let slot = load::<Slot>(exec, &key).await?;
            if !slot.is_booked(&o.id) {
                continue;
            }
            if is_bookable(s.week, today) {
                return Ok(Some(self.schedule(o.id, &s.plant, s.week, metadata).await?));
            }
            release_slot(exec, &s.plant, s.week, o.id, metadata).await?;
        }
        Ok(None)
    }

    /// After finishing a reservation it found, reads the vehicle again: the reservation may
    /// have been a planner's reallocation in flight, which its planner undid meanwhile (the
    /// giving order refused, so the vehicle went back to it). Then the order lets the vehicle
    /// go and returns to fulfilment. The planner checks the same from its side after undoing
    /// (`Services::reallocate`), so whichever of the two writes last sees the other's write
    /// and no vehicle stays with two orders.
    async fn let_go_unless_held(
        &self,
        order: OrderId,
        vehicle: VehicleId,
        metadata: &Metadata,
    ) -> Result<(), ReactionError> {
        let holder = load::<Vehicle>(&self.exec, &vehicle).await?.order();
        if let Some(other) = holder.filter(|holder| *holder != order) {
            let_go_of_vehicle(&self.exec, order, vehicle, other, metadata).await?;
        }
        Ok(())
    }

    /// Reserves the vehicle, then allocates it; `None` when the vehicle
    /// refused (taken by another order).
    pub(super) async fn reserve(
        &self,
        o: &PlacedOrder,
        choice: &LtoChoice,
        metadata: &Metadata,
    ) -> Result<Option<FulfilmentOutcome>, ReactionError> {
        let (order, dealer) = (o.id, o.dealer.clone());
        let reserved = run::<Vehicle>(&self.exec, &choice.vehicle, metadata, |_| {
            VehicleCommand::Reserve {
                order,
                dealer: dealer.clone(),
            }
        })
        .await;
        match reserved {
            Ok(_) => Ok(Some(self.allocate(o, choice, metadata).await?)),
            Err(CommandError::Rejected(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn allocate(
        &self,
        o: &PlacedOrder,
        choice: &LtoChoice,
        metadata: &Metadata,
    ) -> Result<FulfilmentOutcome, ReactionError> {
        let order = o.id;
        let allocated = run::<Order>(&self.exec, &order, metadata, |_| OrderCommand::Allocate {
            vehicle: choice.vehicle,
            // The LTO match is exact: the vehicle's configuration is the order's as seen.
            configuration: o.configuration.clone(),
            location: choice.location.clone(),
            source: source_of(choice.rank),
            eta: choice.eta,
        })
        .await;
        match allocated {
            Ok(_) => Ok(FulfilmentOutcome::Reserved {
                vehicle: choice.vehicle,
            }),
            Err(refused @ CommandError::Rejected(_)) => {
                release_vehicle(&self.exec, choice.vehicle, order, metadata).await?;
                self.moved_on(order, refused).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Books a unit, then schedules the order; `None` when the slot refused
    /// (full, frozen or started).
    pub(super) async fn book(
        &self,
        order: OrderId,
        plant: &PlantId,
        week: IsoWeek,
        metadata: &Metadata,
    ) -> Result<Option<FulfilmentOutcome>, ReactionError> {
        let booked = run::<Slot>(
            &self.exec,
            &SlotKey::new(plant.clone(), week),
            metadata,
            |_| SlotCommand::Book {
                plant: plant.clone(),
                week,
                order,
            },
        )
        .await;
        match booked {
            Ok(_) => Ok(Some(self.schedule(order, plant, week, metadata).await?)),
            Err(CommandError::Rejected(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn schedule(
        &self,
        order: OrderId,
        plant: &PlantId,
        week: IsoWeek,
        metadata: &Metadata,
    ) -> Result<FulfilmentOutcome, ReactionError> {
        let scheduled = run::<Order>(&self.exec, &order, metadata, |_| OrderCommand::Schedule {
            plant: plant.clone(),
            week,
        })
        .await;
        match scheduled {
            Ok(_) => Ok(FulfilmentOutcome::Booked {
                plant: plant.clone(),
                week,
            }),
            Err(refused @ CommandError::Rejected(_)) => {
                release_slot(&self.exec, plant, week, order, metadata).await?;
                self.moved_on(order, refused).await
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn await_capacity(
        &self,
        order: OrderId,
        metadata: &Metadata,
    ) -> Result<FulfilmentOutcome, ReactionError> {
        let waits = run::<Order>(&self.exec, &order, metadata, |_| {
            OrderCommand::AwaitCapacity
        })
        .await;
        match waits {
            Ok(_) => Ok(FulfilmentOutcome::AwaitingCapacity),
            Err(refused @ CommandError::Rejected(_)) => self.moved_on(order, refused).await,
            Err(e) => Err(e.into()),
        }
    }

    /// After the order refused a fulfilment step (and the supply was given
    /// back): fine when the order moved on meanwhile (cancelled, fulfilled
    /// by another instance), an error to log when it still waits.
    async fn moved_on(
        &self,
        order: OrderId,
        refused: ServiceError,
    ) -> Result<FulfilmentOutcome, ReactionError> {
        let state = load::<Order>(&self.exec, &order).await?;
        match waiting(&state) {
            Some(_) => Err(refused.into()),
            None => Ok(FulfilmentOutcome::NothingToDo),
        }
    }

    /// Releases the vehicle an amendment gave up, unless the order holds it
    /// again.
    pub(super) async fn release_unless_held(
        &self,
        order: OrderId,
        vehicle: VehicleId,
        metadata: &Metadata,
    ) -> Result<(), ReactionError> {
        let state = load::<Order>(&self.exec, &order).await?;
        let held = state
            .placed()
            .and_then(|o| o.fulfilment.as_ref())
            .and_then(|f| f.vehicle());
        if held != Some(vehicle) {
            release_vehicle(&self.exec, vehicle, order, metadata).await?;
        }
        Ok(())
    }
}
