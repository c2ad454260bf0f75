//! Command routes per role: who may, who may not, and every error path.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use support::*;

const ORDER: &str =
    r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#;

async fn place(state: &api::AppState) -> String {
    let customer = token(Role::Customer, "C-1001");
    let r = call(
        state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(ORDER),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["order_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_customer_places_an_order_with_its_locked_price() {
    let rt = sim().await;
    let state = rt.state.clone();
    let customer = token(Role::Customer, "C-1001");
    let r = call(
        &state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(ORDER),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    assert_eq!(r.json["status"], "placed");
    assert_eq!(r.json["price"]["net"]["amount_minor"], 4_410_000);
    assert_eq!(r.json["price"]["vat"]["amount_minor"], 837_900);
    assert_eq!(r.json["price"]["gross"]["amount_minor"], 5_247_900);
    assert_eq!(r.json["deposit"]["amount_minor"], 100_000);
    assert!(r.json["position"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn a_dealer_places_an_order_for_a_showroom_customer() {
    let rt = sim().await;
    let state = rt.state.clone();
    let dealer = token(Role::Dealer, "D-MUC-01");
    let body = r#"{"market":"DE","model":"AURA","options":[],"customer_id":"C-2002"}"#;
    let r = call(&state, "POST", "/api/v1/orders", Some(&dealer), Some(body)).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let without_customer = r#"{"market":"DE","model":"AURA","options":[]}"#;
    assert_problem(
        &call(
            &state,
            "POST",
            "/api/v1/orders",
            Some(&dealer),
            Some(without_customer),
        )
        .await,
        400,
    );
}

#[tokio::test]
async fn placing_needs_a_customer_or_dealer_token() {
    let rt = sim().await;
    let state = rt.state.clone();
    assert_problem(
        &call(&state, "POST", "/api/v1/orders", None, Some(ORDER)).await,
        401,
    );
    let planner = token(Role::Planner, "pat");
    assert_problem(
        &call(
            &state,
            "POST",
            "/api/v1/orders",
            Some(&planner),
            Some(ORDER),
        )
        .await,
        403,
    );
    let customer = token(Role::Customer, "C-1001");
    let other = r#"{"market":"DE","model":"AURA","dealer_id":"D-BER-01","customer_id":"C-9999"}"#;
    assert_problem(
        &call(
            &state,
            "POST",
            "/api/v1/orders",
            Some(&customer),
            Some(other),
        )
        .await,
        403,
    );
}

#[tokio::test]
async fn an_invalid_order_is_a_422_with_every_rule_and_stores_nothing() {
    let rt = sim().await;
    let state = rt.state.clone();
    let before = state.executor.store().head().await.unwrap();
    let customer = token(Role::Customer, "C-1001");
    let body = r#"{"market":"DE","model":"AURA","options":["PKG-TOW","PKG-SPORT"],"dealer_id":"D-BER-01"}"#;
    let r = call(
        &state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(body),
    )
    .await;
    assert_problem(&r, 422);
    assert!(r.json["errors"].as_array().unwrap().len() >= 3);
    let wrong_market = r#"{"market":"DE","model":"AURA","dealer_id":"D-SHA-01"}"#;
    let r = call(
        &state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(wrong_market),
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "dealer_not_in_market");
    assert_eq!(
        state.executor.store().head().await.unwrap(),
        before,
        "no state change from a rejected request"
    );
}

#[tokio::test]
async fn the_same_idempotency_key_names_the_same_order() {
    let rt = sim().await;
    let state = rt.state.clone();
    let customer = token(Role::Customer, "C-1001");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/orders")
            .header("authorization", format!("Bearer {customer}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "k-1")
            .body(axum::body::Body::from(ORDER))
            .unwrap();
        let res = tower::ServiceExt::oneshot(api::app(state.clone()), req)
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let bytes = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        ids.push(json["order_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids[0], ids[1]);
    let stream = store::StreamId::parse(format!("order-{}", ids[0])).unwrap();
    let events = state
        .executor
        .store()
        .read_stream(&stream, 0, 100)
        .await
        .unwrap();
    let placed = events
        .iter()
        .filter(|e| e.event_type == "OrderPlaced")
        .count();
    assert_eq!(placed, 1, "placed once");
}

#[tokio::test]
async fn only_the_owner_or_its_dealer_amends_an_order() {
    let rt = sim().await;
    let state = rt.state.clone();
    let order = place(&state).await;
    let uri = format!("/api/v1/orders/{order}/amend");
    let body = Some(r#"{"options":["PNT-BLK"]}"#);
    let stranger = token(Role::Customer, "C-9999");
    assert_problem(
        &call(&state, "POST", &uri, Some(&stranger), body).await,
        403,
    );
    let other_dealer = token(Role::Dealer, "D-MUC-01");
    assert_problem(
        &call(&state, "POST", &uri, Some(&other_dealer), body).await,
        403,
    );
    let its_dealer = token(Role::Dealer, "D-BER-01");
    let r = call(&state, "POST", &uri, Some(&its_dealer), body).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["difference"]["amount_minor"], -30_000);
}

#[tokio::test]
async fn unknown_and_malformed_order_ids_are_404_and_400() {
    let rt = sim().await;
    let state = rt.state.clone();
    let customer = token(Role::Customer, "C-1001");
    let body = Some(r#"{"reason":"x"}"#);
    let unknown = "/api/v1/orders/0192f1c4-0000-7000-8000-000000000000/cancel";
    assert_problem(
        &call(&state, "POST", unknown, Some(&customer), body).await,
        404,
    );
    assert_problem(
        &call(
            &state,
            "POST",
            "/api/v1/orders/not-an-id/cancel",
            Some(&customer),
            body,
        )
        .await,
        400,
    );
}

#[tokio::test]
async fn the_owner_cancels_and_gets_the_deposit_back_before_fulfilment() {
    let rt = sim().await;
    let state = rt.state.clone();
    let order = place(&state).await;
    let customer = token(Role::Customer, "C-1001");
    let uri = format!("/api/v1/orders/{order}/cancel");
    let r = call(
        &state,
        "POST",
        &uri,
        Some(&customer),
        Some(r#"{"reason":"changed my mind"}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["status"], "cancelled");
    assert_eq!(r.json["refund"]["amount_minor"], 100_000);
    let r = call(
        &state,
        "POST",
        &uri,
        Some(&customer),
        Some(r#"{"reason":""}"#),
    )
    .await;
    assert_eq!(
        r.status, 200,
        "cancelling again changes nothing: {:?}",
        r.json
    );
}

#[tokio::test]
async fn a_handover_before_arrival_and_payment_is_a_422() {
    let rt = sim().await;
    let state = rt.state.clone();
    let order = place(&state).await;
    let dealer = token(Role::Dealer, "D-BER-01");
    let r = call(
        &state,
        "POST",
        &format!("/api/v1/orders/{order}/handover"),
        Some(&dealer),
        None,
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "not_allowed");
    let customer = token(Role::Customer, "C-1001");
    let r = call(
        &state,
        "POST",
        &format!("/api/v1/orders/{order}/handover"),
        Some(&customer),
        None,
    )
    .await;
    assert_problem(&r, 403);
}

#[tokio::test]
async fn capacity_is_opened_by_planners_only_with_valid_weeks() {
    let rt = sim().await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let dealer = token(Role::Dealer, "D-BER-01");
    let body = Some(r#"{"units": 120}"#);
    let uri = "/api/v1/plants/P-LEIPZIG/capacity/2026-W50";
    assert_problem(&call(&state, "PUT", uri, Some(&dealer), body).await, 403);
    let r = call(&state, "PUT", uri, Some(&planner), body).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["capacity"], 120);
    assert_problem(
        &call(
            &state,
            "PUT",
            "/api/v1/plants/P-LEIPZIG/capacity/2026-50",
            Some(&planner),
            body,
        )
        .await,
        400,
    );
    assert_problem(
        &call(
            &state,
            "PUT",
            "/api/v1/plants/P-NOWHERE/capacity/2026-W50",
            Some(&planner),
            body,
        )
        .await,
        404,
    );
    assert_problem(
        &call(&state, "PUT", uri, Some(&planner), Some(r#"{"units": -1}"#)).await,
        400,
    );
    let past = "/api/v1/plants/P-LEIPZIG/capacity/2026-W01";
    assert_problem(&call(&state, "PUT", past, Some(&planner), body).await, 422);
}

#[tokio::test]
async fn a_planner_registers_stock_and_a_free_car_needs_a_destination_to_move() {
    let rt = sim().await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let body = r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"location":"D-HAM-01"}"#;
    let r = call(
        &state,
        "POST",
        "/api/v1/vehicles",
        Some(&planner),
        Some(body),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let vehicle = r.json["vehicle_id"].as_str().unwrap().to_owned();
    let r = call(
        &state,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/dispatch"),
        Some(&planner),
        None,
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "destination_required");
    let to = Some(r#"{"to_location":"D-BER-01"}"#);
    let r = call(
        &state,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/dispatch"),
        Some(&planner),
        to,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["eta"], "2026-11-24");
    let dealer = token(Role::Dealer, "D-MUC-01");
    let r = call(
        &state,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/arrive"),
        Some(&dealer),
        None,
    )
    .await;
    assert_problem(&r, 403);
    let receiving = token(Role::Dealer, "D-BER-01");
    let r = call(
        &state,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/arrive"),
        Some(&receiving),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["status"], "free");
}

#[tokio::test]
async fn payments_are_finance_only_and_need_a_known_invoice() {
    let rt = sim().await;
    let state = rt.state.clone();
    let finance = token(Role::Finance, "fin");
    let dealer = token(Role::Dealer, "D-BER-01");
    let body = Some(r#"{"amount_minor": 1000}"#);
    let uri = "/api/v1/invoices/DE-2026-000001/payments";
    assert_problem(&call(&state, "POST", uri, Some(&dealer), body).await, 403);
    assert_problem(&call(&state, "POST", uri, Some(&finance), body).await, 404);
    assert_problem(
        &call(
            &state,
            "POST",
            "/api/v1/invoices/DE-26-1/payments",
            Some(&finance),
            body,
        )
        .await,
        400,
    );
}

async fn raw(
    state: &api::AppState,
    uri: &str,
    token: &str,
    key: &str,
    body: &str,
) -> (u16, serde_json::Value, bool) {
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(axum::body::Body::from(body.to_owned()))
        .unwrap();
    let res = tower::ServiceExt::oneshot(api::app(state.clone()), req)
        .await
        .unwrap();
    let status = res.status().as_u16();
    let replayed = res.headers().contains_key("idempotent-replayed");
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or_default(),
        replayed,
    )
}

#[tokio::test]
async fn the_same_key_and_body_return_the_first_response_and_another_body_is_a_409() {
    let rt = sim().await;
    let state = rt.state.clone();
    let customer = token(Role::Customer, "C-1001");
    let (s1, first, replayed1) = raw(&state, "/api/v1/orders", &customer, "buy-1", ORDER).await;
    let (s2, second, replayed2) = raw(&state, "/api/v1/orders", &customer, "buy-1", ORDER).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first, second, "the first response, again");
    assert!(!replayed1 && replayed2);
    let other = r#"{"market":"DE","model":"AURA","options":["PNT-BLK"],"dealer_id":"D-BER-01"}"#;
    let (s3, problem, _) = raw(&state, "/api/v1/orders", &customer, "buy-1", other).await;
    assert_eq!(s3, 409, "{problem}");
    // Another caller may use the same key for its own request.
    let other_customer = token(Role::Customer, "C-2002");
    let (s4, _, replayed4) = raw(&state, "/api/v1/orders", &other_customer, "buy-1", ORDER).await;
    assert_eq!(s4, 201);
    assert!(!replayed4);
}

#[tokio::test]
async fn a_rejected_request_is_replayed_as_rejected_and_a_payment_counts_once() {
    let rt = sim().await;
    let state = rt.state.clone();
    let customer = token(Role::Customer, "C-1001");
    let bad = r#"{"market":"DE","model":"AURA","options":["PKG-TOW"],"dealer_id":"D-BER-01"}"#;
    let (s1, p1, _) = raw(&state, "/api/v1/orders", &customer, "k-bad", bad).await;
    let (s2, p2, replayed) = raw(&state, "/api/v1/orders", &customer, "k-bad", bad).await;
    assert_eq!((s1, s2), (422, 422));
    assert_eq!(p1, p2);
    assert!(replayed);
}

#[tokio::test]
async fn vehicles_are_listed_for_planners_and_a_dealer_sees_only_its_location() {
    let rt = sim().await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    for (model, location) in [
        ("AURA", "D-HAM-01"),
        ("AURA", "D-BER-01"),
        ("TERRA", "D-BER-01"),
    ] {
        let body = format!(
            r#"{{"market":"DE","model":"{model}","options":["PNT-RED"],"location":"{location}"}}"#
        );
        let r = call(
            &state,
            "POST",
            "/api/v1/vehicles",
            Some(&planner),
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
    }
    settle(&rt).await;
    let ids = |r: &support::Reply| -> Vec<String> {
        r.json
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["location"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = call(&state, "GET", "/api/v1/vehicles", Some(&planner), None).await;
    assert_eq!(all.status, 200, "{:?}", all.json);
    assert_eq!(ids(&all).len(), 3);
    let berlin = "/api/v1/vehicles?location=D-BER-01&status=free&model=AURA";
    let r = call(&state, "GET", berlin, Some(&planner), None).await;
    assert_eq!(ids(&r), ["D-BER-01"]);

    let dealer = token(Role::Dealer, "D-BER-01");
    let r = call(&state, "GET", "/api/v1/vehicles", Some(&dealer), None).await;
    assert_eq!(ids(&r), ["D-BER-01", "D-BER-01"]);
    let elsewhere = "/api/v1/vehicles?location=D-HAM-01";
    assert_problem(
        &call(&state, "GET", elsewhere, Some(&dealer), None).await,
        403,
    );
    let customer = token(Role::Customer, "C-1");
    assert_problem(
        &call(&state, "GET", "/api/v1/vehicles", Some(&customer), None).await,
        403,
    );
    assert_problem(
        &call(&state, "GET", "/api/v1/vehicles", None, None).await,
        401,
    );
    let bad = "/api/v1/vehicles?status=floating";
    assert_problem(&call(&state, "GET", bad, Some(&planner), None).await, 400);
}
