//! How each vehicle event changes the state: the [`step`](super::step)
//! the event takes, applied to where the state keeps each fact.

use super::step::{step, Change, Standing, Step};
use super::{Build, Journey, Reservation, Unit, Vehicle, VehicleEvent};

/// Folds one event into the state. Events that cannot apply to the state
/// (never emitted by [`decide`](super::decide)) are ignored.
pub fn evolve(mut state: Vehicle, event: &VehicleEvent) -> Vehicle {
    let Some(Step { status, change }) = step(state.standing(), event) else {
        return state;
    };
    match (&mut state.unit, change) {
        (None, Change::Created(new)) => {
            state.unit = Some(Unit {
                id: new.vehicle,
                market: new.market.clone(),
                configuration: new.configuration.clone(),
                status,
                location: new.location,
                journey: None,
                reservation: new.reservation.map(|(order, dealer)| Reservation {
                    order,
                    dealer: dealer.clone(),
                }),
                build: new.build.map(|b| Build {
                    plant: b.plant.clone(),
                    week: b.week,
                    vin: b.vin.clone(),
                    built_on: None,
                }),
            });
        }
        (Some(unit), change) => {
            unit.status = status;
            apply(unit, change);
        }
        (None, _) => {}
    }
    state
}

fn apply(unit: &mut Unit, change: Change<'_>) {
    match change {
        Change::Created(_) | Change::Delivered => {}
        Change::Built { on } => {
            if let Some(build) = &mut unit.build {
                build.built_on = Some(on);
            }
        }
        Change::Reserved { order, dealer } => {
            unit.reservation = Some(Reservation {
                order,
                dealer: dealer.clone(),
            });
        }
        Change::Released => unit.reservation = None,
        Change::Departed {
            shipment, to, eta, ..
        } => {
            unit.journey = Some(Journey {
                shipment,
                destination: to.clone(),
                eta,
                delay_reason: None,
            });
        }
        Change::Delayed { reason, eta } => {
            if let Some(journey) = &mut unit.journey {
                journey.eta = eta;
                journey.delay_reason = Some(reason.to_owned());
            }
        }
        Change::Arrived { at } => {
            unit.journey = None;
            unit.location = at.clone();
        }
    }
}

impl Vehicle {
    /// What the vehicle's transitions turn on (`None`: it does not exist).
    pub fn standing(&self) -> Option<Standing> {
        self.unit.as_ref().map(|u| Standing {
            status: u.status,
            order: u.reservation.as_ref().map(|r| r.order),
        })
    }
}
