//! `/metrics`: Prometheus text for requests by route and status, request
//! latency, events appended, projection lag and the outbox's backlog and oldest age. Served to loopback callers
//! only.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::problem::ApiError;
use crate::AppState;

/// The registry and the instruments.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    events: IntGauge,
    lag: IntGaugeVec,
    outbox_backlog: IntGauge,
    outbox_oldest: IntGauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "otd_http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "otd_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["route", "method"],
        )?;
        let events = IntGauge::new(
            "otd_events_appended_total",
            "events in the log (its head position)",
        )?;
        let lag = IntGaugeVec::new(
            Opts::new(
                "otd_projection_lag_events",
                "log head minus the projection's checkpoint",
            ),
            &["projection"],
        )?;
        let outbox_backlog = IntGauge::new(
            "otd_outbox_backlog",
            "messages queued and not sent yet (waiting for a try or a retry)",
        )?;
        let outbox_oldest = IntGauge::new(
            "otd_outbox_oldest_age_seconds",
            "how long the oldest queued message has waited, by the business clock",
        )?;
        registry.register(Box::new(outbox_backlog.clone()))?;
        registry.register(Box::new(outbox_oldest.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(events.clone()))?;
        registry.register(Box::new(lag.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            events,
            lag,
            outbox_backlog,
            outbox_oldest,
        })
    }
}

/// The label of everything outside the fixed sets: an unknown method, a
/// path no route matches.
pub const OTHER: &str = "other";

/// The `method` label: one of the standard methods, else [`OTHER`] (a
/// client can send any token as a method; each would be a new series).
fn method_label(method: &Method) -> &'static str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    STANDARD
        .iter()
        .find(|m| *m == method)
        .map_or(OTHER, Method::as_str)
}

/// Counts and times every request under its route template. Every label
/// takes a bounded set of values: the route is a template of the router (or
/// [`OTHER`]), the method a standard one (or [`OTHER`]), the status one the
/// server itself produces.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| OTHER.to_owned(), |p| p.as_str().to_owned());
    let method = method_label(req.method());
    let started = Instant::now();
    let response = next.run(req).await;
    let metrics = &state.metrics;
    metrics
        .latency
        .with_label_values(&[route.as_str(), method])
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .with_label_values(&[route.as_str(), method, response.status().as_str()])
        .inc();
    response
}

/// `GET /metrics` (loopback callers only).
pub async fn metrics(State(state): State<AppState>, req: Request) -> Response {
    let loopback = crate::limits::peer(&req).is_some_and(|peer| peer.ip().is_loopback());
    if !loopback {
        return ApiError::Forbidden("metrics are served on loopback only".into()).into_response();
    }
    let head = state.services.log_head().await.map(|p| p.0).unwrap_or(0);
    state
        .metrics
        .events
        .set(i64::try_from(head).unwrap_or(i64::MAX));
    let snapshot = state.views.progress().snapshot();
    for projection in &snapshot.projections {
        let lag = head.saturating_sub(projection.checkpoint.0);
        state
            .metrics
            .lag
            .with_label_values(&[projection.name])
            .set(i64::try_from(lag).unwrap_or(i64::MAX));
    }
    if let Ok(backlog) = state.views.outbox_backlog().await {
        let metrics = &state.metrics;
        metrics
            .outbox_backlog
            .set(i64::try_from(backlog.queued).unwrap_or(i64::MAX));
        let age = backlog
            .oldest_queued_at
            .map_or(0, |at| (state.clock.now() - at).num_seconds().max(0));
        metrics.outbox_oldest.set(age);
    }
    let mut buffer = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&state.metrics.registry.gather(), &mut buffer) {
        return ApiError::Internal(e.to_string()).into_response();
    }
    let mut response = buffer.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}
