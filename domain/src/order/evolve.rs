//! Folding the order's events into its state: the order's [`Course`]
//! moves by the rules written once in `course.rs`; this file records what
//! only the order keeps (its fulfilment as the decider reads it, the
//! dispatch, the amended configuration).

use super::course::{Course, Holding, Moved};
use super::{Fulfilment, Order, OrderEvent, OrderStatus, PlacedOrder, VehicleSource};

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
                billing,
                lead: _,
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
            billing: billing.clone(),
        })),
        (Order::Placed(mut o), event) => {
            apply(&mut o, event);
            Order::Placed(o)
        }
        (state, _) => state,
    }
}

fn apply(o: &mut PlacedOrder, event: &OrderEvent) {
    let Moved { returned, holding } = o.course().advance(event);
    if returned {
        o.dispatched = false;
        o.shipment = None;
    }
    match holding {
        Holding::Kept => {}
        Holding::Released => o.fulfilment = None,
        Holding::Stock {
            vehicle,
            location,
            source,
        } => {
            o.fulfilment = Some(Fulfilment::Stock {
                vehicle,
                location: location.clone(),
                source,
            });
            o.dispatched = source == VehicleSource::InTransitToDealer;
        }
        Holding::Build { plant, week } => {
            o.fulfilment = Some(Fulfilment::Build {
                plant: plant.clone(),
                week,
                vehicle: None,
                vin: None,
            });
        }
        Holding::BuildStarted { vehicle, vin } => {
            if let Some(Fulfilment::Build {
                vehicle: v, vin: n, ..
            }) = &mut o.fulfilment
            {
                *v = Some(vehicle);
                *n = Some(vin.clone());
            }
        }
    }
    match event {
        OrderEvent::Dispatched { shipment, .. } => {
            o.dispatched = true;
            o.shipment = Some(*shipment);
        }
        OrderEvent::HandoverBooked { at, .. } => o.handover_at = Some(*at),
        OrderEvent::Amended {
            configuration,
            lines,
            price,
            ..
        } => {
            o.configuration = configuration.clone();
            o.lines = lines.clone();
            o.price = *price;
        }
        _ => {}
    }
}

impl PlacedOrder {
    /// The order's course, to advance by an event.
    fn course(&mut self) -> Course<'_> {
        Course {
            status: &mut self.status,
            reason: &mut self.reason,
            eta: &mut self.eta,
            delayed: &mut self.delayed,
        }
    }
}
