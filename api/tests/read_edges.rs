//! Reads at their edges: a `min_position` past the log, a view behind a position the log
//! has reached, a commission statement without lines.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Instant;

use api::auth::Role;
use api::routes::reads::READ_WAIT;
use projections::{Progress, ReadModels};
use serde_json::json;
use support::*;

/// Places an order and waits until everything it set off is settled; returns its id and the
/// log's head.
async fn placed(rt: &api::runtime::Runtime) -> (String, u64) {
    let customer = token(Role::Customer, "C-1001");
    let body = r#"{"market":"DE","model":"AURA","options":[],"dealer_id":"D-BER-01"}"#;
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(body),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    settle(rt).await;
    let head = rt.state.executor.store().head().await.unwrap().0;
    assert!(head >= r.json["position"].as_u64().unwrap());
    (r.json["order_id"].as_str().unwrap().to_owned(), head)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_position_past_the_log_is_a_400_naming_the_head_at_once() {
    let rt = sim().await;
    let (order, head) = placed(&rt).await;
    let customer = token(Role::Customer, "C-1001");
    for past in [head + 1, 1 << 63, u64::MAX] {
        let started = Instant::now();
        let uri = format!("/api/v1/orders/{order}?min_position={past}");
        let r = call(&rt.state, "GET", &uri, Some(&customer), None).await;
        assert_problem(&r, 400);
        let detail = r.json["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("head is at position {head}")),
            "{detail}"
        );
        assert!(started.elapsed() < READ_WAIT, "answered without waiting");
    }
    let uri = format!("/api/v1/dealers/D-BER-01/board?min_position={}", 1u64 << 63);
    let r = call(
        &rt.state,
        "GET",
        &uri,
        Some(&token(Role::Dealer, "D-BER-01")),
        None,
    )
    .await;
    assert_problem(&r, 400);
    let uri = format!("/api/v1/orders/{order}?min_position={head}");
    let r = call(&rt.state, "GET", &uri, Some(&customer), None).await;
    assert_eq!(r.status, 200, "the head itself is read: {:?}", r.json);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_behind_a_position_the_log_reached_still_answers_503() {
    let rt = sim().await;
    let (order, head) = placed(&rt).await;
    // The same engine, read through views whose runner never moves: behind the head.
    let mut lagging = rt.state.clone();
    lagging.views = ReadModels::new(
        rt.state.executor.store().clone(),
        rt.state.views.store().clone(),
        Progress::detached(),
    );
    let customer = token(Role::Customer, "C-1001");
    let uri = format!("/api/v1/orders/{order}?min_position={head}");
    let r = call(&lagging, "GET", &uri, Some(&customer), None).await;
    assert_problem(&r, 503);
    let r = call(&rt.state, "GET", &uri, Some(&customer), None).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_without_lines_totals_zero_in_the_market_currency() {
    let rt = sim().await;
    let finance = token(Role::Finance, "fin");
    for (dealer, currency) in [("D-HAM-01", "EUR"), ("D-SHA-01", "CNY")] {
        let uri = format!("/api/v1/dealers/{dealer}/commissions?month=2026-11");
        let r = call(&rt.state, "GET", &uri, Some(&finance), None).await;
        assert_eq!(r.status, 200, "{:?}", r.json);
        assert_eq!(r.json["lines"], json!([]));
        assert_eq!(
            r.json["total"],
            json!({"amount_minor": 0, "currency": currency}),
            "{dealer}"
        );
    }
    rt.shutdown().await;
}
