//! The `otd` HTTP API: the router, its handlers and everything at the HTTP edge
//! (auth, problems, extractors, limits, connections, metrics, idempotency, the
//! web UI). The binary, its settings and the composition root live in `otd`.
//!
//! [`app`] builds the router from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` without a socket.

pub mod access;
pub mod auth;
pub mod calendar;
pub mod connections;
pub mod extract;
pub mod idempotency;
pub mod limits;
pub mod links;
pub mod metrics;
pub mod names;
pub mod openapi;
pub mod paging;
pub mod people_access;
pub mod problem;
pub mod routes;
pub mod rule_codes;
pub mod runtime;
pub mod secret;
pub mod service_error;
pub mod session;
pub mod signin_throttle;
pub mod web;

use std::sync::Arc;

use axum::routing::{get, post, MethodRouter};
use axum::Router;
use domain::catalog::Catalog;
use tower_http::limit::RequestBodyLimitLayer;

use crate::auth::{AuthKeys, HasAuth};

/// Request bodies over this many bytes are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub clock: app::Clock,
    pub auth: AuthKeys,
    pub executor: app::Executor,
    pub services: app::Services,
    pub views: projections::ReadModels,
    pub limiter: limits::Limiter,
    pub metrics: metrics::Metrics,
    /// The live board streams open per token subject.
    pub streams: routes::board_stream::StreamSlots,
    /// Signing in: accounts, passwords, the throttle, ended sessions.
    pub sign_in: session::SignIn,
    /// Customers and staff accounts (`None`: an engine started without a vault).
    pub people: Option<app::people::People>,
    /// Development mode (no mail server): answers carry the links a mail would.
    pub dev_links: bool,
    /// Dealer boards with names, kept per board version.
    pub named_boards: names::NamedBoards,
    /// The outbox's parts the routes use.
    pub outbox: OutboxState,
}

/// The outbox's parts the routes use: the SSRF guard webhook URLs are checked with, and the
/// templates a message's subject is rendered from.
#[derive(Clone)]
pub struct OutboxState {
    pub guard: channels::webhook::SsrfGuard,
    pub templates: Arc<channels::Templates>,
}

/// The metadata of a command a caller sent: the actor and a fresh
/// correlation id.
pub fn metadata(caller: &auth::Caller) -> store::Metadata {
    store::Metadata {
        causation_id: None,
        correlation_id: Some(uuid::Uuid::now_v7()),
        actor: Some(format!("{}:{}", caller.role, caller.sub)),
        occurred_at: None,
    }
}

/// The metadata of a command nobody signed in sent (a sign-up, a verification link).
pub fn anonymous_metadata() -> store::Metadata {
    store::Metadata {
        causation_id: None,
        correlation_id: Some(uuid::Uuid::now_v7()),
        actor: Some("anonymous".into()),
        occurred_at: None,
    }
}

/// The id of a thing a request creates: derived from the caller and the
/// `Idempotency-Key` when there is one (a retried request names the same
/// thing), fresh otherwise.
pub fn new_id(caller: &auth::Caller, headers: &axum::http::HeaderMap, kind: &str) -> uuid::Uuid {
    match headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        Some(key) => uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("{kind}:{}:{}:{key}", caller.role, caller.sub).as_bytes(),
        ),
        None => uuid::Uuid::now_v7(),
    }
}

/// `OTD-Position: N`: the log position a write reached, for responses whose
/// body is not an object.
pub fn position_header(position: store::Position) -> axum::http::HeaderMap {
    let mut headers = axum::http::HeaderMap::new();
    if let Ok(v) = axum::http::HeaderValue::from_str(&position.0.to_string()) {
        headers.insert("otd-position", v);
    }
    headers
}

impl HasAuth for AppState {
    fn auth(&self) -> &AuthKeys {
        &self.auth
    }
    fn revoked(&self) -> &session::RevokedSessions {
        &self.sign_in.revoked
    }
}

/// A route that changes state: its `POST` and `PUT` honour
/// `Idempotency-Key` (see [`idempotency`]); other routes never record keys.
fn keyed(state: &AppState, route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        idempotency::idempotency,
    ))
}

/// What a worker process (`otd serve --role worker`) serves: liveness and metrics, every
/// other path answered 404 (the API is served by other processes).
pub fn worker_app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/metrics", get(metrics::metrics))
        .fallback(|| async {
            problem::ApiError::NotFound(
                "this otd process is a worker (--role worker): it serves only /healthz and \
                 /metrics; send API requests to a process of role api or all"
                    .into(),
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::map_response(problem::as_problem))
        .with_state(state)
}

/// The whole HTTP API.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/catalog", get(routes::catalog::catalog))
        .route("/api/v1/quotes", post(routes::catalog::quote))
        .route("/api/v1/clock", get(routes::clock::get_clock))
        .route(
            "/api/v1/sessions",
            post(session::sign_in).delete(session::sign_out),
        )
        .route(
            "/api/v1/customers",
            keyed(
                &state,
                post(routes::customers::register).get(routes::customer_reads::search),
            ),
        )
        .route(
            "/api/v1/customers/verify",
            keyed(&state, post(routes::customers::verify)),
        )
        .route(
            "/api/v1/customers/verify/resend",
            post(routes::password_resets::resend_verification),
        )
        .route(
            "/api/v1/password-resets",
            post(routes::password_resets::request_reset),
        )
        .route(
            "/api/v1/password-resets/confirm",
            post(routes::password_resets::confirm_reset),
        )
        .route(
            "/api/v1/customers/{customer_id}",
            get(routes::customer_reads::customer_360).patch(routes::customers::change),
        )
        .route(
            "/api/v1/customers/{customer_id}/merge",
            keyed(&state, post(routes::customers::merge)),
        )
        .route(
            "/api/v1/customers/{customer_id}/messages",
            get(routes::messages::customer_messages),
        )
        .route("/api/v1/webhooks", post(routes::messages::register_webhook))
        .route(
            "/api/v1/webhooks/{webhook_id}/deliveries",
            get(routes::messages::deliveries),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
            post(routes::messages::replay),
        )
        .route(
            "/api/v1/customers/{customer_id}/export",
            get(routes::customer_reads::export),
        )
        .route(
            "/api/v1/customers/{customer_id}/erase",
            keyed(&state, post(routes::customers::erase)),
        )
        .route(
            "/api/v1/users",
            keyed(&state, post(routes::customers::create_user)),
        )
        .route(
            "/api/v1/clock/advance",
            keyed(&state, post(routes::clock::advance)),
        )
        .route(
            "/api/v1/orders",
            keyed(
                &state,
                post(routes::order_commands::place).get(routes::lists::list_orders),
            ),
        )
        .route("/api/v1/orders/{order_id}", get(routes::reads::get_order))
        .route(
            "/api/v1/orders/{order_id}/history",
            get(routes::reads::order_history),
        )
        .route(
            "/api/v1/orders/{order_id}/promises",
            get(routes::promises::order_promises),
        )
        .route(
            "/api/v1/dealers/{dealer_id}/board",
            get(routes::reads::dealer_board),
        )
        .route(
            "/api/v1/dealers/{dealer_id}/board/stream",
            get(routes::board_stream::board_stream),
        )
        .route(
            "/api/v1/dealers/{dealer_id}/commissions",
            get(routes::reads::commissions),
        )
        .route(
            "/api/v1/dealers/{dealer_id}/staff",
            get(routes::staff::dealer_staff),
        )
        .route(
            "/api/v1/plants/{plant}/capacity",
            get(routes::supply_reads::capacity),
        )
        .route(
            "/api/v1/vehicles/locate",
            get(routes::locate::locate_vehicles),
        )
        .route(
            "/api/v1/vehicles/{vehicle_id}",
            get(routes::supply_reads::get_vehicle),
        )
        .route(
            "/api/v1/stock/summary",
            get(routes::supply_reads::stock_summary),
        )
        .route("/api/v1/invoices", get(routes::lists::list_invoices))
        .route("/api/v1/invoices/{number}", get(routes::reads::get_invoice))
        .route("/api/v1/kpis", get(routes::reads::kpis))
        .route("/api/v1/kpis/promises", get(routes::promises::promise_kpis))
        .route(
            "/api/v1/orders/{order_id}/amend",
            keyed(&state, post(routes::order_commands::amend)),
        )
        .route(
            "/api/v1/orders/{order_id}/cancel",
            keyed(&state, post(routes::order_commands::cancel)),
        )
        .route(
            "/api/v1/orders/{order_id}/reallocate",
            keyed(&state, post(routes::order_commands::reallocate)),
        )
        .route(
            "/api/v1/orders/{order_id}/handover-appointment",
            keyed(&state, post(routes::order_commands::book_handover)),
        )
        .route(
            "/api/v1/orders/{order_id}/handover",
            keyed(&state, post(routes::order_commands::hand_over)),
        )
        .route(
            "/api/v1/plants/{plant}/capacity/{week}",
            keyed(
                &state,
                axum::routing::put(routes::supply_commands::set_capacity),
            ),
        )
        .route(
            "/api/v1/plants/{plant}/capacity/{week}/start-production",
            keyed(&state, post(routes::supply_commands::start_production)),
        )
        .route(
            "/api/v1/vehicles",
            keyed(
                &state,
                post(routes::supply_commands::register_vehicle)
                    .get(routes::supply_reads::list_vehicles),
            ),
        )
        .route(
            "/api/v1/vehicles/{vehicle_id}/complete-build",
            keyed(&state, post(routes::supply_commands::complete_build)),
        )
        .route(
            "/api/v1/vehicles/{vehicle_id}/dispatch",
            keyed(&state, post(routes::supply_commands::dispatch)),
        )
        .route(
            "/api/v1/vehicles/{vehicle_id}/delay",
            keyed(&state, post(routes::supply_commands::delay)),
        )
        .route(
            "/api/v1/vehicles/{vehicle_id}/arrive",
            keyed(&state, post(routes::supply_commands::arrive)),
        )
        .route(
            "/api/v1/invoices/{number}/payments",
            keyed(&state, post(routes::supply_commands::record_payment)),
        )
        .route(
            "/api/v1/leads",
            keyed(&state, post(routes::leads::create).get(routes::leads::list)),
        )
        .route("/api/v1/leads/{lead_id}", get(routes::leads::get_lead))
        .route(
            "/api/v1/leads/{lead_id}/contacts",
            keyed(&state, post(routes::leads::contact)),
        )
        .route(
            "/api/v1/leads/{lead_id}/assign",
            keyed(&state, post(routes::leads::assign)),
        )
        .route(
            "/api/v1/leads/{lead_id}/lost",
            keyed(&state, post(routes::leads::request_lost)),
        )
        .route(
            "/api/v1/leads/{lead_id}/lost/approve",
            keyed(&state, post(routes::leads::decide_lost)),
        )
        .route(
            "/api/v1/dealers/{dealer_id}/crm-kpis",
            get(routes::crm_kpis::crm_kpis),
        )
        .route(
            "/api/v1/dealers/{dealer_id}/test-drives/slots",
            get(routes::test_drives::slots),
        )
        .route(
            "/api/v1/dealers/{dealer_id}/test-drives",
            get(routes::test_drives::day),
        )
        .route(
            "/api/v1/test-drives",
            keyed(&state, post(routes::test_drives::book)),
        )
        .route(
            "/api/v1/test-drives/{id}/complete",
            keyed(&state, post(routes::test_drives::complete)),
        )
        .route(
            "/api/v1/test-drives/{id}/cancel",
            keyed(&state, post(routes::test_drives::cancel)),
        )
        .route(
            "/api/v1/test-drives/{id}/no-show",
            keyed(&state, post(routes::test_drives::no_show)),
        )
        .merge(web::routes())
        .fallback(|| async { problem::ApiError::NotFound("no such route".into()) })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::rate_limit,
        ))
        .layer(axum::middleware::from_fn(limits::timeout))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::map_response(problem::as_problem))
        .with_state(state)
}
