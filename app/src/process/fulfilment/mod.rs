//! Fulfilment: locate first, build second, or wait.
//!
//! Reacts to
//! - `OrderPlaced`, `OrderVehicleWithdrawn` (reallocation took its vehicle)
//!   and `OrderAmended` (a changed configuration, maybe a released
//!   vehicle): fulfil that order;
//! - supply appearing: `CapacitySet`, `SlotReleased`, `VehicleRegistered`,
//!   `VehicleReleased`, and builds or arrivals of free stock
//!   (`VehicleBuildStarted`, `VehicleBuilt`, `VehicleArrived` without an
//!   order): fulfil the orders awaiting supply, oldest first;
//! - an order letting go of supply (`OrderCancelled`, `OrderAmended` with a
//!   released vehicle, `OrderReallocated` releasing what the order held):
//!   make sure the supply side released it too (the service that ran the
//!   use case does it right away; this repairs a crash in between). The
//!   release event that follows brings the awaiting orders their turn.
//!
//! To fulfil an order that is `placed` and holds nothing, the manager runs
//! [`decide_fulfilment`] over the supply read at the event's position and
//! carries the decision out, the supply first (the consistency point):
//! vehicle `Reserve` then order `Allocate` (the vehicle is released again if
//! the order refuses), or slot `Book` then order `Schedule` (the slot is
//! released again if the order refuses), or order `AwaitCapacity`. When the
//! vehicle or the slot refuses (another order was faster), it carries on
//! searching without that vehicle or week, with supply read afresh, at most
//! [`MAX_FULFILMENT_ATTEMPTS`] times.
//!
//! A crash between the two appends leaves a vehicle reserved (or a unit
//! booked) for an order that does not know it. Before searching, the
//! manager looks for such a half-done step of the order and finishes it
//! (or undoes it when it no longer fits), so a redelivered event never
//! makes an order hold two things.
//!
//! **Batches.** Before the events of a batch are handed over one by one, the
//! manager fulfils the orders placed in it together ([`batch`]): supply read
//! once, the same policy decided in sequence over it, one append per
//! plant-week. The reaction to each `OrderPlaced` then finds its order done;
//! whatever the batch left undone (a race lost, a half-done step, a failure)
//! the reaction does as described above.

mod batch;
mod estimate;
mod steps;

pub use estimate::{estimate_fulfilment, EstimateError};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use domain::order::{Order, OrderEvent, OrderStatus, PlacedOrder};
use domain::policy::{decide_fulfilment, Demand, FulfilmentDecision, SlotAvailability, StockUnit};
use domain::slot::SlotEvent;
use domain::streams::AnyEvent;
use domain::values::{IsoWeek, OrderId, PlantId, VehicleId};
use domain::vehicle::VehicleEvent;
use store::{Metadata, Position};

use super::{Incoming, Partition, ProcessManager, ReactionError, Route};
use crate::steps::load;
use crate::steps::release::release_held;
use crate::{CommandError, Executor, SupplyView};

/// How often one fulfilment searches again after losing a race.
pub const MAX_FULFILMENT_ATTEMPTS: u32 = 8;

const ACTOR: &str = "process:fulfilment";

/// What fulfilling one order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FulfilmentOutcome {
    /// The order is allocated this vehicle.
    Reserved { vehicle: VehicleId },
    /// The order is scheduled into this plant-week.
    Booked { plant: PlantId, week: IsoWeek },
    /// Neither: the order awaits capacity.
    AwaitingCapacity,
    /// The order was not waiting for fulfilment (any more).
    NothingToDo,
}

/// The fulfilment process manager.
pub struct FulfilmentManager {
    exec: Executor,
    supply: Arc<dyn SupplyView>,
    /// Per partition, the `OrderPlaced` events of its current batch whose order the batch
    /// fulfilled.
    prepared: Mutex<HashMap<usize, HashSet<Position>>>,
}

#[async_trait]
impl ProcessManager for FulfilmentManager {
    fn name(&self) -> &'static str {
        ACTOR
    }

    /// The car or week it finds is what the customer waits for: the messages of a busy
    /// batch must not delay it.
    fn follows_alone(&self) -> bool {
        true
    }

    fn route(&self, incoming: &Incoming) -> Route {
        if supply_appeared(&incoming.event) {
            // Every partition retries its own waiting orders.
            return Route::Every;
        }
        incoming.order().map_or(Route::First, Route::Order)
    }

    async fn prepare(&self, batch: &[Incoming]) {
        let Some(partition) = batch.first().map(|i| i.partition.index()) else {
            return;
        };
        let done = self.fulfil_placed(batch).await;
        self.prepared()
            .insert(partition, done.into_iter().collect());
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        let at = incoming.record.position;
        let partition = incoming.partition.index();
        let prepared = self
            .prepared()
            .get_mut(&partition)
            .is_some_and(|done| done.remove(&at));
        if prepared {
            // Its order was fulfilled with the batch (see [`batch`]).
            return Ok(());
        }
        let metadata = incoming.caused(ACTOR);
        let order = incoming.order();
        match &incoming.event {
            AnyEvent::Order(event) => {
                let Some(order) = order else {
                    return Ok(());
                };
                match event {
                    OrderEvent::Placed { .. } | OrderEvent::VehicleWithdrawn { .. } => {
                        self.fulfil(order, at, &metadata).await?;
                    }
                    OrderEvent::Amended {
                        released_vehicle, ..
                    } => {
                        if let Some(vehicle) = released_vehicle {
                            self.release_unless_held(order, *vehicle, &metadata).await?;
                        }
                        self.fulfil(order, at, &metadata).await?;
                    }
                    OrderEvent::Cancelled {
                        released: Some(released),
                        ..
                    }
                    | OrderEvent::Reallocated {
                        released: Some(released),
                        ..
                    } => {
                        release_held(&self.exec, order, released, &metadata).await?;
                    }
                    _ => {}
                }
            }
            event if supply_appeared(event) => {
                self.retry_awaiting_in(incoming.partition, at, &metadata)
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

impl FulfilmentManager {
    /// The manager, choosing from `supply` and running its commands with
    /// `exec`.
    pub fn new(exec: Executor, supply: Arc<dyn SupplyView>) -> Self {
        FulfilmentManager {
            exec,
            supply,
            prepared: Mutex::new(HashMap::new()),
        }
    }

    fn prepared(&self) -> MutexGuard<'_, HashMap<usize, HashSet<Position>>> {
        match self.prepared.lock() {
            Ok(prepared) => prepared,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Fulfils `order` if it is `placed` and holds nothing, reading supply
    /// at `at` or later. See the [module documentation](self).
    pub async fn fulfil(
        &self,
        order: OrderId,
        at: Position,
        metadata: &Metadata,
    ) -> Result<FulfilmentOutcome, ReactionError> {
        let exec = &self.exec;
        let mut excluded: HashSet<VehicleId> = HashSet::new();
        let mut full: HashSet<IsoWeek> = HashSet::new();
        let mut read_at = at;
        for attempt in 0..MAX_FULFILMENT_ATTEMPTS {
            let state = load::<Order>(exec, &order).await?;
            let Some(o) = waiting(&state) else {
                return Ok(FulfilmentOutcome::NothingToDo);
            };
            let demand = Demand {
                order,
                market: o.market.clone(),
                configuration: o.configuration.clone(),
                dealer: o.dealer.clone(),
            };
            let (stock, slots) =
                estimate::supply_for(exec, self.supply.as_ref(), read_at, &demand).await?;
            if attempt == 0 {
                if let Some(outcome) = self.resume(o, &demand, &stock, &slots, metadata).await? {
                    return Ok(outcome);
                }
            }
            let stock: Vec<StockUnit> = stock
                .into_iter()
                .filter(|u| !excluded.contains(&u.vehicle))
                .collect();
            let slots: Vec<SlotAvailability> = slots
                .into_iter()
                .filter(|s| !full.contains(&s.week))
                .collect();
            let today = exec.clock().today();
            match decide_fulfilment(&demand, &stock, &slots, today, exec.catalog()) {
                FulfilmentDecision::Reserve(choice) => {
                    if let Some(outcome) = self.reserve(o, &choice, metadata).await? {
                        return Ok(outcome);
                    }
                    excluded.insert(choice.vehicle);
                }
                FulfilmentDecision::Book { plant, week, .. } => {
                    if let Some(outcome) = self.book(order, &plant, week, metadata).await? {
                        return Ok(outcome);
                    }
                    full.insert(week);
                }
                FulfilmentDecision::AwaitCapacity => {
                    return self.await_capacity(order, metadata).await;
                }
            }
            read_at = read_at.max(exec.store().head().await.map_err(CommandError::from)?);
        }
        Err(ReactionError::Command(CommandError::Conflict {
            attempts: MAX_FULFILMENT_ATTEMPTS,
        }))
    }

    /// Fulfils every order awaiting supply at `at`, oldest first. An order
    /// whose fulfilment is refused for good is logged and passed over.
    pub async fn retry_awaiting(
        &self,
        at: Position,
        metadata: &Metadata,
    ) -> Result<(), ReactionError> {
        self.retry_awaiting_in(Partition::WHOLE, at, metadata).await
    }

    /// [`retry_awaiting`](Self::retry_awaiting) for the orders of `partition` only.
    pub async fn retry_awaiting_in(
        &self,
        partition: Partition,
        at: Position,
        metadata: &Metadata,
    ) -> Result<(), ReactionError> {
        let awaiting = self.supply.awaiting(at).await?;
        for order in awaiting.into_iter().filter(|o| partition.owns(o)) {
            match self.fulfil(order, at, metadata).await {
                Ok(_) => {}
                Err(e) if e.is_transient() => return Err(e),
                Err(e) => tracing::warn!("fulfilment of awaiting order {order} refused: {e}"),
            }
        }
        Ok(())
    }
}

/// Whether the event makes supply appear that waiting orders may take.
fn supply_appeared(event: &AnyEvent) -> bool {
    matches!(
        event,
        AnyEvent::Slot(SlotEvent::CapacitySet { .. } | SlotEvent::Released { .. })
            | AnyEvent::Vehicle(
                VehicleEvent::Registered { .. }
                    | VehicleEvent::Released { .. }
                    | VehicleEvent::BuildStarted { order: None, .. }
                    | VehicleEvent::Built { order: None, .. }
                    | VehicleEvent::Arrived { order: None, .. },
            )
    )
}

/// The order, if it waits for fulfilment: `placed` and holding nothing.
fn waiting(state: &Order) -> Option<&PlacedOrder> {
    state
        .placed()
        .filter(|o| o.status == OrderStatus::Placed && o.fulfilment.is_none())
}
