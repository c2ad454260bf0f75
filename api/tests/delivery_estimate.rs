//! The delivery estimate of a quote that names its dealer: what fulfilment
//! would decide today, by the same policy over the same supply, so the order
//! placed right after gets exactly the estimated way and day.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::Value;
use support::*;

const CONFIG: &str = r#""market":"DE","model":"AURA","options":["PNT-RED","WHL-20","PKG-SPORT"]"#;

/// The quote's estimate for delivery at `dealer`.
async fn estimate(state: &api::AppState, dealer: &str) -> Value {
    let body = format!(r#"{{{CONFIG},"dealer_id":"{dealer}"}}"#);
    let r = call(state, "POST", "/api/v1/quotes", None, Some(&body)).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(
        r.json["gross"]["amount_minor"], 5_795_300,
        "the price is unchanged"
    );
    r.json["estimate"].clone()
}

/// Places the configuration for C-1001 at `dealer`, lets fulfilment run, returns the order view.
async fn place(rt: &api::runtime::Runtime, dealer: &str) -> Value {
    let customer = token(Role::Customer, "C-1001");
    let body = format!(r#"{{{CONFIG},"dealer_id":"{dealer}"}}"#);
    let placed = call(
        &rt.state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(&body),
    )
    .await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    settle(rt).await;
    let id = placed.json["order_id"].as_str().unwrap();
    let view = call(
        &rt.state,
        "GET",
        &format!("/api/v1/orders/{id}"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(view.status, 200, "{:?}", view.json);
    view.json
}

#[tokio::test]
async fn a_quote_without_a_dealer_has_no_estimate() {
    let rt = sim().await;
    let body = format!("{{{CONFIG}}}");
    let r = call(&rt.state, "POST", "/api/v1/quotes", None, Some(&body)).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert!(r.json.get("estimate").is_none(), "{:?}", r.json);
}

#[tokio::test]
async fn the_estimate_is_what_fulfilment_then_does() {
    let rt = sim().await;
    let planner = token(Role::Planner, "pat");

    // Nothing to build with and nothing in stock: the order would wait.
    let waiting = estimate(&rt.state, "D-BER-01").await;
    assert_eq!(waiting["kind"], "awaiting_capacity", "{waiting:?}");
    assert_eq!(waiting["today"], "2026-11-23");
    assert!(waiting.get("eta").is_none(), "{waiting:?}");
    let order = place(&rt, "D-BER-01").await;
    assert_eq!(order["status"], "placed", "{order:?}");
    assert!(order["eta"].is_null(), "{order:?}");

    // Capacity in a week far enough out: a build, in that week, at that day.
    let opened = call(
        &rt.state,
        "PUT",
        "/api/v1/plants/P-LEIPZIG/capacity/2026-W51",
        Some(&planner),
        Some(r#"{"units": 5}"#),
    )
    .await;
    assert_eq!(opened.status, 200, "{:?}", opened.json);
    settle(&rt).await;
    let build = estimate(&rt.state, "D-BER-01").await;
    assert_eq!(build["kind"], "build", "{build:?}");
    assert_eq!(build["plant"], "P-LEIPZIG");
    assert_eq!(build["week"], "2026-W51");
    let order = place(&rt, "D-BER-01").await;
    assert_eq!(order["status"], "scheduled", "{order:?}");
    assert_eq!(order["fulfilment"]["week"], build["week"], "{order:?}");
    assert_eq!(order["eta"], build["eta"], "{order:?}");

    // The same car standing in Hamburg: reserved and transferred to Berlin.
    let vehicle = format!(r#"{{{CONFIG},"location":"D-HAM-01"}}"#);
    let registered = call(
        &rt.state,
        "POST",
        "/api/v1/vehicles",
        Some(&planner),
        Some(&vehicle),
    )
    .await;
    assert_eq!(registered.status, 201, "{:?}", registered.json);
    settle(&rt).await;
    let stock = estimate(&rt.state, "D-BER-01").await;
    assert_eq!(stock["kind"], "stock", "{stock:?}");
    assert_eq!(stock["stock"], "elsewhere_in_market");
    assert_eq!(stock["location"], "D-HAM-01");
    let days = stock["days"].as_i64().unwrap();
    assert!(days > 0 && days < 14, "a transfer takes days: {stock:?}");
    // Delivered in Hamburg itself, the same car is there today.
    let there = estimate(&rt.state, "D-HAM-01").await;
    assert_eq!(there["stock"], "at_dealer", "{there:?}");
    assert_eq!(there["days"], 0);
    let order = place(&rt, "D-BER-01").await;
    assert_eq!(order["status"], "allocated", "{order:?}");
    assert_eq!(order["eta"], stock["eta"], "{order:?}");
    assert_eq!(
        order["fulfilment"]["vehicle_id"], registered.json["vehicle_id"],
        "{order:?}"
    );
}

#[tokio::test]
async fn a_bad_dealer_is_refused_with_a_problem() {
    let rt = sim().await;
    let quote = |dealer: &'static str| {
        let state = rt.state.clone();
        async move {
            let body = format!(r#"{{{CONFIG},"dealer_id":"{dealer}"}}"#);
            call(&state, "POST", "/api/v1/quotes", None, Some(&body)).await
        }
    };
    let unknown = quote("D-XYZ-09").await;
    assert_problem(&unknown, 422);
    assert_eq!(unknown.json["errors"][0]["rule"], "unknown_dealer");
    let abroad = quote("D-SHA-01").await;
    assert_problem(&abroad, 422);
    assert_eq!(abroad.json["errors"][0]["rule"], "dealer_not_in_market");
    assert_problem(&quote("not a dealer").await, 400);
}
