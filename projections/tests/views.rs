//! Every view against the spec, after a realistic story driven through the real deciders:
//! stock sold from the dealer's yard and from another dealer, builds scheduled, produced,
//! shipped, delayed and delivered, an order waiting for capacity, a cancellation, invoices
//! paid in part and in full, a handover with its commission. Run on every backend.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use app::SupplyView;
use domain::invoice::InvoiceStatus;
use domain::order::OrderStatus;
use domain::policy::Whereabouts;
use domain::values::{Currency, MarketCode, ModelCode, Money, Month, OrderId, PlantId};
use domain::vehicle::VehicleStatus;
use projections::views::{InvoiceFilter, OrderFilter, VehicleFilter};
use projections::{ReadModelStore, Supply};
use serde_json::json;
use store::EventStore;
use support::world::{day, dealer, location, plant, week, World};

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

async fn story_and_views(events: Arc<dyn EventStore>, read_models: Arc<dyn ReadModelStore>) {
    let runner = support::runner(&events, &read_models, 7).await;
    let views = support::views(&runner, &events, &read_models);
    let supply = Supply::new(views.clone()).with_wait(Duration::from_secs(10));
    let mut w = World::new(Arc::clone(&events));

    // Supply: capacity and stock.
    w.open_capacity("P-LEIPZIG", "2026-W50", 2).await.unwrap();
    w.open_capacity("P-SHENYANG", "2026-W51", 1).await.unwrap();
    let red_in_munich = w
        .register_stock("DE", "AURA", &["PNT-RED"], "D-MUC-01")
        .await;
    let plain_in_berlin = w.register_stock("DE", "AURA", &[], "D-BER-01").await;
    let terra_in_shanghai = w.register_stock("CN", "TERRA", &[], "D-SHA-01").await;

    // o1: stock at its own dealer; o2: stock at another dealer, moved to Berlin.
    let o1 = w
        .place("C-1001", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    w.allocate(o1, plain_in_berlin).await.unwrap();
    let o2 = w
        .place("C-1002", "D-BER-01", "DE", "AURA", &["PNT-RED"])
        .await
        .unwrap();
    w.allocate(o2, red_in_munich).await.unwrap();
    w.dispatch(o2, red_in_munich).await.unwrap();
    // o3, o4: builds in W50 (full afterwards); o5 waits; o6 is cancelled.
    let o3 = w
        .place("C-1003", "D-HAM-01", "DE", "AURA", &["WHL-20", "PKG-SPORT"])
        .await
        .unwrap();
    w.schedule(o3, "2026-W50").await.unwrap();
    let o4 = w
        .place("C-1004", "D-BER-01", "DE", "AURA", &["PNT-BLK"])
        .await
        .unwrap();
    w.schedule(o4, "2026-W50").await.unwrap();
    let o5 = w
        .place("C-1005", "D-BER-01", "DE", "AURA", &["INT-LEATHER"])
        .await
        .unwrap();
    w.await_capacity(o5).await.unwrap();
    let o6 = w
        .place("C-1001", "D-MUC-01", "DE", "AURA", &[])
        .await
        .unwrap();
    w.cancel(o6, "changed my mind").await.unwrap();
    // o1 is invoiced, paid and handed over today.
    let number1 = w.invoice(o1).await.unwrap();
    let due = w.outstanding(o1).await;
    w.pay(o1, due).await.unwrap();
    w.book_handover(o1, 1).await.unwrap();
    w.hand_over(o1).await.unwrap();

    views
        .wait_for(w.head().await, Duration::from_secs(10))
        .await
        .unwrap();

    // The order tracker of a delivered stock order, field by field.
    let tracked = views.order(o1).await.unwrap().unwrap();
    let tracked = serde_json::to_value(&tracked).unwrap();
    assert_eq!(tracked["order_id"], json!(o1.to_string()));
    assert_eq!(tracked["customer_id"], json!("C-1001"));
    assert_eq!(tracked["dealer_id"], json!("D-BER-01"));
    assert_eq!(tracked["market"], json!("DE"));
    assert_eq!(tracked["model"], json!("AURA"));
    assert_eq!(
        tracked["options"],
        json!(["INT-CLOTH", "PNT-WHT", "WHL-18"])
    );
    assert_eq!(tracked["status"], json!("delivered"));
    assert_eq!(tracked["status_reason"], json!(null));
    assert_eq!(tracked["eta"], json!("2026-11-23"));
    assert_eq!(tracked["fulfilment"]["kind"], json!("stock"));
    assert_eq!(
        tracked["fulfilment"]["vehicle_id"],
        json!(plain_in_berlin.to_string())
    );
    assert_eq!(tracked["fulfilment"]["location"], json!("D-BER-01"));
    assert_eq!(tracked["fulfilment"]["vin"], json!(null));
    assert_eq!(
        tracked["price"],
        json!({
            "net": {"amount_minor": 4290000, "currency": "EUR"},
            "vat": {"amount_minor": 815100, "currency": "EUR"},
            "gross": {"amount_minor": 5105100, "currency": "EUR"},
        })
    );
    assert_eq!(
        tracked["invoice"],
        json!({
            "number": number1.to_string(),
            "status": "paid",
            "amount_due": {"amount_minor": 5005100, "currency": "EUR"},
        })
    );
    assert!(tracked["handover_at"]
        .as_str()
        .unwrap()
        .starts_with("2026-11-24T08:00:00"));

    // Its history: every order and invoice event, in log order, with a summary.
    let history = views.order_history(o1).await.unwrap().unwrap();
    let types: Vec<&str> = history.iter().map(|h| h.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "OrderPlaced",
            "OrderAllocated",
            "OrderArrivedAtDealer",
            "InvoiceIssued",
            "PaymentRecorded",
            "InvoicePaid",
            "HandoverAppointmentBooked",
            "OrderDelivered",
        ]
    );
    assert!(history.windows(2).all(|p| p[0].position < p[1].position));
    let first = serde_json::to_value(&history[0]).unwrap();
    assert_eq!(first["type"], json!("OrderPlaced"));
    assert!(first["at"].as_str().unwrap().ends_with('Z'));
    assert!(history[3].summary.contains(&number1.to_string()));
    assert_eq!(
        views.order_history(OrderId::derived("nope")).await.unwrap(),
        None
    );

    // The dealer board of Berlin: o1, o2, o4, o5 (o3 is Hamburg's, o6 Munich's).
    let board = views.dealer_board(&dealer("D-BER-01")).await.unwrap();
    let board_json = serde_json::to_value(&board).unwrap();
    assert_eq!(board_json["dealer_id"], json!("D-BER-01"));
    assert_eq!(board.orders.len(), 4);
    assert_eq!(board.counts["delivered"], 1);
    assert_eq!(board.counts["in_transit"], 1);
    assert_eq!(board.counts["scheduled"], 1);
    assert_eq!(board.counts["placed"], 1);
    assert_eq!(board.counts["cancelled"], 0);
    let row = |order: OrderId| {
        board_json["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["order_id"] == json!(order.to_string()))
            .unwrap()
            .clone()
    };
    assert_eq!(row(o5)["status_reason"], json!("awaiting capacity"));
    assert_eq!(row(o5)["eta"], json!(null));
    assert_eq!(row(o1)["invoice_status"], json!("paid"));
    assert_eq!(row(o4)["invoice_status"], json!(null));
    assert_eq!(row(o4)["model"], json!("AURA"));
    assert_eq!(row(o4)["customer_id"], json!("C-1004"));
    assert_eq!(
        row(o4)["eta"],
        json!(w.build_eta("P-LEIPZIG", "2026-W50", "D-BER-01").to_string())
    );
    assert_eq!(row(o2)["status"], json!("in_transit"));
    assert_eq!(row(o2)["delayed"], json!(false));
    assert!(row(o1)["handover_at"].is_string());
    let munich = views.dealer_board(&dealer("D-MUC-01")).await.unwrap();
    assert_eq!(munich.counts["cancelled"], 1);

    // Order list filters.
    let by_customer = OrderFilter {
        customer_id: Some("C-1001".parse().unwrap()),
        ..OrderFilter::default()
    };
    let mine: Vec<OrderId> = views
        .orders(&by_customer)
        .await
        .unwrap()
        .iter()
        .map(|o| o.order_id)
        .collect();
    assert_eq!(mine.len(), 2);
    assert!(mine.contains(&o1) && mine.contains(&o6));
    let scheduled_in_berlin = OrderFilter {
        status: Some(OrderStatus::Scheduled),
        dealer_id: Some(dealer("D-BER-01")),
        ..OrderFilter::default()
    };
    let found = views.orders(&scheduled_in_berlin).await.unwrap();
    assert_eq!(found.iter().map(|o| o.order_id).collect::<Vec<_>>(), [o4]);
    assert_eq!(
        views.orders(&OrderFilter::default()).await.unwrap().len(),
        6
    );

    // Stock by location and the summary with open demand.
    let berlin_stock = views
        .vehicles(&VehicleFilter {
            location: Some(location("D-BER-01")),
            ..VehicleFilter::default()
        })
        .await
        .unwrap();
    // The delivered car stands in Berlin; the red one is heading there.
    assert_eq!(berlin_stock.len(), 2);
    let red = views.vehicle(red_in_munich).await.unwrap().unwrap();
    let red_json = serde_json::to_value(&red).unwrap();
    assert_eq!(red_json["status"], json!("in_transit"));
    assert_eq!(red_json["location"], json!("D-BER-01"));
    assert_eq!(red_json["origin"], json!("D-MUC-01"));
    assert_eq!(red_json["order_id"], json!(o2.to_string()));
    assert_eq!(
        red_json["options"],
        json!(["INT-CLOTH", "PNT-RED", "WHL-18"])
    );
    assert!(red_json["eta"].is_string());
    let free_cn = views
        .vehicles(&VehicleFilter {
            status: Some(VehicleStatus::Free),
            model: Some(ModelCode::parse("TERRA").unwrap()),
            ..VehicleFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        free_cn.iter().map(|v| v.vehicle_id).collect::<Vec<_>>(),
        [terra_in_shanghai]
    );
    let summary = views.stock_summary().await.unwrap();
    let at = |loc: &str| {
        summary
            .iter()
            .find(|s| s.location.as_str() == loc)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (at("D-BER-01").in_transit, at("D-BER-01").open_demand),
        (1, 1)
    );
    assert_eq!(
        at("D-BER-01").free + at("D-BER-01").reserved,
        0,
        "the delivered car is not stock"
    );
    assert_eq!(at("D-MUC-01").free, 0);
    assert_eq!(
        at("D-MUC-01").open_demand,
        0,
        "the cancelled order is no demand"
    );
    assert_eq!(at("D-SHA-01").free, 1);
    let summary_json = serde_json::to_value(at("D-BER-01")).unwrap();
    for field in [
        "location",
        "free",
        "reserved",
        "in_transit",
        "in_production",
        "open_demand",
    ] {
        assert!(summary_json.get(field).is_some(), "{field}");
    }

    // Capacity: W50 is full, frozen by the calendar from 2026-11-24 on.
    let capacity = views
        .plant_capacity(
            &plant("P-LEIPZIG"),
            week("2026-W49"),
            week("2026-W52"),
            day("2026-11-23"),
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&capacity).unwrap(),
        json!([{"week": "2026-W50", "capacity": 2, "booked": 2, "frozen": false, "production_started": false}])
    );
    let later = views
        .plant_capacity(
            &plant("P-LEIPZIG"),
            week("2026-W50"),
            week("2026-W50"),
            day("2026-11-24"),
        )
        .await
        .unwrap();
    assert!(later[0].frozen);

    // The supply port: every undelivered AURA of DE, the open slots, the waiting order.
    let at_head = w.head().await;
    let market = MarketCode::parse("DE").unwrap();
    let aura = ModelCode::parse("AURA").unwrap();
    let stock = supply.stock(at_head, &market, &aura).await.unwrap();
    assert_eq!(stock.len(), 1, "the delivered car is not supply: {stock:?}");
    assert_eq!(
        stock[0].whereabouts,
        Whereabouts::InTransit {
            to: location("D-BER-01"),
            eta: red.eta.unwrap()
        }
    );
    assert_eq!(stock[0].reserved_by, Some(o2));
    let slots = supply.slots(at_head, &plant("P-LEIPZIG")).await.unwrap();
    assert_eq!((slots.len(), slots[0].capacity, slots[0].booked), (1, 2, 2));
    assert_eq!(supply.awaiting(at_head).await.unwrap(), [o5]);

    // Two weeks on: W50 is built; o3 is shipped, delayed, arrives, is invoiced and paid in
    // part; o2 arrives after a delay.
    w.advance(14);
    let started = w.start_production("P-LEIPZIG", "2026-W50").await.unwrap();
    assert_eq!(started.len(), 2);
    let (_, v3) = *started.iter().find(|(o, _)| *o == o3).unwrap();
    let at_production = w.head().await;
    let in_production = supply.stock(at_production, &market, &aura).await.unwrap();
    let built_for_o3 = in_production.iter().find(|u| u.vehicle == v3).unwrap();
    assert_eq!(
        built_for_o3.whereabouts,
        Whereabouts::InProduction {
            plant: PlantId::parse("P-LEIPZIG").unwrap(),
            ready_on: week("2026-W50").sunday()
        }
    );
    assert!(supply
        .slots(at_production, &plant("P-LEIPZIG"))
        .await
        .unwrap()
        .is_empty());
    // o4 is cancelled in production: its car becomes free stock that o7 takes, VIN and all.
    let (_, v4) = *started.iter().find(|(o, _)| *o == o4).unwrap();
    w.cancel(o4, "moving abroad").await.unwrap();
    let o7 = w
        .place("C-1007", "D-BER-01", "DE", "AURA", &["PNT-BLK"])
        .await
        .unwrap();
    w.allocate(o7, v4).await.unwrap();
    views
        .wait_for(w.head().await, Duration::from_secs(10))
        .await
        .unwrap();
    let o7_view = serde_json::to_value(views.order(o7).await.unwrap().unwrap()).unwrap();
    let v4_view = views.vehicle(v4).await.unwrap().unwrap();
    assert_eq!(o7_view["fulfilment"]["kind"], json!("stock"));
    assert_eq!(
        o7_view["fulfilment"]["vin"],
        json!(v4_view.vin.unwrap().as_str())
    );
    assert_eq!(o7_view["fulfilment"]["plant"], json!("P-LEIPZIG"));
    assert_eq!(o7_view["fulfilment"]["week"], json!("2026-W50"));
    assert_eq!(v4_view.order_id, Some(o7));
    w.complete_build(o3, v3).await.unwrap();
    w.dispatch(o3, v3).await.unwrap();
    w.delay(Some(o3), v3, "port congestion", 9).await.unwrap();
    w.delay(Some(o2), red_in_munich, "driver shortage", 2)
        .await
        .unwrap();
    views
        .wait_for(w.head().await, Duration::from_secs(10))
        .await
        .unwrap();

    let o3_view = serde_json::to_value(views.order(o3).await.unwrap().unwrap()).unwrap();
    assert_eq!(o3_view["status"], json!("in_transit"));
    assert_eq!(
        o3_view["status_reason"],
        json!("delayed in transit: port congestion")
    );
    assert_eq!(o3_view["delayed"], json!(true));
    assert_eq!(o3_view["eta"], json!("2026-12-16"));
    assert_eq!(o3_view["fulfilment"]["kind"], json!("build"));
    assert_eq!(o3_view["fulfilment"]["vehicle_id"], json!(v3.to_string()));
    assert_eq!(o3_view["fulfilment"]["plant"], json!("P-LEIPZIG"));
    assert_eq!(o3_view["fulfilment"]["week"], json!("2026-W50"));
    assert_eq!(o3_view["fulfilment"]["location"], json!("D-HAM-01"));
    assert_eq!(o3_view["fulfilment"]["vin"].as_str().unwrap().len(), 17);
    let hamburg = views.dealer_board(&dealer("D-HAM-01")).await.unwrap();
    assert!(hamburg.orders[0].delayed);

    w.arrive(Some(o3), v3).await.unwrap();
    w.arrive(Some(o2), red_in_munich).await.unwrap();
    let number3 = w.invoice(o3).await.unwrap();
    w.pay(o3, eur(1_000_000)).await.unwrap();
    views
        .wait_for(w.head().await, Duration::from_secs(10))
        .await
        .unwrap();

    let o3_view = views.order(o3).await.unwrap().unwrap();
    assert_eq!(o3_view.status, OrderStatus::AtDealer);
    assert_eq!((o3_view.status_reason, o3_view.delayed), (None, false));
    assert_eq!(o3_view.eta, Some(day("2026-12-07")));

    // Finance: invoices by number, order, status and customer.
    let invoice3 = views.invoice(&number3).await.unwrap().unwrap();
    let invoice_json = serde_json::to_value(&invoice3).unwrap();
    // AURA 42,900 + WHL-20 1,500 + PKG-SPORT 3,100 = 47,500.00 net; VAT 9,025.00.
    assert_eq!(
        invoice_json["net"],
        json!({"amount_minor": 4750000, "currency": "EUR"})
    );
    assert_eq!(
        invoice_json["vat"],
        json!({"amount_minor": 902500, "currency": "EUR"})
    );
    assert_eq!(
        invoice_json["gross"],
        json!({"amount_minor": 5652500, "currency": "EUR"})
    );
    assert_eq!(
        invoice_json["deposit_paid"],
        json!({"amount_minor": 100000, "currency": "EUR"})
    );
    assert_eq!(
        invoice_json["amount_due"],
        json!({"amount_minor": 5552500, "currency": "EUR"})
    );
    assert_eq!(
        invoice_json["paid"],
        json!({"amount_minor": 1000000, "currency": "EUR"})
    );
    assert_eq!(invoice_json["status"], json!("open"));
    assert_eq!(invoice_json["order_id"], json!(o3.to_string()));
    assert_eq!(invoice_json["lines"].as_array().unwrap().len(), 5);
    let open = views
        .invoices(&InvoiceFilter {
            status: Some(InvoiceStatus::Open),
            ..InvoiceFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        open.iter()
            .map(|i| i.number.to_string())
            .collect::<Vec<_>>(),
        [number3.to_string()]
    );
    let for_o1 = views
        .invoices(&InvoiceFilter {
            order_id: Some(o1),
            ..InvoiceFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(for_o1[0].status, InvoiceStatus::Paid);
    let of_customer = views
        .invoices(&InvoiceFilter {
            customer_id: Some("C-1003".parse().unwrap()),
            ..InvoiceFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(of_customer.len(), 1);

    // The commission statement of Berlin for November: 4% of 42,900.00 + 150.00.
    let month = Month::parse("2026-11").unwrap();
    let statement = views
        .commission_statement(&dealer("D-BER-01"), month, Currency::EUR)
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&statement).unwrap(),
        json!({
            "dealer_id": "D-BER-01",
            "month": "2026-11",
            "lines": [{
                "order_id": o1.to_string(),
                "net_price": {"amount_minor": 4290000, "currency": "EUR"},
                "rate": 400,
                "fee": {"amount_minor": 15000, "currency": "EUR"},
                "commission": {"amount_minor": 186600, "currency": "EUR"},
                "delivered_on": "2026-11-23",
                "settled": false,
            }],
            "total": {"amount_minor": 186600, "currency": "EUR"},
        })
    );
    let empty = views
        .commission_statement(&dealer("D-HAM-01"), month, Currency::EUR)
        .await
        .unwrap();
    assert!(empty.lines.is_empty());
    assert_eq!(empty.total, Money::zero(Currency::EUR));

    // KPIs: 3 LTO (o1, o2, o7), 2 BTO (o3, o4), two cancelled (o4, o6), one waiting, one
    // delivered the day it was placed. Arrivals against
    // the first promise: o1 on the day, o2 late (promised days after 2026-11-23, came on
    // 2026-12-07), o3 early (promised after its week's Sunday, shipped on its Monday).
    let kpis = views.kpis(Some(&market)).await.unwrap();
    assert_eq!(
        (
            kpis.orders_placed,
            kpis.orders_cancelled,
            kpis.orders_delivered
        ),
        (7, 2, 1)
    );
    assert_eq!((kpis.lto_orders, kpis.bto_orders), (3, 2));
    assert_eq!(kpis.lto_share_pct, Some(60.0));
    assert_eq!(kpis.bto_share_pct, Some(40.0));
    assert_eq!(kpis.awaiting_capacity, 1);
    let days = kpis.order_to_delivery_days.unwrap();
    assert_eq!((days.orders, days.median, days.p90), (1, 0, 0));
    let eta = kpis.eta_accuracy.unwrap();
    assert_eq!((eta.orders, eta.on_time, eta.late), (3, 2, 1));
    let overall = views.kpis(None).await.unwrap();
    assert_eq!(overall.orders_placed, 7);
    assert!(overall.market.is_none());
    let china = views
        .kpis(Some(&MarketCode::parse("CN").unwrap()))
        .await
        .unwrap();
    assert_eq!((china.orders_placed, china.lto_share_pct), (0, None));

    runner.stop().await;
}

#[tokio::test]
async fn every_view_matches_the_story_in_memory() {
    let (events, read_models) = support::memory();
    story_and_views(events, read_models).await;
}

#[tokio::test]
async fn every_view_matches_the_story_on_sqlite() {
    let (events, read_models, _dir) = support::sqlite().await;
    story_and_views(events, read_models).await;
}

#[tokio::test]
async fn every_view_matches_the_story_on_postgres() {
    let Some((events, read_models, _schema)) = support::pg::fresh().await else {
        return;
    };
    story_and_views(events, read_models).await;
}

/// Supply appearing at a position retries the orders that wait as of it: those found waiting
/// for capacity, and those whose own event came before it yet hold nothing. An order placed
/// later is its own event's work, further on in the log (at a launch the view holds thousands
/// of them, and fulfilling them one by one from a supply event held everything else up).
#[tokio::test]
async fn orders_placed_after_a_position_do_not_await_supply_as_of_it() {
    let (events, read_models, _dir) = support::sqlite().await;
    let runner = support::runner(&events, &read_models, 7).await;
    let views = support::views(&runner, &events, &read_models);
    let supply = Supply::new(views.clone()).with_wait(Duration::from_secs(10));
    let mut w = World::new(Arc::clone(&events));

    let waiting = w
        .place("C-1001", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    w.await_capacity(waiting).await.unwrap();
    let unhandled = w
        .place("C-1002", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    let supply_at = w.head().await;
    let later = w
        .place("C-1003", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    let later_waiting = w
        .place("C-1004", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    w.await_capacity(later_waiting).await.unwrap();
    let head = w.head().await;

    // Read with the view at the head: `later` is in it, as `placed`, yet not awaiting as of
    // `supply_at`; `later_waiting` was found waiting, so it is.
    runner
        .wait_for(head, Duration::from_secs(10))
        .await
        .unwrap();
    // (All placed at the same instant of the simulated clock: oldest first is by id then.)
    let sorted = |mut ids: Vec<OrderId>| {
        ids.sort();
        ids
    };
    assert_eq!(
        supply.awaiting(supply_at).await.unwrap(),
        sorted(vec![waiting, unhandled, later_waiting])
    );
    assert_eq!(
        supply.awaiting(head).await.unwrap(),
        sorted(vec![waiting, unhandled, later, later_waiting])
    );
    runner.stop().await;
}
