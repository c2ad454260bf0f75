//! The values of an order's history line by name (`fields` of `GET /api/v1/orders/{id}/history`):
//! what the English sentence says, as data, so that a page writes the sentence again in its own
//! language with names, money and dates per locale. Codes stay codes (model, dealer, plant,
//! location, options: the public catalog names them), money is `{amount_minor, currency}`, days
//! are `YYYY-MM-DD`, weeks `YYYY-Www`, instants RFC 3339. Nothing that the sentence does not
//! carry (no customer, no billing identity, no vehicle id).

use domain::invoice::InvoiceEvent;
use domain::order::{Fulfilment, OrderEvent};
use domain::streams::AnyEvent;
use serde_json::{json, Value};

/// The fields of the history line of `event` (an empty object when it has none).
pub(super) fn fields(event: &AnyEvent) -> Value {
    match event {
        AnyEvent::Order(event) => order(event),
        AnyEvent::Invoice(event) => invoice(event),
        _ => json!({}),
    }
}

fn order(event: &OrderEvent) -> Value {
    match event {
        OrderEvent::Placed {
            configuration,
            dealer,
            selling_dealer,
            price,
            ..
        } => {
            let mut out = json!({
                "model": configuration.model,
                "dealer": dealer,
                "price": price.gross,
            });
            if let Some(seller) = selling_dealer.as_ref().filter(|s| *s != dealer) {
                out["seller"] = json!(seller);
            }
            out
        }
        OrderEvent::AwaitingCapacity { since } => json!({ "since": since }),
        OrderEvent::Allocated { location, eta, .. } => json!({ "location": location, "eta": eta }),
        OrderEvent::Scheduled {
            plant,
            week,
            changeable_until,
            eta,
        } => json!({ "plant": plant, "week": week, "until": changeable_until, "eta": eta }),
        OrderEvent::ProductionStarted { vin, .. } => json!({ "vin": vin }),
        OrderEvent::Dispatched { eta, .. } => json!({ "eta": eta }),
        OrderEvent::Delayed { reason, new_eta } => json!({ "reason": reason, "eta": new_eta }),
        OrderEvent::ArrivedAtDealer { arrived_on } => json!({ "day": arrived_on }),
        OrderEvent::DelayCompensated {
            anchor_eta,
            days_late,
            amount,
            ..
        } => json!({ "days": days_late, "promised": anchor_eta, "amount": amount }),
        OrderEvent::HandoverBooked { at, .. } => json!({ "at": at }),
        OrderEvent::Amended {
            configuration,
            difference,
            released_vehicle,
            ..
        } => json!({
            "model": configuration.model,
            "options": configuration.options,
            "difference": difference,
            "released": released_vehicle.is_some(),
        }),
        OrderEvent::Cancelled {
            reason,
            refund,
            forfeited,
            ..
        } => json!({ "reason": reason, "refund": refund, "forfeited": forfeited }),
        OrderEvent::Reallocated {
            location,
            eta,
            released,
            ..
        } => {
            let mut out = json!({ "location": location, "eta": eta });
            match released {
                Some(Fulfilment::Build { plant, week, .. }) => {
                    out["plant"] = json!(plant);
                    out["week"] = json!(week);
                }
                Some(Fulfilment::Stock { .. }) => out["car"] = json!(true),
                None => {}
            }
            out
        }
        OrderEvent::Built { .. }
        | OrderEvent::Delivered { .. }
        | OrderEvent::VehicleWithdrawn { .. } => {
            json!({})
        }
    }
}

fn invoice(event: &InvoiceEvent) -> Value {
    match event {
        InvoiceEvent::Issued {
            number,
            price,
            amount_due,
            ..
        } => json!({ "number": number, "gross": price.gross, "due": amount_due }),
        InvoiceEvent::PaymentRecorded {
            amount,
            outstanding,
            ..
        } => json!({ "amount": amount, "outstanding": outstanding }),
        InvoiceEvent::Paid { number, .. } => json!({ "number": number }),
        InvoiceEvent::CreditNoteIssued {
            number,
            credit_number,
            refund,
            ..
        } => json!({ "credit": credit_number, "number": number, "refund": refund }),
    }
}
