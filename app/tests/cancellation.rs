//! Cancellation: refund before the freeze, forfeit after; the slot or the
//! vehicle goes back to supply and an awaiting order takes it; an invoiced
//! order gets a credit note from the same gapless series.

#![allow(clippy::unwrap_used)]

mod support;

use app::delivery_id;
use app::services::Scope;
use domain::invoice::InvoiceStatus;
use domain::order::{Fulfilment, OrderStatus, VehicleSource};
use domain::shipment::ShipmentStatus;
use domain::values::PaymentId;
use domain::vehicle::VehicleStatus;
use support::{eur, week_of, World};

/// Before its slot freezes a build order is cancelled with the deposit
/// refunded; the unit goes back and the order waiting for it is scheduled.
async fn a_build_cancelled_before_the_freeze_refunds_and_frees_its_slot(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 1).await;
    w.start();
    let first = w.place(30, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let waiting = w.place(31, "D-MUC-01", "AURA", &["PNT-RED"]).await;
    w.settle().await;
    assert_eq!(w.order(first).await.status, OrderStatus::Scheduled);
    assert_eq!(w.order(waiting).await.status, OrderStatus::Placed);

    // 2026-11-23 is the last day 2026-W50 can be changed.
    let cancelled = w
        .services
        .cancel_order(first, "changed my mind", &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(cancelled.deposit_refunded, eur(100_000));
    assert_eq!(cancelled.deposit_forfeited, eur(0));
    assert_eq!(cancelled.refund, eur(100_000));
    assert_eq!(cancelled.credit_note, None);
    assert!(!w.slot("P-LEIPZIG", "2026-W50").await.is_booked(&first));
    w.settle().await;

    assert_eq!(w.order(first).await.status, OrderStatus::Cancelled);
    let o = w.order(waiting).await;
    assert_eq!(o.status, OrderStatus::Scheduled);
    assert!(matches!(
        o.fulfilment,
        Some(Fulfilment::Build { week, .. }) if week == week_of("2026-W50")
    ));
    // Cancelling again changes nothing and tells the same story.
    let head = w.head().await;
    let again = w
        .services
        .cancel_order(first, "changed my mind", &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(again.refund, cancelled.refund);
    assert_eq!(w.head().await, head);

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

/// After the freeze the deposit is forfeited; the slot is still released.
async fn a_build_cancelled_after_the_freeze_forfeits_the_deposit(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 2).await;
    w.start();
    let order = w.place(32, "D-HAM-01", "AURA", &[]).await;
    w.settle().await;
    assert_eq!(w.order(order).await.status, OrderStatus::Scheduled);

    w.advance(1); // 2026-W50 froze on 2026-11-24
    let cancelled = w
        .services
        .cancel_order(order, "found another car", &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(cancelled.deposit_refunded, eur(0));
    assert_eq!(cancelled.deposit_forfeited, eur(100_000));
    assert_eq!(cancelled.refund, eur(0));
    assert_eq!(w.slot("P-LEIPZIG", "2026-W50").await.booked(), 0);

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

/// A stock order cancelled before dispatch: deposit refunded, the vehicle
/// back in free stock, its planned transfer called off, and the order
/// waiting for such a car gets it (with a transfer of its own).
async fn a_cancelled_stock_order_hands_its_vehicle_to_a_waiting_order(mut w: World) {
    let vehicle = w.stock(33, "D-MUC-01", "AURA", &[]).await;
    w.start();
    let first = w.place(33, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let waiting = w.place(34, "D-HAM-01", "AURA", &[]).await;
    w.settle().await;
    assert_eq!(w.order(first).await.status, OrderStatus::Allocated);
    assert_eq!(w.order(waiting).await.status, OrderStatus::Placed);
    let transfer = delivery_id(vehicle, first);
    assert_eq!(
        w.shipment(transfer).await.status(),
        Some(ShipmentStatus::Planned)
    );

    let cancelled = w
        .services
        .cancel_order(first, "too late", &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(cancelled.deposit_refunded, eur(100_000));
    assert_eq!(
        w.shipment(transfer).await.status(),
        Some(ShipmentStatus::Cancelled)
    );
    w.settle().await;

    let o = w.order(waiting).await;
    assert_eq!(o.status, OrderStatus::Allocated);
    assert!(matches!(
        o.fulfilment,
        Some(Fulfilment::Stock { vehicle: v, source: VehicleSource::AtOtherLocation, .. })
            if v == vehicle
    ));
    assert_eq!(w.vehicle(vehicle).await.order(), Some(waiting));
    assert_eq!(
        w.shipment(delivery_id(vehicle, waiting)).await.status(),
        Some(ShipmentStatus::Planned)
    );

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

/// An order cancelled after its car arrived and was invoiced (and partly
/// paid), past the online withdrawal period: deposit forfeited, a credit
/// note refunds the payment with the next number of the series, and the
/// car, now free stock at the dealer, goes to the order waiting there,
/// which is invoiced (once its handover is booked: the car stood at its
/// dealer when it was matched) with the number after that: no gap, no
/// duplicate.
async fn an_invoiced_order_cancelled_gets_a_credit_note_and_its_car_goes_on(mut w: World) {
    let vehicle = w.stock(35, "D-MUC-01", "AURA", &[]).await;
    w.start();
    let first = w.place(35, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let waiting = w.place(36, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    w.services.dispatch(vehicle, None, &w.meta()).await.unwrap();
    w.advance(2);
    w.services.arrive(vehicle, &w.meta()).await.unwrap();
    w.settle().await;
    let number = w.invoice(first).await.number().cloned().unwrap();
    assert_eq!(number.to_string(), "DE-2026-000001");
    w.services
        .record_payment(&number, eur(100_000), PaymentId::derived("part"), &w.meta())
        .await
        .unwrap();
    w.advance(13);

    let cancelled = w
        .services
        .cancel_order(first, "customer withdrew", &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(cancelled.deposit_refunded, eur(0));
    assert_eq!(cancelled.deposit_forfeited, eur(100_000));
    let credit = cancelled.credit_note.clone().unwrap();
    assert_eq!(credit.refund, eur(100_000));
    assert_eq!(cancelled.refund, eur(100_000));
    assert_eq!(
        w.invoice(first).await.status(),
        Some(InvoiceStatus::Credited)
    );
    w.settle().await;

    let v = w.vehicle(vehicle).await;
    assert_eq!(v.order(), Some(waiting));
    assert_eq!(v.status(), Some(VehicleStatus::Reserved));
    assert_eq!(w.order(waiting).await.status, OrderStatus::AtDealer);
    assert_eq!(
        w.invoice(waiting).await.number(),
        None,
        "not before a booking"
    );
    w.services
        .book_handover(waiting, w.days_ahead(1), &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    w.settle().await;
    let next = w.invoice(waiting).await.number().cloned().unwrap();
    // The credit note and the next invoice are taken concurrently (the
    // freed car is re-allocated while the cancellation credits): 2 and 3.
    let mut taken = [credit.credit_number.sequence, next.sequence];
    taken.sort();
    assert_eq!(taken, [2, 3]);
    let register = w.register("DE", 2026).await;
    assert_eq!(register.last_sequence(), 3);
    assert_eq!(register.assigned().count(), 3);

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    assert_eq!(w.count("CreditNoteIssued").await, 1);
    w.stop().await;
}

/// An order placed online in DE, fulfilled from stock, is withdrawn within
/// 14 days of placing it even after its car arrived and was invoiced and
/// partly paid: the deposit is refunded in full and the credit note, which
/// refunds the payment, forfeits nothing.
async fn an_online_stock_order_withdrawn_within_14_days_refunds_everything(mut w: World) {
    let vehicle = w.stock(37, "D-MUC-01", "AURA", &[]).await;
    w.start();
    let order = w.place(37, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    w.services.dispatch(vehicle, None, &w.meta()).await.unwrap();
    w.advance(2);
    w.services.arrive(vehicle, &w.meta()).await.unwrap();
    w.settle().await;
    let number = w.invoice(order).await.number().cloned().unwrap();
    w.services
        .record_payment(&number, eur(200_000), PaymentId::derived("part"), &w.meta())
        .await
        .unwrap();
    w.advance(12);

    let cancelled = w
        .services
        .cancel_order(
            order,
            "distance-selling withdrawal",
            &Scope::AnyOrder,
            &w.meta(),
        )
        .await
        .unwrap();
    assert_eq!(cancelled.deposit_refunded, eur(100_000));
    assert_eq!(cancelled.deposit_forfeited, eur(0));
    assert_eq!(cancelled.refund, eur(300_000));
    let credit = cancelled.credit_note.unwrap();
    assert_eq!(
        (credit.refund, credit.deposit_forfeited),
        (eur(200_000), eur(0))
    );
    w.stop().await;
}

on_every_backend!(
    a_build_cancelled_before_the_freeze_refunds_and_frees_its_slot,
    a_build_cancelled_after_the_freeze_forfeits_the_deposit,
    a_cancelled_stock_order_hands_its_vehicle_to_a_waiting_order,
    an_invoiced_order_cancelled_gets_a_credit_note_and_its_car_goes_on,
    an_online_stock_order_withdrawn_within_14_days_refunds_everything,
);
