//! Building the router over an in-memory store and calling it with oneshot.
#![allow(dead_code, clippy::unwrap_used)]

use api::auth::{AuthKeys, Role};
use api::AppState;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveDate};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

/// A running engine in memory: projections and process managers included.
pub async fn engine(clock: app::Clock) -> api::runtime::Runtime {
    let rt = api::runtime::Runtime::in_memory(clock, AuthKeys::from_secret(SECRET))
        .await
        .unwrap();
    seed_customers(&rt).await;
    rt
}

/// The customers the tests order for (orders are placed only for customers that exist).
pub const CUSTOMERS: &[&str] = &[
    "C-1", "C-2", "C-3", "C-4", "C-9", "C-1001", "C-1002", "C-1003", "C-1004", "C-1005", "C-1006",
    "C-1007", "C-1008", "C-1009", "C-1010", "C-2001", "C-2002", "C-4242", "C-9999",
];

/// Registers customer `id` (market DE) unless it is registered.
pub async fn register(rt: &api::runtime::Runtime, id: &str) {
    rt.state
        .people
        .as_ref()
        .unwrap()
        .register_examples(
            &[domain::values::CustomerId::parse(id).unwrap()],
            &domain::values::MarketCode::parse("DE").unwrap(),
            &store::Metadata::default(),
        )
        .await
        .unwrap();
}

/// Registers [`CUSTOMERS`] (market DE).
pub async fn seed_customers(rt: &api::runtime::Runtime) {
    let people = rt.state.people.as_ref().unwrap();
    let ids: Vec<domain::values::CustomerId> = CUSTOMERS
        .iter()
        .map(|c| domain::values::CustomerId::parse(c).unwrap())
        .collect();
    people
        .register_examples(
            &ids,
            &domain::values::MarketCode::parse("DE").unwrap(),
            &store::Metadata::default(),
        )
        .await
        .unwrap();
}

/// An engine on a simulated clock standing at 2026-11-23.
pub async fn sim() -> api::runtime::Runtime {
    engine(app::Clock::simulated(
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    ))
    .await
}

pub fn token(role: Role, sub: &str) -> String {
    AuthKeys::from_secret(SECRET)
        .issue_role(role, sub, Duration::hours(1))
        .unwrap()
}

/// A dealer manager's token at `dealer`.
pub fn manager_token(dealer: &str) -> String {
    AuthKeys::from_secret(SECRET)
        .issue(
            &api::auth::Identity {
                role: Role::Dealer,
                sub: dealer.into(),
                user: None,
                manager: true,
            },
            Duration::hours(1),
        )
        .unwrap()
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub json: Value,
}

pub async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_owned())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = api::app(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        content_type,
        headers,
        json,
    }
}

/// Asserts an RFC 9457 problem with `status`.
pub fn assert_problem(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "{:?}", reply.json);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.json["status"], status);
    assert!(
        reply.json["type"].is_string()
            && reply.json["title"].is_string()
            && reply.json["detail"].is_string()
    );
}

/// Waits until the process managers and the projections have handled
/// everything in the log, including what the process managers appended
/// meanwhile (a condition with a deadline, no sleeping).
pub async fn settle(rt: &api::runtime::Runtime) {
    let within = std::time::Duration::from_secs(10);
    loop {
        let head = rt.state.executor.store().head().await.unwrap();
        let process = rt
            .process()
            .expect("an engine of all duties runs the process managers");
        process.wait_for(head, within).await.unwrap();
        rt.state.views.wait_for(head, within).await.unwrap();
        if rt.state.executor.store().head().await.unwrap() == head {
            return;
        }
    }
}

/// An engine on SQLite (as `otd serve` runs by default) on a simulated
/// clock at 2026-11-23, without a rate limit: its store does real I/O, so
/// racing requests interleave as they do in production.
pub async fn sqlite() -> (api::runtime::Runtime, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let sqlite = store::SqliteStore::open(data.path()).await.unwrap();
    let read_models = projections::SqliteReadModels::open(&sqlite).await.unwrap();
    let pages: std::sync::Arc<dyn projections::LogPages> =
        std::sync::Arc::new(projections::SqlitePages::open(&sqlite).unwrap());
    let options = projections::RunnerOptions {
        pages: Some(pages),
        ..projections::RunnerOptions::default()
    };
    let rt = started(
        std::sync::Arc::new(sqlite),
        std::sync::Arc::new(read_models),
        options,
    )
    .await;
    (rt, data)
}

/// An engine on PostgreSQL in `schema` (as `otd serve --backend postgres`
/// runs), on a simulated clock at 2026-11-23, without a rate limit.
pub async fn postgres(url: &str, schema: &str) -> api::runtime::Runtime {
    let events = store::PostgresStore::connect(url, Some(schema))
        .await
        .unwrap();
    let read_models = projections::PostgresReadModels::connect(url, events.schema())
        .await
        .unwrap();
    started(
        std::sync::Arc::new(events),
        std::sync::Arc::new(read_models),
        projections::RunnerOptions::default(),
    )
    .await
}

/// The engine on these stores with the demo catalog and the test secret.
async fn started(
    events: std::sync::Arc<dyn store::EventStore>,
    read_models: std::sync::Arc<dyn projections::ReadModelStore>,
    options: projections::RunnerOptions,
) -> api::runtime::Runtime {
    let rt = api::runtime::Runtime::start(
        events,
        read_models,
        std::sync::Arc::new(domain::catalog::Catalog::demo()),
        app::Clock::simulated(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
        AuthKeys::from_secret(SECRET),
        0,
        options,
        api::runtime::PeopleParts::for_tests(),
        api::runtime::OutboxParts::for_tests(),
        api::runtime::Duties::All,
    )
    .await
    .unwrap();
    seed_customers(&rt).await;
    rt
}
