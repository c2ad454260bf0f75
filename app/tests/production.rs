//! Production: a week's builds get distinct VINs; a build whose order is
//! cancelled in production becomes free stock and serves a waiting order
//! (locate-to-order from production), which then follows the build to its
//! dealer.

#![allow(clippy::unwrap_used)]

mod support;

use app::services::Scope;
use std::collections::BTreeSet;

use app::{delivery_id, CommandError};
use domain::order::{Fulfilment, OrderStatus, VehicleSource};
use domain::shipment::ShipmentStatus;
use domain::values::{InvoiceNumber, Money, PaymentId};
use support::{eur, location, plant_id, week_of, World};

/// Two builds of a week get distinct VINs; one order is cancelled in
/// production (deposit forfeited), its build becomes free stock still on
/// the line, and the order waiting for such a car reserves it (ETA: the end
/// of the week plus transport), is `built` with it and gets its shipment
/// planned from the plant.
async fn a_build_cancelled_in_production_serves_a_waiting_order(mut w: World) {
    w.capacity("P-LEIPZIG", "2026-W50", 2).await;
    w.start();
    let cancelled = w.place(800, "D-BER-01", "AURA", &[]).await;
    let kept = w.place(801, "D-HAM-01", "AURA", &["PNT-RED"]).await;
    w.settle().await;
    w.advance(14);
    let started = w
        .services
        .start_production(plant_id("P-LEIPZIG"), week_of("2026-W50"), &w.meta())
        .await
        .unwrap();
    let vins: BTreeSet<_> = started.builds.iter().map(|b| b.vin.clone()).collect();
    assert_eq!(vins.len(), 2, "distinct VINs");
    let freed = started
        .builds
        .iter()
        .find(|b| b.order == cancelled)
        .unwrap()
        .vehicle;

    let waiting = w.place(802, "D-MUC-01", "AURA", &[]).await;
    w.settle().await;
    assert_eq!(w.order(waiting).await.status, OrderStatus::Placed);

    let outcome = w
        .services
        .cancel_order(cancelled, "changed plans", &Scope::AnyOrder, &w.meta())
        .await
        .unwrap();
    assert_eq!(outcome.deposit_forfeited, eur(100_000));
    w.settle().await;

    let o = w.order(waiting).await;
    assert_eq!(o.status, OrderStatus::Allocated);
    assert!(matches!(
        o.fulfilment,
        Some(Fulfilment::Stock { vehicle, source: VehicleSource::InProduction, .. })
            if vehicle == freed
    ));
    // Sunday of 2026-W50 plus 4 days from Leipzig to Munich.
    assert_eq!(o.eta, chrono::NaiveDate::from_ymd_opt(2026, 12, 17));

    w.services.complete_build(freed, &w.meta()).await.unwrap();
    w.settle().await;
    assert_eq!(w.order(waiting).await.status, OrderStatus::Built);
    let planned = w.shipment(delivery_id(freed, waiting)).await;
    assert_eq!(planned.status(), Some(ShipmentStatus::Planned));
    assert_eq!(planned.destination(), Some(&location("D-MUC-01")));
    assert_eq!(w.order(kept).await.status, OrderStatus::InProduction);

    // No invoice yet: an unknown number is not found.
    let unknown = InvoiceNumber::parse("DE-2026-000001").unwrap();
    let paid = w
        .services
        .record_payment(
            &unknown,
            Money::new(1, domain::values::Currency::EUR),
            PaymentId::derived("x"),
            &w.meta(),
        )
        .await;
    assert!(matches!(paid, Err(CommandError::NotFound(_))));

    let (before, after) = w.replay().await;
    assert_eq!(before, after, "a replay appends nothing");
    w.stop().await;
}

on_every_backend!(a_build_cancelled_in_production_serves_a_waiting_order);
