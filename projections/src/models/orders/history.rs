//! One sentence per event of an order's timeline, as a customer or dealer reads it.

use domain::invoice::InvoiceEvent;
use domain::order::{Fulfilment, OrderEvent};
use domain::streams::AnyEvent;

/// What the event means for the order, in a sentence.
pub(super) fn summary(event: &AnyEvent) -> String {
    match event {
        AnyEvent::Order(event) => order(event),
        AnyEvent::Invoice(event) => invoice(event),
        other => other.event_type().to_owned(),
    }
}

fn order(event: &OrderEvent) -> String {
    match event {
        OrderEvent::Placed {
            configuration,
            dealer,
            price,
            ..
        } => format!(
            "Order placed: {} for delivery at {dealer}, {} gross",
            configuration.model, price.gross
        ),
        OrderEvent::AwaitingCapacity { since } => {
            format!("Awaiting capacity since {since}: no matching vehicle or free production week")
        }
        OrderEvent::Allocated {
            vehicle,
            location,
            eta,
            ..
        } => format!("Vehicle {vehicle} at {location} reserved; expected at the dealer on {eta}"),
        OrderEvent::Scheduled {
            plant,
            week,
            changeable_until,
            eta,
        } => format!(
            "Scheduled for production at {plant} in {week}; changeable until {changeable_until}; expected at the dealer on {eta}"
        ),
        OrderEvent::ProductionStarted { vin, .. } => format!("Production started, VIN {vin}"),
        OrderEvent::Built { .. } => "Build completed".to_owned(),
        OrderEvent::Dispatched { eta, .. } => {
            format!("Dispatched to the dealer; expected on {eta}")
        }
        OrderEvent::Delayed { reason, new_eta } => {
            format!("Delayed: {reason}; now expected on {new_eta}")
        }
        OrderEvent::ArrivedAtDealer { arrived_on } => format!("Arrived at the dealer on {arrived_on}"),
        OrderEvent::HandoverBooked { at } => format!(
            "Handover appointment booked for {}",
            at.format("%Y-%m-%d %H:%M UTC")
        ),
        OrderEvent::Delivered { .. } => "Handed over to the customer".to_owned(),
        OrderEvent::Amended {
            configuration,
            difference,
            released_vehicle,
            ..
        } => {
            let options: Vec<String> = configuration.options.iter().map(ToString::to_string).collect();
            let released = if released_vehicle.is_some() {
                "; the reserved vehicle no longer matches and was released"
            } else {
                ""
            };
            format!(
                "Configuration amended to {} ({}); price difference {difference}{released}",
                configuration.model,
                options.join(", ")
            )
        }
        OrderEvent::Cancelled {
            reason,
            refund,
            forfeited,
            ..
        } => format!("Cancelled: {reason}; deposit refunded {refund}, forfeited {forfeited}"),
        OrderEvent::Reallocated {
            vehicle,
            location,
            eta,
            released,
            ..
        } => {
            let gave_up = match released {
                Some(Fulfilment::Build { plant, week, .. }) => {
                    format!("; its production slot at {plant} in {week} was released")
                }
                Some(Fulfilment::Stock { vehicle, .. }) => {
                    format!("; vehicle {vehicle} was released")
                }
                None => String::new(),
            };
            format!("Reallocated vehicle {vehicle} at {location}; expected at the dealer on {eta}{gave_up}")
        }
        OrderEvent::VehicleWithdrawn { vehicle, .. } => format!(
            "Vehicle {vehicle} was reallocated to another order; looking for another vehicle or slot"
        ),
    }
}

fn invoice(event: &InvoiceEvent) -> String {
    match event {
        InvoiceEvent::Issued {
            number,
            price,
            amount_due,
            ..
        } => format!(
            "Invoice {number} issued: {} gross, {amount_due} due after the deposit",
            price.gross
        ),
        InvoiceEvent::PaymentRecorded {
            amount,
            outstanding,
            ..
        } => format!("Payment of {amount} received; {outstanding} outstanding"),
        InvoiceEvent::Paid { number, .. } => format!("Invoice {number} paid in full"),
        InvoiceEvent::CreditNoteIssued {
            number,
            credit_number,
            refund,
            ..
        } => format!("Credit note {credit_number} cancels invoice {number}; {refund} refunded"),
    }
}
