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

/// `(status, body)` of each of `n` identical requests sent at once (each on
/// its own task).
async fn at_once(
    state: &AppState,
    n: usize,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<&str>,
) -> Vec<(u16, Value)> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (state, method, uri) = (state.clone(), method.to_owned(), uri.to_owned());
            let (token, body) = (token.to_owned(), body.map(str::to_owned));
            tokio::spawn(async move {
                let r = call(&state, &method, &uri, Some(&token), body.as_deref()).await;
                (r.status.as_u16(), r.json)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

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

/// The answers without their positions (a repeat may report a later one).
fn without_position(mut json: Value) -> Value {
    if let Some(o) = json.as_object_mut() {
        o.remove("position");
    }
    json
}

/// A customer's order allocated to a car standing at its dealer in Berlin, its
/// handover booked (so it is at the dealer and invoiced once the process
/// managers ran: such a car is invoiced at the booking): `(order id, vehicle id)`.
async fn at_dealer(rt: &api::runtime::Runtime, customer: &str) -> (String, String) {
    register(rt, customer).await;
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
    let order = placed["order_id"].as_str().unwrap().to_owned();
    ok(
        s,
        "POST",
        &format!("/api/v1/orders/{order}/handover-appointment"),
        &token(Role::Customer, customer),
        Some(r#"{"at":"2026-11-27T10:00:00Z"}"#),
    )
    .await;
    settle(rt).await;
    (order, vehicle)
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

/// Every answer is 200 and says the same (positions aside).
fn all_alike(answers: &[(u16, Value)]) {
    for (status, json) in answers {
        assert_eq!(*status, 200, "{answers:?}");
        assert_eq!(
            without_position(json.clone()),
            without_position(answers[0].1.clone())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicate_handovers_at_the_same_moment_answer_like_one_sent_later() {
    let (rt, _data) = sqlite().await;
    let s = rt.state.clone();
    let (finance, berlin) = (token(Role::Finance, "fin"), token(Role::Dealer, "D-BER-01"));
    for i in 0..5 {
        let (order, _) = at_dealer(&rt, &format!("C-{}", 3000 + i)).await;
        let invoices = ok(
            &s,
            "GET",
            &format!("/api/v1/invoices?order_id={order}"),
            &finance,
            None,
        )
        .await;
        let invoice = &invoices[0];
        let due = invoice["outstanding"]["amount_minor"].as_i64().unwrap();
        let pay = format!(r#"{{"amount_minor": {due}}}"#);
        let uri = format!(
            "/api/v1/invoices/{}/payments",
            invoice["number"].as_str().unwrap()
        );
        ok(&s, "POST", &uri, &finance, Some(&pay)).await;
        let uri = format!("/api/v1/orders/{order}/handover");
        let mut answers = at_once(&s, 4, "POST", &uri, &berlin, None).await;
        answers.extend(at_once(&s, 1, "POST", &uri, &berlin, None).await);
        all_alike(&answers);
        assert_eq!(answers[0].1["status"], "delivered");
    }
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn production_starts_racing_for_one_week_answer_alike() {
    let (rt, _data) = sqlite().await;
    let s = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let weeks = ["2026-W50", "2026-W51", "2026-W52"];
    for week in weeks {
        let uri = format!("/api/v1/plants/P-LEIPZIG/capacity/{week}");
        ok(&s, "PUT", &uri, &planner, Some(r#"{"units": 2}"#)).await;
    }
    for i in 0..6 {
        register(&rt, &format!("C-{}", 4000 + i)).await;
        let customer = token(Role::Customer, &format!("C-{}", 4000 + i));
        let body = r#"{"market":"DE","model":"AURA","options":["PNT-BLK"],"dealer_id":"D-BER-01"}"#;
        ok(&s, "POST", "/api/v1/orders", &customer, Some(body)).await;
    }
    settle(&rt).await;
    ok(
        &s,
        "POST",
        "/api/v1/clock/advance",
        &planner,
        Some(r#"{"days": 28}"#),
    )
    .await;
    for week in weeks {
        let uri = format!("/api/v1/plants/P-LEIPZIG/capacity/{week}/start-production");
        let mut answers = at_once(&s, 4, "POST", &uri, &planner, None).await;
        answers.extend(at_once(&s, 1, "POST", &uri, &planner, None).await);
        all_alike(&answers);
        assert_eq!(
            answers[0].1.as_array().map(Vec::len),
            Some(2),
            "{answers:?}"
        );
    }
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_arrival_racing_a_cancellation_answers_as_its_effect_stands() {
    let planner = token(Role::Planner, "pat");
    for i in 0..6 {
        // A fresh engine each time: a cancelled order's car would serve the next order.
        let (rt, _data) = sqlite().await;
        let s = rt.state.clone();
        let customer = format!("C-{}", 5000 + i);
        register(&rt, &customer).await;
        let car = r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"location":"D-HAM-01"}"#;
        let vehicle = ok(&s, "POST", "/api/v1/vehicles", &planner, Some(car)).await["vehicle_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let body = r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#;
        let token_c = token(Role::Customer, &customer);
        let placed = ok(&s, "POST", "/api/v1/orders", &token_c, Some(body)).await;
        let order = placed["order_id"].as_str().unwrap().to_owned();
        settle(&rt).await;
        let dispatch = format!("/api/v1/vehicles/{vehicle}/dispatch");
        ok(&s, "POST", &dispatch, &planner, None).await;
        let (arrival, cancel) = tokio::join!(
            tokio::spawn({
                let (s, planner) = (s.clone(), planner.clone());
                let uri = format!("/api/v1/vehicles/{vehicle}/arrive");
                async move { call(&s, "POST", &uri, Some(&planner), None).await }
            }),
            tokio::spawn({
                let s = s.clone();
                let uri = format!("/api/v1/orders/{order}/cancel");
                async move { call(&s, "POST", &uri, Some(&token_c), Some(r#"{"reason":"x"}"#)).await }
            }),
        );
        let (arrival, cancel) = (arrival.unwrap(), cancel.unwrap());
        assert_eq!(cancel.status, 200, "{:?}", cancel.json);
        assert_eq!(arrival.status, 200, "try {i}: {:?}", arrival.json);
        let later = call(
            &s,
            "POST",
            &format!("/api/v1/vehicles/{vehicle}/arrive"),
            Some(&planner),
            None,
        )
        .await;
        assert_eq!(later.status, 200, "{:?}", later.json);
        let pos = later.json["position"].as_u64().unwrap();
        let v = ok(
            &s,
            "GET",
            &format!("/api/v1/vehicles/{vehicle}?min_position={pos}"),
            &planner,
            None,
        )
        .await;
        assert_eq!(v["location"], "D-BER-01", "{v:?}");
        rt.shutdown().await;
    }
}
