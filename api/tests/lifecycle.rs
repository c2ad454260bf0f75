//! Whole lifecycles through the HTTP API, with the projections and the
//! process managers running: quote → order (LTO from stock and BTO from
//! capacity) → production → shipment with a delay → arrival → invoice →
//! payment → handover → commission, plus cancellation and reallocation.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::Value;
use support::*;

struct Actors {
    planner: String,
    finance: String,
    berlin: String,
}

fn actors() -> Actors {
    Actors {
        planner: token(Role::Planner, "pat"),
        finance: token(Role::Finance, "fin"),
        berlin: token(Role::Dealer, "D-BER-01"),
    }
}

async fn ok(
    state: &api::AppState,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<&str>,
) -> Value {
    let r = call(state, method, uri, Some(token), body).await;
    assert!(
        r.status.is_success(),
        "{method} {uri}: {} {:?}",
        r.status,
        r.json
    );
    r.json
}

async fn place(state: &api::AppState, customer: &str, options: &str) -> String {
    let token = token(Role::Customer, customer);
    let body =
        format!(r#"{{"market":"DE","model":"AURA","options":{options},"dealer_id":"D-BER-01"}}"#);
    let r = ok(state, "POST", "/api/v1/orders", &token, Some(&body)).await;
    r["order_id"].as_str().unwrap().to_owned()
}

async fn order(state: &api::AppState, id: &str, token: &str) -> Value {
    ok(state, "GET", &format!("/api/v1/orders/{id}"), token, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_from_stock_is_transferred_invoiced_paid_handed_over_and_earns_commission() {
    let rt = sim().await;
    let s = rt.state.clone();
    let a = actors();
    let car = r#"{"market":"DE","model":"AURA","options":["PNT-BLK"],"location":"D-HAM-01"}"#;
    let vehicle = ok(&s, "POST", "/api/v1/vehicles", &a.planner, Some(car)).await["vehicle_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let id = place(&s, "C-1001", r#"["PNT-BLK"]"#).await;
    settle(&rt).await;
    let customer = token(Role::Customer, "C-1001");
    let o = order(&s, &id, &customer).await;
    assert_eq!(o["status"], "allocated");
    assert_eq!(o["fulfilment"]["kind"], "stock");
    assert_eq!(o["fulfilment"]["vehicle_id"], vehicle.as_str());
    assert_eq!(o["eta"], "2026-11-24", "Hamburg to Berlin is one day");

    let d = ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/dispatch"),
        &a.planner,
        None,
    )
    .await;
    assert_eq!(d["to_location"], "D-BER-01");
    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/arrive"),
        &a.berlin,
        None,
    )
    .await;
    settle(&rt).await;
    let o = order(&s, &id, &customer).await;
    assert_eq!(o["status"], "at_dealer");
    let number = o["invoice"]["number"].as_str().unwrap().to_owned();
    assert_eq!(number, "DE-2026-000001");
    let gross = 4_380_000 + 832_200;
    assert_eq!(o["invoice"]["amount_due"]["amount_minor"], gross - 100_000);

    let board = ok(&s, "GET", "/api/v1/dealers/D-BER-01/board", &a.berlin, None).await;
    assert_eq!(board["counts"]["at_dealer"], 1);
    assert_eq!(board["orders"][0]["invoice_status"], "open");

    let r = call(
        &s,
        "POST",
        &format!("/api/v1/orders/{id}/handover"),
        Some(&a.berlin),
        None,
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "invoice_not_paid");

    let pay = |amount: i64| format!(r#"{{"amount_minor": {amount}}}"#);
    let uri = format!("/api/v1/invoices/{number}/payments");
    let r = call(&s, "POST", &uri, Some(&a.finance), Some(&pay(gross))).await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "overpayment");
    let p = ok(&s, "POST", &uri, &a.finance, Some(&pay(gross - 100_000))).await;
    assert_eq!(p["status"], "paid");

    let at = Some(r#"{"at":"2026-11-25T10:00:00Z"}"#);
    ok(
        &s,
        "POST",
        &format!("/api/v1/orders/{id}/handover-appointment"),
        &customer,
        at,
    )
    .await;
    let done = ok(
        &s,
        "POST",
        &format!("/api/v1/orders/{id}/handover"),
        &a.berlin,
        None,
    )
    .await;
    settle(&rt).await;
    let pos = done["position"].as_u64().unwrap();
    let o = ok(
        &s,
        "GET",
        &format!("/api/v1/orders/{id}?min_position={pos}"),
        &customer,
        None,
    )
    .await;
    assert_eq!(o["status"], "delivered");

    let c = ok(
        &s,
        "GET",
        "/api/v1/dealers/D-BER-01/commissions?month=2026-11",
        &a.berlin,
        None,
    )
    .await;
    assert_eq!(c["lines"].as_array().unwrap().len(), 1, "{c}");
    // 4% of 43,800.00 + 150.00.
    assert_eq!(
        c["lines"][0]["commission"]["amount_minor"],
        175_200 + 15_000
    );
    assert_eq!(c["total"]["amount_minor"], 190_200);

    let invoice = ok(
        &s,
        "GET",
        &format!("/api/v1/invoices/{number}"),
        &customer,
        None,
    )
    .await;
    assert_eq!(invoice["status"], "paid");
    let history = ok(
        &s,
        "GET",
        &format!("/api/v1/orders/{id}/history"),
        &customer,
        None,
    )
    .await;
    let types: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["type"].as_str().unwrap())
        .collect();
    for t in [
        "OrderPlaced",
        "OrderAllocated",
        "OrderDispatched",
        "OrderArrivedAtDealer",
        "OrderDelivered",
    ] {
        assert!(types.contains(&t), "{t} missing in {types:?}");
    }
    // Each line's values by name, for a page writing it in its own language.
    let line = |t: &str| {
        history
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["type"] == t)
            .unwrap_or_else(|| panic!("no {t}"))
            .clone()
    };
    let placed = line("OrderPlaced");
    assert_eq!(placed["fields"]["dealer"], "D-BER-01");
    assert!(placed["fields"]["model"].is_string());
    assert!(placed["fields"]["price"]["amount_minor"].is_i64());
    assert!(
        placed["fields"]["price"]["currency"].is_string(),
        "{placed}"
    );
    let allocated = line("OrderAllocated")["fields"].clone();
    assert!(
        allocated["eta"].as_str().unwrap().len() == 10,
        "{allocated}"
    );
    assert!(
        allocated.get("vehicle").is_none(),
        "no vehicle id: {allocated}"
    );
    assert!(line("OrderArrivedAtDealer")["fields"]["day"].is_string());
    assert_eq!(line("OrderDelivered")["fields"], serde_json::json!({}));
    let stranger = token(Role::Customer, "C-4242");
    assert_problem(
        &call(
            &s,
            "GET",
            &format!("/api/v1/orders/{id}"),
            Some(&stranger),
            None,
        )
        .await,
        403,
    );
    assert_problem(
        &call(
            &s,
            "GET",
            &format!("/api/v1/invoices/{number}"),
            Some(&stranger),
            None,
        )
        .await,
        403,
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_to_order_is_scheduled_built_shipped_delayed_and_arrives() {
    let rt = sim().await;
    let s = rt.state.clone();
    let a = actors();
    ok(
        &s,
        "PUT",
        "/api/v1/plants/P-LEIPZIG/capacity/2026-W50",
        &a.planner,
        Some(r#"{"units": 1}"#),
    )
    .await;
    let id = place(&s, "C-1001", r#"["PNT-RED","WHL-20"]"#).await;
    let waiting = place(&s, "C-1002", r#"["PNT-RED"]"#).await;
    settle(&rt).await;
    let customer = token(Role::Customer, "C-1001");
    let o = order(&s, &id, &customer).await;
    assert_eq!(o["status"], "scheduled");
    assert_eq!(o["fulfilment"]["kind"], "build");
    assert_eq!(o["fulfilment"]["week"], "2026-W50");
    assert_eq!(o["eta"], "2026-12-15");
    let w = order(&s, &waiting, &token(Role::Customer, "C-1002")).await;
    assert_eq!(w["status"], "placed");
    assert_eq!(w["status_reason"], "awaiting capacity");

    let capacity = ok(
        &s,
        "GET",
        "/api/v1/plants/P-LEIPZIG/capacity?from=2026-W49&to=2026-W52",
        &a.planner,
        None,
    )
    .await;
    let w50 = capacity
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["week"] == "2026-W50")
        .unwrap()
        .clone();
    assert_eq!(
        (w50["capacity"].as_u64(), w50["booked"].as_u64()),
        (Some(1), Some(1))
    );
    let summary = ok(&s, "GET", "/api/v1/stock/summary", &a.planner, None).await;
    let berlin = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["location"] == "D-BER-01")
        .unwrap()
        .clone();
    assert_eq!(
        berlin["open_demand"], 1,
        "the waiting order is demand at Berlin"
    );

    // Opening W51 lets the waiting order in.
    ok(
        &s,
        "PUT",
        "/api/v1/plants/P-LEIPZIG/capacity/2026-W51",
        &a.planner,
        Some(r#"{"units": 5}"#),
    )
    .await;
    settle(&rt).await;
    let w = order(&s, &waiting, &token(Role::Customer, "C-1002")).await;
    assert_eq!(w["status"], "scheduled");
    assert_eq!(w["fulfilment"]["week"], "2026-W51");

    ok(
        &s,
        "POST",
        "/api/v1/clock/advance",
        &a.planner,
        Some(r#"{"days": 14}"#),
    )
    .await;
    let builds = ok(
        &s,
        "POST",
        "/api/v1/plants/P-LEIPZIG/capacity/2026-W50/start-production",
        &a.planner,
        None,
    )
    .await;
    let build = builds.as_array().unwrap()[0].clone();
    assert_eq!(build["order_id"], id.as_str());
    assert_eq!(build["vin"].as_str().unwrap().len(), 17);
    let vehicle = build["vehicle_id"].as_str().unwrap().to_owned();
    settle(&rt).await;
    let o = order(&s, &id, &customer).await;
    assert_eq!(o["status"], "in_production");
    assert_eq!(o["fulfilment"]["vin"], build["vin"]);

    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/complete-build"),
        &a.planner,
        None,
    )
    .await;
    let d = ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/dispatch"),
        &a.planner,
        None,
    )
    .await;
    assert_eq!(
        d["eta"], "2026-12-09",
        "dispatched 2026-12-07 + 2 days to Berlin"
    );
    let delay = Some(r#"{"reason":"port congestion","new_eta":"2026-12-12"}"#);
    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/delay"),
        &a.planner,
        delay,
    )
    .await;
    settle(&rt).await;
    let o = order(&s, &id, &customer).await;
    assert_eq!(o["status"], "in_transit");
    assert_eq!(o["delayed"], true);
    assert_eq!(o["eta"], "2026-12-12");
    assert!(
        o["status_reason"]
            .as_str()
            .unwrap()
            .contains("port congestion"),
        "{o}"
    );
    let board = ok(&s, "GET", "/api/v1/dealers/D-BER-01/board", &a.berlin, None).await;
    let row = board["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["order_id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["delayed"], true);

    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/arrive"),
        &a.planner,
        None,
    )
    .await;
    settle(&rt).await;
    let o = order(&s, &id, &customer).await;
    assert_eq!(o["status"], "at_dealer");
    assert_eq!(o["invoice"]["number"], "DE-2026-000001");
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_order_frees_its_car_for_the_next_and_a_planner_reallocates() {
    let rt = sim().await;
    let s = rt.state.clone();
    let a = actors();
    let car = r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"location":"D-BER-01"}"#;
    let vehicle = ok(&s, "POST", "/api/v1/vehicles", &a.planner, Some(car)).await["vehicle_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = place(&s, "C-1001", r#"["PNT-RED"]"#).await;
    settle(&rt).await;
    let second = place(&s, "C-1002", r#"["PNT-RED"]"#).await;
    settle(&rt).await;
    let c1 = token(Role::Customer, "C-1001");
    let c2 = token(Role::Customer, "C-1002");
    assert_eq!(
        order(&s, &first, &c1).await["status"],
        "at_dealer",
        "the car stood at the dealer"
    );
    assert_eq!(
        order(&s, &second, &c2).await["status_reason"],
        "awaiting capacity"
    );

    // Reallocation: the planner gives the car to the second order.
    let body = format!(r#"{{"vehicle_id":"{vehicle}"}}"#);
    let r = call(
        &s,
        "POST",
        &format!("/api/v1/orders/{second}/reallocate"),
        Some(&a.berlin),
        Some(&body),
    )
    .await;
    assert_problem(&r, 403);
    let r = call(
        &s,
        "POST",
        &format!("/api/v1/orders/{second}/reallocate"),
        Some(&a.planner),
        Some(&body),
    )
    .await;
    // The first order is at the dealer: its car can no longer be taken.
    assert_problem(&r, 422);

    // The first customer cancels: the car stood at the dealer and no handover is booked nor
    // anything paid, so the deposit is refunded in full and, not invoiced yet (that waits for
    // the handover booking), there is nothing to credit; the car goes to the second.
    let c = ok(
        &s,
        "POST",
        &format!("/api/v1/orders/{first}/cancel"),
        &c1,
        Some(r#"{"reason":"bought elsewhere"}"#),
    )
    .await;
    assert_eq!(c["deposit_refunded"]["amount_minor"], 100_000);
    assert_eq!(c["deposit_forfeited"]["amount_minor"], 0);
    assert!(c["credit_note"].is_null());
    settle(&rt).await;
    let o2 = order(&s, &second, &c2).await;
    assert_eq!(o2["fulfilment"]["vehicle_id"], vehicle.as_str());
    let invoices = ok(
        &s,
        "GET",
        "/api/v1/invoices?status=credited",
        &a.finance,
        None,
    )
    .await;
    assert_eq!(invoices.as_array().unwrap().len(), 0);
    rt.shutdown().await;
}
