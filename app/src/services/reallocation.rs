//! Reallocation: a planner gives a vehicle to an order whose customer needs
//! it sooner. The vehicle comes from another order (which goes back to
//! fulfilment) or from free stock.

use chrono::NaiveDate;
use domain::order::{Order, OrderCommand, OrderEvent};
use domain::policy::{eta_at_dealer, LtoRank};
use domain::values::{DealerId, OrderId, VehicleId};
use domain::vehicle::{Vehicle, VehicleCommand, VehicleEvent};
use store::{Metadata, Position};

use super::orders::placed;
use super::Services;
use crate::rejection::{Rejection, ServiceError};
use crate::steps::release::{let_go_of_vehicle, release_held, release_vehicle};
use crate::steps::shipments::cancel_planned_delivery;
use crate::steps::{check, events_of, load, run, Reached};
use crate::stock::{source_of, whereabouts_of};
use crate::CommandError;

/// A vehicle given to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reallocation {
    pub order: OrderId,
    pub vehicle: VehicleId,
    /// The order that gave the vehicle up (`None`: it was free stock).
    pub from_order: Option<OrderId>,
    /// When the vehicle is expected at the order's dealer.
    pub eta: NaiveDate,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

impl Services {
    /// Gives `vehicle` to `order`.
    ///
    /// The vehicle must be of the order's market and configuration and able
    /// to reach the order's dealer. Both orders are asked first (without
    /// appending) whether they agree: the receiving one takes a vehicle while
    /// `placed`, `allocated` or `scheduled`; the giving one gives it up while
    /// `allocated` to it. Then the vehicle moves (reassigned from the giving
    /// order, or reserved from free stock: the consistency point), the giving
    /// order lets go (back to fulfilment: the fulfilment process manager
    /// looks for another vehicle or slot), the receiving order takes it and
    /// releases what it held, and planned shipments that no longer apply are
    /// called off.
    ///
    /// Compensation when an order changes its mind between the check and
    /// its step: a giving order that refuses (e.g. dispatched meanwhile)
    /// gets the vehicle back (and the receiving order lets it go if the
    /// fulfilment manager finished the reservation for it meanwhile); a
    /// receiving order that refuses (e.g. cancelled meanwhile) leaves the
    /// vehicle free stock.
    pub async fn reallocate(
        &self,
        order: OrderId,
        vehicle: VehicleId,
        metadata: &Metadata,
    ) -> Result<Reallocation, ServiceError> {
        let exec = &self.exec;
        let taker_state = load::<Order>(exec, &order).await?;
        let taker = placed(&taker_state, order)?;
        let v = load::<Vehicle>(exec, &vehicle).await?;
        let (Some(market), Some(configuration)) = (v.market(), v.configuration()) else {
            return Err(CommandError::NotFound(format!("vehicle {vehicle}")));
        };
        let mut reached = Reached::Nothing;
        let held = taker.fulfilment.as_ref().and_then(|f| f.vehicle());
        // An earlier attempt may have moved the vehicle already.
        let moved = v.order() == Some(order);
        let from_order = if moved {
            reassigned_from(exec, vehicle, order).await?
        } else {
            v.order()
        };
        if held == Some(vehicle) && moved {
            return Ok(Reallocation {
                order,
                vehicle,
                from_order,
                eta: taker.eta.unwrap_or_else(|| exec.clock().today()),
                position: reached.position(exec).await?,
            });
        }
        if market != &taker.market || configuration != &taker.configuration {
            let mut differences = configuration.differences(&taker.configuration);
            if market != &taker.market {
                differences.insert(0, "market".to_owned());
            }
            return Err(CommandError::Rejected(Rejection::VehicleDoesNotMatch {
                vehicle,
                order,
                differences,
            }));
        }
        let catalog = exec.catalog();
        let today = exec.clock().today();
        let whereabouts = whereabouts_of(&v)
            .ok_or_else(|| CommandError::NotFound(format!("vehicle {vehicle}")))?;
        let rank = LtoRank::of(&whereabouts, &taker.dealer, &taker.market, catalog);
        let eta = eta_at_dealer(&whereabouts, &taker.dealer, today, catalog);
        let (Some(rank), Some(eta)) = (rank, eta) else {
            return Err(CommandError::Rejected(Rejection::VehicleOutOfReach {
                vehicle,
                dealer: taker.dealer.clone(),
                location: whereabouts.location(),
            }));
        };
        let take = OrderCommand::TakeVehicle {
            vehicle,
            configuration: configuration.clone(),
            from_order,
            location: whereabouts.location(),
            source: source_of(rank),
            eta,
        };
        check::<Order>(exec, &taker_state, take.clone()).map_err(CommandError::Rejected)?;
        let giver = match from_order {
            Some(giver) => self
                .check_giver(giver, vehicle, order, moved)
                .await?
                .map(|dealer| (giver, dealer)),
            None => None,
        };

        if !moved {
            let dealer = taker.dealer.clone();
            let done = run::<Vehicle>(exec, &vehicle, metadata, |_| match from_order {
                Some(from) => VehicleCommand::Reassign {
                    from,
                    to: order,
                    dealer: dealer.clone(),
                },
                None => VehicleCommand::Reserve {
                    order,
                    dealer: dealer.clone(),
                },
            })
            .await?;
            reached = reached.max(Reached::of(&done));
        }

        if let Some((giver, giver_dealer)) = &giver {
            let gave_up = run::<Order>(exec, giver, metadata, |_| OrderCommand::GiveUpVehicle {
                vehicle,
                to_order: order,
            })
            .await;
            if let Err(CommandError::Rejected(refusal)) = gave_up {
                // Only a giver that still holds the vehicle gets it back. One that no
                // longer does (cancelled, or it gave the vehicle up to a concurrent
                // reallocation of it to this very order) would be left with a reservation
                // it does not hold: the vehicle stays with the taker, which goes on.
                let giver_state = load::<Order>(exec, giver).await?;
                let still_holds = giver_state
                    .placed()
                    .and_then(|o| o.fulfilment.as_ref())
                    .and_then(|f| f.vehicle())
                    == Some(vehicle);
                if still_holds {
                    run::<Vehicle>(exec, &vehicle, metadata, |_| VehicleCommand::Reassign {
                        from: order,
                        to: *giver,
                        dealer: giver_dealer.clone(),
                    })
                    .await?;
                    // Fulfilment may have taken the reassignment for a half-done reservation
                    // of the taker's and allocated it meanwhile: then the taker lets go. It
                    // checks the same after allocating, so whichever writes last sees the
                    // other's write.
                    let_go_of_vehicle(exec, order, vehicle, *giver, metadata).await?;
                    return Err(CommandError::Rejected(refusal));
                }
            } else {
                reached = reached.max(Reached::of(&gave_up?));
            }
        }

        let taken = match run::<Order>(exec, &order, metadata, |_| take.clone()).await {
            Ok(done) => done,
            Err(CommandError::Rejected(refusal)) => {
                release_vehicle(exec, vehicle, order, metadata).await?;
                return Err(CommandError::Rejected(refusal));
            }
            Err(e) => return Err(e),
        };
        reached = reached.max(Reached::of(&taken));
        let released = taken.events.iter().find_map(|e| match e {
            OrderEvent::Reallocated { released, .. } => released.clone(),
            _ => None,
        });
        let reason = "vehicle reallocated";
        if let Some(released) = released {
            reached = reached.max(release_held(exec, order, &released, metadata).await?);
            if let Some(other) = released.vehicle() {
                let called_off =
                    cancel_planned_delivery(exec, other, order, reason, metadata).await?;
                reached = reached.max(called_off);
            }
        }
        if let Some(giver) = from_order {
            let called_off =
                cancel_planned_delivery(exec, vehicle, giver, reason, metadata).await?;
            reached = reached.max(called_off);
        }
        Ok(Reallocation {
            order,
            vehicle,
            from_order,
            eta,
            position: reached.position(exec).await?,
        })
    }

    /// Asks the order the vehicle comes from whether it gives it up, and
    /// returns its dealer; `None` when it already did (an earlier attempt).
    async fn check_giver(
        &self,
        giver: OrderId,
        vehicle: VehicleId,
        taker: OrderId,
        moved: bool,
    ) -> Result<Option<DealerId>, ServiceError> {
        let exec = &self.exec;
        let state = load::<Order>(exec, &giver).await?;
        let holder = state
            .placed()
            .filter(|o| o.fulfilment.as_ref().and_then(|f| f.vehicle()) == Some(vehicle));
        let Some(o) = holder else {
            if moved {
                return Ok(None);
            }
            return Err(CommandError::Rejected(Rejection::ReservationMismatch {
                vehicle,
                order: giver,
            }));
        };
        let give_up = OrderCommand::GiveUpVehicle {
            vehicle,
            to_order: taker,
        };
        check::<Order>(exec, &state, give_up).map_err(CommandError::Rejected)?;
        Ok(Some(o.dealer.clone()))
    }
}

/// The order `vehicle` was reassigned from when it was given to `order`
/// (`None`: it was reserved from free stock).
async fn reassigned_from(
    exec: &crate::Executor,
    vehicle: VehicleId,
    order: OrderId,
) -> Result<Option<OrderId>, ServiceError> {
    let events = events_of::<Vehicle>(exec, &vehicle).await?;
    Ok(events
        .iter()
        .rev()
        .find_map(|e| match e {
            VehicleEvent::Reassigned { from, to, .. } if *to == order => Some(Some(*from)),
            VehicleEvent::Reserved { order: o, .. } if *o == order => Some(None),
            _ => None,
        })
        .flatten())
}
