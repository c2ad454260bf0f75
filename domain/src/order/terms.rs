//! Amending and cancelling, and what the deposit does then (spec: the
//! order's life, point 6): a build until its freeze; stock until its vehicle
//! is dispatched to the dealer, or for a car that already stood at the
//! order's dealer, until a handover is booked or a payment is made on its
//! invoice; and in a market with an online withdrawal period (DE: 14 days),
//! an order placed online and not built to the customer's configuration is
//! refunded in full within that period.

use super::decide::{not_allowed, valid_reason, Decision};
use super::{
    Action, Channel, Fulfilment, InvoiceFacts, OrderError, OrderEvent, OrderStatus, PlacedOrder,
    VehicleSource,
};
use crate::rules;
use crate::values::{Money, OptionCode};
use crate::Context;

pub(super) fn amend(
    o: &PlacedOrder,
    ctx: &Context<'_>,
    options: &[OptionCode],
    invoice: InvoiceFacts,
) -> Decision {
    use OrderStatus::*;
    match (&o.fulfilment, o.status) {
        (_, Placed) => {}
        (Some(Fulfilment::Stock { .. }), AtDealer | HandoverScheduled) if stood_at_dealer(o) => {
            if o.status == HandoverScheduled {
                return Err(OrderError::AmendAfterHandoverBooked);
            }
            if invoice.issued || invoice.payment_made {
                return Err(OrderError::AmendAfterInvoice);
            }
        }
        (Some(Fulfilment::Build { week, .. }), Scheduled) => {
            if rules::is_frozen(*week, ctx.today()) {
                return Err(OrderError::AmendAfterFreeze {
                    frozen_on: rules::freeze_date(*week),
                });
            }
        }
        (Some(Fulfilment::Stock { .. }), Allocated) if !o.dispatched => {}
        (Some(Fulfilment::Stock { .. }), Allocated | InTransit) => {
            return Err(OrderError::AmendAfterDispatch)
        }
        (Some(Fulfilment::Build { week, .. }), InProduction | Built | InTransit) => {
            return Err(OrderError::AmendAfterFreeze {
                frozen_on: rules::freeze_date(*week),
            });
        }
        _ => return Err(not_allowed(o, Action::Amend)),
    }
    let quote = ctx
        .catalog
        .requote(&o.sheet, options)
        .map_err(OrderError::InvalidConfiguration)?;
    if quote.configuration == o.configuration {
        return Ok(vec![]);
    }
    let difference = quote.price.net.checked_sub(o.price.net)?;
    let released_vehicle = match &o.fulfilment {
        Some(Fulfilment::Stock { vehicle, .. }) => Some(*vehicle),
        _ => None,
    };
    Ok(vec![OrderEvent::Amended {
        configuration: quote.configuration,
        lines: quote.lines,
        price: quote.price,
        difference,
        released_vehicle,
    }])
}

/// Whether the order holds a stock car that already stood at its dealer when
/// it was matched (never dispatched to it): the spec's "car already stands
/// at the order's dealer".
fn stood_at_dealer(o: &PlacedOrder) -> bool {
    matches!(
        o.fulfilment,
        Some(Fulfilment::Stock {
            source: VehicleSource::AtDealer,
            ..
        })
    ) && !o.dispatched
}

/// Whether the deposit is refunded in full on a cancellation now (spec: the
/// order's life, point 6): before the freeze of a build; for stock, before
/// the vehicle is dispatched to the dealer, or, for a car that already stood
/// at the dealer, before a handover appointment is booked or a payment is
/// made on its invoice; and, whatever the fulfilment, within the market's
/// online withdrawal period (14 days in DE) for an order placed online and
/// not built to the customer's configuration.
fn deposit_refundable(o: &PlacedOrder, ctx: &Context<'_>, invoice: InvoiceFacts) -> bool {
    if within_online_withdrawal(o, ctx) {
        return true;
    }
    match &o.fulfilment {
        None => true,
        Some(Fulfilment::Build { week, .. }) => {
            o.status == OrderStatus::Scheduled && !rules::is_frozen(*week, ctx.today())
        }
        Some(Fulfilment::Stock { .. }) if stood_at_dealer(o) => {
            o.status == OrderStatus::AtDealer && !invoice.payment_made
        }
        Some(Fulfilment::Stock { .. }) => !o.dispatched && o.status < OrderStatus::AtDealer,
    }
}

/// The distance-selling right: an order placed online, fulfilled from stock
/// (or not fulfilled yet), may be withdrawn within the market's period after
/// placing it. A build to the customer's own configuration is exempt.
fn within_online_withdrawal(o: &PlacedOrder, ctx: &Context<'_>) -> bool {
    if o.channel != Channel::Online || matches!(o.fulfilment, Some(Fulfilment::Build { .. })) {
        return false;
    }
    let Some(days) = ctx
        .catalog
        .market(&o.market)
        .and_then(|m| m.online_withdrawal_days)
    else {
        return false;
    };
    ctx.now <= o.placed_at + chrono::Duration::days(i64::from(days))
}

pub(super) fn cancel(
    o: &PlacedOrder,
    ctx: &Context<'_>,
    reason: &str,
    invoice: InvoiceFacts,
) -> Decision {
    match o.status {
        OrderStatus::Cancelled => return Ok(vec![]),
        OrderStatus::Delivered => return Err(not_allowed(o, Action::Cancel)),
        _ => {}
    }
    let reason = valid_reason(reason)?;
    let zero = Money::zero(o.deposit.currency);
    let (refund, forfeited) = if deposit_refundable(o, ctx, invoice) {
        (o.deposit, zero)
    } else {
        (zero, o.deposit)
    };
    Ok(vec![OrderEvent::Cancelled {
        reason,
        refund,
        forfeited,
        released: o.fulfilment.clone(),
        cancelled_at: ctx.now,
    }])
}
