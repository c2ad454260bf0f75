//! Moving vehicles: the milestones a planner (or the receiving dealer)
//! records. Planning a move is the logistics process manager's job;
//! dispatch is never automatic.

use chrono::NaiveDate;
use domain::order::{Order, OrderCommand, OrderStatus, WaitReason};
use domain::shipment::{Shipment, ShipmentCommand, ShipmentStatus};
use domain::values::{LocationId, OrderId, ShipmentId, VehicleId};
use domain::vehicle::{Vehicle, VehicleCommand, VehicleError, VehicleEvent, VehicleStatus};
use store::{Metadata, Position};

use super::{Done, Services};
use crate::rejection::{Rejection, ServiceError};
use crate::steps::shipments::{delivery_id, plan, replanned_delivery_id, transfer_id, PlanRequest};
use crate::steps::{check, events_of, load, load_versioned, run, Reached};
use crate::{CommandError, Executor};

/// A vehicle handed to a carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatched {
    pub vehicle: VehicleId,
    pub shipment: ShipmentId,
    pub to: LocationId,
    /// Today plus the transport days of the route.
    pub eta: NaiveDate,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

/// A vehicle that reached its destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub vehicle: VehicleId,
    pub shipment: ShipmentId,
    pub at: LocationId,
    /// The order that is now at its dealer, if the vehicle serves one.
    pub order: Option<OrderId>,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

impl Services {
    /// Hands a vehicle to a carrier. A reserved vehicle goes to its order's
    /// dealer (`to` may be left out; another destination is refused with
    /// [`VehicleError::MustGoToOrderDealer`]); a free one needs `to` (a
    /// transfer). The shipment the logistics process manager planned is
    /// used when it fits (same route); otherwise one is planned now. The
    /// vehicle decides first (it can be dispatched, the route is known);
    /// then the shipment and the order record the dispatch. Dispatching a
    /// vehicle already on its way to `to` completes an interrupted attempt
    /// and returns the same shipment.
    pub async fn dispatch(
        &self,
        vehicle: VehicleId,
        to: Option<LocationId>,
        metadata: &Metadata,
    ) -> Result<Dispatched, ServiceError> {
        let exec = &self.exec;
        let (v, version) = load_versioned::<Vehicle>(exec, &vehicle).await?;
        let (Some(from), Some(version)) = (v.location().cloned(), version) else {
            return Err(CommandError::NotFound(format!("vehicle {vehicle}")));
        };
        let order = v.order();
        let destination = match (v.order_dealer(), to) {
            (_, Some(to)) => to,
            (Some(dealer), None) => LocationId::Dealer(dealer.clone()),
            (None, None) => {
                return Err(CommandError::Rejected(Rejection::DestinationRequired {
                    vehicle,
                }))
            }
        };
        let mut reached = Reached::Nothing;
        let on_its_way =
            v.status() == Some(VehicleStatus::InTransit) && v.destination() == Some(&destination);
        let shipment = match v.shipment().filter(|_| on_its_way) {
            Some(shipment) => shipment,
            None => {
                let today = exec.clock().today();
                let probe = VehicleCommand::Dispatch {
                    shipment: ShipmentId::derived("probe"),
                    to: destination.clone(),
                    eta: today,
                };
                check::<Vehicle>(exec, &v, probe).map_err(CommandError::Rejected)?;
                if let Some(order) = order {
                    let o = load::<Order>(exec, &order).await?;
                    let probe = OrderCommand::Dispatch {
                        shipment: ShipmentId::derived("probe"),
                        eta: today,
                    };
                    check::<Order>(exec, &o, probe).map_err(CommandError::Rejected)?;
                }
                let id = match order {
                    Some(order) => {
                        let canonical = delivery_id(vehicle, order);
                        let planned = load::<Shipment>(exec, &canonical).await?;
                        if !planned.exists() || fits(&planned, &from, &destination) {
                            canonical
                        } else {
                            replanned_delivery_id(vehicle, order, version)
                        }
                    }
                    None => transfer_id(vehicle, &destination, version),
                };
                let request = PlanRequest {
                    shipment: id,
                    vehicle,
                    order,
                    from,
                    to: destination.clone(),
                    ready_on: today,
                };
                let (planned, planning) = plan(exec, request, metadata).await?;
                let days = planned.days().unwrap_or_default();
                let eta = domain::rules::add_days(today, days);
                let done = run::<Vehicle>(exec, &vehicle, metadata, |_| VehicleCommand::Dispatch {
                    shipment: id,
                    to: destination.clone(),
                    eta,
                })
                .await?;
                reached = planning.max(Reached::of(&done));
                id
            }
        };
        let (eta, recorded) = record_dispatch(exec, shipment, order, metadata).await?;
        reached = reached.max(recorded);
        Ok(Dispatched {
            vehicle,
            shipment,
            to: destination,
            eta,
            position: reached.position(exec).await?,
        })
    }

    /// Records a delay of a vehicle on its way: the vehicle (which checks
    /// the reason and the new ETA), its shipment and its order.
    pub async fn delay(
        &self,
        vehicle: VehicleId,
        reason: &str,
        new_eta: NaiveDate,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        let exec = &self.exec;
        let v = load::<Vehicle>(exec, &vehicle).await?;
        if !v.exists() {
            return Err(CommandError::NotFound(format!("vehicle {vehicle}")));
        }
        let reason = reason.trim().to_owned();
        let mut reached = Reached::Nothing;
        let done = run::<Vehicle>(exec, &vehicle, metadata, |_| VehicleCommand::Delay {
            reason: reason.clone(),
            new_eta,
        })
        .await?;
        reached = reached.max(Reached::of(&done));
        if let Some(shipment) = done.state.shipment() {
            let delayed = run::<Shipment>(exec, &shipment, metadata, |_| ShipmentCommand::Delay {
                reason: reason.clone(),
                new_eta,
            })
            .await?;
            reached = reached.max(Reached::of(&delayed));
        }
        if let Some(order) = done.state.order() {
            let o = load::<Order>(exec, &order).await?;
            let recorded = o.placed().is_some_and(|o| {
                o.eta == Some(new_eta)
                    && o.reason
                        == Some(WaitReason::Delayed {
                            reason: reason.clone(),
                        })
            });
            if !recorded {
                let delayed = run::<Order>(exec, &order, metadata, |_| OrderCommand::Delay {
                    reason: reason.clone(),
                    new_eta,
                })
                .await?;
                reached = reached.max(Reached::of(&delayed));
            }
        }
        Ok(Done {
            position: reached.position(exec).await?,
        })
    }

    /// Records the arrival of a vehicle at its destination: the vehicle,
    /// its shipment, and its order when it arrived at the order's dealer
    /// (the invoicing process manager then invoices it). Recording an
    /// arrival again completes an interrupted attempt.
    pub async fn arrive(
        &self,
        vehicle: VehicleId,
        metadata: &Metadata,
    ) -> Result<Arrival, ServiceError> {
        let exec = &self.exec;
        let v = load::<Vehicle>(exec, &vehicle).await?;
        let Some(status) = v.status() else {
            return Err(CommandError::NotFound(format!("vehicle {vehicle}")));
        };
        let (shipment, at) =
            match (v.shipment(), v.destination()) {
                (Some(shipment), Some(at)) => (shipment, at.clone()),
                _ => last_arrival(exec, &v).await?.ok_or(CommandError::Rejected(
                    Rejection::Vehicle(VehicleError::NotInTransit { status }),
                ))?,
            };
        // The order decides first where it can still refuse (it is at its
        // dealer already, or in a state where it cannot arrive), so a
        // refusal leaves nothing half done.
        let served = match v.order() {
            Some(order) => {
                let o = load::<Order>(exec, &order).await?;
                let at_its_dealer = o.placed().is_some_and(|o| at.dealer() == Some(&o.dealer));
                if at_its_dealer && o.status() != Some(OrderStatus::Cancelled) {
                    let arrive = OrderCommand::Arrive {
                        location: at.clone(),
                    };
                    check::<Order>(exec, &o, arrive).map_err(CommandError::Rejected)?;
                }
                Some((order, at_its_dealer))
            }
            None => None,
        };
        let mut reached = Reached::Nothing;
        let done = run::<Vehicle>(exec, &vehicle, metadata, |_| VehicleCommand::Arrive {
            location: at.clone(),
        })
        .await?;
        reached = reached.max(Reached::of(&done));
        let done = run::<Shipment>(exec, &shipment, metadata, |_| ShipmentCommand::Arrive).await?;
        reached = reached.max(Reached::of(&done));
        let mut order = served.map(|(order, _)| order);
        if let Some((served, true)) = served {
            let arrived = run::<Order>(exec, &served, metadata, |_| OrderCommand::Arrive {
                location: at.clone(),
            })
            .await;
            match arrived {
                Ok(done) => reached = reached.max(Reached::of(&done)),
                Err(refused) => {
                    // Cancelled meanwhile: the vehicle's arrival stands, and the
                    // cancelled order no longer waits for it (its vehicle was
                    // released), as a repeat sent later would answer.
                    let now = load::<Order>(exec, &served).await?;
                    if now.status() != Some(OrderStatus::Cancelled) {
                        return Err(refused);
                    }
                    order = None;
                }
            }
        }
        Ok(Arrival {
            vehicle,
            shipment,
            at,
            order,
            position: reached.position(exec).await?,
        })
    }
}

/// Whether a planned shipment can carry the vehicle from where it stands
/// to `to`.
fn fits(shipment: &Shipment, from: &LocationId, to: &LocationId) -> bool {
    shipment.status() == Some(ShipmentStatus::Planned)
        && shipment.origin() == Some(from)
        && shipment.destination() == Some(to)
}

/// The shipment's dispatch and, for a vehicle serving an order, the
/// order's; returns the shipment's ETA and how far it got.
async fn record_dispatch(
    exec: &Executor,
    shipment: ShipmentId,
    order: Option<OrderId>,
    metadata: &Metadata,
) -> Result<(NaiveDate, Reached), ServiceError> {
    let done = run::<Shipment>(exec, &shipment, metadata, |_| ShipmentCommand::Dispatch).await?;
    let mut reached = Reached::of(&done);
    let eta = done.state.eta().unwrap_or_else(|| exec.clock().today());
    if let Some(order) = order {
        let o = load::<Order>(exec, &order).await?;
        if o.placed().and_then(|o| o.shipment) != Some(shipment) {
            let done = run::<Order>(exec, &order, metadata, |_| OrderCommand::Dispatch {
                shipment,
                eta,
            })
            .await?;
            reached = reached.max(Reached::of(&done));
        }
    }
    Ok((eta, reached))
}

/// The shipment and place of the vehicle's last arrival, if it still
/// stands there (an arrival recorded again).
async fn last_arrival(
    exec: &Executor,
    v: &Vehicle,
) -> Result<Option<(ShipmentId, LocationId)>, ServiceError> {
    let Some(id) = v.id() else {
        return Ok(None);
    };
    let events = events_of::<Vehicle>(exec, &id).await?;
    Ok(events.into_iter().rev().find_map(|e| match e {
        VehicleEvent::Arrived { shipment, at, .. } if Some(&at) == v.location() => {
            Some((shipment, at))
        }
        _ => None,
    }))
}
