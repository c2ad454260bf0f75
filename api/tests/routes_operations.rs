//! Rate limiting and metrics.

#![allow(clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;

use api::auth::{AuthKeys, Role};
use axum::extract::connect_info::MockConnectInfo;
use axum::http::Request;
use chrono::NaiveDate;
use http_body_util::BodyExt;
use support::*;
use tower::ServiceExt;

#[tokio::test]
async fn a_subject_over_its_rate_gets_429_with_retry_after_and_others_are_served() {
    let clock = app::Clock::simulated(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let rt = api::runtime::Runtime::in_memory_limited(clock, AuthKeys::from_secret(SECRET), 2)
        .await
        .unwrap();
    let dealer = token(Role::Dealer, "D-BER-01");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = call(
            &rt.state,
            "GET",
            "/api/v1/dealers/D-BER-01/board",
            Some(&dealer),
            None,
        )
        .await;
        statuses.push(r.status.as_u16());
        if r.status == 429 {
            assert_problem(&r, 429);
            assert!(r.headers.get("retry-after").is_some());
        }
    }
    assert!(
        statuses.contains(&200) && statuses.contains(&429),
        "{statuses:?}"
    );
    let other = token(Role::Dealer, "D-MUC-01");
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-MUC-01/board",
        Some(&other),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "another subject has its own bucket");
}

async fn metrics_from(state: &api::AppState, peer: &str) -> (u16, String) {
    let peer: SocketAddr = peer.parse().unwrap();
    let app = api::app(state.clone()).layer(MockConnectInfo(peer));
    let res = app
        .oneshot(
            Request::get("/metrics")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_show_lag_on_loopback_only() {
    let rt = sim().await;
    let customer = token(Role::Customer, "C-1001");
    let body = r#"{"market":"DE","model":"AURA","options":[],"dealer_id":"D-BER-01"}"#;
    let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
    for _ in 0..2 {
        let app = api::app(rt.state.clone()).layer(MockConnectInfo(peer));
        let req = Request::post("/api/v1/orders")
            .header("authorization", format!("Bearer {customer}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body))
            .unwrap();
        assert_eq!(app.oneshot(req).await.unwrap().status(), 201);
    }
    settle(&rt).await;
    let (status, text) = metrics_from(&rt.state, "127.0.0.1:5000").await;
    assert_eq!(status, 200);
    assert!(
        text.contains(
            r#"otd_http_requests_total{method="POST",route="/api/v1/orders",status="201"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains("otd_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("otd_events_appended_total"), "{text}");
    assert!(
        text.contains(r#"otd_projection_lag_events{projection="#),
        "{text}"
    );
    let (status, _) = metrics_from(&rt.state, "10.1.2.3:5000").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn made_up_methods_and_paths_add_no_metric_series_but_count_as_other() {
    let rt = sim().await;
    let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
    for i in 0..150 {
        let paths = [
            format!("/no/such/route/{i}"),
            "/api/v1/catalog".to_owned(),
            format!("/api/v1/orders/{i}"),
        ];
        for path in paths {
            let app = api::app(rt.state.clone()).layer(MockConnectInfo(peer));
            let req = Request::builder()
                .method(format!("MADEUP{i}").as_str())
                .uri(path)
                .body(axum::body::Body::empty())
                .unwrap();
            let status = app.oneshot(req).await.unwrap().status().as_u16();
            assert!((400..500).contains(&status), "{status}");
        }
        let app = api::app(rt.state.clone()).layer(MockConnectInfo(peer));
        let req = Request::get(format!("/random/{i}"))
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(app.oneshot(req).await.unwrap().status(), 404);
    }
    let (status, text) = metrics_from(&rt.state, "127.0.0.1:5000").await;
    assert_eq!(status, 200);
    let series = |name: &str| {
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")))
            .count()
    };
    assert!(
        series("otd_http_requests_total") <= 8,
        "600 made-up requests stay a handful of series:\n{text}"
    );
    assert!(
        series("otd_http_request_duration_seconds_count") <= 8,
        "{text}"
    );
    assert!(
        !text.contains("MADEUP") && !text.contains("/random/"),
        "{text}"
    );
    assert!(
        text.contains(r#"otd_http_requests_total{method="GET",route="other",status="404"} 150"#),
        "{text}"
    );
    assert!(
        text.contains(r#"method="other",route="/api/v1/catalog",status="405"} 150"#),
        "{text}"
    );
    assert!(
        text.contains(r#"method="other",route="other",status="404"} 150"#),
        "{text}"
    );
}
