//! The promise views over a real history on the simulated clock: what was promised as of a
//! past date, the first ETA against the arrival, the compensation decided once and credited
//! on the invoice, and the promise KPIs by plant, dealer and market. Run on every backend.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use domain::catalog::Catalog;
use domain::order::PromiseReason;
use domain::values::{Currency, Money};
use projections::views::{OrderPromises, PromiseKpiBy};
use projections::ReadModelStore;
use store::EventStore;
use support::world::World;

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

async fn story(events: Arc<dyn EventStore>, read_models: Arc<dyn ReadModelStore>) {
    let runner = support::runner(&events, &read_models, 5).await;
    let views = support::views(&runner, &events, &read_models);
    let mut w = World::new(Arc::clone(&events));
    let catalog = Catalog::demo();

    // o1: a red AURA from Munich for Berlin, promised on day 0, dispatched two days later
    // (a later ETA: a delay), and held up for a month on the way.
    let day0 = w.today();
    let red_in_munich = w
        .register_stock("DE", "AURA", &["PNT-RED"], "D-MUC-01")
        .await;
    let o1 = w
        .place("C-1001", "D-BER-01", "DE", "AURA", &["PNT-RED"])
        .await
        .unwrap();
    w.allocate(o1, red_in_munich).await.unwrap();
    let first_eta = w.order_state(o1).await.placed().unwrap().eta.unwrap();
    w.advance(2);
    let day2 = w.today();
    let dispatch_eta = w.dispatch(o1, red_in_munich).await.unwrap();
    assert!(dispatch_eta > first_eta);
    // o2: a plain AURA already in Berlin: at the dealer the day it is ordered.
    let plain_in_berlin = w.register_stock("DE", "AURA", &[], "D-BER-01").await;
    let o2 = w
        .place("C-1002", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    w.allocate(o2, plain_in_berlin).await.unwrap();
    w.advance(30);
    w.arrive(Some(o1), red_in_munich).await.unwrap();
    // The arrival redelivered decides nothing more.
    w.arrive(Some(o1), red_in_munich).await.ok();
    let arrived = w.today();
    let late = u32::try_from((arrived - first_eta).num_days()).unwrap();
    let credit = eur(i64::from(late - 7) * 2_000);
    let number = w.invoice(o1).await.unwrap();
    views
        .wait_for(w.head().await, Duration::from_secs(10))
        .await
        .unwrap();

    let doc = views.promises_of(&o1).await.unwrap().unwrap();
    // As of day 0: the booking, nothing late yet.
    let then = OrderPromises::of(&doc, day0).unwrap();
    assert_eq!(then.reason, PromiseReason::Booked);
    assert_eq!(then.eta, Some(first_eta));
    assert_eq!(
        then.history.iter().map(|p| p.reason).collect::<Vec<_>>(),
        vec![PromiseReason::Placed, PromiseReason::Booked]
    );
    assert_eq!(then.first_eta, Some(first_eta));
    assert_eq!(
        (then.actual_arrival, then.days_late, then.compensation),
        (None, None, None)
    );
    // As of day 2: the later ETA of the dispatch.
    let dispatched = OrderPromises::of(&doc, day2).unwrap();
    assert_eq!(dispatched.reason, PromiseReason::Delay);
    assert_eq!(dispatched.eta, Some(dispatch_eta));
    assert_eq!(dispatched.history.len(), 3);
    // As of today: arrived late, compensated once.
    let now = OrderPromises::of(&doc, arrived).unwrap();
    assert_eq!(now.actual_arrival, Some(arrived));
    assert_eq!(now.days_late, Some(late));
    assert_eq!(now.compensation, Some(credit));
    assert_eq!(now.anchor_eta, Some(first_eta));
    // Before the order existed: no answer.
    assert!(OrderPromises::of(&doc, day0.pred_opt().unwrap()).is_none());

    // The invoice carries the credit as its own line.
    let invoice = views.invoice(&number).await.unwrap().unwrap();
    let invoice = serde_json::to_value(&invoice).unwrap();
    assert_eq!(
        invoice["compensation"],
        serde_json::to_value(credit).unwrap(),
        "{invoice}"
    );
    let gross = invoice["gross"]["amount_minor"].as_i64().unwrap();
    let deposit = invoice["deposit_paid"]["amount_minor"].as_i64().unwrap();
    assert_eq!(
        invoice["amount_due"]["amount_minor"].as_i64().unwrap(),
        gross - deposit - credit.amount_minor
    );

    // KPIs: o1 late and compensated, o2 on time, in Germany, at Berlin, built in Leipzig.
    for (by, key) in [
        (PromiseKpiBy::Market, "DE"),
        (PromiseKpiBy::Dealer, "D-BER-01"),
        (PromiseKpiBy::Plant, "P-LEIPZIG"),
    ] {
        let kpis = views.promise_kpis(by, &catalog).await.unwrap();
        let row = kpis.rows.iter().find(|r| r.key == key).unwrap();
        assert_eq!((row.orders_arrived, row.on_time), (2, 1), "{by:?}");
        assert_eq!(row.on_time_share_pct, Some(50.0));
        assert_eq!(row.mean_days_late, Some(f64::from(late) / 2.0));
        assert_eq!(row.compensated_orders, 1);
        assert_eq!(row.compensation_paid, vec![credit]);
    }
    runner.stop().await;
}

#[tokio::test]
async fn promises_as_of_a_date_and_compensation_in_memory() {
    let (events, read_models) = support::memory();
    story(events, read_models).await;
}

#[tokio::test]
async fn promises_as_of_a_date_and_compensation_on_sqlite() {
    let (events, read_models, _dir) = support::sqlite().await;
    story(events, read_models).await;
}

#[tokio::test]
async fn promises_as_of_a_date_and_compensation_on_postgres() {
    let Some((events, read_models, _schema)) = support::pg::fresh().await else {
        return;
    };
    story(events, read_models).await;
}
