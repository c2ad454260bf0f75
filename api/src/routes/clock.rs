//! The business clock: real, or simulated for demos and tests.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, Role};
use crate::extract::AppJson;
use crate::problem::ApiError;
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    /// RFC 3339, UTC.
    #[schema(value_type = chrono::DateTime<chrono::Utc>)]
    pub now: String,
    #[schema(value_type = chrono::NaiveDate)]
    pub today: String,
    pub simulated: bool,
}

fn view(state: &AppState) -> ClockView {
    let now = state.clock.now();
    ClockView {
        now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        today: now.date_naive().to_string(),
        simulated: state.clock.is_simulated(),
    }
}

/// What time it is for the business.
#[utoipa::path(get, path = "/api/v1/clock", tag = "clock", responses((status = 200, body = ClockView)))]
pub async fn get_clock(State(state): State<AppState>) -> Json<ClockView> {
    Json(view(&state))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    #[schema(minimum = 1, maximum = 3650)]
    pub days: u32,
}

/// Moves a simulated clock forward (planner).
#[utoipa::path(post, path = "/api/v1/clock/advance", tag = "clock", request_body = Advance,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ClockView),
        (status = 422, body = crate::problem::Problem, description = "the clock is real, or days out of range"),
    ))]
pub async fn advance(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(req): AppJson<Advance>,
) -> Result<Json<ClockView>, ApiError> {
    caller.require(&[Role::Planner])?;
    state
        .clock
        .advance(req.days)
        .map_err(|e| ApiError::rule(e.rule(), e.to_string()))?;
    Ok(Json(view(&state)))
}
