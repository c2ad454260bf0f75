//! Fulfilment in batches: the orders placed in one batch of the log are decided together
//! over one picture of supply, and a plant-week's units are booked in one append. Exactly
//! the capacity is booked, each car serves one order, a half-done step of a crash is
//! finished rather than repeated, and a replay or a second instance acts once.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use app::process::{standard_managers, ProcessRunner};
use app::Executor;
use domain::catalog::Catalog;
use domain::order::{Fulfilment, OrderStatus, WaitReason};
use domain::slot::{Slot, SlotCommand};
use domain::values::{OrderId, SlotKey, VehicleId};
use store::{EventStore, Position};
use support::{plant_id, week_of, MemoryCheckpoints, MiniSupply, World, DEADLINE};

/// Places `n` orders of customers from `first` on, before any manager runs, so that the
/// runner reads them as one batch.
async fn place_many(w: &World, first: u32, n: u32) -> Vec<OrderId> {
    let mut orders = Vec::new();
    for i in 0..n {
        orders.push(w.place(first + i, "D-BER-01", "AURA", &[]).await);
    }
    orders
}

/// The positions of the stored events of type `event_type`, in log order.
async fn positions(store: &Arc<dyn EventStore>, event_type: &str) -> Vec<Position> {
    let mut after = Position::START;
    let mut found = Vec::new();
    loop {
        let page = store.read_all(after, 1000).await.unwrap();
        let Some(last) = page.last() else {
            return found;
        };
        after = last.position;
        found.extend(
            page.iter()
                .filter(|e| e.event_type == event_type)
                .map(|e| e.position),
        );
    }
}

/// How the orders ended: scheduled per week, allocated per car, awaiting capacity.
#[derive(Debug, Default)]
struct Outcome {
    weeks: HashMap<String, Vec<OrderId>>,
    cars: HashMap<VehicleId, OrderId>,
    awaiting: Vec<OrderId>,
}

async fn outcome(w: &World, orders: &[OrderId]) -> Outcome {
    let mut outcome = Outcome::default();
    for order in orders {
        let o = w.order(*order).await;
        match &o.fulfilment {
            Some(Fulfilment::Build { week, .. }) => {
                assert_eq!(o.status, OrderStatus::Scheduled);
                outcome
                    .weeks
                    .entry(week.to_string())
                    .or_default()
                    .push(*order);
            }
            Some(Fulfilment::Stock { vehicle, .. }) => {
                let previous = outcome.cars.insert(*vehicle, *order);
                assert!(previous.is_none(), "car {vehicle} serves two orders");
            }
            None => {
                assert_eq!(o.status, OrderStatus::Placed);
                assert_eq!(o.reason, Some(WaitReason::AwaitingCapacity), "{order}");
                outcome.awaiting.push(*order);
            }
        }
    }
    outcome
}

/// Twelve orders placed together for a week with three units left: exactly those three are
/// booked, in one append (the bookings are consecutive in the log), the oldest orders get
/// them, and the other nine await capacity.
async fn orders_placed_together_book_exactly_the_units_left(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 3).await;
    let orders = place_many(&w, 600, 12).await;
    w.start();
    w.settle().await;

    let outcome = outcome(&w, &orders).await;
    assert_eq!(outcome.weeks.get("2026-W50").map(Vec::len), Some(3));
    assert_eq!(outcome.awaiting.len(), 9);
    let slot = w.slot("P-LEIPZIG", "2026-W50").await;
    assert_eq!(slot.booked(), 3);
    let booked = positions(&w.store, "SlotBooked").await;
    assert_eq!(booked.len(), 3);
    if w.partitions == 1 {
        // One partition decides in log order and books in one append.
        assert_eq!(outcome.weeks.get("2026-W50"), Some(&orders[..3].to_vec()));
        let consecutive = booked.windows(2).all(|p| p[1].0 == p[0].0 + 1);
        assert!(consecutive, "booked one by one: {booked:?}");
    }

    // A replay from the start of the log decides again and appends nothing.
    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

/// Cars first, then weeks, then waiting: two matching cars and two units for six orders;
/// each car serves one order, each unit one order, two wait. Capacity opened later
/// schedules the waiting ones.
async fn a_batch_takes_each_car_and_unit_once(mut w: World) {
    let cars = [
        w.stock(610, "D-BER-01", "AURA", &[]).await,
        w.stock(611, "D-BER-01", "AURA", &[]).await,
    ];
    w.capacity("P-LEIPZIG", "2026-W50", 2).await;
    let orders = place_many(&w, 620, 6).await;
    w.start();
    w.settle().await;

    let first = outcome(&w, &orders).await;
    let cars_taken: HashSet<VehicleId> = first.cars.keys().copied().collect();
    assert_eq!(cars_taken, cars.into_iter().collect());
    for (car, order) in &first.cars {
        assert_eq!(w.vehicle(*car).await.order(), Some(*order));
    }
    assert_eq!(first.weeks.get("2026-W50").map(Vec::len), Some(2));
    assert_eq!(first.awaiting.len(), 2);
    assert_eq!(w.slot("P-LEIPZIG", "2026-W50").await.booked(), 2);

    w.capacity("P-LEIPZIG", "2026-W51", 5).await;
    w.settle().await;
    let later = outcome(&w, &orders).await;
    assert!(later.awaiting.is_empty());
    let mut rescheduled = later.weeks.get("2026-W51").cloned().unwrap_or_default();
    let mut awaited = first.awaiting.clone();
    rescheduled.sort();
    awaited.sort();
    assert_eq!(rescheduled, awaited);
    assert_eq!(w.slot("P-LEIPZIG", "2026-W51").await.booked(), 2);
    w.stop().await;
}

/// A crash left one order of the batch booked into W51 but not scheduled: the batch leaves
/// it to its reaction, which schedules it into W51; four others fill W50, the last joins it
/// in W51, and nobody holds two units.
async fn a_half_done_booking_in_a_batch_is_finished_not_repeated(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 4).await;
    w.capacity("P-LEIPZIG", "2026-W51", 4).await;
    let orders = place_many(&w, 640, 6).await;
    let w51 = week_of("2026-W51");
    let crashed = orders[2];
    w.exec
        .execute::<Slot>(&SlotKey::new(plant_id("P-LEIPZIG"), w51), &w.meta(), |_| {
            SlotCommand::Book {
                plant: plant_id("P-LEIPZIG"),
                week: w51,
                order: crashed,
            }
        })
        .await
        .unwrap();
    w.start();
    w.settle().await;

    let outcome = outcome(&w, &orders).await;
    let w51 = outcome.weeks.get("2026-W51").cloned().unwrap_or_default();
    assert_eq!(w51.len(), 2, "{w51:?}");
    assert!(w51.contains(&crashed));
    assert_eq!(outcome.weeks.get("2026-W50").map(Vec::len), Some(4));
    assert!(outcome.awaiting.is_empty());
    let w50 = w.slot("P-LEIPZIG", "2026-W50").await;
    assert!(!w50.is_booked(&crashed));
    assert_eq!(w.slot("P-LEIPZIG", "2026-W51").await.booked(), 2);
    w.stop().await;
}

/// Two instances (own checkpoints, caches and supply views) batch the same orders at the
/// same time for the last units of one week: exactly the capacity is booked, every order
/// holds at most one unit, and the rest await capacity.
async fn two_instances_batching_the_same_orders_book_exactly_the_capacity(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 5).await;
    let orders = place_many(&w, 660, 16).await;
    let other = Executor::new(w.store.clone(), Arc::new(Catalog::demo()), w.clock.clone());
    let second = ProcessRunner::new(
        w.store.clone(),
        Arc::new(MemoryCheckpoints::default()),
        standard_managers(&other, Arc::new(MiniSupply::new(w.store.clone()))),
    )
    .with_partitions(w.partitions)
    .spawn();
    w.start();
    loop {
        let head = w.settle().await;
        second.settle(DEADLINE).await.unwrap();
        if w.head().await == head {
            break;
        }
    }
    assert!(second.skipped().is_empty(), "{:#?}", second.skipped());

    let outcome = outcome(&w, &orders).await;
    assert_eq!(outcome.weeks.get("2026-W50").map(Vec::len), Some(5));
    assert_eq!(outcome.awaiting.len(), 11);
    let slot = w.slot("P-LEIPZIG", "2026-W50").await;
    assert_eq!(slot.booked(), 5);
    for order in &outcome.weeks["2026-W50"] {
        assert!(slot.is_booked(order));
    }
    assert_eq!(positions(&w.store, "SlotBooked").await.len(), 5);
    second.stop().await.unwrap();
    w.stop().await;
}

/// Many orders race across partitions for the last units of one week, with a crash (the
/// runner stopped mid-way, its checkpoints lost) and a restart from the checkpoints: exactly the capacity is
/// booked, each by one order, and the rest await capacity.
async fn orders_racing_across_partitions_book_exactly_the_last_units(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 7).await;
    let mut orders = place_many(&w, 700, 10).await;
    w.start();
    orders.extend(place_many(&w, 710, 20).await);
    // A crash mid-way through the orders: everything is delivered again.
    w.crash().await;
    orders.extend(place_many(&w, 730, 10).await);
    w.start();
    w.settle().await;

    let outcome = outcome(&w, &orders).await;
    assert_eq!(outcome.weeks.get("2026-W50").map(Vec::len), Some(7));
    assert_eq!(outcome.awaiting.len(), orders.len() - 7);
    let slot = w.slot("P-LEIPZIG", "2026-W50").await;
    assert_eq!(slot.booked(), 7);
    assert_eq!(positions(&w.store, "SlotBooked").await.len(), 7);
    assert_eq!(positions(&w.store, "SlotReleased").await.len(), 0);

    // Redelivery of the whole log acts once.
    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

/// Each scenario on every backend with the work unsplit, and on SQLite split in 2 and 4.
macro_rules! partitioned {
    ($($scenario:ident),+ $(,)?) => {
        on_every_backend!($($scenario),+);
        mod split {
            $(
                mod $scenario {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn sqlite_in_2() {
                        let mut w = crate::support::World::sqlite().await;
                        w.partitions = 2;
                        super::super::$scenario(w).await;
                    }

                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn sqlite_in_4() {
                        let mut w = crate::support::World::sqlite().await;
                        w.partitions = 4;
                        super::super::$scenario(w).await;
                    }
                }
            )+
        }
    };
}

partitioned!(
    orders_placed_together_book_exactly_the_units_left,
    a_batch_takes_each_car_and_unit_once,
    a_half_done_booking_in_a_batch_is_finished_not_repeated,
    two_instances_batching_the_same_orders_book_exactly_the_capacity,
    orders_racing_across_partitions_book_exactly_the_last_units,
);
