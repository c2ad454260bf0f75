//! Locate-to-order lifecycles: a stock car at the order's dealer, and one
//! at another location that has to be transferred.

#![allow(clippy::unwrap_used)]

mod support;

use app::delivery_id;
use app::services::Scope;
use domain::invoice::InvoiceStatus;
use domain::order::{Fulfilment, OrderStatus, VehicleSource};
use domain::shipment::ShipmentStatus;
use domain::values::{InvoiceNumber, PaymentId};
use domain::vehicle::VehicleStatus;
use support::{dealer, eur, location, World};

/// A car standing at the order's dealer is reserved at once, the order is
/// at the dealer immediately, invoiced, paid, handed over, and the dealer's
/// commission accrues once; replaying the log changes nothing.
async fn a_stock_car_at_the_dealer_is_delivered_and_earns_commission_once(mut w: World) {
    let vehicle = w.stock(1, "D-BER-01", "AURA", &["PNT-RED"]).await;
    w.start();
    let order = w.place(1, "D-BER-01", "AURA", &["PNT-RED"]).await;
    w.settle().await;

    let o = w.order(order).await;
    assert_eq!(o.status, OrderStatus::AtDealer);
    assert!(matches!(
        o.fulfilment,
        Some(Fulfilment::Stock { vehicle: v, source: VehicleSource::AtDealer, .. }) if v == vehicle
    ));
    assert_eq!(w.vehicle(vehicle).await.order(), Some(order));
    // The car stood at the dealer: the order may still be amended or
    // refunded until its handover is booked, so it is invoiced then.
    assert_eq!(w.invoice(order).await.number(), None);
    w.advance(1);
    w.services
        .book_handover(order, w.days_ahead(1), &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    w.settle().await;

    // 42,900.00 + 1,200.00 net, 19% VAT, minus the 1,000.00 deposit.
    let invoice = w.invoice(order).await;
    let number = invoice.number().cloned().expect("invoiced");
    assert_eq!(number, InvoiceNumber::parse("DE-2026-000001").unwrap());
    assert_eq!(invoice.document().unwrap().price.net, eur(4_410_000));
    assert_eq!(invoice.amount_due(), Some(eur(5_247_900 - 100_000)));
    assert_eq!(invoice.document().unwrap().issued_on, w.today());

    let paid = w
        .services
        .record_payment(&number, eur(5_147_900), PaymentId::derived("p1"), &w.meta())
        .await
        .unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.order, order);

    let delivery = w
        .services
        .hand_over(order, &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(delivery.vehicle, Some(vehicle));
    w.settle().await;

    assert_eq!(w.order(order).await.status, OrderStatus::Delivered);
    assert_eq!(
        w.vehicle(vehicle).await.status(),
        Some(VehicleStatus::Delivered)
    );
    let statement = w.statement("D-BER-01", "2026-11").await;
    let line = statement.line(&order).expect("commission accrued");
    // 4% of 44,100.00 plus the 150.00 handover fee.
    assert_eq!(line.commission, eur(176_400 + 15_000));

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    assert_eq!(w.count("CommissionAccrued").await, 1);
    assert_eq!(w.count("NumberAssigned").await, 1);
    assert_eq!(w.count("VehicleReserved").await, 1);
    w.stop().await;
}

/// A car standing at another dealer of the market is reserved, its transfer
/// is planned at once (with the ETA of the transport table), the planner
/// dispatches it on that shipment, and its arrival makes the order
/// `at_dealer` and invoiced.
async fn a_stock_car_elsewhere_is_transferred_to_the_order_dealer(mut w: World) {
    let vehicle = w.stock(2, "D-MUC-01", "AURA", &[]).await;
    w.start();
    let order = w.place(2, "D-BER-01", "AURA", &[]).await;
    w.settle().await;

    let o = w.order(order).await;
    assert_eq!(o.status, OrderStatus::Allocated);
    assert!(matches!(
        &o.fulfilment,
        Some(Fulfilment::Stock { vehicle: v, source: VehicleSource::AtOtherLocation, location: at })
            if *v == vehicle && *at == location("D-MUC-01")
    ));
    // Munich to Berlin: 2 days.
    let eta = w.today() + chrono::Days::new(2);
    assert_eq!(o.eta, Some(eta));
    let planned = w.shipment(delivery_id(vehicle, order)).await;
    assert_eq!(planned.status(), Some(ShipmentStatus::Planned));
    assert_eq!(planned.destination(), Some(&location("D-BER-01")));
    assert_eq!(planned.eta(), Some(eta));

    let dispatched = w.services.dispatch(vehicle, None, &w.meta()).await.unwrap();
    assert_eq!(dispatched.shipment, delivery_id(vehicle, order));
    assert_eq!(dispatched.eta, eta);
    // Dispatching again is a retry: the same shipment, nothing appended.
    let head = w.head().await;
    let again = w.services.dispatch(vehicle, None, &w.meta()).await.unwrap();
    assert_eq!(again.shipment, dispatched.shipment);
    assert_eq!(w.head().await, head);
    assert_eq!(w.order(order).await.status, OrderStatus::InTransit);
    assert_eq!(w.invoice(order).await.number(), None);

    w.advance(2);
    let arrival = w.services.arrive(vehicle, &w.meta()).await.unwrap();
    assert_eq!(arrival.order, Some(order));
    assert_eq!(arrival.at, location("D-BER-01"));
    w.settle().await;

    assert_eq!(w.order(order).await.status, OrderStatus::AtDealer);
    assert_eq!(
        w.shipment(dispatched.shipment).await.status(),
        Some(ShipmentStatus::Arrived)
    );
    let v = w.vehicle(vehicle).await;
    assert_eq!(v.location(), Some(&location("D-BER-01")));
    assert_eq!(v.order_dealer(), Some(&dealer("D-BER-01")));
    assert!(w.invoice(order).await.number().is_some());

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    assert_eq!(w.count("ShipmentPlanned").await, 1);
    w.stop().await;
}

on_every_backend!(
    a_stock_car_at_the_dealer_is_delivered_and_earns_commission_once,
    a_stock_car_elsewhere_is_transferred_to_the_order_dealer,
);
