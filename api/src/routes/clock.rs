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

/// How far to move the clock: any of days, hours and minutes, adding up to one minute to
/// 3650 days (`{"days": 1}` is a business day; `{"hours": 2}` lets a lead's two-hour answer
/// run out).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    #[schema(minimum = 0, maximum = 3650)]
    pub days: Option<i64>,
    #[schema(minimum = 0)]
    pub hours: Option<i64>,
    #[schema(minimum = 0)]
    pub minutes: Option<i64>,
}

impl Advance {
    /// The whole step in minutes, if every part is non-negative and the sum fits.
    fn minutes(&self) -> Option<u32> {
        let parts = [(self.days, 24 * 60), (self.hours, 60), (self.minutes, 1)];
        let mut total: i64 = 0;
        for (part, scale) in parts {
            let part = part.unwrap_or(0);
            if part < 0 {
                return None;
            }
            total = total.checked_add(part.checked_mul(scale)?)?;
        }
        u32::try_from(total).ok()
    }
}

/// Moves a simulated clock forward (planner); the advance is recorded in the log, so a
/// restart with the same `--clock sim:` start date puts the clock back where it stood.
#[utoipa::path(post, path = "/api/v1/clock/advance", tag = "clock", request_body = Advance,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ClockView),
        (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem, description = "the clock is real, days out of range (`invalid_advance`), or the clock would pass 9999-12-31 (`date_out_of_range`)"),
    ))]
pub async fn advance(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(req): AppJson<Advance>,
) -> Result<Json<ClockView>, ApiError> {
    caller.require(&[Role::Planner])?;
    let minutes = req.minutes().ok_or_else(|| {
        let e = app::ClockError::InvalidAdvance;
        ApiError::rule(e.rule(), e.to_string())
    })?;
    state
        .services
        .advance_clock(minutes, &crate::metadata(&caller))
        .await
        .map_err(|e| match e {
            app::clock_log::AdvanceError::Refused(refused) => {
                ApiError::rule(refused.rule(), refused.to_string())
            }
            app::clock_log::AdvanceError::Store(
                e @ (store::StoreError::Unavailable(_)
                | store::StoreError::Locked(_)
                | store::StoreError::DiskFull(_)),
            ) => {
                ApiError::Unavailable(format!("the event store cannot take writes right now: {e}"))
            }
            app::clock_log::AdvanceError::Store(e) => ApiError::Internal(e.to_string()),
        })?;
    Ok(Json(view(&state)))
}
