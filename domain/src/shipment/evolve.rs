//! How each shipment event changes the state.

use super::{Delay, Move, Shipment, ShipmentEvent, ShipmentStatus};

/// Folds one event into the state. Events that cannot apply to the state
/// (never emitted by [`decide`](super::decide)) are ignored.
pub fn evolve(mut state: Shipment, event: &ShipmentEvent) -> Shipment {
    match (&mut state.planned, event) {
        (
            None,
            ShipmentEvent::Planned {
                shipment,
                vehicle,
                order,
                legs,
                departure,
                eta,
            },
        ) if !legs.is_empty() => {
            state.planned = Some(Move {
                id: *shipment,
                vehicle: *vehicle,
                order: *order,
                legs: legs.clone(),
                status: ShipmentStatus::Planned,
                departure: *departure,
                departed_on: None,
                eta: *eta,
                delays: Vec::new(),
                arrived_on: None,
                cancel_reason: None,
            });
        }
        (
            Some(m),
            ShipmentEvent::Dispatched {
                departed_on, eta, ..
            },
        ) if m.status == ShipmentStatus::Planned => {
            m.status = ShipmentStatus::InTransit;
            m.departed_on = Some(*departed_on);
            m.eta = *eta;
        }
        (
            Some(m),
            ShipmentEvent::Delayed {
                reason,
                new_eta,
                on,
                ..
            },
        ) if matches!(
            m.status,
            ShipmentStatus::Planned | ShipmentStatus::InTransit
        ) =>
        {
            m.eta = *new_eta;
            m.delays.push(Delay {
                reason: reason.clone(),
                new_eta: *new_eta,
                recorded_on: *on,
            });
        }
        (Some(m), ShipmentEvent::Arrived { on, .. }) if m.status == ShipmentStatus::InTransit => {
            m.status = ShipmentStatus::Arrived;
            m.arrived_on = Some(*on);
        }
        (Some(m), ShipmentEvent::Cancelled { reason, .. })
            if m.status == ShipmentStatus::Planned =>
        {
            m.status = ShipmentStatus::Cancelled;
            m.cancel_reason = Some(reason.clone());
        }
        _ => {}
    }
    state
}
