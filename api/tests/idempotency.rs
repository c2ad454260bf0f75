//! `Idempotency-Key`: a key is claimed before its request runs, so requests
//! racing with one key take effect once (in one process and across
//! processes sharing PostgreSQL); keys belong to their caller; only
//! authenticated state-changing requests record anything.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use api::AppState;
use serde_json::Value;
use store::StreamId;
use support::*;

const ORDER: &str =
    r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#;

/// One answer: status, body, whether it was a replay.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    status: u16,
    json: Value,
    replayed: bool,
}

async fn send(
    state: &AppState,
    method: &str,
    uri: &str,
    token: Option<&str>,
    key: &str,
    body: &str,
) -> Answer {
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("idempotency-key", key);
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let req = req.body(axum::body::Body::from(body.to_owned())).unwrap();
    let res = tower::ServiceExt::oneshot(api::app(state.clone()), req)
        .await
        .unwrap();
    let status = res.status().as_u16();
    let replayed = res.headers().contains_key("idempotent-replayed");
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    Answer {
        status,
        json: serde_json::from_slice(&bytes).unwrap_or_default(),
        replayed,
    }
}

/// `bodies.len()` requests sent at once (each on its own task), with one key.
async fn race(
    states: &[AppState],
    method: &str,
    uri: &str,
    token: &str,
    key: &str,
    bodies: &[String],
) -> Vec<Answer> {
    let tasks: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let (state, method, uri) = (
                states[i % states.len()].clone(),
                method.to_owned(),
                uri.to_owned(),
            );
            let (token, key, body) = (token.to_owned(), key.to_owned(), body.clone());
            tokio::spawn(
                async move { send(&state, &method, &uri, Some(&token), &key, &body).await },
            )
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

async fn events_of(state: &AppState, stream: &str) -> Vec<store::RecordedEvent> {
    state
        .executor
        .store()
        .read_stream(&StreamId::parse(stream).unwrap(), 0, 1000)
        .await
        .unwrap()
}

async fn head(state: &AppState) -> u64 {
    state.executor.store().head().await.unwrap().0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clock_advances_racing_with_one_key_move_the_clock_once() {
    let (rt, _data) = sqlite().await;
    let state = rt.state.clone();
    let before = state.clock.today();
    let planner = token(Role::Planner, "pat");
    let bodies = vec![r#"{"days": 1}"#.to_owned(); 8];
    let answers = race(
        std::slice::from_ref(&state),
        "POST",
        "/api/v1/clock/advance",
        &planner,
        "adv-1",
        &bodies,
    )
    .await;
    assert_eq!(state.clock.today(), before + chrono::Duration::days(1));
    for a in &answers {
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(
            a.json, answers[0].json,
            "every request answers as the first"
        );
    }
    assert_eq!(answers.iter().filter(|a| !a.replayed).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn capacity_puts_racing_with_one_key_and_other_bodies_leave_the_acknowledged_capacity() {
    let (rt, _data) = sqlite().await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let uri = "/api/v1/plants/P-LEIPZIG/capacity/2026-W50";
    let bodies: Vec<String> = (1..=4)
        .map(|u| format!(r#"{{"units": {}}}"#, 100 + u))
        .collect();
    let answers = race(
        std::slice::from_ref(&state),
        "PUT",
        uri,
        &planner,
        "cap-1",
        &bodies,
    )
    .await;
    let accepted: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
    assert_eq!(accepted.len(), 1, "{answers:?}");
    assert_eq!(
        answers.iter().filter(|a| a.status == 409).count(),
        3,
        "{answers:?}"
    );
    let acknowledged = accepted[0].json["capacity"].as_u64().unwrap();
    let slot = events_of(&state, "slot-P-LEIPZIG-2026-W50").await;
    assert_eq!(slot.len(), 1, "one capacity written");
    assert_eq!(
        slot[0].payload.parse::<Value>().unwrap()["data"]["units"],
        acknowledged
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn amends_racing_with_one_key_write_one_amendment() {
    let (rt, _data) = sqlite().await;
    let state = rt.state.clone();
    let customer = token(Role::Customer, "C-1001");
    let placed = send(
        &state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        "place-1",
        ORDER,
    )
    .await;
    assert_eq!(placed.status, 201, "{placed:?}");
    let order = placed.json["order_id"].as_str().unwrap().to_owned();
    settle(&rt).await;
    let uri = format!("/api/v1/orders/{order}/amend");
    let paints = ["PNT-BLK", "PNT-WHT"];
    let bodies: Vec<String> = (0..6)
        .map(|i| format!(r#"{{"options":["{}"]}}"#, paints[i % 2]))
        .collect();
    let answers = race(
        std::slice::from_ref(&state),
        "POST",
        &uri,
        &customer,
        "amend-1",
        &bodies,
    )
    .await;
    let accepted: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
    assert!(
        answers.iter().all(|a| a.status == 200 || a.status == 409),
        "{answers:?}"
    );
    assert_eq!(
        accepted.iter().filter(|a| !a.replayed).count(),
        1,
        "{answers:?}"
    );
    assert!(accepted.iter().all(|a| a.json == accepted[0].json));
    let amended = events_of(&state, &format!("order-{order}"))
        .await
        .iter()
        .filter(|e| e.event_type == "OrderAmended")
        .count();
    assert_eq!(amended, 1);
}

#[tokio::test]
async fn one_callers_key_never_answers_another_caller() {
    let rt = sim().await;
    let state = rt.state.clone();
    let (alice, bob) = (
        token(Role::Customer, "C-1001"),
        token(Role::Customer, "C-1002"),
    );
    let a = send(
        &state,
        "POST",
        "/api/v1/orders",
        Some(&alice),
        "shared",
        ORDER,
    )
    .await;
    let b = send(
        &state,
        "POST",
        "/api/v1/orders",
        Some(&bob),
        "shared",
        ORDER,
    )
    .await;
    assert_eq!((a.status, b.status), (201, 201), "{a:?} {b:?}");
    assert!(!b.replayed, "bob's request ran: {b:?}");
    assert_ne!(a.json["order_id"], b.json["order_id"]);
    let again = send(
        &state,
        "POST",
        "/api/v1/orders",
        Some(&bob),
        "shared",
        ORDER,
    )
    .await;
    assert!(again.replayed);
    assert_eq!(again.json["order_id"], b.json["order_id"]);
}

#[tokio::test]
async fn anonymous_reads_by_post_unknown_routes_and_wrong_methods_record_no_key() {
    let rt = sim().await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let quote = r#"{"market":"DE","model":"AURA","options":["PNT-RED"]}"#;
    let before = head(&state).await;
    for i in 0..20 {
        let q = send(
            &state,
            "POST",
            "/api/v1/quotes",
            None,
            &format!("q-{i}"),
            quote,
        )
        .await;
        assert_eq!(q.status, 200, "{q:?}");
        let q = send(
            &state,
            "POST",
            "/api/v1/quotes",
            Some(&planner),
            &format!("q-{i}"),
            quote,
        )
        .await;
        assert_eq!(q.status, 200, "{q:?}");
    }
    let unknown = send(
        &state,
        "POST",
        "/api/v1/nothing",
        Some(&planner),
        "u-1",
        "{}",
    )
    .await;
    assert_eq!(unknown.status, 404);
    let wrong = send(&state, "POST", "/api/v1/kpis", Some(&planner), "w-1", "{}").await;
    assert_eq!(wrong.status, 405);
    // A state-changing path with a method it does not have.
    let advance = r#"{"days": 1}"#;
    let wrong = send(
        &state,
        "PUT",
        "/api/v1/clock/advance",
        Some(&planner),
        "w-2",
        advance,
    )
    .await;
    assert_eq!(wrong.status, 405);
    let anonymous = send(&state, "POST", "/api/v1/orders", None, "a-1", ORDER).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(head(&state).await, before, "nothing recorded");
}

/// The stream a key of `caller` (role and subject as the API names them)
/// is recorded in.
fn key_stream(caller: &str, key: &str) -> StreamId {
    let id = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("{caller}\n{key}").as_bytes(),
    );
    StreamId::parse(format!("idempotency-{id}")).unwrap()
}

async fn claim(state: &AppState, stream: &StreamId, request: uuid::Uuid, expires_at: &str) {
    let claim = serde_json::json!({ "request": request, "expires_at": expires_at });
    state
        .executor
        .store()
        .append(
            stream,
            store::ExpectedVersion::Any,
            vec![store::NewEvent::new(
                "IdempotencyKeyClaimed",
                store::Payload::from_value(&claim).unwrap(),
            )],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_claim_whose_lease_ran_out_is_taken_over_and_a_live_one_refuses_another_request() {
    let rt = sim().await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let uri = "/api/v1/plants/P-LEIPZIG/capacity/2026-W50";
    // A claimant that died long ago.
    let dead = key_stream("planner:pat", "dead");
    claim(&state, &dead, uuid::Uuid::nil(), "2000-01-01T00:00:00Z").await;
    let r = send(
        &state,
        "PUT",
        uri,
        Some(&planner),
        "dead",
        r#"{"units": 90}"#,
    )
    .await;
    assert_eq!((r.status, r.replayed), (200, false), "{r:?}");
    let again = send(
        &state,
        "PUT",
        uri,
        Some(&planner),
        "dead",
        r#"{"units": 90}"#,
    )
    .await;
    assert_eq!((again.status, again.replayed), (200, true), "{again:?}");
    // A claimant still at work on another request.
    let live = key_stream("planner:pat", "live");
    claim(&state, &live, uuid::Uuid::nil(), "2999-01-01T00:00:00Z").await;
    let r = send(
        &state,
        "PUT",
        uri,
        Some(&planner),
        "live",
        r#"{"units": 95}"#,
    )
    .await;
    assert_problem_status(&r, 409);
    let slot = events_of(&state, "slot-P-LEIPZIG-2026-W50").await;
    assert_eq!(slot.len(), 1);
}

fn assert_problem_status(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.json["status"], status);
}

/// Two `otd serve` processes on one PostgreSQL schema: a key raced through
/// both takes effect once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_sharing_postgres_take_a_raced_key_once() {
    let Some(url) = std::env::var("OTD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED: OTD_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = store::ThrowawaySchema::new(&url, "otd_idem");
    let one = postgres(&url, schema.name()).await;
    let two = postgres(&url, schema.name()).await;
    let planner = token(Role::Planner, "pat");
    let uri = "/api/v1/plants/P-LEIPZIG/capacity/2026-W50";
    let bodies: Vec<String> = (1..=8)
        .map(|u| format!(r#"{{"units": {}}}"#, 100 + u % 2))
        .collect();
    let states = [one.state.clone(), two.state.clone()];
    let answers = race(&states, "PUT", uri, &planner, "pg-cap", &bodies).await;
    let accepted: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
    assert!(
        answers.iter().all(|a| a.status == 200 || a.status == 409),
        "{answers:?}"
    );
    assert_eq!(
        accepted.iter().filter(|a| !a.replayed).count(),
        1,
        "{answers:?}"
    );
    let acknowledged = &accepted[0].json["capacity"];
    assert!(accepted.iter().all(|a| &a.json["capacity"] == acknowledged));
    let slot = events_of(&one.state, "slot-P-LEIPZIG-2026-W50").await;
    assert_eq!(slot.len(), 1, "one capacity written");
    assert_eq!(
        &slot[0].payload.parse::<Value>().unwrap()["data"]["units"],
        acknowledged
    );
    one.shutdown().await;
    two.shutdown().await;
}
