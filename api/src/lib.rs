//! The `otd` HTTP API and command line.
//!
//! [`app`] builds the router from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` without a socket.

pub mod auth;
pub mod extract;
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod settings;

use std::sync::Arc;

use axum::routing::{get, post};
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
}

impl HasAuth for AppState {
    fn auth(&self) -> &AuthKeys {
        &self.auth
    }
}

/// The whole HTTP API.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/api/v1/catalog", get(routes::catalog::catalog))
        .route("/api/v1/quotes", post(routes::catalog::quote))
        .route("/api/v1/clock", get(routes::clock::get_clock))
        .route("/api/v1/clock/advance", post(routes::clock::advance))
        .fallback(|| async { problem::ApiError::NotFound("no such route".into()) })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .with_state(state)
}
