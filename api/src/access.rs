//! Object-level authorization: who may act on which order or vehicle.
//!
//! Commands authorize against the write model (the aggregate's own stream),
//! so a caller can act on an order the moment it is placed, whatever the
//! projections' lag.

use domain::order::{Order, PlacedOrder};
use domain::streams::{order_stream, vehicle_stream};
use domain::values::{OrderId, VehicleId};
use domain::vehicle::Vehicle;
use store::StreamId;

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

/// Loads an order and checks the caller may act on it: `roles` may act on
/// any order, `parties` only on their own. Unknown order: 404; a role or an
/// ownership that does not fit: 403.
pub async fn order_for(
    state: &AppState,
    caller: &Caller,
    order: OrderId,
    roles: &[Role],
    parties: &[Party],
) -> Result<PlacedOrder, ApiError> {
    let stream =
        StreamId::parse(order_stream(order)).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (state, _) = state
        .executor
        .load::<Order>(&stream)
        .await
        .map_err(|e| ApiError::from(e.map_rejection(app::Rejection::from)))?;
    let o = state
        .placed()
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("order {order}")))?;
    if roles.contains(&caller.role) {
        return Ok(o);
    }
    let owner = parties.contains(&Party::Owner) && caller.customer().as_ref() == Some(&o.customer);
    let its_dealer =
        parties.contains(&Party::ItsDealer) && caller.dealer().as_ref() == Some(&o.dealer);
    if owner || its_dealer {
        return Ok(o);
    }
    Err(ApiError::Forbidden(format!("order {order} is not yours")))
}

/// Loads a vehicle that exists (404 otherwise).
pub async fn vehicle(state: &AppState, vehicle: VehicleId) -> Result<Vehicle, ApiError> {
    let stream =
        StreamId::parse(vehicle_stream(vehicle)).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (v, _) = state
        .executor
        .load::<Vehicle>(&stream)
        .await
        .map_err(|e| ApiError::from(e.map_rejection(app::Rejection::from)))?;
    if !v.exists() {
        return Err(ApiError::NotFound(format!("vehicle {vehicle}")));
    }
    Ok(v)
}
