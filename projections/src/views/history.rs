//! An order's history timeline: its own events and its invoice's, oldest first, one sentence
//! each.
//!
//! The timeline is read from the order's two streams (`order-{id}`, `invoice-{id}`) rather
//! than kept as a read model: it *is* those events, a copy would be a third of all the bytes
//! the runner writes (it grows with every event of the order and is rewritten each time),
//! and reading two streams by key is as cheap as reading one document. It is never behind
//! the log, so it needs no waiting for a position.

use chrono::{DateTime, Utc};
use domain::invoice::{Invoice, InvoiceEvent};
use domain::order::{Fulfilment, Order, OrderEvent};
use domain::streams::{stream_name, AnyEvent};
use domain::values::OrderId;
use serde::Serialize;
use store::{EventStore, RecordedEvent, StoreError, StreamId};

use super::ReadModels;
use crate::error::ReadModelError;

/// One line of an order's timeline (`GET /api/v1/orders/{id}/history`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// The event's position in the log.
    pub position: u64,
    /// When it happened in business time (the business clock, which may be simulated).
    pub at: DateTime<Utc>,
    /// The stored event type, e.g. `OrderDispatched`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// What happened, in a sentence.
    pub summary: String,
    /// The sentence's values by name (codes, money as `{amount_minor, currency}`, days,
    /// ISO weeks, instants), for a page that writes it in another language; `{}` when the
    /// sentence has none.
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
}

impl ReadModels {
    /// The timeline of an order, oldest first (`None`: unknown order).
    pub async fn order_history(
        &self,
        order: OrderId,
    ) -> Result<Option<Vec<HistoryEntry>>, ReadModelError> {
        let mut records = read_stream(self.events(), &stream_name::<Order>(&order)).await?;
        if records.is_empty() {
            return Ok(None);
        }
        records.extend(read_stream(self.events(), &stream_name::<Invoice>(&order)).await?);
        records.sort_by_key(|r| r.position);
        records
            .iter()
            .map(entry)
            .collect::<Result<_, _>>()
            .map(Some)
    }
}

fn store_error(error: StoreError) -> ReadModelError {
    match error {
        StoreError::Unavailable(reason) | StoreError::Locked(reason) => {
            ReadModelError::Unavailable(reason)
        }
        other => ReadModelError::Backend(other.to_string()),
    }
}

async fn read_stream(
    events: &dyn EventStore,
    stream: &str,
) -> Result<Vec<RecordedEvent>, ReadModelError> {
    const PAGE: usize = 1024;
    let stream = StreamId::parse(stream).map_err(store_error)?;
    let mut records = Vec::new();
    loop {
        let from = records.len() as u64;
        let page = events
            .read_stream(&stream, from, PAGE)
            .await
            .map_err(store_error)?;
        let done = page.len() < PAGE;
        records.extend(page);
        if done {
            return Ok(records);
        }
    }
}

fn entry(record: &RecordedEvent) -> Result<HistoryEntry, ReadModelError> {
    let event = AnyEvent::decode(record.stream_id.as_str(), record.payload.as_str())
        .map_err(|e| ReadModelError::Backend(format!("position {}: {e}", record.position)))?
        .event;
    Ok(HistoryEntry {
        position: record.position.0,
        at: record.occurred_at(),
        event_type: record.event_type.clone(),
        summary: summary(&event),
        fields: super::history_fields::fields(&event),
    })
}

/// What the event means for the order, in a sentence.
fn summary(event: &AnyEvent) -> String {
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
            selling_dealer,
            price,
            ..
        } => {
            let sold_elsewhere = selling_dealer
                .as_ref()
                .filter(|seller| *seller != dealer)
                .map(|seller| format!(" (sold by {seller})"))
                .unwrap_or_default();
            format!(
                "Order placed: {} for delivery at {dealer}{sold_elsewhere}, {} gross",
                configuration.model, price.gross
            )
        }
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
        OrderEvent::DelayCompensated {
            anchor_eta,
            days_late,
            amount,
            ..
        } => format!(
            "Arrived {days_late} days after the promised {anchor_eta}: {amount} delay compensation, credited on the invoice"
        ),
        OrderEvent::HandoverBooked { at, .. } => format!(
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
