//! Object-level authorization: who may act on which order or vehicle.
//!
//! Commands authorize against the write model, so a caller can act on an
//! order the moment it is placed, whatever the projections' lag. An order's
//! use case takes the caller's [`Scope`] and checks it on the very state its
//! command is decided on (one load); [`order_for`] asks the same question on
//! its own, for a request refused before a command could be built.

use app::services::Scope;
use domain::order::PlacedOrder;
use domain::values::{CustomerId, OrderId, VehicleId};
use domain::vehicle::Vehicle;

use crate::auth::{Caller, Role};
use crate::problem::ApiError;
use crate::AppState;

/// Who, besides the roles allowed everything, may act on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The customer who owns the order.
    Owner,
    /// The dealer who delivers it.
    ItsDealer,
}

/// The orders `caller` may act on: `roles` may act on any order, `parties`
/// only on their own (a customer's own are those of every id it answers
/// for, see [`customer_ids`]).
pub async fn scope(
    state: &AppState,
    caller: &Caller,
    roles: &[Role],
    parties: &[Party],
) -> Result<Scope, ApiError> {
    if roles.contains(&caller.role) {
        return Ok(Scope::AnyOrder);
    }
    let customers = if parties.contains(&Party::Owner) {
        customer_ids(state, caller).await?
    } else {
        Vec::new()
    };
    Ok(Scope::OwnOrders {
        customers,
        dealer: caller
            .dealer()
            .filter(|_| parties.contains(&Party::ItsDealer)),
    })
}

/// The customer ids a customer caller answers for: the survivor of its
/// merges and every duplicate merged into it (the token names whichever id
/// it was issued for). Empty for staff.
pub async fn customer_ids(state: &AppState, caller: &Caller) -> Result<Vec<CustomerId>, ApiError> {
    let Some(me) = caller.customer() else {
        return Ok(Vec::new());
    };
    match &state.people {
        Some(people) => Ok(people.identities(&me).await?),
        None => Ok(vec![me]),
    }
}

/// Loads an order and checks the caller may act on it (see [`scope`]).
/// Unknown order: 404; a role or an ownership that does not fit: 403.
pub async fn order_for(
    state: &AppState,
    caller: &Caller,
    order: OrderId,
    roles: &[Role],
    parties: &[Party],
) -> Result<PlacedOrder, ApiError> {
    let scope = scope(state, caller, roles, parties).await?;
    Ok(state.services.order_in_scope(order, &scope).await?)
}

/// Loads a vehicle that exists (404 otherwise).
pub async fn vehicle(state: &AppState, vehicle: VehicleId) -> Result<Vehicle, ApiError> {
    let (v, _) = state
        .executor
        .load::<Vehicle>(&vehicle)
        .await
        .map_err(|e| ApiError::from(e.map_rejection(app::Rejection::from)))?;
    if !v.exists() {
        return Err(ApiError::NotFound(format!("vehicle {vehicle}")));
    }
    Ok(v)
}
