//! A mini projection for the tests: the supply view and the checkpoints the
//! process managers need, folded in memory from the store's events.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use app::stock::stock_unit;
use app::{Checkpoints, SupplyView, ViewError};
use async_trait::async_trait;
use domain::order::{Order, OrderStatus, WaitReason};
use domain::policy::{SlotAvailability, StockUnit};
use domain::slot::Slot;
use domain::streams::{AnyEvent, AnyId};
use domain::values::{IsoWeek, MarketCode, ModelCode, OrderId, PlantId, VehicleId};
use domain::vehicle::Vehicle;
use domain::Decider;
use store::{EventStore, Position};

/// Every vehicle, slot and order, folded with the aggregates' own `evolve`.
#[derive(Default)]
struct Folded {
    after: Position,
    vehicles: BTreeMap<VehicleId, Vehicle>,
    slots: BTreeMap<(PlantId, IsoWeek), Slot>,
    /// The order and the position it was placed at (for "oldest first").
    orders: HashMap<OrderId, (Position, Order)>,
}

/// The supply view, caught up with the log on every call.
pub struct MiniSupply {
    store: Arc<dyn EventStore>,
    folded: tokio::sync::Mutex<Folded>,
}

impl MiniSupply {
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        MiniSupply {
            store,
            folded: tokio::sync::Mutex::new(Folded::default()),
        }
    }

    /// Folds every event up to the head of the log (which is at `at` or
    /// beyond: `at` is a position the caller has seen).
    async fn caught_up(
        &self,
        at: Position,
    ) -> Result<tokio::sync::MutexGuard<'_, Folded>, ViewError> {
        let mut folded = self.folded.lock().await;
        loop {
            let page = self
                .store
                .read_all(folded.after, 512)
                .await
                .map_err(|e| ViewError(e.to_string()))?;
            if page.is_empty() {
                break;
            }
            for record in page {
                let decoded = AnyEvent::decode(record.stream_id.as_str(), record.payload.as_str())
                    .map_err(|e| ViewError(e.to_string()))?;
                match (decoded.id, decoded.event) {
                    (AnyId::Vehicle(id), AnyEvent::Vehicle(e)) => {
                        let v = folded.vehicles.remove(&id).unwrap_or_default();
                        folded.vehicles.insert(id, Vehicle::evolve(v, &e));
                    }
                    (_, AnyEvent::Slot(e)) => {
                        let key = slot_key(&e);
                        let s = folded.slots.remove(&key).unwrap_or_default();
                        folded.slots.insert(key, Slot::evolve(s, &e));
                    }
                    (AnyId::Order(id), AnyEvent::Order(e)) => {
                        let (placed_at, o) = folded
                            .orders
                            .remove(&id)
                            .unwrap_or((record.position, Order::default()));
                        folded.orders.insert(id, (placed_at, Order::evolve(o, &e)));
                    }
                    _ => {}
                }
                folded.after = record.position;
            }
        }
        if folded.after < at {
            return Err(ViewError(format!(
                "the log ends at {} before {at}",
                folded.after
            )));
        }
        Ok(folded)
    }
}

fn slot_key(event: &domain::slot::SlotEvent) -> (PlantId, IsoWeek) {
    use domain::slot::SlotEvent::*;
    match event {
        CapacitySet { plant, week, .. }
        | Booked { plant, week, .. }
        | Released { plant, week, .. }
        | Frozen { plant, week, .. }
        | ProductionStarted { plant, week, .. } => (plant.clone(), *week),
    }
}

#[async_trait]
impl SupplyView for MiniSupply {
    async fn stock(
        &self,
        at: Position,
        market: &MarketCode,
        model: &ModelCode,
    ) -> Result<Vec<StockUnit>, ViewError> {
        let folded = self.caught_up(at).await?;
        Ok(folded
            .vehicles
            .values()
            .filter_map(stock_unit)
            .filter(|u| &u.market == market && &u.configuration.model == model)
            .collect())
    }

    async fn slots(
        &self,
        at: Position,
        plant: &PlantId,
    ) -> Result<Vec<SlotAvailability>, ViewError> {
        let folded = self.caught_up(at).await?;
        Ok(folded
            .slots
            .iter()
            .filter(|((p, _), s)| p == plant && !s.production_started())
            .map(|((p, w), s)| SlotAvailability {
                plant: p.clone(),
                week: *w,
                capacity: s.capacity(),
                booked: s.booked(),
            })
            .collect())
    }

    async fn awaiting(&self, at: Position) -> Result<Vec<OrderId>, ViewError> {
        let folded = self.caught_up(at).await?;
        let mut waiting: Vec<(Position, OrderId)> = folded
            .orders
            .iter()
            .filter(|(_, (placed_at, o))| {
                o.placed().is_some_and(|o| {
                    o.status == OrderStatus::Placed
                        && o.fulfilment.is_none()
                        && (o.reason == Some(WaitReason::AwaitingCapacity) || *placed_at <= at)
                })
            })
            .map(|(id, (placed_at, _))| (*placed_at, *id))
            .collect();
        waiting.sort();
        Ok(waiting.into_iter().map(|(_, id)| id).collect())
    }
}

/// Checkpoints in a map; [`reset`](MemoryCheckpoints::reset) replays the log.
#[derive(Default)]
pub struct MemoryCheckpoints(Mutex<HashMap<String, Position>>);

impl MemoryCheckpoints {
    /// Forgets every checkpoint: the next runner starts from the beginning.
    pub fn reset(&self) {
        self.0.lock().unwrap().clear();
    }

    pub fn get(&self, name: &str) -> Position {
        self.0
            .lock()
            .unwrap()
            .get(name)
            .copied()
            .unwrap_or_default()
    }
}

#[async_trait]
impl Checkpoints for MemoryCheckpoints {
    async fn load(&self, name: &str) -> Result<Position, ViewError> {
        Ok(self.get(name))
    }

    async fn save(&self, name: &str, position: Position) -> Result<(), ViewError> {
        self.0.lock().unwrap().insert(name.to_owned(), position);
        Ok(())
    }
}
