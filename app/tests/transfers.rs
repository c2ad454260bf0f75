//! Transfers of free stock and where a car may go: a planner moves a free
//! car (the destination is required), an order at the destination takes it
//! on its way; a reserved car only goes to its order's dealer.

#![allow(clippy::unwrap_used)]

mod support;

use app::{transfer_id, CommandError, Rejection};
use chrono::Days;
use domain::order::{Fulfilment, OrderStatus, VehicleSource};
use domain::vehicle::{VehicleError, VehicleStatus};
use support::{location, World};

/// A free car transferred from Munich to Berlin is reserved on its way by
/// an order at Berlin (ETA: the transfer's), and its arrival puts that
/// order at the dealer.
async fn a_transferred_car_is_taken_on_its_way_by_an_order_at_its_destination(mut w: World) {
    let car = w.stock(700, "D-MUC-01", "AURA", &[]).await;
    let refused = w.services.dispatch(car, None, &w.meta()).await;
    assert!(matches!(
        refused,
        Err(CommandError::Rejected(
            Rejection::DestinationRequired { .. }
        ))
    ));
    let moved = w
        .services
        .dispatch(car, Some(location("D-BER-01")), &w.meta())
        .await
        .unwrap();
    assert_eq!(moved.shipment, transfer_id(car, &location("D-BER-01"), 0));
    assert_eq!(moved.eta, w.today() + Days::new(2));
    assert_eq!(
        w.vehicle(car).await.status(),
        Some(VehicleStatus::InTransit)
    );

    w.start();
    let order = w.place(700, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let o = w.order(order).await;
    assert_eq!(o.status, OrderStatus::Allocated);
    assert_eq!(o.eta, Some(moved.eta));
    assert!(matches!(
        o.fulfilment,
        Some(Fulfilment::Stock { vehicle, source: VehicleSource::InTransitToDealer, .. })
            if vehicle == car
    ));

    w.advance(2);
    let arrival = w.services.arrive(car, &w.meta()).await.unwrap();
    assert_eq!(arrival.order, Some(order));
    w.settle().await;
    assert_eq!(w.order(order).await.status, OrderStatus::AtDealer);
    assert!(w.invoice(order).await.number().is_some());
    // Recording the arrival again changes nothing.
    let head = w.head().await;
    w.services.arrive(car, &w.meta()).await.unwrap();
    assert_eq!(w.head().await, head);

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

/// A car reserved for an order in Berlin cannot be dispatched to Munich;
/// nothing is planned or appended for the refused dispatch.
async fn a_reserved_car_only_goes_to_its_order_dealer(mut w: World) {
    let car = w.stock(710, "D-HAM-01", "AURA", &[]).await;
    w.start();
    w.place(710, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let head = w.head().await;
    let refused = w
        .services
        .dispatch(car, Some(location("D-MUC-01")), &w.meta())
        .await;
    assert!(matches!(
        refused,
        Err(CommandError::Rejected(Rejection::Vehicle(
            VehicleError::MustGoToOrderDealer { .. }
        )))
    ));
    assert_eq!(w.head().await, head);
    w.stop().await;
}

on_every_backend!(
    a_transferred_car_is_taken_on_its_way_by_an_order_at_its_destination,
    a_reserved_car_only_goes_to_its_order_dealer,
);
