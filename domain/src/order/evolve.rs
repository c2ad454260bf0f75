//! Folding the order's events into its state.

use super::{Fulfilment, Order, OrderEvent, OrderStatus, PlacedOrder, VehicleSource, WaitReason};

/// The order after `event`. Never fails: an event that cannot apply to the
/// state (which the decider never produces) leaves it unchanged.
pub fn evolve(state: Order, event: &OrderEvent) -> Order {
    match (state, event) {
        (
            Order::New,
            OrderEvent::Placed {
                order,
                customer,
                dealer,
                selling_dealer,
                market,
                channel,
                configuration,
                sheet,
                lines,
                price,
                deposit,
                placed_at,
            },
        ) => Order::Placed(Box::new(PlacedOrder {
            id: *order,
            customer: customer.clone(),
            dealer: dealer.clone(),
            selling_dealer: selling_dealer.clone(),
            market: market.clone(),
            channel: *channel,
            configuration: configuration.clone(),
            sheet: sheet.clone(),
            lines: lines.clone(),
            price: *price,
            deposit: *deposit,
            status: OrderStatus::Placed,
            reason: None,
            fulfilment: None,
            eta: None,
            delayed: false,
            dispatched: false,
            shipment: None,
            handover_at: None,
            placed_at: *placed_at,
        })),
        (Order::Placed(mut o), event) => {
            apply(&mut o, event);
            Order::Placed(o)
        }
        (state, _) => state,
    }
}

fn apply(o: &mut PlacedOrder, event: &OrderEvent) {
    match event {
        OrderEvent::Placed { .. } => {}
        OrderEvent::AwaitingCapacity { .. } => o.reason = Some(WaitReason::AwaitingCapacity),
        OrderEvent::Allocated {
            vehicle,
            location,
            source,
            eta,
        } => {
            allocate(o, *vehicle, location, *source, *eta);
        }
        OrderEvent::Scheduled {
            plant, week, eta, ..
        } => {
            o.status = OrderStatus::Scheduled;
            o.reason = None;
            o.fulfilment = Some(Fulfilment::Build {
                plant: plant.clone(),
                week: *week,
                vehicle: None,
                vin: None,
            });
            o.eta = Some(*eta);
        }
        OrderEvent::ProductionStarted { vehicle, vin } => {
            o.status = OrderStatus::InProduction;
            if let Some(Fulfilment::Build {
                vehicle: v, vin: n, ..
            }) = &mut o.fulfilment
            {
                *v = Some(*vehicle);
                *n = Some(vin.clone());
            }
        }
        OrderEvent::Built { .. } => o.status = OrderStatus::Built,
        OrderEvent::Dispatched { shipment, eta } => {
            o.status = OrderStatus::InTransit;
            o.dispatched = true;
            o.shipment = Some(*shipment);
            o.eta = Some(*eta);
        }
        OrderEvent::Delayed { reason, new_eta } => {
            o.delayed = true;
            o.reason = Some(WaitReason::Delayed {
                reason: reason.clone(),
            });
            o.eta = Some(*new_eta);
        }
        OrderEvent::ArrivedAtDealer { arrived_on } => {
            o.status = OrderStatus::AtDealer;
            o.reason = None;
            o.delayed = false;
            o.eta = Some(*arrived_on);
        }
        OrderEvent::HandoverBooked { at, .. } => {
            o.status = OrderStatus::HandoverScheduled;
            o.handover_at = Some(*at);
        }
        OrderEvent::Delivered { .. } => {
            o.status = OrderStatus::Delivered;
            o.reason = None;
        }
        OrderEvent::Amended {
            configuration,
            lines,
            price,
            released_vehicle,
            ..
        } => {
            o.configuration = configuration.clone();
            o.lines = lines.clone();
            o.price = *price;
            if released_vehicle.is_some() {
                back_to_fulfilment(o);
            }
        }
        OrderEvent::Cancelled { .. } => {
            // What it held is released (the event names it); a cancelled
            // order holds nothing, so no retry can hand it a vehicle again.
            o.status = OrderStatus::Cancelled;
            o.reason = None;
            o.fulfilment = None;
            o.eta = None;
        }
        OrderEvent::Reallocated {
            vehicle,
            location,
            source,
            eta,
            ..
        } => {
            back_to_fulfilment(o);
            allocate(o, *vehicle, location, *source, *eta);
        }
        OrderEvent::VehicleWithdrawn { .. } => back_to_fulfilment(o),
    }
}

fn allocate(
    o: &mut PlacedOrder,
    vehicle: crate::values::VehicleId,
    location: &crate::values::LocationId,
    source: VehicleSource,
    eta: chrono::NaiveDate,
) {
    o.status = OrderStatus::Allocated;
    o.reason = None;
    o.fulfilment = Some(Fulfilment::Stock {
        vehicle,
        location: location.clone(),
        source,
    });
    o.eta = Some(eta);
    o.dispatched = source == VehicleSource::InTransitToDealer;
}

fn back_to_fulfilment(o: &mut PlacedOrder) {
    o.status = OrderStatus::Placed;
    o.fulfilment = None;
    o.eta = None;
    o.delayed = false;
    o.dispatched = false;
    o.shipment = None;
    o.reason = None;
}
