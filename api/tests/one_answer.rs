//! One command, one answer: a repeat that finds its own effect already done
//! answers like the first, whenever it comes (also at the same moment, with
//! no idempotency key); a command whose effect is committed does not answer
//! with an error; the position a write returns covers every effect its
//! answer reports.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use api::AppState;
use serde_json::Value;
use support::*;

async fn ok(state: &AppState, method: &str, uri: &str, token: &str, body: Option<&str>) -> Value {
    let r = call(state, method, uri, Some(token), body).await;
    assert!(
        r.status.is_success(),
        "{method} {uri}: {} {:?}",
        r.status,
        r.json
    );
    r.json
}

/// A customer's order allocated to a car standing at its dealer in Berlin
/// (so it is at the dealer and invoiced once the process managers ran):
/// `(order id, vehicle id)`.
async fn at_dealer(rt: &api::runtime::Runtime, customer: &str) -> (String, String) {
    let s = &rt.state;
    let planner = token(Role::Planner, "pat");
    let car = r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"location":"D-BER-01"}"#;
    let vehicle = ok(s, "POST", "/api/v1/vehicles", &planner, Some(car)).await["vehicle_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#;
    let placed = ok(
        s,
        "POST",
        "/api/v1/orders",
        &token(Role::Customer, customer),
        Some(body),
    )
    .await;
    settle(rt).await;
    (placed["order_id"].as_str().unwrap().to_owned(), vehicle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancellation_returns_a_position_that_shows_its_credit_note() {
    let (rt, _data) = sqlite().await;
    let s = rt.state.clone();
    let finance = token(Role::Finance, "fin");
    for i in 0..20 {
        let customer = format!("C-{}", 2000 + i);
        let (order, _) = at_dealer(&rt, &customer).await;
        let c = ok(
            &s,
            "POST",
            &format!("/api/v1/orders/{order}/cancel"),
            &token(Role::Customer, &customer),
            Some(r#"{"reason":"bought elsewhere"}"#),
        )
        .await;
        let number = c["credit_note"].as_str().unwrap_or_else(|| panic!("{c:?}"));
        let pos = c["position"].as_u64().unwrap();
        let invoices = ok(
            &s,
            "GET",
            &format!("/api/v1/invoices?min_position={pos}"),
            &finance,
            None,
        )
        .await;
        let credited = invoices
            .as_array()
            .unwrap()
            .iter()
            .find(|inv| inv["order_id"] == order.as_str())
            .unwrap_or_else(|| panic!("try {i}: no invoice at {pos}: {invoices:?}"));
        assert_eq!(
            credited["status"], "credited",
            "try {i}: {credited:?} ({number})"
        );
        settle(&rt).await;
    }
    rt.shutdown().await;
}
