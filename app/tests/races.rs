//! Races for supply: two orders for one vehicle (or the last unit of a
//! week) and two process-manager instances working the same log. Exactly
//! one order wins each vehicle or unit; the others carry on searching.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use app::process::{standard_managers, FulfilmentOutcome, ProcessRunner};
use app::Executor;
use domain::catalog::Catalog;
use domain::order::{Fulfilment, OrderStatus};
use domain::values::{OrderId, VehicleId};
use store::Position;
use support::{MemoryCheckpoints, MiniSupply, World, DEADLINE};

/// Pairs of orders race, on two threads, for the one car that matches
/// them; the week has room for one build. Each time exactly one order gets
/// the car and the other is scheduled (the first loser) or awaits.
async fn two_orders_racing_for_one_car_cannot_both_get_it(w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 1).await;
    let fulfilment = Arc::new(w.fulfilment());
    let mut scheduled = 0;
    for round in 0..6u32 {
        let paint = ["PNT-WHT", "PNT-BLK", "PNT-RED"][round as usize % 3];
        let wheels = ["WHL-18", "WHL-20"][round as usize / 3];
        let car = w
            .stock(100 + round, "D-BER-01", "AURA", &[paint, wheels])
            .await;
        let x = w
            .place(200 + 2 * round, "D-BER-01", "AURA", &[paint, wheels])
            .await;
        let y = w
            .place(201 + 2 * round, "D-BER-01", "AURA", &[paint, wheels])
            .await;
        let at = w.head().await;
        let (fx, fy) = (fulfilment.clone(), fulfilment.clone());
        let meta = w.meta();
        let meta2 = meta.clone();
        let tx = tokio::spawn(async move { fx.fulfil(x, at, &meta).await.unwrap() });
        let ty = tokio::spawn(async move { fy.fulfil(y, at, &meta2).await.unwrap() });
        let outcomes = [tx.await.unwrap(), ty.await.unwrap()];

        let winners: Vec<_> = outcomes
            .iter()
            .filter(|o| **o == FulfilmentOutcome::Reserved { vehicle: car })
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        let holder = w.vehicle(car).await.order().unwrap();
        assert!(holder == x || holder == y);
        let loser = if holder == x { y } else { x };
        let lost = w.order(loser).await;
        match lost.status {
            OrderStatus::Scheduled => scheduled += 1,
            OrderStatus::Placed => assert!(lost.fulfilment.is_none()),
            other => panic!("round {round}: the loser is {other}"),
        }
        assert_eq!(
            w.order(holder).await.fulfilment.and_then(|f| f.vehicle()),
            Some(car)
        );
    }
    assert_eq!(scheduled, 1, "the week had room for one build");
    assert_eq!(w.slot("P-LEIPZIG", "2026-W50").await.booked(), 1);
}

/// Two process-manager instances (two processes on one log, each with its
/// own checkpoints and caches) fulfil the same orders at the same time:
/// no car serves two orders, no order holds two things, no week is
/// overbooked, and every car and unit is taken by someone.
async fn two_process_manager_instances_never_double_allocate(mut w: World) {
    let cars = [
        w.stock(300, "D-BER-01", "AURA", &[]).await,
        w.stock(301, "D-MUC-01", "AURA", &[]).await,
        w.stock(302, "D-HAM-01", "AURA", &[]).await,
    ];
    w.capacity("P-LEIPZIG", "2026-W50", 1).await;
    w.start();
    let other = Executor::new(w.store.clone(), Arc::new(Catalog::demo()), w.clock.clone());
    let second = ProcessRunner::new(
        w.store.clone(),
        Arc::new(MemoryCheckpoints::default()),
        standard_managers(&other, Arc::new(MiniSupply::new(w.store.clone()))),
    )
    .spawn();

    let dealers = ["D-BER-01", "D-MUC-01", "D-HAM-01"];
    let mut orders = Vec::new();
    for n in 0..6u32 {
        orders.push(w.place(400 + n, dealers[n as usize % 3], "AURA", &[]).await);
    }
    loop {
        let head = w.settle().await;
        second.settle(DEADLINE).await.unwrap();
        if w.head().await == head {
            break;
        }
    }
    assert!(second.skipped().is_empty(), "{:#?}", second.skipped());

    let mut holders: HashMap<VehicleId, OrderId> = HashMap::new();
    let mut statuses = HashMap::new();
    for order in &orders {
        let o = w.order(*order).await;
        *statuses.entry(o.status).or_insert(0) += 1;
        match &o.fulfilment {
            Some(Fulfilment::Stock { vehicle, .. }) => {
                assert!(
                    holders.insert(*vehicle, *order).is_none(),
                    "a car serves two orders"
                );
                assert_eq!(w.vehicle(*vehicle).await.order(), Some(*order));
            }
            Some(Fulfilment::Build { .. }) => {
                assert!(w.slot("P-LEIPZIG", "2026-W50").await.is_booked(order));
            }
            None => assert_eq!(o.status, OrderStatus::Placed),
        }
    }
    for car in cars {
        let reserved_by = w.vehicle(car).await.order();
        assert_eq!(reserved_by, holders.get(&car).copied(), "car {car}");
    }
    assert_eq!(holders.len(), 3, "every car is taken");
    assert_eq!(w.slot("P-LEIPZIG", "2026-W50").await.booked(), 1);
    assert_eq!(statuses.get(&OrderStatus::Scheduled), Some(&1));
    assert_eq!(statuses.get(&OrderStatus::Placed), Some(&2));

    second.stop().await.unwrap();
    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    assert!(after > Position::START);
    w.stop().await;
}

on_every_backend!(
    two_orders_racing_for_one_car_cannot_both_get_it,
    two_process_manager_instances_never_double_allocate,
);
