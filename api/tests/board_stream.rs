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

#[tokio::test]
async fn a_subject_holds_at_most_its_cap_of_streams_and_a_closed_one_frees_its_slot() {
    let mut rt = sim().await;
    rt.state.streams = api::routes::board_stream::StreamSlots::per_subject(2);
    let dealer = token(Role::Dealer, "D-BER-01");
    let uri = format!("/api/v1/dealers/D-BER-01/board/stream?token={dealer}");
    let (status, first) = open(&rt.state, &uri, None).await;
    assert_eq!(status, 200);
    let (status, _second) = open(&rt.state, &uri, None).await;
    assert_eq!(status, 200);

    let res = api::app(rt.state.clone())
        .oneshot(Request::get(&uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: serde_json::Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(problem["type"], "/problems/too-many-streams");
    assert!(
        problem["detail"].as_str().unwrap().contains("maximum of 2"),
        "{problem}"
    );

    // Another subject has its own slots; a closed stream gives its slot back.
    let planner = token(Role::Planner, "pat");
    let planner_uri = format!("/api/v1/dealers/D-BER-01/board/stream?token={planner}");
    assert_eq!(open(&rt.state, &planner_uri, None).await.0, 200);
    drop(first);
    assert_eq!(open(&rt.state, &uri, None).await.0, 200);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ends_with_a_token_expired_event_when_its_token_expires() {
    let rt = sim().await;
    let short = api::auth::AuthKeys::from_secret(SECRET)
        .issue_role(Role::Dealer, "D-BER-01", chrono::Duration::seconds(2))
        .unwrap();
    let uri = format!("/api/v1/dealers/D-BER-01/board/stream?token={short}");
    let (status, mut body) = open(&rt.state, &uri, None).await;
    assert_eq!(status, 200);
    // Everything until the stream ends (within a generous deadline).
    let mut seen = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                seen.push_str(&String::from_utf8_lossy(&data));
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the stream did not end: {seen}"));
    let last = seen.trim_end().rsplit("\n\n").next().unwrap_or_default();
    assert!(last.starts_with("event: token_expired"), "{seen}");
    assert!(last.contains(r#""reason":"token_expired""#), "{seen}");
    assert!(last.contains("fresh token"), "{seen}");
    rt.shutdown().await;
}
