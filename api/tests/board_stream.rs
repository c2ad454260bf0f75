//! The live dealer board over Server-Sent Events.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use api::auth::Role;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use support::*;
use tower::ServiceExt;

const ORDER: &str =
    r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#;

/// Reads the stream until `needle` appears (deadline 10 s); returns what was read.
async fn read_until(body: &mut Body, needle: &str) -> String {
    let mut seen = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains(needle) {
            let Some(frame) = body.frame().await else {
                break;
            };
            if let Ok(data) = frame.unwrap().into_data() {
                seen.push_str(&String::from_utf8_lossy(&data));
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{needle} not seen in {seen}"));
    seen
}

async fn open(state: &api::AppState, uri: &str, last_event_id: Option<&str>) -> (u16, Body) {
    let mut req = Request::get(uri);
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let res = api::app(state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    (res.status().as_u16(), res.into_body())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_order_appears_on_the_dealers_stream_live_and_a_reconnect_resumes() {
    let rt = sim().await;
    let dealer = token(Role::Dealer, "D-BER-01");
    let uri = format!("/api/v1/dealers/D-BER-01/board/stream?token={dealer}");
    let (status, mut body) = open(&rt.state, &uri, None).await;
    assert_eq!(status, 200);

    let customer = token(Role::Customer, "C-1001");
    let placed = call(
        &rt.state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(ORDER),
    )
    .await;
    let order = placed.json["order_id"].as_str().unwrap().to_owned();
    let seen = read_until(&mut body, &order).await;
    assert!(seen.contains("event: row"), "{seen}");
    assert!(
        seen.contains("\"status\":\"placed\"")
            || seen.contains("\"status\":\"scheduled\"")
            || seen.contains("awaiting"),
        "{seen}"
    );

    // Another dealer's order never shows up on this stream.
    let munich = r#"{"market":"DE","model":"AURA","options":[],"dealer_id":"D-MUC-01"}"#;
    let other = call(
        &rt.state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(munich),
    )
    .await;
    let other = other.json["order_id"].as_str().unwrap().to_owned();

    // A reconnect from position 0 replays every change of this dealer's rows.
    let (_, mut replay) = open(&rt.state, &uri, Some("0")).await;
    let seen = read_until(&mut replay, &order).await;
    assert!(seen.contains("id: 1") || seen.contains("id: "), "{seen}");
    assert!(!seen.contains(&other), "{seen}");
    rt.shutdown().await;
}

#[tokio::test]
async fn the_stream_needs_that_dealers_or_a_planners_token() {
    let rt = sim().await;
    let (status, _) = open(&rt.state, "/api/v1/dealers/D-BER-01/board/stream", None).await;
    assert_eq!(status, 401);
    let other = token(Role::Dealer, "D-MUC-01");
    let (status, _) = open(
        &rt.state,
        &format!("/api/v1/dealers/D-BER-01/board/stream?token={other}"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let planner = token(Role::Planner, "pat");
    let (status, _) = open(
        &rt.state,
        &format!("/api/v1/dealers/D-BER-01/board/stream?token={planner}"),
        Some("x"),
    )
    .await;
    assert_eq!(status, 400, "a malformed Last-Event-ID");
}
