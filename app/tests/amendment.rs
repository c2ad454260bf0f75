//! Amendments: a stock order changed to a configuration its car lacks gives
//! the car back and is fulfilled again; a build order can be changed until
//! its week freezes.

#![allow(clippy::unwrap_used)]

mod support;

use app::services::Scope;
use app::{delivery_id, CommandError, Rejection};
use domain::order::{Fulfilment, OrderError, OrderStatus};
use domain::shipment::ShipmentStatus;
use domain::values::OptionCode;
use support::{eur, World};

fn options(codes: &[&str]) -> Vec<OptionCode> {
    codes
        .iter()
        .map(|c| OptionCode::parse(c).unwrap())
        .collect()
}

/// The amended order releases its car (its planned transfer is called
/// off) and takes the car that now matches; the order waiting for a car
/// like the released one gets it.
async fn an_amended_stock_order_gives_its_car_back_and_finds_another(mut w: World) {
    let white = w.stock(600, "D-HAM-01", "AURA", &[]).await;
    let red = w.stock(601, "D-BER-01", "AURA", &["PNT-RED"]).await;
    w.start();
    let order = w.place(600, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let waiting = w.place(601, "D-MUC-01", "AURA", &[]).await;
    w.settle().await;
    assert_eq!(w.vehicle(white).await.order(), Some(order));
    assert_eq!(w.order(waiting).await.status, OrderStatus::Placed);

    let amended = w
        .services
        .amend_order(order, options(&["PNT-RED"]), &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(amended.difference, eur(120_000));
    assert_eq!(amended.price.net, eur(4_410_000));
    assert_eq!(amended.released_vehicle, Some(white));
    assert_eq!(
        w.shipment(delivery_id(white, order)).await.status(),
        Some(ShipmentStatus::Cancelled)
    );
    w.settle().await;

    let o = w.order(order).await;
    assert_eq!(o.status, OrderStatus::AtDealer);
    assert_eq!(o.fulfilment.and_then(|f| f.vehicle()), Some(red));
    assert_eq!(w.vehicle(white).await.order(), Some(waiting));
    assert_eq!(w.order(waiting).await.status, OrderStatus::Allocated);

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

/// Until its week freezes a build order is re-priced at its locked price
/// list and keeps its slot; from the freeze on it is refused.
async fn a_build_order_is_amended_until_its_week_freezes(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 1).await;
    w.start();
    let order = w.place(610, "D-BER-01", "AURA", &[]).await;
    w.settle().await;

    let amended = w
        .services
        .amend_order(order, options(&["WHL-20"]), &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(amended.difference, eur(150_000));
    assert_eq!(amended.released_vehicle, None);
    w.settle().await;
    let o = w.order(order).await;
    assert_eq!(o.status, OrderStatus::Scheduled);
    assert!(matches!(o.fulfilment, Some(Fulfilment::Build { .. })));
    assert_eq!(w.slot("P-LEIPZIG", "2026-W50").await.booked(), 1);

    w.advance(1);
    let refused = w
        .services
        .amend_order(order, options(&["WHL-18"]), &Scope::AnyOrder, &w.meta())
        .await;
    assert!(matches!(
        refused,
        Err(CommandError::Rejected(Rejection::Order(
            OrderError::AmendAfterFreeze { .. }
        )))
    ));
    w.stop().await;
}

on_every_backend!(
    an_amended_stock_order_gives_its_car_back_and_finds_another,
    a_build_order_is_amended_until_its_week_freezes,
);
