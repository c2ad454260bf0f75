//! The OEM's invoice for an order and its credit note, following
//! `docs/decisions/0003-gapless-invoice-numbers.md`: validate, assign the
//! next number of the market-year register, issue the document with it.
//!
//! Both the invoicing process manager and the cancellation service call
//! [`settle`], which brings an order's invoice to where the order's history
//! says it must be:
//!
//! - the order arrived at its dealer → the invoice is issued, dated the day
//!   of the arrival (a fact of the log, so every retry uses the same date,
//!   hence the same year's register, and finds the number it took before);
//!   an order matched to a stock car that already stood at its dealer is
//!   invoiced when its handover appointment is booked, dated that day (until
//!   then it may still be amended and its deposit is refundable, spec: the
//!   order's life, point 6; see docs/domain.md);
//! - the order was cancelled before a number was taken → no invoice;
//!   after → the invoice is still issued with that number (a number once
//!   assigned always ends on a document) and then credited;
//! - an issued invoice of a cancelled order is credited with a credit-note
//!   number from the register of the cancellation's year.
//!
//! Every step is a no-op when already done (`Assign` for an order that has
//! its number, `Issue` with the same number, `Credit` with the same number).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::invoice::{Invoice, InvoiceCommand};
use domain::invoice_register::{DocumentKind, InvoiceRegister, InvoiceRegisterCommand};
use domain::order::{Order, OrderEvent, PlacedOrder, VehicleSource};
use domain::streams::stream_name;
use domain::values::{InvoiceNumber, MarketCode, OrderId, RegisterKey};
use store::Metadata;

use super::{check, events_of, load, run, Reached};
use crate::rejection::ServiceError;
use crate::{CommandError, Executor};

/// What the order's own stream says about invoicing: the day its invoice is
/// due (if it is yet) and whether (why, when, with the deposit refunded or
/// not) it was cancelled.
#[derive(Debug, Clone, Default)]
struct OrderHistory {
    invoice_on: Option<NaiveDate>,
    /// The last arrival at the dealer, whatever the invoice waits for.
    arrived_on: Option<NaiveDate>,
    cancelled: Option<Cancelled>,
}

#[derive(Debug, Clone)]
struct Cancelled {
    reason: String,
    at: DateTime<Utc>,
    deposit_refunded: bool,
}

/// Reads the order's events for the day its invoice is due and its
/// cancellation: the arrival at the dealer, or for a car that stood at the
/// dealer when the order was matched to it, the first booking of the
/// handover after that match (an amendment that released the car puts the
/// order back to fulfilment: nothing is due until its next car arrives).
async fn history(exec: &Executor, order: OrderId) -> Result<OrderHistory, ServiceError> {
    let mut found = OrderHistory::default();
    let mut matched_at_dealer = false;
    let mut stood_at_dealer = false;
    for event in events_of::<Order>(exec, &order).await? {
        match event {
            OrderEvent::Allocated { source, .. } | OrderEvent::Reallocated { source, .. } => {
                matched_at_dealer = source == VehicleSource::AtDealer;
            }
            OrderEvent::ArrivedAtDealer { arrived_on } => {
                found.arrived_on = Some(arrived_on);
                stood_at_dealer = matched_at_dealer;
                if !stood_at_dealer {
                    found.invoice_on = Some(arrived_on);
                }
            }
            OrderEvent::HandoverBooked { booked_on, at } if stood_at_dealer => {
                let booked_on = booked_on.unwrap_or_else(|| at.date_naive());
                found.invoice_on.get_or_insert(booked_on);
            }
            OrderEvent::Amended {
                released_vehicle: Some(_),
                ..
            }
            | OrderEvent::VehicleWithdrawn { .. } => {
                (matched_at_dealer, stood_at_dealer) = (false, false);
                found.invoice_on = None;
            }
            OrderEvent::Cancelled {
                reason,
                cancelled_at,
                refund,
                ..
            } => {
                found.cancelled = Some(Cancelled {
                    reason,
                    at: cancelled_at,
                    deposit_refunded: refund.is_positive(),
                })
            }
            _ => {}
        }
    }
    Ok(found)
}

/// Issues the order's invoice and credits it when the order's history says
/// so (see the [module documentation](self)); returns the invoice as it
/// then stands (the default, "not issued", when there is none) and how far
/// it got.
pub(crate) async fn settle(
    exec: &Executor,
    order: OrderId,
    metadata: &Metadata,
) -> Result<(Invoice, Reached), ServiceError> {
    let state = load::<Order>(exec, &order).await?;
    let Some(placed) = state.placed() else {
        return Err(CommandError::NotFound(format!("order {order}")));
    };
    let history = history(exec, order).await?;
    let invoice_on = match history.invoice_on {
        Some(day) => day,
        None => match earlier_rule_issue_day(exec, placed, &history).await? {
            Some(day) => day,
            None => return Ok((Invoice::default(), Reached::Nothing)),
        },
    };
    let cancelled = history.cancelled.is_some();
    let (issued, mut reached) = issue(exec, placed, invoice_on, cancelled, metadata).await?;
    let Some(mut invoice) = issued else {
        return Ok((Invoice::default(), reached));
    };
    if let Some(cancelled) = history.cancelled {
        let credited;
        (invoice, credited) = credit(exec, placed, &invoice, &cancelled, metadata).await?;
        reached = reached.max(credited);
    }
    Ok((invoice, reached))
}

/// An invoice not due (yet) under today's rule may have been started under
/// the earlier one, which invoiced an order matched to a car at its dealer at
/// once: its document, or a number already assigned for it in the register
/// of its arrival's year, is finished (a number once assigned always ends on
/// a document).
async fn earlier_rule_issue_day(
    exec: &Executor,
    order: &PlacedOrder,
    history: &OrderHistory,
) -> Result<Option<NaiveDate>, ServiceError> {
    let invoice = load::<Invoice>(exec, &order.id).await?;
    if let Some(issued) = invoice.document() {
        return Ok(Some(issued.issued_on));
    }
    let Some(arrived_on) = history.arrived_on else {
        return Ok(None);
    };
    let register = RegisterKey::new(order.market.clone(), arrived_on.year());
    let numbered = load::<InvoiceRegister>(exec, &register)
        .await?
        .number_for(&order.id, DocumentKind::Invoice)
        .is_some();
    Ok(numbered.then_some(arrived_on))
}

/// Validate, assign, issue. `None` when the order was cancelled before a
/// number was assigned to it (then it is never invoiced).
async fn issue(
    exec: &Executor,
    order: &PlacedOrder,
    issued_on: NaiveDate,
    cancelled: bool,
    metadata: &Metadata,
) -> Result<(Option<Invoice>, Reached), ServiceError> {
    let invoice = load::<Invoice>(exec, &order.id).await?;
    if invoice.number().is_some() {
        return Ok((Some(invoice), Reached::FoundDone));
    }
    let register = RegisterKey::new(order.market.clone(), issued_on.year());
    let assigned = load::<InvoiceRegister>(exec, &register)
        .await?
        .number_for(&order.id, DocumentKind::Invoice)
        .cloned();
    let (number, assigning) = match assigned {
        Some(number) => (number, Reached::Nothing),
        None if cancelled => return Ok((None, Reached::Nothing)),
        None => {
            // A document that would be refused never consumes a number.
            let provisional = provisional(&order.market, issued_on.year(), 1);
            check::<Invoice>(
                exec,
                &invoice,
                document(order, provisional, issued_on, None),
            )
            .map_err(CommandError::Rejected)?;
            assign(
                exec,
                order,
                issued_on.year(),
                DocumentKind::Invoice,
                metadata,
            )
            .await?
        }
    };
    let billing = billing_identity(exec, order, issued_on.year()).await?;
    let done = run::<Invoice>(exec, &order.id, metadata, |_| {
        document(order, number.clone(), issued_on, billing.clone())
    })
    .await?;
    let reached = assigning.max(Reached::of(&done));
    Ok((Some(done.state), reached))
}

/// Credits an issued invoice of a cancelled order with a number of the
/// register of the cancellation's year.
async fn credit(
    exec: &Executor,
    order: &PlacedOrder,
    invoice: &Invoice,
    cancelled: &Cancelled,
    metadata: &Metadata,
) -> Result<(Invoice, Reached), ServiceError> {
    if invoice.credit_note().is_some() {
        return Ok((invoice.clone(), Reached::FoundDone));
    }
    let year = cancelled.at.date_naive().year();
    let register = RegisterKey::new(order.market.clone(), year);
    let assigned = load::<InvoiceRegister>(exec, &register)
        .await?
        .number_for(&order.id, DocumentKind::CreditNote)
        .cloned();
    let command = |credit_number: InvoiceNumber| InvoiceCommand::Credit {
        credit_number,
        reason: cancelled.reason.clone(),
        deposit_refunded: cancelled.deposit_refunded,
    };
    let (credit_number, assigning) = match assigned {
        Some(number) => (number, Reached::Nothing),
        None => {
            let taken = invoice.number().map_or(0, |n| n.sequence);
            let provisional = provisional(&order.market, year, if taken == 1 { 2 } else { 1 });
            check::<Invoice>(exec, invoice, command(provisional))
                .map_err(CommandError::Rejected)?;
            assign(exec, order, year, DocumentKind::CreditNote, metadata).await?
        }
    };
    let done = run::<Invoice>(exec, &order.id, metadata, |_| {
        command(credit_number.clone())
    })
    .await?;
    let reached = assigning.max(Reached::of(&done));
    Ok((done.state, reached))
}

/// Takes the next number of the market-year register for the order's
/// document of `kind` (or reads the one it already has), and how far that
/// got.
async fn assign(
    exec: &Executor,
    order: &PlacedOrder,
    year: i32,
    kind: DocumentKind,
    metadata: &Metadata,
) -> Result<(InvoiceNumber, Reached), ServiceError> {
    let register = RegisterKey::new(order.market.clone(), year);
    let done = run::<InvoiceRegister>(exec, &register, metadata, |_| {
        InvoiceRegisterCommand::Assign {
            market: order.market.clone(),
            year,
            order: order.id,
            kind,
        }
    })
    .await?;
    let number = done
        .state
        .number_for(&order.id, kind)
        .cloned()
        .ok_or_else(|| CommandError::Corrupt {
            stream: stream_name::<InvoiceRegister>(&register),
            reason: format!("no number for order {} after assigning one", order.id),
        })?;
    Ok((number, Reached::of(&done)))
}

/// The buyer's billing identity (name and billing address of the profile the order was
/// placed with), sealed under the customer's key for `year`'s invoices, so it survives an
/// erasure until the retention ends. `None` without a vault, without a profile on the
/// order, or when the profile's key is already destroyed.
async fn billing_identity(
    exec: &Executor,
    order: &PlacedOrder,
    year: i32,
) -> Result<Option<domain::values::Sealed>, ServiceError> {
    use crate::people::{BillingIdentity, Profile, BILLING_FIELD, PROFILE_FIELD};
    let (Some(vault), Some(sealed)) = (exec.vault(), order.billing.as_ref()) else {
        return Ok(None);
    };
    let subject = order.customer.as_str();
    let failed = |e: crate::vault::VaultError| CommandError::Corrupt {
        stream: format!("customer-{subject}"),
        reason: e.to_string(),
    };
    let Some(profile) = vault
        .open_json::<Profile>(subject, PROFILE_FIELD, sealed)
        .await
        .map_err(failed)?
        .clear()
    else {
        return Ok(None);
    };
    let identity = BillingIdentity {
        name: profile.name,
        address: profile.billing_address,
    };
    vault
        .seal_json(
            subject,
            crate::vault::Purpose::Billing(year),
            BILLING_FIELD,
            &identity,
        )
        .await
        .map(Some)
        .map_err(failed)
}

/// The invoice document of `order` with `number`.
fn document(
    order: &PlacedOrder,
    number: InvoiceNumber,
    issued_on: NaiveDate,
    billing: Option<domain::values::Sealed>,
) -> InvoiceCommand {
    InvoiceCommand::Issue {
        number,
        order: order.id,
        customer: order.customer.clone(),
        dealer: order.dealer.clone(),
        market: order.market.clone(),
        lines: order.lines.clone(),
        price: order.price,
        deposit_paid: order.deposit,
        compensation: order.promises.compensation.map(|c| c.amount),
        issued_on,
        billing,
    }
}

fn provisional(market: &MarketCode, year: i32, sequence: u32) -> InvoiceNumber {
    InvoiceNumber {
        market: market.clone(),
        year,
        sequence,
    }
}
