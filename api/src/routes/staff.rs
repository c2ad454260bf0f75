//! An outlet's staff by name: whom a manager can assign a lead to, and the names the lead
//! pages show instead of user ids.

use axum::extract::State;
use axum::Json;
use domain::values::{DealerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use super::reads::{caught_up, dealer_scope, read_error, AtQuery};
use crate::auth::{Caller, Role};
use crate::extract::{AppPath, AppQuery};
use crate::people_access::people;
use crate::problem::{ApiError, Problem};
use crate::AppState;

/// What a person reads instead of the name of a staff member whose profile is gone.
const FORMER_STAFF: &str = "former staff member";

/// One staff member of an outlet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffMember {
    #[schema(value_type = String, example = "U-7F3A2C")]
    pub user_id: UserId,
    pub name: String,
    /// The outlet's manager (assigns leads, decides lost requests).
    pub manager: bool,
}

/// The active staff accounts of a dealer, by name (the order a person picks from).
#[utoipa::path(get, path = "/api/v1/dealers/{dealer_id}/staff", tag = "dealers", security(("bearer" = [])),
    params(("dealer_id" = DealerId, Path), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = [StaffMember]),
        (status = 403, body = Problem, description = "another dealer's staff"),
        (status = 404, body = Problem, description = "no such dealer")))]
pub async fn dealer_staff(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(dealer): AppPath<DealerId>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<Vec<StaffMember>>, ApiError> {
    dealer_scope(&caller, &dealer, &[Role::Admin])?;
    if state.catalog.dealer(&dealer).is_none() {
        return Err(ApiError::NotFound(format!("dealer {dealer}")));
    }
    caught_up(&state, q.min_position).await?;
    let people = people(&state)?;
    let docs = state
        .views
        .staff_of_dealer(&dealer)
        .await
        .map_err(read_error)?;
    let mut staff = Vec::with_capacity(docs.len());
    for doc in docs {
        let name = people
            .open_staff_profile(&doc.user_id, &doc.profile)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_or_else(|| FORMER_STAFF.to_owned(), |p| p.name.to_string());
        staff.push(StaffMember {
            user_id: doc.user_id,
            name,
            manager: doc.manager,
        });
    }
    staff.sort_by(|a, b| (&a.name, &a.user_id).cmp(&(&b.name, &b.user_id)));
    Ok(Json(staff))
}
