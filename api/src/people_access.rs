//! Who may see which customer: the customer itself (under any of its merged ids), the
//! dealers that registered it, sold to it or deliver to it, planners, finance and admins.

use app::people::People;
use domain::values::CustomerId;
use projections::models::customers::CustomerDoc;

use crate::auth::{Caller, Role};
use crate::problem::ApiError;
use crate::routes::reads::read_error;
use crate::AppState;

/// The people service, or a 503 on an engine started without one.
pub fn people(state: &AppState) -> Result<&People, ApiError> {
    state
        .people
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("this engine keeps no customer records".into()))
}

/// [`visible_customer`] for a command: the views are first brought up to the head of the
/// log, so a customer registered a moment ago is known (authorization reads views).
pub async fn visible_for_command(
    state: &AppState,
    caller: &Caller,
    id: &CustomerId,
) -> Result<CustomerDoc, ApiError> {
    let head = state
        .services
        .log_head()
        .await
        .map_err(|e| ApiError::Unavailable(format!("the event store cannot be read: {e}")))?;
    crate::routes::reads::caught_up(state, Some(head.0)).await?;
    visible_customer(state, caller, id).await
}

/// The customer `id` answers as (itself, or the survivor of its merges), if the caller may
/// see it: a 404 for an unknown id, a 403 for someone else's customer.
pub async fn visible_customer(
    state: &AppState,
    caller: &Caller,
    id: &CustomerId,
) -> Result<CustomerDoc, ApiError> {
    let people = people(state)?;
    let survivor = people.resolve(id).await?;
    let doc = state
        .views
        .customer(&survivor)
        .await
        .map_err(read_error)?
        .ok_or_else(|| ApiError::NotFound(format!("customer {id}")))?;
    let allowed = match caller.role {
        Role::Planner | Role::Finance | Role::Admin => true,
        Role::Customer => match caller.customer() {
            Some(me) => people.resolve(&me).await? == survivor,
            None => false,
        },
        Role::Dealer => match caller.dealer() {
            Some(dealer) => dealer_knows(state, &dealer, &doc).await?,
            None => false,
        },
    };
    if allowed {
        Ok(doc)
    } else {
        Err(ApiError::Forbidden(format!("customer {id} is not yours")))
    }
}

/// Whether `dealer` knows the customer of `doc` or one of its merged duplicates.
pub async fn dealer_knows(
    state: &AppState,
    dealer: &domain::values::DealerId,
    doc: &CustomerDoc,
) -> Result<bool, ApiError> {
    for id in std::iter::once(&doc.customer_id).chain(&doc.absorbed) {
        if state
            .views
            .dealer_knows(dealer, id)
            .await
            .map_err(read_error)?
        {
            return Ok(true);
        }
    }
    Ok(false)
}
