//! Fulfilling the orders placed in one batch of the log together: one read of supply per
//! model and plant, the decisions taken in sequence over one picture of it in memory, one
//! append per plant-week for all the units booked there, and the orders' own steps written
//! concurrently (so the store's group commit writes them together).
//!
//! This is a head start, not a second path with rules of its own: every decision is
//! [`decide_fulfilment`]'s, every step is the aggregates' (a unit booked with
//! [`SlotCommand::BookMany`] against the version the picture was read at, a vehicle
//! reserved by its own stream), and an order the batch could not finish (a half-done step
//! of an earlier crash, a week that filled up meanwhile, a vehicle taken, any failure) is
//! left to the manager's per-event [`react`](super::ProcessManager::react), which runs
//! afterwards for every event as before.

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::order::{Order, OrderEvent, PlacedOrder};
use domain::policy::{decide_fulfilment, Demand, FulfilmentDecision, SlotAvailability, StockUnit};
use domain::slot::{Slot, SlotCommand};
use domain::streams::AnyEvent;
use domain::values::{IsoWeek, MarketCode, ModelCode, OrderId, PlantId, SlotKey};
use futures_util::future::join_all;
use store::{Metadata, Position};

use super::{waiting, FulfilmentManager, FulfilmentOutcome};
use crate::process::{Incoming, ReactionError};
use crate::steps::{load, load_versioned, run};

/// An order placed in the batch, waiting for fulfilment.
struct Waiting {
    /// The position of its `OrderPlaced`.
    placed_at: Position,
    order: PlacedOrder,
    demand: Demand,
    metadata: Metadata,
}

/// The supply of one batch as the decisions consume it.
#[derive(Default)]
struct Picture {
    /// Vehicles by market and model (from the supply view).
    stock: HashMap<(MarketCode, ModelCode), Vec<StockUnit>>,
    /// Open, unfrozen weeks by plant, from the slots' own streams.
    slots: HashMap<PlantId, Vec<SlotAvailability>>,
    /// The batch's orders some slot already holds a unit for (a half-done booking).
    booked: HashSet<OrderId>,
}

/// What the batch decided for its orders.
#[derive(Default)]
struct Plan<'a> {
    reserve: Vec<(&'a Waiting, domain::policy::LtoChoice)>,
    book: BTreeMap<(PlantId, IsoWeek), Vec<&'a Waiting>>,
    wait: Vec<&'a Waiting>,
}

impl FulfilmentManager {
    /// Fulfils the orders placed in `batch` together; returns the positions of the
    /// `OrderPlaced` events whose order it fulfilled (or set waiting), so their reaction
    /// has nothing left to do. Orders it could not finish are not returned.
    pub(super) async fn fulfil_placed(&self, batch: &[Incoming]) -> Vec<Position> {
        let placed: Vec<(Position, OrderId, Metadata)> = batch
            .iter()
            .filter_map(|incoming| match (&incoming.event, incoming.order()) {
                (AnyEvent::Order(OrderEvent::Placed { .. }), Some(order))
                    if incoming.partition.owns(&order) =>
                {
                    Some((
                        incoming.record.position,
                        order,
                        incoming.caused(super::ACTOR),
                    ))
                }
                _ => None,
            })
            .collect();
        let Some(at) = placed.last().map(|(at, ..)| *at) else {
            return Vec::new();
        };
        let started = std::time::Instant::now();
        let waiting = self.waiting_orders(placed).await;
        if waiting.is_empty() {
            return Vec::new();
        }
        let loaded = started.elapsed();
        let picture = match self.picture(&waiting, at).await {
            Ok(picture) => picture,
            Err(e) => {
                tracing::debug!("batched fulfilment left to the events: {e}");
                return Vec::new();
            }
        };
        let pictured = started.elapsed();
        let plan = self.plan(&waiting, picture);
        let done = self.carry_out(plan).await;
        tracing::debug!(
            orders = waiting.len(),
            done = done.len(),
            load_ms = loaded.as_secs_f64() * 1e3,
            picture_ms = (pictured - loaded).as_secs_f64() * 1e3,
            carry_out_ms = (started.elapsed() - pictured).as_secs_f64() * 1e3,
            "batched fulfilment"
        );
        done
    }

    /// The orders of `placed` still waiting for fulfilment, loaded concurrently.
    async fn waiting_orders(&self, placed: Vec<(Position, OrderId, Metadata)>) -> Vec<Waiting> {
        let loads = placed
            .iter()
            .map(|(_, order, _)| load::<Order>(&self.exec, order));
        let states = join_all(loads).await;
        placed
            .into_iter()
            .zip(states)
            .filter_map(|((placed_at, order, metadata), state)| {
                let o = waiting(&state.ok()?)?.clone();
                let demand = Demand {
                    order,
                    market: o.market.clone(),
                    configuration: o.configuration.clone(),
                    dealer: o.dealer.clone(),
                };
                Some(Waiting {
                    placed_at,
                    order: o,
                    demand,
                    metadata,
                })
            })
            .collect()
    }

    /// Reads supply once for the batch: stock per market and model from the view at `at`,
    /// the weeks of each plant from the view and their capacity and bookings from the
    /// slots' own streams (the consistency point the bookings are appended against).
    async fn picture(&self, waiting: &[Waiting], at: Position) -> Result<Picture, ReactionError> {
        let mut picture = Picture::default();
        for w in waiting {
            let model = &w.demand.configuration.model;
            let key = (w.demand.market.clone(), model.clone());
            if let std::collections::hash_map::Entry::Vacant(entry) = picture.stock.entry(key) {
                let stock = self.supply.stock(at, &w.demand.market, model).await?;
                entry.insert(stock);
            }
            let Some(plant) = self.exec.catalog().model(model).map(|m| m.plant.clone()) else {
                continue;
            };
            if picture.slots.contains_key(&plant) {
                continue;
            }
            let weeks = self.supply.slots(at, &plant).await?;
            let keys: Vec<SlotKey> = weeks
                .iter()
                .map(|s| SlotKey::new(s.plant.clone(), s.week))
                .collect();
            let slots = join_all(keys.iter().map(|k| load_versioned::<Slot>(&self.exec, k))).await;
            let mut open = Vec::with_capacity(keys.len());
            for (key, slot) in keys.iter().zip(slots) {
                let (slot, _) = slot?;
                // Only the batch's own orders: a launch's week holds thousands of bookings.
                let held = waiting.iter().map(|w| w.order.id);
                picture
                    .booked
                    .extend(held.filter(|order| slot.is_booked(order)));
                if slot.production_started() || slot.is_frozen() {
                    continue;
                }
                open.push(SlotAvailability {
                    plant: key.plant.clone(),
                    week: key.week,
                    capacity: slot.capacity(),
                    booked: slot.booked(),
                });
            }
            picture.slots.insert(plant, open);
        }
        Ok(picture)
    }

    /// Decides for every order in log order over `picture`, consuming the units it picks.
    /// Orders with a half-done step (a vehicle reserved or a unit booked for them) are left
    /// out: their reaction finishes that step.
    fn plan<'a>(&self, waiting: &'a [Waiting], mut picture: Picture) -> Plan<'a> {
        let today = self.exec.clock().today();
        let mut plan = Plan::default();
        for w in waiting {
            let key = (
                w.demand.market.clone(),
                w.demand.configuration.model.clone(),
            );
            let stock = picture.stock.entry(key).or_default();
            let half_done = picture.booked.contains(&w.order.id)
                || stock.iter().any(|u| u.reserved_by == Some(w.order.id));
            if half_done {
                continue;
            }
            let plant = self
                .exec
                .catalog()
                .model(&w.demand.configuration.model)
                .map(|m| m.plant.clone());
            let slots = plant
                .as_ref()
                .and_then(|p| picture.slots.get(p))
                .map_or(&[][..], Vec::as_slice);
            match decide_fulfilment(&w.demand, stock, slots, today, self.exec.catalog()) {
                FulfilmentDecision::Reserve(choice) => {
                    if let Some(unit) = stock.iter_mut().find(|u| u.vehicle == choice.vehicle) {
                        unit.reserved_by = Some(w.order.id);
                    }
                    plan.reserve.push((w, choice));
                }
                FulfilmentDecision::Book { plant, week, .. } => {
                    if let Some(slot) = picture
                        .slots
                        .get_mut(&plant)
                        .and_then(|slots| slots.iter_mut().find(|s| s.week == week))
                    {
                        slot.booked += 1;
                    }
                    plan.book.entry((plant, week)).or_default().push(w);
                }
                FulfilmentDecision::AwaitCapacity => plan.wait.push(w),
            }
        }
        plan
    }

    /// Carries the plan out, supply first: each plant-week's units in one append, each
    /// vehicle reserved, then the orders' steps, all concurrently. Returns the positions of
    /// the orders done.
    async fn carry_out(&self, plan: Plan<'_>) -> Vec<Position> {
        let weeks = plan
            .book
            .iter()
            .map(|((plant, week), orders)| self.book_week(plant, *week, orders));
        let vehicles = plan.reserve.iter().map(|(w, choice)| async move {
            let outcome = self.reserve(&w.order, choice, &w.metadata).await;
            done_at(
                w,
                outcome.map(|o| o.unwrap_or(FulfilmentOutcome::NothingToDo)),
            )
        });
        let waits = plan
            .wait
            .iter()
            .map(|w| async move { done_at(w, self.await_capacity(w.order.id, &w.metadata).await) });
        let (weeks, vehicles, waits) =
            futures_util::join!(join_all(weeks), join_all(vehicles), join_all(waits));
        weeks
            .into_iter()
            .flatten()
            .chain(vehicles)
            .chain(waits)
            .flatten()
            .collect()
    }

    /// Books `orders` into one plant-week with one append, then schedules them concurrently.
    /// A week that refuses (filled or frozen meanwhile) leaves its orders to their events.
    async fn book_week(
        &self,
        plant: &PlantId,
        week: IsoWeek,
        orders: &[&Waiting],
    ) -> Vec<Option<Position>> {
        let Some(first) = orders.first() else {
            return Vec::new();
        };
        let ids: Vec<OrderId> = orders.iter().map(|w| w.order.id).collect();
        let key = SlotKey::new(plant.clone(), week);
        // One append carries every booking: it names the first order's placement as its cause.
        let booked = run::<Slot>(&self.exec, &key, &first.metadata, |_| {
            SlotCommand::BookMany {
                plant: plant.clone(),
                week,
                orders: ids.clone(),
            }
        })
        .await;
        if let Err(e) = booked {
            tracing::debug!("{week} at {plant} refused a batch of {}: {e}", ids.len());
            return Vec::new();
        }
        let schedules = orders.iter().map(|w| async move {
            done_at(w, self.schedule(w.order.id, plant, week, &w.metadata).await)
        });
        join_all(schedules).await
    }
}

/// The position of the order's placement when its step went through.
fn done_at(w: &Waiting, outcome: Result<FulfilmentOutcome, ReactionError>) -> Option<Position> {
    match outcome {
        Ok(FulfilmentOutcome::NothingToDo) | Err(_) => None,
        Ok(_) => Some(w.placed_at),
    }
}
