//! Delay compensation, decided with the arrival: when a decision brings the
//! car to the dealer more than the market's grace period after the anchor
//! ETA (see `promise.rs`), the same decision records the credit
//! (`OrderDelayCompensated`), so it is written in one append with the
//! arrival and decided exactly once: a redelivered or replayed command finds
//! the order at the dealer and decides nothing, and an order compensated
//! once is never compensated again.

use super::{OrderEvent, PlacedOrder};
use crate::compensation::days_late;
use crate::Context;

/// `events` with the compensation appended after the arrival they contain,
/// when it is due.
pub(super) fn on_arrival(
    o: &PlacedOrder,
    mut events: Vec<OrderEvent>,
    ctx: &Context<'_>,
) -> Vec<OrderEvent> {
    let arrives = events
        .iter()
        .any(|e| matches!(e, OrderEvent::ArrivedAtDealer { .. }));
    if !arrives || o.promises.compensation.is_some() {
        return events;
    }
    let Some(terms) = ctx
        .catalog
        .market(&o.market)
        .and_then(|m| m.delay_compensation)
    else {
        return events;
    };
    let mut promises = o.promises.clone();
    let mut arrival = None;
    for event in &events {
        promises.record(event);
        if let OrderEvent::ArrivedAtDealer { arrived_on } = event {
            arrival = Some(*arrived_on);
        }
    }
    let (Some(arrived_on), Some(anchor_eta)) = (arrival, promises.anchor) else {
        return events;
    };
    let days_late = days_late(anchor_eta, arrived_on);
    let amount = terms.credit(days_late);
    if amount.is_positive() && amount.currency == o.price.gross.currency {
        events.push(OrderEvent::DelayCompensated {
            anchor_eta,
            arrived_on,
            days_late,
            amount,
        });
    }
    events
}
