//! What each shipment command does, rule by rule.

use chrono::NaiveDate;

use super::{Leg, Move, Shipment, ShipmentCommand, ShipmentError, ShipmentEvent, ShipmentStatus};
use crate::decider::Context;
use crate::rules::add_days;
use crate::rules::checked_reason;
use crate::values::{LocationId, OrderId, ShipmentId, VehicleId};

/// Decides what a command does to a shipment.
///
/// Retries are no-ops: the same plan again, a dispatch of a shipment in
/// transit, the same delay again, an arrival of an arrived shipment and a
/// cancellation of a cancelled one return no events.
pub fn decide(
    state: &Shipment,
    command: ShipmentCommand,
    ctx: &Context<'_>,
) -> Result<Vec<ShipmentEvent>, ShipmentError> {
    match command {
        ShipmentCommand::Plan {
            shipment,
            vehicle,
            order,
            from,
            to,
            ready_on,
        } => plan(
            state,
            PlanRequest {
                shipment,
                vehicle,
                order,
                from,
                to,
                ready_on,
            },
            ctx,
        ),
        ShipmentCommand::Dispatch => dispatch(planned(state)?, ctx),
        ShipmentCommand::Delay { reason, new_eta } => delay(planned(state)?, &reason, new_eta, ctx),
        ShipmentCommand::Arrive => arrive(planned(state)?, ctx),
        ShipmentCommand::Cancel { reason } => cancel(planned(state)?, &reason, ctx),
    }
}

/// What a [`ShipmentCommand::Plan`] asks for.
struct PlanRequest {
    shipment: ShipmentId,
    vehicle: VehicleId,
    order: Option<OrderId>,
    from: LocationId,
    to: LocationId,
    ready_on: NaiveDate,
}

fn planned(state: &Shipment) -> Result<&Move, ShipmentError> {
    state.planned.as_ref().ok_or(ShipmentError::NotFound)
}

/// Plans a move. The same plan again (same vehicle, order and route,
/// whatever the day) is a no-op; anything else under the same id is
/// [`ShipmentError::AlreadyPlanned`].
fn plan(
    state: &Shipment,
    request: PlanRequest,
    ctx: &Context<'_>,
) -> Result<Vec<ShipmentEvent>, ShipmentError> {
    let PlanRequest {
        shipment,
        vehicle,
        order,
        from,
        to,
        ready_on,
    } = request;
    if let Some(m) = &state.planned {
        let same = m.id == shipment
            && m.vehicle == vehicle
            && m.order == order
            && m.origin() == Some(&from)
            && m.destination() == Some(&to);
        return if same {
            Ok(vec![])
        } else {
            Err(ShipmentError::AlreadyPlanned { shipment: m.id })
        };
    }
    for location in [&from, &to] {
        if !ctx.catalog.knows_location(location) {
            return Err(ShipmentError::UnknownLocation {
                location: location.clone(),
            });
        }
    }
    if from == to {
        return Err(ShipmentError::SameLocation { location: from });
    }
    let days = ctx
        .catalog
        .transport_days(&from, &to)
        .ok_or_else(|| ShipmentError::NoRoute {
            from: from.clone(),
            to: to.clone(),
        })?;
    let departure = ready_on.max(ctx.today());
    Ok(vec![ShipmentEvent::Planned {
        shipment,
        vehicle,
        order,
        legs: vec![Leg { from, to, days }],
        departure,
        eta: add_days(departure, days),
    }])
}

fn dispatch(m: &Move, ctx: &Context<'_>) -> Result<Vec<ShipmentEvent>, ShipmentError> {
    match m.status {
        ShipmentStatus::Planned => {}
        ShipmentStatus::InTransit => return Ok(vec![]),
        status => return Err(ShipmentError::NotPlanned { status }),
    }
    let (Some(from), Some(to)) = (m.origin(), m.destination()) else {
        return Err(ShipmentError::NotFound);
    };
    let today = ctx.today();
    Ok(vec![ShipmentEvent::Dispatched {
        shipment: m.id,
        vehicle: m.vehicle,
        order: m.order,
        from: from.clone(),
        to: to.clone(),
        departed_on: today,
        eta: add_days(today, m.days()),
    }])
}

fn delay(
    m: &Move,
    reason: &str,
    new_eta: NaiveDate,
    ctx: &Context<'_>,
) -> Result<Vec<ShipmentEvent>, ShipmentError> {
    if !matches!(
        m.status,
        ShipmentStatus::Planned | ShipmentStatus::InTransit
    ) {
        return Err(ShipmentError::NotUnderway { status: m.status });
    }
    let reason = checked_reason(reason)?;
    let today = ctx.today();
    if new_eta < today {
        return Err(ShipmentError::EtaInPast {
            eta: new_eta,
            today,
        });
    }
    let already = m.eta == new_eta && m.delays.last().is_some_and(|d| d.reason == reason);
    if already {
        return Ok(vec![]);
    }
    Ok(vec![ShipmentEvent::Delayed {
        shipment: m.id,
        vehicle: m.vehicle,
        order: m.order,
        reason,
        new_eta,
        on: today,
    }])
}

fn arrive(m: &Move, ctx: &Context<'_>) -> Result<Vec<ShipmentEvent>, ShipmentError> {
    match m.status {
        ShipmentStatus::InTransit => {}
        ShipmentStatus::Arrived => return Ok(vec![]),
        status => return Err(ShipmentError::NotInTransit { status }),
    }
    let Some(at) = m.destination() else {
        return Err(ShipmentError::NotFound);
    };
    Ok(vec![ShipmentEvent::Arrived {
        shipment: m.id,
        vehicle: m.vehicle,
        order: m.order,
        at: at.clone(),
        on: ctx.today(),
    }])
}

fn cancel(m: &Move, reason: &str, ctx: &Context<'_>) -> Result<Vec<ShipmentEvent>, ShipmentError> {
    match m.status {
        ShipmentStatus::Planned => {}
        ShipmentStatus::Cancelled => return Ok(vec![]),
        status => return Err(ShipmentError::NotCancellable { status }),
    }
    Ok(vec![ShipmentEvent::Cancelled {
        shipment: m.id,
        vehicle: m.vehicle,
        order: m.order,
        reason: checked_reason(reason)?,
        on: ctx.today(),
    }])
}
