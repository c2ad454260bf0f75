//! Logistics follow-up: plan the move of a vehicle to its order's dealer as
//! soon as it is known, so the customer sees an ETA early. Dispatch itself
//! is never automatic: a planner records it
//! ([`Services::dispatch`](crate::Services::dispatch)), which uses the
//! shipment planned here.
//!
//! Reacts to
//! - `VehicleBuilt` for an order: plan the shipment from the plant to the
//!   order's dealer, ready the day the build completed;
//! - `OrderAllocated` / `OrderReallocated` with a stock car standing at
//!   another location: plan the transfer from there to the order's dealer,
//!   ready today;
//! - the order letting go of a vehicle (`OrderCancelled`,
//!   `OrderVehicleWithdrawn`, `OrderAmended` or `OrderReallocated`
//!   releasing one): call off its planned shipment if it has not left.
//!
//! The shipment id is derived from the vehicle and the order
//! ([`delivery_id`]), and a plan is made only while the order still holds
//! the vehicle and it has not left, so a redelivered event plans nothing
//! twice and an old event plans nothing stale.

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::order::{Fulfilment, Order, OrderEvent, OrderStatus, VehicleSource};
use domain::streams::AnyEvent;
use domain::values::{LocationId, OrderId, VehicleId};
use domain::vehicle::VehicleEvent;
use store::Metadata;

use super::{Incoming, ProcessManager, ReactionError};
use crate::steps::shipments::{cancel_planned_delivery, delivery_id, plan, PlanRequest};
use crate::steps::{is_rejection, load};
use crate::Executor;

const ACTOR: &str = "process:logistics";

/// The logistics follow-up process manager.
pub struct LogisticsManager {
    exec: Executor,
}

#[async_trait]
impl ProcessManager for LogisticsManager {
    fn name(&self) -> &'static str {
        ACTOR
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        let metadata = incoming.caused(ACTOR);
        let today = self.exec.clock().today();
        match &incoming.event {
            AnyEvent::Vehicle(VehicleEvent::Built {
                vehicle,
                plant,
                order: Some(order),
                on,
                ..
            }) => {
                let from = LocationId::Plant(plant.clone());
                self.plan_delivery(*order, *vehicle, from, *on, &metadata)
                    .await
            }
            AnyEvent::Order(event) => {
                let Some(order) = incoming.order() else {
                    return Ok(());
                };
                match event {
                    OrderEvent::Allocated {
                        vehicle,
                        location,
                        source: VehicleSource::AtOtherLocation,
                        ..
                    }
                    | OrderEvent::Reallocated {
                        vehicle,
                        location,
                        source: VehicleSource::AtOtherLocation,
                        ..
                    } => {
                        self.plan_delivery(order, *vehicle, location.clone(), today, &metadata)
                            .await?;
                    }
                    _ => {}
                }
                let (gave_up, reason) = match event {
                    OrderEvent::Cancelled {
                        released, reason, ..
                    } => (
                        released.as_ref().and_then(Fulfilment::vehicle),
                        reason.as_str(),
                    ),
                    OrderEvent::VehicleWithdrawn { vehicle, .. } => {
                        (Some(*vehicle), "vehicle reallocated")
                    }
                    OrderEvent::Amended {
                        released_vehicle, ..
                    } => (*released_vehicle, "order amended"),
                    OrderEvent::Reallocated { released, .. } => (
                        released.as_ref().and_then(Fulfilment::vehicle),
                        "vehicle reallocated",
                    ),
                    _ => (None, ""),
                };
                if let Some(vehicle) = gave_up {
                    self.call_off(order, vehicle, reason, &metadata).await?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

impl LogisticsManager {
    /// The manager, running its commands with `exec`.
    pub fn new(exec: Executor) -> Self {
        LogisticsManager { exec }
    }

    /// Plans the move of `vehicle` from `from` to the dealer of `order`, if
    /// the order still holds the vehicle and it has not left.
    async fn plan_delivery(
        &self,
        order: OrderId,
        vehicle: VehicleId,
        from: LocationId,
        ready_on: NaiveDate,
        metadata: &Metadata,
    ) -> Result<(), ReactionError> {
        let state = load::<Order>(&self.exec, &order).await?;
        let Some(o) = state.placed() else {
            return Ok(());
        };
        let holds = o.fulfilment.as_ref().and_then(Fulfilment::vehicle) == Some(vehicle);
        let waiting = matches!(
            o.status,
            OrderStatus::Allocated | OrderStatus::InProduction | OrderStatus::Built
        );
        if !holds || !waiting || o.dispatched {
            return Ok(());
        }
        let to = LocationId::Dealer(o.dealer.clone());
        if from == to {
            return Ok(());
        }
        let request = PlanRequest {
            shipment: delivery_id(vehicle, order),
            vehicle,
            order: Some(order),
            from,
            to,
            ready_on,
        };
        match plan(&self.exec, request, metadata).await {
            Ok(_) => Ok(()),
            // The id is taken by an older plan on another route (the order
            // gave the vehicle up and took it back elsewhere): the planner's
            // dispatch plans a fresh shipment then.
            Err(e) if is_rejection(&e) => {
                tracing::info!("no shipment planned for order {order}: {e}");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn call_off(
        &self,
        order: OrderId,
        vehicle: VehicleId,
        reason: &str,
        metadata: &Metadata,
    ) -> Result<(), ReactionError> {
        let state = load::<Order>(&self.exec, &order).await?;
        let holds = state
            .placed()
            .and_then(|o| o.fulfilment.as_ref())
            .and_then(Fulfilment::vehicle)
            == Some(vehicle);
        if !holds {
            cancel_planned_delivery(&self.exec, vehicle, order, reason, metadata).await?;
        }
        Ok(())
    }
}
