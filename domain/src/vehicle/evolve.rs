//! How each vehicle event changes the state.

use super::{Build, Journey, Reservation, Unit, Vehicle, VehicleEvent, VehicleStatus};

/// Folds one event into the state. Events that cannot apply to the state
/// (never emitted by [`decide`](super::decide)) are ignored.
pub fn evolve(mut state: Vehicle, event: &VehicleEvent) -> Vehicle {
    match (&mut state.unit, event) {
        (
            None,
            VehicleEvent::Registered {
                vehicle,
                market,
                configuration,
                location,
            },
        ) => {
            state.unit = Some(Unit {
                id: *vehicle,
                market: market.clone(),
                configuration: configuration.clone(),
                status: VehicleStatus::Free,
                location: location.clone(),
                journey: None,
                reservation: None,
                build: None,
            });
        }
        (
            None,
            VehicleEvent::BuildStarted {
                vehicle,
                market,
                configuration,
                plant,
                week,
                vin,
                order,
                dealer,
            },
        ) => {
            let reservation = match (order, dealer) {
                (Some(order), Some(dealer)) => Some(Reservation {
                    order: *order,
                    dealer: dealer.clone(),
                }),
                _ => None,
            };
            state.unit = Some(Unit {
                id: *vehicle,
                market: market.clone(),
                configuration: configuration.clone(),
                status: VehicleStatus::InProduction,
                location: plant.clone().into(),
                journey: None,
                reservation,
                build: Some(Build {
                    plant: plant.clone(),
                    week: *week,
                    vin: vin.clone(),
                    built_on: None,
                }),
            });
        }
        (Some(unit), event) if unit.status != VehicleStatus::Delivered => apply(unit, event),
        _ => {}
    }
    state
}

fn apply(unit: &mut Unit, event: &VehicleEvent) {
    match event {
        VehicleEvent::Registered { .. } | VehicleEvent::BuildStarted { .. } => {}
        VehicleEvent::Built { on, .. } => {
            if let (VehicleStatus::InProduction, Some(build)) = (unit.status, &mut unit.build) {
                build.built_on = Some(*on);
                unit.status = if unit.reservation.is_some() {
                    VehicleStatus::Built
                } else {
                    VehicleStatus::Free
                };
            }
        }
        VehicleEvent::Reserved { order, dealer, .. } => {
            if unit.reservation.is_none() {
                unit.reservation = Some(Reservation {
                    order: *order,
                    dealer: dealer.clone(),
                });
                if unit.status == VehicleStatus::Free {
                    unit.status = VehicleStatus::Reserved;
                }
            }
        }
        VehicleEvent::Released { order, .. } => {
            if unit.reservation.as_ref().is_some_and(|r| r.order == *order) {
                unit.reservation = None;
                if matches!(unit.status, VehicleStatus::Reserved | VehicleStatus::Built) {
                    unit.status = VehicleStatus::Free;
                }
            }
        }
        VehicleEvent::Reassigned {
            from,
            to,
            to_dealer,
            ..
        } => {
            if unit.reservation.as_ref().is_some_and(|r| r.order == *from) {
                unit.reservation = Some(Reservation {
                    order: *to,
                    dealer: to_dealer.clone(),
                });
            }
        }
        VehicleEvent::Dispatched {
            shipment, to, eta, ..
        } => {
            if unit.journey.is_none() {
                unit.journey = Some(Journey {
                    shipment: *shipment,
                    destination: to.clone(),
                    eta: *eta,
                    delay_reason: None,
                });
                unit.status = VehicleStatus::InTransit;
            }
        }
        VehicleEvent::Delayed {
            reason, new_eta, ..
        } => {
            if let Some(journey) = &mut unit.journey {
                journey.eta = *new_eta;
                journey.delay_reason = Some(reason.clone());
            }
        }
        VehicleEvent::Arrived { at, .. } => {
            if unit.journey.take().is_some() {
                unit.location = at.clone();
                unit.status = if unit.reservation.is_some() {
                    VehicleStatus::Reserved
                } else {
                    VehicleStatus::Free
                };
            }
        }
        VehicleEvent::Delivered { .. } => {
            if unit.reservation.is_some() {
                unit.status = VehicleStatus::Delivered;
            }
        }
    }
}
