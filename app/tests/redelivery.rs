//! Crashes and redelivery: a use case or a reaction interrupted between two
//! appends is finished by the process managers from the log, and feeding
//! them the log again (checkpoints reset, or a restart) books, numbers,
//! invoices and pays nothing twice.

#![allow(clippy::unwrap_used)]

mod support;

use app::services::Scope;
use domain::invoice::InvoiceStatus;
use domain::invoice_register::{DocumentKind, InvoiceRegister, InvoiceRegisterCommand};
use domain::order::{Fulfilment, Order, OrderCommand, OrderStatus};
use domain::slot::{Slot, SlotCommand};
use domain::values::{MarketCode, OrderId, PaymentId, RegisterKey, SlotKey};
use domain::vehicle::{Vehicle, VehicleCommand};
use store::Position;
use support::{dealer, plant_id, week_of, World};

/// A crash after the vehicle was reserved but before the order was
/// allocated: the redelivered `OrderPlaced` finishes that reservation
/// instead of reserving another car.
async fn a_half_done_reservation_is_finished_not_repeated(mut w: World) {
    let car = w.stock(500, "D-BER-01", "AURA", &[]).await;
    let spare = w.stock(501, "D-BER-01", "AURA", &[]).await;
    let order = w.place(500, "D-BER-01", "AURA", &[]).await;
    w.exec
        .execute::<Vehicle>(&spare, &w.meta(), |_| VehicleCommand::Reserve {
            order,
            dealer: dealer("D-BER-01"),
        })
        .await
        .unwrap();
    w.start();
    w.settle().await;

    let o = w.order(order).await;
    assert_eq!(o.status, OrderStatus::AtDealer);
    assert_eq!(o.fulfilment.and_then(|f| f.vehicle()), Some(spare));
    assert_eq!(w.vehicle(car).await.order(), None);
    assert_eq!(w.count("VehicleReserved").await, 1);
    w.stop().await;
}

/// A crash after a unit was booked but before the order was scheduled:
/// the order is scheduled into the week it holds, not into an earlier one
/// with room (which would leave it holding two units).
async fn a_half_done_booking_is_finished_not_repeated(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 2).await;
    w.capacity("P-LEIPZIG", "2026-W51", 2).await;
    let order = w.place(510, "D-BER-01", "AURA", &[]).await;
    let w51 = week_of("2026-W51");
    w.exec
        .execute::<Slot>(&SlotKey::new(plant_id("P-LEIPZIG"), w51), &w.meta(), |_| {
            SlotCommand::Book {
                plant: plant_id("P-LEIPZIG"),
                week: w51,
                order,
            }
        })
        .await
        .unwrap();
    w.start();
    w.settle().await;

    let o = w.order(order).await;
    assert_eq!(o.status, OrderStatus::Scheduled);
    assert!(matches!(o.fulfilment, Some(Fulfilment::Build { week, .. }) if week == w51));
    assert_eq!(w.slot("P-LEIPZIG", "2026-W50").await.booked(), 0);
    assert_eq!(w.slot("P-LEIPZIG", "2026-W51").await.booked(), 1);
    w.stop().await;
}

/// Takes the next invoice number for `order` by hand, as a crashed
/// invoicing reaction would have left it: assigned, on no document.
async fn assign_number_by_hand(w: &World, order: OrderId) {
    let market = MarketCode::parse("DE").unwrap();
    w.exec
        .execute::<InvoiceRegister>(&RegisterKey::new(market.clone(), 2026), &w.meta(), |_| {
            InvoiceRegisterCommand::Assign {
                market: market.clone(),
                year: 2026,
                order,
                kind: DocumentKind::Invoice,
            }
        })
        .await
        .unwrap();
}

/// The car stood at the dealer when the order was matched to it: the
/// invoice is due once the handover is booked.
async fn book_handover(w: &World, order: OrderId) {
    w.services
        .book_handover(order, w.days_ahead(1), &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
}

/// A crash after the number was assigned but before the invoice was
/// issued: the redelivered arrival issues the invoice with that number;
/// no number is taken twice.
async fn a_number_assigned_before_a_crash_ends_on_the_invoice(mut w: World) {
    w.stock(520, "D-BER-01", "AURA", &[]).await;
    let order = w.place(520, "D-BER-01", "AURA", &[]).await;
    let at = w.head().await;
    w.fulfilment().fulfil(order, at, &w.meta()).await.unwrap();
    assert_eq!(w.order(order).await.status, OrderStatus::AtDealer);
    book_handover(&w, order).await;
    assign_number_by_hand(&w, order).await;
    w.start();
    w.settle().await;

    let invoice = w.invoice(order).await;
    assert_eq!(invoice.number().unwrap().to_string(), "DE-2026-000001");
    assert_eq!(w.register("DE", 2026).await.last_sequence(), 1);
    w.stop().await;
}

/// Before a car that stood at the dealer waited for the handover booking, its
/// order was invoiced at once: a number assigned then (the process crashed
/// before issuing) still ends on the invoice, dated the arrival, though no
/// handover is booked.
async fn a_number_assigned_under_the_earlier_rule_still_ends_on_the_invoice(mut w: World) {
    w.stock(525, "D-BER-01", "AURA", &[]).await;
    let order = w.place(525, "D-BER-01", "AURA", &[]).await;
    let at = w.head().await;
    w.fulfilment().fulfil(order, at, &w.meta()).await.unwrap();
    assign_number_by_hand(&w, order).await;
    w.start();
    w.settle().await;

    let invoice = w.invoice(order).await;
    assert_eq!(invoice.number().unwrap().to_string(), "DE-2026-000001");
    assert_eq!(invoice.document().unwrap().issued_on, w.today());
    w.stop().await;
}

/// The order is cancelled after its number was assigned but before its
/// invoice was issued: the number still ends on a document (the invoice
/// is issued with it), which is then credited with the next number.
async fn a_number_assigned_before_a_cancellation_is_issued_and_credited(mut w: World) {
    w.stock(530, "D-BER-01", "AURA", &[]).await;
    let order = w.place(530, "D-BER-01", "AURA", &[]).await;
    let at = w.head().await;
    w.fulfilment().fulfil(order, at, &w.meta()).await.unwrap();
    book_handover(&w, order).await;
    assign_number_by_hand(&w, order).await;

    let cancelled = w
        .services
        .cancel_order(order, "customer withdrew", &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    let credit = cancelled.credit_note.unwrap();
    assert_eq!(credit.credit_number.to_string(), "DE-2026-000002");
    let invoice = w.invoice(order).await;
    assert_eq!(invoice.number().unwrap().to_string(), "DE-2026-000001");
    assert_eq!(invoice.status(), Some(InvoiceStatus::Credited));

    w.start();
    w.settle().await;
    assert_eq!(w.count("NumberAssigned").await, 2);
    assert_eq!(w.count("InvoiceIssued").await, 1);
    assert_eq!(w.count("CreditNoteIssued").await, 1);
    w.stop().await;
}

/// A crash after the order was cancelled but before its car was released:
/// the fulfilment manager releases it from the order's event, and the
/// order waiting for such a car gets it.
async fn a_cancellation_interrupted_before_the_release_is_repaired(mut w: World) {
    let car = w.stock(540, "D-MUC-01", "AURA", &[]).await;
    w.start();
    let first = w.place(540, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let waiting = w.place(541, "D-HAM-01", "AURA", &[]).await;
    w.settle().await;
    assert_eq!(w.vehicle(car).await.order(), Some(first));
    w.exec
        .execute::<Order>(&first, &w.meta(), |_| OrderCommand::Cancel {
            reason: "crashed right after this".into(),
            invoice: Default::default(),
        })
        .await
        .unwrap();
    w.settle().await;

    assert_eq!(w.vehicle(car).await.order(), Some(waiting));
    assert_eq!(w.order(waiting).await.status, OrderStatus::Allocated);
    w.stop().await;
}

/// A restarted runner carries on from its checkpoints; a runner whose
/// checkpoints were reset replays the whole log: either way a full
/// lifecycle (payment included) is not done twice.
async fn restarting_or_replaying_the_process_managers_does_nothing_twice(mut w: World) {
    let car = w.stock(550, "D-HAM-01", "AURA", &[]).await;
    w.capacity("P-LEIPZIG", "2026-W50", 1).await;
    w.start();
    let stock_order = w.place(550, "D-BER-01", "AURA", &[]).await;
    let build_order = w.place(551, "D-BER-01", "AURA", &["PNT-RED"]).await;
    w.settle().await;
    w.services.dispatch(car, None, &w.meta()).await.unwrap();
    w.advance(1);
    w.services.arrive(car, &w.meta()).await.unwrap();
    let head = w.settle().await;
    let number = w.invoice(stock_order).await.number().cloned().unwrap();
    let due = w.invoice(stock_order).await.amount_due().unwrap();
    w.services
        .record_payment(&number, due, PaymentId::derived("all"), &w.meta())
        .await
        .unwrap();
    w.services
        .hand_over(stock_order, &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    w.settle().await;

    w.stop().await;
    let head_at_stop = w.head().await;
    assert!(head_at_stop > head);
    assert_eq!(w.checkpoints.get("process:fulfilment"), head_at_stop);
    assert_eq!(w.checkpoints.get("process:commission"), head_at_stop);
    w.start();
    assert_eq!(w.settle().await, head_at_stop, "a restart appends nothing");

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    assert!(after > Position::START);
    for (event, expected) in [
        ("VehicleReserved", 1),
        ("SlotBooked", 1),
        ("ShipmentPlanned", 1),
        ("NumberAssigned", 1),
        ("InvoiceIssued", 1),
        ("PaymentRecorded", 1),
        ("CommissionAccrued", 1),
    ] {
        assert_eq!(w.count(event).await, expected, "{event}");
    }
    assert_eq!(w.order(build_order).await.status, OrderStatus::Scheduled);
    assert_eq!(w.invoice(stock_order).await.paid_total(), Some(due));
    assert!(due.is_positive());
    w.stop().await;
}

/// Given a stock car promised for the day after tomorrow, when it reaches Berlin 30 days
/// late, then the order decides 21 days × 20.00 EUR once, with the arrival; the invoice the
/// engine issues credits it as its own line; an arrival redelivered and a replay of the
/// process managers decide and invoice nothing more.
async fn a_late_arrival_is_compensated_once_on_the_invoice(mut w: World) {
    let car = w.stock(560, "D-MUC-01", "AURA", &[]).await;
    w.start();
    let order = w.place(560, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let promised = w.order(order).await.promises.anchor.unwrap();
    assert_eq!(
        promised,
        w.today() + chrono::Days::new(2),
        "Munich to Berlin"
    );
    w.services.dispatch(car, None, &w.meta()).await.unwrap();
    w.advance(30);
    w.services.arrive(car, &w.meta()).await.unwrap();
    w.settle().await;

    let o = w.order(order).await;
    let compensation = o.promises.compensation.unwrap();
    assert_eq!(compensation.days_late, 28);
    assert_eq!(compensation.amount, support::eur(21 * 2_000));
    let invoice = w.invoice(order).await;
    let document = invoice.document().unwrap();
    assert_eq!(document.compensation, Some(compensation.amount));
    let due = o.price.gross.checked_sub(o.deposit).unwrap();
    assert_eq!(
        invoice.amount_due(),
        Some(due.checked_sub(compensation.amount).unwrap())
    );

    let _ = w.services.arrive(car, &w.meta()).await;
    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    assert_eq!(w.count("OrderDelayCompensated").await, 1);
    assert_eq!(w.count("InvoiceIssued").await, 1);
    w.stop().await;
}

on_every_backend!(
    a_half_done_reservation_is_finished_not_repeated,
    a_half_done_booking_is_finished_not_repeated,
    a_number_assigned_before_a_crash_ends_on_the_invoice,
    a_number_assigned_under_the_earlier_rule_still_ends_on_the_invoice,
    a_number_assigned_before_a_cancellation_is_issued_and_credited,
    a_cancellation_interrupted_before_the_release_is_repaired,
    restarting_or_replaying_the_process_managers_does_nothing_twice,
    a_late_arrival_is_compensated_once_on_the_invoice,
);
