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
use domain::order::{Order, OrderEvent, PlacedOrder};
use domain::streams::{invoice_stream, order_stream, register_stream};
use domain::values::{InvoiceNumber, MarketCode, OrderId};
use store::Metadata;

use super::{check, events_of, load, run, Progress};
use crate::rejection::ServiceError;
use crate::{CommandError, Executor};

/// What the order's own stream says about invoicing: when it arrived at the
/// dealer and whether (why, when) it was cancelled.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrderHistory {
    pub arrived_on: Option<NaiveDate>,
    pub cancelled: Option<(String, DateTime<Utc>)>,
}

/// Reads the order's events for its arrival and cancellation.
pub(crate) async fn history(exec: &Executor, order: OrderId) -> Result<OrderHistory, ServiceError> {
    let mut found = OrderHistory::default();
    for event in events_of::<OrderEvent>(exec, &order_stream(order)).await? {
        match event {
            OrderEvent::ArrivedAtDealer { arrived_on } => found.arrived_on = Some(arrived_on),
            OrderEvent::Cancelled {
                reason,
                cancelled_at,
                ..
            } => found.cancelled = Some((reason, cancelled_at)),
            _ => {}
        }
    }
    Ok(found)
}

/// Issues the order's invoice and credits it when the order's history says
/// so (see the [module documentation](self)); returns the invoice as it
/// then stands (the default, "not issued", when there is none).
pub(crate) async fn settle(
    exec: &Executor,
    order: OrderId,
    metadata: &Metadata,
    progress: &mut Progress,
) -> Result<Invoice, ServiceError> {
    let state = load::<Order>(exec, &order_stream(order)).await?;
    let Some(placed) = state.placed() else {
        return Err(CommandError::NotFound(format!("order {order}")));
    };
    let history = history(exec, order).await?;
    let Some(arrived_on) = history.arrived_on else {
        return Ok(Invoice::default());
    };
    let cancelled = history.cancelled.is_some();
    let Some(mut invoice) = issue(exec, placed, arrived_on, cancelled, metadata, progress).await?
    else {
        return Ok(Invoice::default());
    };
    if let Some((reason, cancelled_at)) = history.cancelled {
        invoice = credit(
            exec,
            placed,
            &invoice,
            &reason,
            cancelled_at,
            metadata,
            progress,
        )
        .await?;
    }
    Ok(invoice)
}

/// Validate, assign, issue. `None` when the order was cancelled before a
/// number was assigned to it (then it is never invoiced).
async fn issue(
    exec: &Executor,
    order: &PlacedOrder,
    issued_on: NaiveDate,
    cancelled: bool,
    metadata: &Metadata,
    progress: &mut Progress,
) -> Result<Option<Invoice>, ServiceError> {
    let invoice_stream = invoice_stream(order.id);
    let invoice = load::<Invoice>(exec, &invoice_stream).await?;
    if invoice.number().is_some() {
        progress.found_done();
        return Ok(Some(invoice));
    }
    let register = register_stream(&order.market, issued_on.year());
    let assigned = load::<InvoiceRegister>(exec, &register)
        .await?
        .number_for(&order.id, DocumentKind::Invoice)
        .cloned();
    let number = match assigned {
        Some(number) => number,
        None if cancelled => return Ok(None),
        None => {
            // A document that would be refused never consumes a number.
            let provisional = provisional(&order.market, issued_on.year(), 1);
            check::<Invoice>(exec, &invoice, document(order, provisional, issued_on))
                .map_err(CommandError::Rejected)?;
            assign(
                exec,
                order,
                issued_on.year(),
                DocumentKind::Invoice,
                metadata,
                progress,
            )
            .await?
        }
    };
    let done = run::<Invoice>(exec, &invoice_stream, metadata, progress, |_| {
        document(order, number.clone(), issued_on)
    })
    .await?;
    Ok(Some(done.state))
}

/// Credits an issued invoice of a cancelled order with a number of the
/// register of the cancellation's year.
async fn credit(
    exec: &Executor,
    order: &PlacedOrder,
    invoice: &Invoice,
    reason: &str,
    cancelled_at: DateTime<Utc>,
    metadata: &Metadata,
    progress: &mut Progress,
) -> Result<Invoice, ServiceError> {
    if invoice.credit_note().is_some() {
        progress.found_done();
        return Ok(invoice.clone());
    }
    let year = cancelled_at.date_naive().year();
    let register = register_stream(&order.market, year);
    let assigned = load::<InvoiceRegister>(exec, &register)
        .await?
        .number_for(&order.id, DocumentKind::CreditNote)
        .cloned();
    let command = |credit_number: InvoiceNumber| InvoiceCommand::Credit {
        credit_number,
        reason: reason.to_owned(),
    };
    let credit_number = match assigned {
        Some(number) => number,
        None => {
            let taken = invoice.number().map_or(0, |n| n.sequence);
            let provisional = provisional(&order.market, year, if taken == 1 { 2 } else { 1 });
            check::<Invoice>(exec, invoice, command(provisional))
                .map_err(CommandError::Rejected)?;
            assign(
                exec,
                order,
                year,
                DocumentKind::CreditNote,
                metadata,
                progress,
            )
            .await?
        }
    };
    let done = run::<Invoice>(exec, &invoice_stream(order.id), metadata, progress, |_| {
        command(credit_number.clone())
    })
    .await?;
    Ok(done.state)
}

/// Takes the next number of the market-year register for the order's
/// document of `kind` (or reads the one it already has).
async fn assign(
    exec: &Executor,
    order: &PlacedOrder,
    year: i32,
    kind: DocumentKind,
    metadata: &Metadata,
    progress: &mut Progress,
) -> Result<InvoiceNumber, ServiceError> {
    let register = register_stream(&order.market, year);
    let done = run::<InvoiceRegister>(exec, &register, metadata, progress, |_| {
        InvoiceRegisterCommand::Assign {
            market: order.market.clone(),
            year,
            order: order.id,
            kind,
        }
    })
    .await?;
    done.state
        .number_for(&order.id, kind)
        .cloned()
        .ok_or_else(|| CommandError::Corrupt {
            stream: register,
            reason: format!("no number for order {} after assigning one", order.id),
        })
}

/// The invoice document of `order` with `number`.
fn document(order: &PlacedOrder, number: InvoiceNumber, issued_on: NaiveDate) -> InvoiceCommand {
    InvoiceCommand::Issue {
        number,
        order: order.id,
        customer: order.customer.clone(),
        dealer: order.dealer.clone(),
        market: order.market.clone(),
        lines: order.lines.clone(),
        price: order.price,
        deposit_paid: order.deposit,
        issued_on,
    }
}

fn provisional(market: &MarketCode, year: i32, sequence: u32) -> InvoiceNumber {
    InvoiceNumber {
        market: market.clone(),
        year,
        sequence,
    }
}
