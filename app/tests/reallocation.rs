//! Reallocation: a planner gives a vehicle to the order that needs it
//! sooner; the order it came from goes back to fulfilment.

#![allow(clippy::unwrap_used)]

mod support;

use app::{delivery_id, CommandError, Rejection};
use chrono::Days;
use domain::order::{Fulfilment, OrderStatus, VehicleSource};
use domain::shipment::ShipmentStatus;
use support::{location, week_of, World};

/// Order B (scheduled for a build) takes order A's stock car: the car is
/// reassigned, B releases its slot, A goes back to fulfilment and takes the
/// freed slot, A's planned transfer is called off and B's is planned.
/// A free car can be given to an order too; a car that does not match the
/// order is refused.
async fn a_planner_moves_a_car_to_the_order_that_needs_it_sooner(mut w: World) {
    let car = w.stock(40, "D-HAM-01", "AURA", &[]).await;
    w.capacity("P-LEIPZIG", "2026-W51", 1).await;
    w.start();
    let a = w.place(40, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let b = w.place(41, "D-MUC-01", "AURA", &[]).await;
    w.settle().await;
    assert_eq!(w.order(a).await.status, OrderStatus::Allocated);
    assert_eq!(w.order(b).await.status, OrderStatus::Scheduled);

    let moved = w.services.reallocate(b, car, &w.meta()).await.unwrap();
    assert_eq!(moved.from_order, Some(a));
    // Hamburg to Munich: 3 days.
    assert_eq!(moved.eta, w.today() + Days::new(3));
    w.settle().await;

    assert_eq!(w.vehicle(car).await.order(), Some(b));
    let ob = w.order(b).await;
    assert_eq!(ob.status, OrderStatus::Allocated);
    assert!(matches!(
        &ob.fulfilment,
        Some(Fulfilment::Stock { vehicle, source: VehicleSource::AtOtherLocation, location: at })
            if *vehicle == car && *at == location("D-HAM-01")
    ));
    let oa = w.order(a).await;
    assert_eq!(oa.status, OrderStatus::Scheduled);
    assert!(matches!(
        oa.fulfilment,
        Some(Fulfilment::Build { week, .. }) if week == week_of("2026-W51")
    ));
    let slot = w.slot("P-LEIPZIG", "2026-W51").await;
    assert!(slot.is_booked(&a) && !slot.is_booked(&b));
    assert_eq!(
        w.shipment(delivery_id(car, a)).await.status(),
        Some(ShipmentStatus::Cancelled)
    );
    let to_b = w.shipment(delivery_id(car, b)).await;
    assert_eq!(to_b.status(), Some(ShipmentStatus::Planned));
    assert_eq!(to_b.destination(), Some(&location("D-MUC-01")));

    // Reallocating again is a retry: nothing more happens.
    let head = w.head().await;
    w.services.reallocate(b, car, &w.meta()).await.unwrap();
    assert_eq!(w.head().await, head);

    // A free car for a scheduled order.
    w.capacity("P-LEIPZIG", "2026-W52", 1).await;
    let c = w.place(42, "D-MUC-01", "AURA", &["PNT-BLK"]).await;
    w.settle().await;
    assert_eq!(w.order(c).await.status, OrderStatus::Scheduled);
    let free = w.stock(42, "D-MUC-01", "AURA", &["PNT-BLK"]).await;
    w.settle().await;
    assert_eq!(w.vehicle(free).await.order(), None);
    let given = w.services.reallocate(c, free, &w.meta()).await.unwrap();
    assert_eq!(given.from_order, None);
    w.settle().await;
    assert_eq!(w.order(c).await.status, OrderStatus::AtDealer);
    assert_eq!(w.slot("P-LEIPZIG", "2026-W52").await.booked(), 0);
    // The car stood at the dealer: invoiced once its handover is booked.
    assert!(w.invoice(c).await.number().is_none());

    let refused = w.services.reallocate(a, free, &w.meta()).await;
    assert!(matches!(
        refused,
        Err(CommandError::Rejected(Rejection::VehicleDoesNotMatch { differences, .. }))
            if differences == vec!["+PNT-BLK".to_owned(), "-PNT-WHT".to_owned()]
    ));

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

on_every_backend!(a_planner_moves_a_car_to_the_order_that_needs_it_sooner);
