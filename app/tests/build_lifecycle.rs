//! Build-to-order from capacity to commission, and an order that waits for
//! capacity until a planner opens some.

#![allow(clippy::unwrap_used)]

mod support;

use app::services::build_vehicle_id;
use app::services::Scope;
use app::{delivery_id, CommandError, Rejection};
use chrono::Days;
use domain::invoice::{InvoiceError, InvoiceStatus};
use domain::order::{Fulfilment, OrderError, OrderStatus, WaitReason};
use domain::shipment::ShipmentStatus;
use domain::values::{PaymentId, Vin};
use domain::vehicle::VehicleStatus;
use support::{eur, location, plant_id, week_of, World};

/// Capacity → scheduled → production start with VINs → built → shipment
/// planned → dispatch → delay → arrival → invoice → payment (overpayment
/// refused, handover refused until paid) → handover → commission accrued
/// once; then a replay of the whole log changes nothing.
async fn a_build_to_order_goes_from_capacity_to_commission(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 2).await;
    w.start();
    let order = w
        .place(10, "D-MUC-01", "AURA", &["WHL-20", "PKG-SPORT"])
        .await;
    w.settle().await;

    let o = w.order(order).await;
    assert_eq!(o.status, OrderStatus::Scheduled);
    assert!(matches!(
        &o.fulfilment,
        Some(Fulfilment::Build { plant, week, .. })
            if *plant == plant_id("P-LEIPZIG") && *week == week_of("2026-W50")
    ));
    // Sunday 2026-12-13 plus 4 days from Leipzig to Munich.
    let promised = chrono::NaiveDate::from_ymd_opt(2026, 12, 17).unwrap();
    assert_eq!(o.eta, Some(promised));
    assert!(w.slot("P-LEIPZIG", "2026-W50").await.is_booked(&order));

    w.advance(14); // Monday of 2026-W50
    let started = w
        .services
        .start_production(plant_id("P-LEIPZIG"), week_of("2026-W50"), &w.meta())
        .await
        .unwrap();
    assert_eq!(started.builds.len(), 1);
    let build = &started.builds[0];
    assert_eq!(build.order, order);
    assert_eq!(build.vehicle, build_vehicle_id(order));
    assert_eq!(Vin::parse(build.vin.as_str()), Ok(build.vin.clone()));
    // Starting again is a retry: the same builds, nothing appended.
    let head = w.head().await;
    let again = w
        .services
        .start_production(plant_id("P-LEIPZIG"), week_of("2026-W50"), &w.meta())
        .await
        .unwrap();
    assert_eq!(again.builds, started.builds);
    assert_eq!(w.head().await, head);

    let vehicle = build.vehicle;
    assert_eq!(w.order(order).await.status, OrderStatus::InProduction);
    let v = w.vehicle(vehicle).await;
    assert_eq!(v.status(), Some(VehicleStatus::InProduction));
    assert_eq!(v.vin(), Some(&build.vin));
    assert_eq!(v.order(), Some(order));

    w.services.complete_build(vehicle, &w.meta()).await.unwrap();
    w.settle().await;
    assert_eq!(w.order(order).await.status, OrderStatus::Built);
    let shipment = delivery_id(vehicle, order);
    let planned = w.shipment(shipment).await;
    assert_eq!(planned.status(), Some(ShipmentStatus::Planned));
    assert_eq!(planned.origin(), Some(&location("P-LEIPZIG")));
    assert_eq!(planned.destination(), Some(&location("D-MUC-01")));
    assert_eq!(planned.eta(), Some(w.today() + Days::new(4)));

    let dispatched = w.services.dispatch(vehicle, None, &w.meta()).await.unwrap();
    assert_eq!(dispatched.shipment, shipment);
    assert_eq!(dispatched.eta, w.today() + Days::new(4));
    assert_eq!(w.order(order).await.status, OrderStatus::InTransit);

    let late = w.today() + Days::new(7);
    w.services
        .delay(vehicle, "port congestion", late, &w.meta())
        .await
        .unwrap();
    let o = w.order(order).await;
    assert_eq!(o.eta, Some(late));
    assert!(o.delayed);
    assert_eq!(
        o.reason,
        Some(WaitReason::Delayed {
            reason: "port congestion".into()
        })
    );
    assert_eq!(w.shipment(shipment).await.eta(), Some(late));
    // The same delay again changes nothing.
    let head = w.head().await;
    w.services
        .delay(vehicle, "port congestion", late, &w.meta())
        .await
        .unwrap();
    assert_eq!(w.head().await, head);

    w.advance(7);
    w.services.arrive(vehicle, &w.meta()).await.unwrap();
    w.settle().await;
    assert_eq!(w.order(order).await.status, OrderStatus::AtDealer);

    // 42,900 + 1,500 + 3,100 = 47,500.00 net; VAT 9,025.00; minus deposit.
    let invoice = w.invoice(order).await;
    let number = invoice.number().cloned().unwrap();
    assert_eq!(number.to_string(), "DE-2026-000001");
    let due = eur(4_750_000 + 902_500 - 100_000);
    assert_eq!(invoice.amount_due(), Some(due));

    let overpaid = w
        .services
        .record_payment(
            &number,
            eur(due.amount_minor + 1),
            PaymentId::derived("too much"),
            &w.meta(),
        )
        .await;
    assert!(matches!(
        overpaid,
        Err(CommandError::Rejected(Rejection::Invoice(
            InvoiceError::Overpayment { .. }
        )))
    ));
    let half = eur(due.amount_minor / 2);
    let first = w
        .services
        .record_payment(&number, half, PaymentId::derived("first"), &w.meta())
        .await
        .unwrap();
    assert_eq!(first.status, InvoiceStatus::Open);
    assert!(matches!(
        w.services
            .hand_over(order, &Scope::AnyOrder, &w.meta())
            .await,
        Err(CommandError::Rejected(Rejection::Order(
            OrderError::InvoiceNotPaid
        )))
    ));
    let rest = eur(due.amount_minor - half.amount_minor);
    let second = w
        .services
        .record_payment(&number, rest, PaymentId::derived("second"), &w.meta())
        .await
        .unwrap();
    assert_eq!(second.status, InvoiceStatus::Paid);
    // The same payment again (a retried request) is recorded once.
    w.services
        .record_payment(&number, rest, PaymentId::derived("second"), &w.meta())
        .await
        .unwrap();

    w.services
        .book_handover(order, w.days_ahead(1), &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(w.order(order).await.status, OrderStatus::HandoverScheduled);
    w.services
        .hand_over(order, &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    w.settle().await;
    assert_eq!(w.order(order).await.status, OrderStatus::Delivered);
    assert_eq!(
        w.vehicle(vehicle).await.status(),
        Some(VehicleStatus::Delivered)
    );
    let statement = w.statement("D-MUC-01", "2026-12").await;
    // 4% of 47,500.00 plus the 150.00 fee.
    assert_eq!(statement.line(&order).unwrap().commission, eur(205_000));

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    assert_eq!(w.count("SlotBooked").await, 1);
    assert_eq!(w.count("ShipmentPlanned").await, 1);
    assert_eq!(w.count("NumberAssigned").await, 1);
    assert_eq!(w.count("InvoiceIssued").await, 1);
    assert_eq!(w.count("PaymentRecorded").await, 2);
    assert_eq!(w.count("CommissionAccrued").await, 1);
    w.stop().await;
}

/// An order with no stock and no capacity waits ("awaiting capacity");
/// when a planner opens a week, the oldest waiting order is scheduled into
/// it, and the next one keeps waiting until another week opens.
async fn awaiting_orders_are_scheduled_when_capacity_opens(mut w: World) {
    w.start();
    let first = w.place(20, "D-BER-01", "AURA", &[]).await;
    let second = w.place(21, "D-HAM-01", "AURA", &["PNT-BLK"]).await;
    w.settle().await;
    for order in [first, second] {
        let o = w.order(order).await;
        assert_eq!(o.status, OrderStatus::Placed);
        assert_eq!(o.reason, Some(WaitReason::AwaitingCapacity));
    }

    w.capacity("P-LEIPZIG", "2026-W51", 1).await;
    w.settle().await;
    assert_eq!(w.order(first).await.status, OrderStatus::Scheduled);
    assert_eq!(w.order(second).await.status, OrderStatus::Placed);

    w.capacity("P-LEIPZIG", "2026-W52", 1).await;
    w.settle().await;
    let o = w.order(second).await;
    assert_eq!(o.status, OrderStatus::Scheduled);
    assert!(matches!(
        o.fulfilment,
        Some(Fulfilment::Build { week, .. }) if week == week_of("2026-W52")
    ));
    assert_eq!(w.slot("P-LEIPZIG", "2026-W51").await.booked(), 1);
    assert_eq!(w.slot("P-LEIPZIG", "2026-W52").await.booked(), 1);

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

on_every_backend!(
    a_build_to_order_goes_from_capacity_to_commission,
    awaiting_orders_are_scheduled_when_capacity_opens,
);
