//! How far an order has come, as its customer follows it (status, wait
//! reason, ETA, delay, and what it holds), and the rules that move it,
//! written once.
//!
//! [`evolve`](super::evolve) advances the order's own fields with
//! [`Course::advance`]; the order tracker advances its document's fields
//! with the same call, so the tracker shows exactly what the order decides
//! on and no read model re-implements a status rule.

use chrono::NaiveDate;

use super::{OrderEvent, OrderStatus, VehicleSource, WaitReason};
use crate::values::{IsoWeek, LocationId, PlantId, VehicleId, Vin};

/// The fields an order's course is made of, borrowed from wherever they
/// are kept (the order's state, a read model's document).
#[derive(Debug)]
pub struct Course<'a> {
    pub status: &'a mut OrderStatus,
    pub reason: &'a mut Option<WaitReason>,
    /// When the car is expected at the delivering dealer.
    pub eta: &'a mut Option<NaiveDate>,
    pub delayed: &'a mut bool,
}

/// What an event did to what the order holds (a stock vehicle or a
/// production slot), for the holder of the course to record as it keeps
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved<'e> {
    /// The order went back to fulfilment: what it held went elsewhere (an
    /// amendment, a reallocation, a withdrawal), before `holding` applies.
    pub returned: bool,
    pub holding: Holding<'e>,
}

/// The change to what an order holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holding<'e> {
    /// Unchanged.
    Kept,
    /// It holds nothing any more (cancelled, or back to fulfilment).
    Released,
    /// A stock vehicle was taken, at `location`, expected on the promised
    /// ETA.
    Stock {
        vehicle: VehicleId,
        location: &'e LocationId,
        source: VehicleSource,
    },
    /// A production slot was booked.
    Build { plant: &'e PlantId, week: IsoWeek },
    /// The build in the booked slot started with this vehicle and VIN.
    BuildStarted { vehicle: VehicleId, vin: &'e Vin },
}

impl Course<'_> {
    /// Moves the course by `event` and says what it did to what the order
    /// holds. Every event applies to a placed order (the decider emits none
    /// that cannot); `Placed` itself changes nothing here.
    pub fn advance<'e>(mut self, event: &'e OrderEvent) -> Moved<'e> {
        let returned = matches!(
            event,
            OrderEvent::Amended {
                released_vehicle: Some(_),
                ..
            } | OrderEvent::Reallocated { .. }
                | OrderEvent::VehicleWithdrawn { .. }
        );
        if returned {
            self.back_to_fulfilment();
        }
        let holding = match event {
            OrderEvent::Placed { .. } => Holding::Kept,
            OrderEvent::AwaitingCapacity { .. } => {
                *self.reason = Some(WaitReason::AwaitingCapacity);
                Holding::Kept
            }
            OrderEvent::Allocated {
                vehicle,
                location,
                source,
                eta,
            } => self.allocate(*vehicle, location, *source, *eta),
            OrderEvent::Scheduled {
                plant, week, eta, ..
            } => {
                self.secure(OrderStatus::Scheduled, *eta);
                Holding::Build { plant, week: *week }
            }
            OrderEvent::ProductionStarted { vehicle, vin } => {
                *self.status = OrderStatus::InProduction;
                Holding::BuildStarted {
                    vehicle: *vehicle,
                    vin,
                }
            }
            OrderEvent::Built { .. } => {
                *self.status = OrderStatus::Built;
                Holding::Kept
            }
            OrderEvent::Dispatched { eta, .. } => {
                *self.status = OrderStatus::InTransit;
                *self.eta = Some(*eta);
                Holding::Kept
            }
            OrderEvent::Delayed { reason, new_eta } => {
                *self.delayed = true;
                *self.reason = Some(WaitReason::Delayed {
                    reason: reason.clone(),
                });
                *self.eta = Some(*new_eta);
                Holding::Kept
            }
            OrderEvent::ArrivedAtDealer { arrived_on } => {
                *self.status = OrderStatus::AtDealer;
                *self.reason = None;
                *self.delayed = false;
                *self.eta = Some(*arrived_on);
                Holding::Kept
            }
            OrderEvent::DelayCompensated { .. } => Holding::Kept,
            OrderEvent::HandoverBooked { .. } => {
                *self.status = OrderStatus::HandoverScheduled;
                Holding::Kept
            }
            OrderEvent::Delivered { .. } => {
                *self.status = OrderStatus::Delivered;
                *self.reason = None;
                Holding::Kept
            }
            OrderEvent::Amended { .. } if !returned => Holding::Kept,
            OrderEvent::Amended { .. } | OrderEvent::VehicleWithdrawn { .. } => Holding::Released,
            OrderEvent::Cancelled { .. } => {
                // What it held is released (the event names it); a cancelled
                // order holds nothing, so no retry can hand it a vehicle again.
                *self.status = OrderStatus::Cancelled;
                *self.reason = None;
                *self.eta = None;
                Holding::Released
            }
            OrderEvent::Reallocated {
                vehicle,
                location,
                source,
                eta,
                ..
            } => self.allocate(*vehicle, location, *source, *eta),
        };
        Moved { returned, holding }
    }

    fn allocate<'e>(
        &mut self,
        vehicle: VehicleId,
        location: &'e LocationId,
        source: VehicleSource,
        eta: NaiveDate,
    ) -> Holding<'e> {
        self.secure(OrderStatus::Allocated, eta);
        Holding::Stock {
            vehicle,
            location,
            source,
        }
    }

    /// A vehicle or a slot is secured: the order stops waiting.
    fn secure(&mut self, status: OrderStatus, eta: NaiveDate) {
        *self.status = status;
        *self.reason = None;
        *self.eta = Some(eta);
    }

    /// Back to `placed`, waiting for fulfilment again.
    fn back_to_fulfilment(&mut self) {
        *self.status = OrderStatus::Placed;
        *self.eta = None;
        *self.delayed = false;
        *self.reason = None;
    }
}
