//! A refused reallocation names the order the refusal is about.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::Value;
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

async fn place(state: &api::AppState, customer: &str) -> String {
    let body = r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#;
    let r = ok(
        state,
        "POST",
        "/api/v1/orders",
        &token(Role::Customer, customer),
        Some(body),
    )
    .await;
    r["order_id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taking_a_car_from_an_order_in_production_names_that_order_and_its_status() {
    let rt = sim().await;
    let s = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let capacity = "/api/v1/plants/P-LEIPZIG/capacity/2026-W50";
    ok(&s, "PUT", capacity, &planner, Some(r#"{"units": 1}"#)).await;
    let holder = place(&s, "C-1001").await;
    settle(&rt).await;
    ok(
        &s,
        "POST",
        "/api/v1/clock/advance",
        &planner,
        Some(r#"{"days": 14}"#),
    )
    .await;
    let start = format!("{capacity}/start-production");
    let builds = ok(&s, "POST", &start, &planner, None).await;
    let vehicle = builds[0]["vehicle_id"].as_str().unwrap().to_owned();
    let receiver = place(&s, "C-1002").await;
    settle(&rt).await;
    let holder_view = ok(
        &s,
        "GET",
        &format!("/api/v1/orders/{holder}"),
        &planner,
        None,
    )
    .await;
    assert_eq!(holder_view["status"], "in_production");
    let receiver_view = ok(
        &s,
        "GET",
        &format!("/api/v1/orders/{receiver}"),
        &planner,
        None,
    )
    .await;
    assert_eq!(
        receiver_view["status"], "placed",
        "the receiving order may take a car"
    );

    let body = format!(r#"{{"vehicle_id":"{vehicle}"}}"#);
    let uri = format!("/api/v1/orders/{receiver}/reallocate");
    let r = call(&s, "POST", &uri, Some(&planner), Some(&body)).await;
    assert_problem(&r, 422);
    let detail = r.json["detail"].as_str().unwrap();
    assert!(
        detail.contains(&holder) && detail.contains("in_production") && detail.contains(&vehicle),
        "the refusal is about the holding order {holder}: {detail}"
    );
    assert!(!detail.contains(&receiver), "{detail}");
    assert_eq!(r.json["errors"][0]["rule"], "cannot_give_up_vehicle");
    assert_eq!(r.json["errors"][0]["message"], detail);
    rt.shutdown().await;
}
