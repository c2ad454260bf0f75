//! `GET /api/v1/orders/{id}/promises` and `GET /api/v1/kpis/promises` over a real history on
//! the simulated clock, with the process managers running: a stock car promised for the next
//! day reaches Berlin a month late, the compensation is decided once and credited on the
//! invoice the engine issues; who may read what, and bad `as_of` and `by`.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::{json, Value};
use support::*;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_late_car_is_compensated_once_on_its_invoice_and_the_promises_answer_as_of_a_date()
{
    let rt = sim().await;
    let s = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let finance = token(Role::Finance, "fin");
    let berlin = token(Role::Dealer, "D-BER-01");
    let customer = token(Role::Customer, "C-1001");

    // Given a black AURA in Hamburg, ordered for Berlin: promised for tomorrow,
    let car = r#"{"market":"DE","model":"AURA","options":["PNT-BLK"],"location":"D-HAM-01"}"#;
    let vehicle = ok(&s, "POST", "/api/v1/vehicles", &planner, Some(car)).await["vehicle_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = r#"{"market":"DE","model":"AURA","options":["PNT-BLK"],"dealer_id":"D-BER-01"}"#;
    let id = ok(&s, "POST", "/api/v1/orders", &customer, Some(body)).await["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    settle(&rt).await;
    let uri = format!("/api/v1/orders/{id}/promises");
    let p = ok(&s, "GET", &uri, &customer, None).await;
    assert_eq!(p["as_of"], "2026-11-23");
    assert_eq!(p["eta"], "2026-11-24");
    assert_eq!(p["reason"], "booked");
    assert_eq!(p["first_eta"], "2026-11-24");
    assert_eq!(p["actual_arrival"], Value::Null);
    assert_eq!(p["compensation"], Value::Null);
    assert_eq!(
        p["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["reason"].clone())
            .collect::<Vec<_>>(),
        vec![json!("placed"), json!("booked")]
    );
    assert_eq!(p["history"][0]["eta"], Value::Null);
    assert_eq!(p["history"][0]["price"]["currency"], "EUR");

    // when it is dispatched, held up for a month and arrives on 2026-12-23,
    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/dispatch"),
        &planner,
        None,
    )
    .await;
    ok(
        &s,
        "POST",
        "/api/v1/clock/advance",
        &planner,
        Some(r#"{"days": 30}"#),
    )
    .await;
    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/arrive"),
        &berlin,
        None,
    )
    .await;
    settle(&rt).await;

    // then it is 29 days late: 22 days beyond the grace × 20.00 EUR,
    let p = ok(&s, "GET", &uri, &customer, None).await;
    assert_eq!(p["actual_arrival"], "2026-12-23");
    assert_eq!(p["days_late"], 29);
    assert_eq!(
        p["compensation"],
        json!({"amount_minor": 44_000, "currency": "EUR"})
    );
    assert_eq!(p["anchor_eta"], "2026-11-24");
    // credited once, as its own line on the invoice, reducing the amount due;
    let o = ok(&s, "GET", &format!("/api/v1/orders/{id}"), &customer, None).await;
    let number = o["invoice"]["number"].as_str().unwrap().to_owned();
    let invoice = ok(
        &s,
        "GET",
        &format!("/api/v1/invoices/{number}"),
        &finance,
        None,
    )
    .await;
    assert_eq!(
        invoice["compensation"],
        json!({"amount_minor": 44_000, "currency": "EUR"})
    );
    let gross = invoice["gross"]["amount_minor"].as_i64().unwrap();
    assert_eq!(
        invoice["amount_due"]["amount_minor"],
        gross - 100_000 - 44_000
    );
    // and the past still reads as it was: on the day of the order, nothing was late.
    let then = ok(
        &s,
        "GET",
        &format!("{uri}?as_of=2026-11-23"),
        &customer,
        None,
    )
    .await;
    assert_eq!(then["eta"], "2026-11-24");
    assert_eq!(then["actual_arrival"], Value::Null);
    assert_eq!(then["days_late"], Value::Null);
    assert_eq!(then["compensation"], Value::Null);

    // An arrival redelivered decides nothing more: one compensation event in the log.
    let _ = call(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/arrive"),
        Some(&berlin),
        None,
    )
    .await;
    settle(&rt).await;
    let history = ok(
        &s,
        "GET",
        &format!("/api/v1/orders/{id}/history"),
        &planner,
        None,
    )
    .await;
    let compensated = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "OrderDelayCompensated")
        .count();
    assert_eq!(compensated, 1, "{history}");

    // Who may read: the owner, its dealer, planners; nobody else.
    for (who, status) in [
        (token(Role::Customer, "C-1002"), 403),
        (token(Role::Dealer, "D-MUC-01"), 403),
        (finance.clone(), 403),
        (token(Role::Admin, "root"), 403),
        (berlin.clone(), 200),
        (planner.clone(), 200),
    ] {
        let r = call(&s, "GET", &uri, Some(&who), None).await;
        assert_eq!(r.status.as_u16(), status, "{:?}", r.json);
    }
    let r = call(&s, "GET", &uri, None, None).await;
    assert_eq!(r.status.as_u16(), 401);

    // Bad as_of: not a date → 400; before the order → 422 as_of_before_order.
    let r = call(
        &s,
        "GET",
        &format!("{uri}?as_of=23.11.2026"),
        Some(&customer),
        None,
    )
    .await;
    assert_problem(&r, 400);
    let r = call(
        &s,
        "GET",
        &format!("{uri}?as_of=2026-11-22"),
        Some(&customer),
        None,
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "as_of_before_order");
    let unknown = "/api/v1/orders/00000000-0000-0000-0000-000000000000/promises";
    let r = call(&s, "GET", unknown, Some(&planner), None).await;
    assert!(matches!(r.status.as_u16(), 400 | 404), "{:?}", r.json);

    // The KPIs, by market, dealer and plant: one order arrived, late, compensated.
    for by in ["market", "dealer", "plant"] {
        let k = ok(
            &s,
            "GET",
            &format!("/api/v1/kpis/promises?by={by}"),
            &finance,
            None,
        )
        .await;
        assert_eq!(k["by"], by);
        let key = match by {
            "market" => "DE",
            "dealer" => "D-BER-01",
            _ => "P-LEIPZIG",
        };
        let row = k["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("no {key} in {k}"));
        assert_eq!(row["orders_arrived"], 1);
        assert_eq!(row["on_time"], 0);
        assert_eq!(row["on_time_share_pct"], 0.0);
        assert_eq!(row["mean_days_late"], 29.0);
        assert_eq!(row["compensated_orders"], 1);
        assert_eq!(
            row["compensation_paid"],
            json!([{"amount_minor": 44_000, "currency": "EUR"}])
        );
    }
    ok(&s, "GET", "/api/v1/kpis/promises?by=plant", &planner, None).await;
    for (who, status) in [(customer.clone(), 403), (berlin.clone(), 403)] {
        let r = call(
            &s,
            "GET",
            "/api/v1/kpis/promises?by=market",
            Some(&who),
            None,
        )
        .await;
        assert_eq!(r.status.as_u16(), status);
    }
    for bad in ["?by=model", "", "?by=market&x=1"] {
        let r = call(
            &s,
            "GET",
            &format!("/api/v1/kpis/promises{bad}"),
            Some(&planner),
            None,
        )
        .await;
        assert_problem(&r, 400);
    }
}
