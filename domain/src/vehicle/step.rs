//! The rules of a vehicle's life, written once: what an event does to a
//! vehicle, decided from its status and the order it is reserved for.
//!
//! [`evolve`](super::evolve) applies a [`Step`] to the vehicle's state and
//! the stock read model applies the same step to its document, so the
//! projection never re-implements a transition: it only says where each
//! fact is kept.

use chrono::NaiveDate;

use super::{VehicleEvent, VehicleStatus};
use crate::catalog::Configuration;
use crate::values::{
    DealerId, IsoWeek, LocationId, MarketCode, OrderId, PlantId, ShipmentId, VehicleId, Vin,
};

/// The little of a vehicle its transitions turn on. `None` in place of a
/// standing: the vehicle does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub status: VehicleStatus,
    /// The order it is reserved for (or was delivered to).
    pub order: Option<OrderId>,
}

/// What an event does to a vehicle: its status afterwards and what else
/// changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<'e> {
    pub status: VehicleStatus,
    pub change: Change<'e>,
}

/// What changed besides the status, borrowed from the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<'e> {
    /// The vehicle came into being.
    Created(Created<'e>),
    /// The build completed.
    Built { on: NaiveDate },
    /// The vehicle is now reserved for `order` (reserved, or reassigned to
    /// it by a planner).
    Reserved {
        order: OrderId,
        dealer: &'e DealerId,
    },
    /// The order gave the vehicle back.
    Released,
    /// The vehicle left `from` for `to` on a shipment.
    Departed {
        shipment: ShipmentId,
        from: &'e LocationId,
        to: &'e LocationId,
        eta: NaiveDate,
    },
    /// The move is late for `reason`; it is now expected on `eta`.
    Delayed { reason: &'e str, eta: NaiveDate },
    /// The move ended at `at`.
    Arrived { at: &'e LocationId },
    /// Handed over to the customer of its order (terminal).
    Delivered,
}

/// A vehicle that came into being: registered stock at a location, or a
/// build started at its plant (`build`), reserved from the start or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created<'e> {
    pub vehicle: VehicleId,
    pub market: &'e MarketCode,
    pub configuration: &'e Configuration,
    pub location: LocationId,
    pub reservation: Option<(OrderId, &'e DealerId)>,
    pub build: Option<BuildStart<'e>>,
}

/// Where and when a build started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildStart<'e> {
    pub plant: &'e PlantId,
    pub week: IsoWeek,
    pub vin: &'e Vin,
}

/// What `event` does to a vehicle that stands as `standing` (`None`: it
/// does not exist yet). `None` when the event cannot apply (never emitted
/// by [`decide`](super::decide)): the vehicle stays as it is. A delivered
/// vehicle never changes again.
pub fn step(standing: Option<Standing>, event: &VehicleEvent) -> Option<Step<'_>> {
    use VehicleStatus::{Built, Delivered, Free, InProduction, InTransit, Reserved};
    let Some(Standing { status, order }) = standing else {
        return created(event);
    };
    let reserved = order.is_some();
    let (after, change) = match event {
        _ if status == Delivered => return None,
        VehicleEvent::Built { on, .. } if status == InProduction => {
            let after = if reserved { Built } else { Free };
            (after, Change::Built { on: *on })
        }
        VehicleEvent::Reserved { order, dealer, .. } if !reserved => {
            let after = if status == Free { Reserved } else { status };
            let change = Change::Reserved {
                order: *order,
                dealer,
            };
            (after, change)
        }
        VehicleEvent::Released { order: from, .. } if order == Some(*from) => {
            let after = if matches!(status, Reserved | Built) {
                Free
            } else {
                status
            };
            (after, Change::Released)
        }
        VehicleEvent::Reassigned {
            from,
            to,
            to_dealer,
            ..
        } if order == Some(*from) => {
            let change = Change::Reserved {
                order: *to,
                dealer: to_dealer,
            };
            (status, change)
        }
        VehicleEvent::Dispatched {
            shipment,
            from,
            to,
            eta,
            ..
        } if status != InTransit => {
            let change = Change::Departed {
                shipment: *shipment,
                from,
                to,
                eta: *eta,
            };
            (InTransit, change)
        }
        VehicleEvent::Delayed {
            reason, new_eta, ..
        } if status == InTransit => {
            let change = Change::Delayed {
                reason,
                eta: *new_eta,
            };
            (status, change)
        }
        VehicleEvent::Arrived { at, .. } if status == InTransit => {
            let after = if reserved { Reserved } else { Free };
            (after, Change::Arrived { at })
        }
        VehicleEvent::Delivered { .. } if reserved => (Delivered, Change::Delivered),
        _ => return None,
    };
    Some(Step {
        status: after,
        change,
    })
}

/// The first event of a vehicle: registered as free stock, or a build
/// started (reserved when it names both an order and its dealer).
fn created(event: &VehicleEvent) -> Option<Step<'_>> {
    let (status, change) = match event {
        VehicleEvent::Registered {
            vehicle,
            market,
            configuration,
            location,
        } => {
            let change = Change::Created(Created {
                vehicle: *vehicle,
                market,
                configuration,
                location: location.clone(),
                reservation: None,
                build: None,
            });
            (VehicleStatus::Free, change)
        }
        VehicleEvent::BuildStarted {
            vehicle,
            market,
            configuration,
            plant,
            week,
            vin,
            order,
            dealer,
        } => {
            let change = Change::Created(Created {
                vehicle: *vehicle,
                market,
                configuration,
                location: plant.clone().into(),
                reservation: order.zip(dealer.as_ref()),
                build: Some(BuildStart {
                    plant,
                    week: *week,
                    vin,
                }),
            });
            (VehicleStatus::InProduction, change)
        }
        _ => return None,
    };
    Some(Step { status, change })
}
