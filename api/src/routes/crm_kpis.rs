//! A dealer's CRM KPIs: the first answer (median, p90, share within 2 h), overdue
//! follow-ups, conversion by source and grade, test drives.

use axum::extract::State;
use axum::Json;
use chrono::{Duration, NaiveDate};
use projections::models::crm_kpis::CrmKpis;
use serde::Deserialize;

use super::reads::{caught_up, read_error};
use crate::auth::{Caller, Role};
use crate::extract::{AppPath, AppQuery};
use crate::problem::{ApiError, Problem};
use crate::AppState;

/// The longest period one request covers.
pub const MAX_PERIOD_DAYS: i64 = 366;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// The first local date (default: 30 days before `to`).
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub from: Option<NaiveDate>,
    /// The last local date, included (default: today at the dealer).
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub to: Option<NaiveDate>,
    pub min_position: Option<u64>,
}

/// The CRM KPIs of a dealer over its local dates `from..=to` (the dealer's manager,
/// planners); leads count in the period they were opened in, overdue follow-ups as of now.
#[utoipa::path(get, path = "/api/v1/dealers/{dealer_id}/crm-kpis", tag = "leads", security(("bearer" = [])),
    params(("dealer_id" = domain::values::DealerId, Path), ("from" = Option<NaiveDate>, Query), ("to" = Option<NaiveDate>, Query),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = CrmKpis),
        (status = 400, body = Problem, description = "`from` after `to`, or a period over 366 days"),
        (status = 403, body = Problem, description = "another dealer, or not its manager (`manager_only`)"),
        (status = 404, body = Problem, description = "no such dealer")))]
pub async fn crm_kpis(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(dealer): AppPath<String>,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> Result<Json<CrmKpis>, ApiError> {
    caught_up(&state, q.min_position).await?;
    let outlet = domain::values::DealerId::parse(&dealer)
        .ok()
        .and_then(|d| state.catalog.dealer(&d))
        .ok_or_else(|| ApiError::NotFound(format!("dealer {dealer}")))?;
    match caller.role {
        Role::Planner => {}
        Role::Dealer if caller.dealer().as_ref() == Some(&outlet.id) => {
            if !caller.manager {
                return Err(ApiError::ForbiddenRule {
                    rule: "manager_only",
                    detail: "only a dealer manager may see the CRM KPIs".into(),
                });
            }
        }
        _ => {
            return Err(ApiError::Forbidden(
                "the dealer's manager or a planner".into(),
            ))
        }
    }
    let now = state.clock.now();
    let to = q.to.unwrap_or_else(|| outlet.local_date(now));
    let from = q.from.unwrap_or(to - Duration::days(30));
    if from > to || (to - from).num_days() >= MAX_PERIOD_DAYS {
        return Err(ApiError::BadRequest(format!(
            "the period {from}..{to} must run forwards and cover at most {MAX_PERIOD_DAYS} days"
        )));
    }
    let kpis = state
        .views
        .crm_kpis(outlet, from, to, now)
        .await
        .map_err(read_error)?;
    Ok(Json(kpis))
}
