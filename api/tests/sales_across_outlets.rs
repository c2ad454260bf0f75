//! Business rules at the edges of the network, through the HTTP API: a dealer
//! sells only in its own market and reads the orders it sold (beside those it
//! delivers); stock stays in its market (plants excepted).

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::Value;
use support::*;

async fn ok(state: &api::AppState, method: &str, uri: &str, token: &str, body: &str) -> Value {
    let body = (!body.is_empty()).then_some(body);
    let r = call(state, method, uri, Some(token), body).await;
    assert!(
        r.status.is_success(),
        "{method} {uri}: {} {:?}",
        r.status,
        r.json
    );
    r.json
}

fn rule_of(reply: &Reply) -> &str {
    reply.json["errors"][0]["rule"].as_str().unwrap_or_default()
}

const BERLIN_ORDER: &str =
    r#"{"market":"DE","model":"AURA","options":[],"dealer_id":"D-BER-01","customer_id":"C-1001"}"#;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dealer_of_another_market_cannot_sell_an_order_and_nothing_is_recorded() {
    let rt = sim().await;
    let s = rt.state.clone();
    let shanghai = token(Role::Dealer, "D-SHA-01");
    let r = call(
        &s,
        "POST",
        "/api/v1/orders",
        Some(&shanghai),
        Some(BERLIN_ORDER),
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(rule_of(&r), "seller_not_in_market", "{:?}", r.json);
    let planner = token(Role::Planner, "pat");
    settle(&rt).await;
    let all = ok(&s, "GET", "/api/v1/orders", &planner, "").await;
    assert_eq!(ids(&all).len(), 0, "nothing placed");
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selling_dealer_reads_and_lists_the_orders_it_sold_for_another_outlet() {
    let rt = sim().await;
    let s = rt.state.clone();
    let munich = token(Role::Dealer, "D-MUC-01");
    let berlin = token(Role::Dealer, "D-BER-01");
    let hamburg = token(Role::Dealer, "D-HAM-01");
    let placed = ok(&s, "POST", "/api/v1/orders", &munich, BERLIN_ORDER).await;
    let id = placed["order_id"].as_str().unwrap().to_owned();
    let position = placed["position"].as_u64().unwrap();
    let uri = format!("/api/v1/orders/{id}?min_position={position}");

    let seen = ok(&s, "GET", &uri, &munich, "").await;
    assert_eq!(seen["selling_dealer_id"], "D-MUC-01");
    assert_eq!(seen["dealer_id"], "D-BER-01");
    assert_eq!(ok(&s, "GET", &uri, &berlin, "").await["order_id"], id);
    assert_problem(&call(&s, "GET", &uri, Some(&hamburg), None).await, 403);
    let history = format!("/api/v1/orders/{id}/history?min_position={position}");
    let history = ok(&s, "GET", &history, &munich, "").await;
    assert!(
        history[0]["summary"]
            .as_str()
            .unwrap()
            .contains("sold by D-MUC-01"),
        "{history}"
    );

    // Munich's own list holds what it sold; Berlin's what it delivers.
    assert_eq!(
        ids(&ok(&s, "GET", "/api/v1/orders", &munich, "").await),
        [id.as_str()]
    );
    let sold = "/api/v1/orders?selling_dealer_id=D-MUC-01";
    assert_eq!(ids(&ok(&s, "GET", sold, &munich, "").await), [id.as_str()]);
    let sold_for_berlin = "/api/v1/orders?selling_dealer_id=D-MUC-01&dealer_id=D-BER-01";
    assert_eq!(
        ids(&ok(&s, "GET", sold_for_berlin, &munich, "").await),
        [id.as_str()]
    );
    let delivered = "/api/v1/orders?dealer_id=D-MUC-01";
    assert!(ids(&ok(&s, "GET", delivered, &munich, "").await).is_empty());
    assert_eq!(
        ids(&ok(&s, "GET", "/api/v1/orders", &berlin, "").await),
        [id.as_str()]
    );
    assert!(ids(&ok(&s, "GET", "/api/v1/orders", &hamburg, "").await).is_empty());
    let others = "/api/v1/orders?selling_dealer_id=D-BER-01";
    assert_problem(&call(&s, "GET", others, Some(&munich), None).await, 403);

    // An order the customer places online has no selling dealer.
    let customer = token(Role::Customer, "C-1002");
    let online = r#"{"market":"DE","model":"AURA","options":[],"dealer_id":"D-BER-01"}"#;
    let placed = ok(&s, "POST", "/api/v1/orders", &customer, online).await;
    let uri = format!(
        "/api/v1/orders/{}?min_position={}",
        placed["order_id"].as_str().unwrap(),
        placed["position"]
    );
    assert!(ok(&s, "GET", &uri, &customer, "").await["selling_dealer_id"].is_null());
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_is_registered_and_transferred_only_within_its_market_plants_excepted() {
    let rt = sim().await;
    let s = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let car = |market: &str, at: &str| {
        format!(r#"{{"market":"{market}","model":"AURA","options":[],"location":"{at}"}}"#)
    };

    let r = call(
        &s,
        "POST",
        "/api/v1/vehicles",
        Some(&planner),
        Some(&car("DE", "D-SHA-01")),
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(rule_of(&r), "location_outside_market", "{:?}", r.json);

    let at_plant = car("CN", "P-LEIPZIG");
    ok(&s, "POST", "/api/v1/vehicles", &planner, &at_plant).await;
    let berlin_car = car("DE", "D-BER-01");
    let registered = ok(&s, "POST", "/api/v1/vehicles", &planner, &berlin_car).await;
    let vehicle = registered["vehicle_id"].as_str().unwrap().to_owned();
    settle(&rt).await;

    let dispatch = format!("/api/v1/vehicles/{vehicle}/dispatch");
    let abroad = r#"{"to_location":"D-BJS-01"}"#;
    let r = call(&s, "POST", &dispatch, Some(&planner), Some(abroad)).await;
    assert_problem(&r, 422);
    assert_eq!(rule_of(&r), "location_outside_market", "{:?}", r.json);
    let at = format!("/api/v1/vehicles/{vehicle}");
    assert_eq!(
        ok(&s, "GET", &at, &planner, "").await["location"],
        "D-BER-01",
        "the refused transfer moved nothing"
    );
    let munich = r#"{"to_location":"D-MUC-01"}"#;
    ok(&s, "POST", &dispatch, &planner, munich).await;
    rt.shutdown().await;
}
