//! `decide` for the invoice: the rules of issuing, paying and crediting.

use chrono::{Datelike, NaiveDate};

use super::{Invoice, InvoiceCommand, InvoiceError, InvoiceEvent};
use crate::catalog::{Price, QuoteLine};
use crate::decider::Context;
use crate::rules::{checked_reason, ReasonProblem, MAX_REASON_CHARS};
use crate::values::{InvoiceNumber, MarketCode, Money, PaymentId};

/// Decides what a command does to an invoice.
pub fn decide(
    state: &Invoice,
    command: InvoiceCommand,
    ctx: &Context<'_>,
) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    match command {
        InvoiceCommand::Issue {
            number,
            order,
            customer,
            dealer,
            market,
            lines,
            price,
            deposit_paid,
            compensation,
            issued_on,
            billing,
        } => {
            if let Some(issued) = &state.0 {
                return if issued.document.number == number {
                    Ok(vec![])
                } else {
                    Err(InvoiceError::AlreadyIssued {
                        number: issued.document.number.clone(),
                    })
                };
            }
            let before_credit = check_document(
                &number,
                &market,
                &lines,
                price,
                deposit_paid,
                issued_on,
                ctx,
            )?;
            let compensation = credited(compensation, before_credit)?;
            let amount_due = match compensation {
                Some(credit) => before_credit
                    .checked_sub(credit)
                    .map_err(|_| InvoiceError::AmountOutOfRange)?,
                None => before_credit,
            };
            if ctx.catalog.dealer(&dealer).map(|d| &d.market) != Some(&market) {
                return Err(InvoiceError::DealerNotInMarket { dealer, market });
            }
            let mut events = vec![InvoiceEvent::Issued {
                number: number.clone(),
                order,
                customer,
                dealer,
                market,
                lines,
                price,
                deposit_paid,
                compensation,
                amount_due,
                issued_on,
                billing,
            }];
            if amount_due.is_zero() {
                events.push(InvoiceEvent::Paid {
                    number,
                    order,
                    paid_total: amount_due,
                    paid_on: issued_on,
                });
            }
            Ok(events)
        }
        InvoiceCommand::RecordPayment { payment, amount } => {
            record_payment(state, payment, amount, ctx)
        }
        InvoiceCommand::Credit {
            credit_number,
            reason,
            deposit_refunded,
        } => credit(state, credit_number, reason, deposit_refunded, ctx),
    }
}

/// The compensation line as credited: in the invoice's currency, never
/// negative, at most what is due before it (`None` for nothing).
fn credited(compensation: Option<Money>, due: Money) -> Result<Option<Money>, InvoiceError> {
    let Some(credit) = compensation else {
        return Ok(None);
    };
    if credit.currency != due.currency {
        return Err(InvoiceError::WrongCurrency {
            expected: due.currency,
            found: credit.currency,
        });
    }
    let amount = credit.amount_minor.clamp(0, due.amount_minor.max(0));
    Ok((amount > 0).then(|| Money::new(amount, due.currency)))
}

/// Checks invariant 4 on the document and returns the amount due before
/// any compensation.
fn check_document(
    number: &InvoiceNumber,
    market: &MarketCode,
    lines: &[QuoteLine],
    price: Price,
    deposit_paid: Money,
    issued_on: NaiveDate,
    ctx: &Context<'_>,
) -> Result<Money, InvoiceError> {
    let Some(terms) = ctx.catalog.market(market) else {
        return Err(InvoiceError::UnknownMarket {
            market: market.clone(),
        });
    };
    if &number.market != market {
        return Err(InvoiceError::NumberFromOtherMarket {
            number: number.clone(),
            market: market.clone(),
        });
    }
    if number.year != issued_on.year() {
        return Err(InvoiceError::NumberFromOtherYear {
            number: number.clone(),
            issued_on,
        });
    }
    if issued_on > ctx.today() {
        return Err(InvoiceError::IssuedInFuture { issued_on });
    }
    let amounts = [price.net, price.vat, price.gross, deposit_paid];
    let all = amounts.iter().chain(lines.iter().map(|l| &l.amount));
    if let Some(other) = all.map(|m| m.currency).find(|c| *c != terms.currency) {
        return Err(InvoiceError::WrongCurrency {
            expected: terms.currency,
            found: other,
        });
    }
    if !price.net.is_positive() {
        return Err(InvoiceError::NetNotPositive { net: price.net });
    }
    let lines_total = Money::sum(terms.currency, lines.iter().map(|l| &l.amount))
        .map_err(|_| InvoiceError::AmountOutOfRange)?;
    if lines_total != price.net {
        return Err(InvoiceError::LinesDoNotAddUp {
            lines: lines_total,
            net: price.net,
        });
    }
    if price.net.checked_add(price.vat) != Ok(price.gross) {
        return Err(InvoiceError::InconsistentAmounts {
            net: price.net,
            vat: price.vat,
            gross: price.gross,
        });
    }
    let expected =
        Price::from_net(price.net, terms.vat_rate).map_err(|_| InvoiceError::AmountOutOfRange)?;
    if expected.vat != price.vat {
        return Err(InvoiceError::WrongVat {
            expected: expected.vat,
            found: price.vat,
        });
    }
    if deposit_paid.amount_minor < 0 || deposit_paid.amount_minor > price.gross.amount_minor {
        return Err(InvoiceError::InvalidDeposit {
            deposit_paid,
            gross: price.gross,
        });
    }
    price
        .gross
        .checked_sub(deposit_paid)
        .map_err(|_| InvoiceError::AmountOutOfRange)
}

fn record_payment(
    state: &Invoice,
    payment: PaymentId,
    amount: Money,
    ctx: &Context<'_>,
) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    let Some(issued) = &state.0 else {
        return Err(InvoiceError::NotIssued);
    };
    if let Some(recorded) = issued.payments.get(&payment) {
        return if *recorded == amount {
            Ok(vec![])
        } else {
            Err(InvoiceError::PaymentConflict {
                payment,
                recorded: *recorded,
                attempted: amount,
            })
        };
    }
    if let Some(credit) = &issued.credit {
        return Err(InvoiceError::InvoiceCredited {
            credit_number: credit.credit_number.clone(),
        });
    }
    let due = issued.document.amount_due;
    if amount.currency != due.currency {
        return Err(InvoiceError::WrongCurrency {
            expected: due.currency,
            found: amount.currency,
        });
    }
    if !amount.is_positive() {
        return Err(InvoiceError::NonPositivePayment { amount });
    }
    let outstanding = issued.outstanding();
    if amount.amount_minor > outstanding.amount_minor {
        return Err(InvoiceError::Overpayment {
            outstanding,
            attempted: amount,
        });
    }
    let paid_total = issued
        .paid_total
        .checked_add(amount)
        .map_err(|_| InvoiceError::AmountOutOfRange)?;
    let outstanding = due
        .checked_sub(paid_total)
        .map_err(|_| InvoiceError::AmountOutOfRange)?;
    let (number, order) = (issued.document.number.clone(), issued.document.order);
    let mut events = vec![InvoiceEvent::PaymentRecorded {
        number: number.clone(),
        order,
        payment,
        amount,
        paid_total,
        outstanding,
        recorded_on: ctx.today(),
    }];
    if outstanding.is_zero() {
        events.push(InvoiceEvent::Paid {
            number,
            order,
            paid_total,
            paid_on: ctx.today(),
        });
    }
    Ok(events)
}

fn credit(
    state: &Invoice,
    credit_number: InvoiceNumber,
    reason: String,
    deposit_refunded: bool,
    ctx: &Context<'_>,
) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    let Some(issued) = &state.0 else {
        return Err(InvoiceError::NotIssued);
    };
    if let Some(credit) = &issued.credit {
        return if credit.credit_number == credit_number {
            Ok(vec![])
        } else {
            Err(InvoiceError::AlreadyCredited {
                credit_number: credit.credit_number.clone(),
            })
        };
    }
    let document = &issued.document;
    if credit_number.market != document.market {
        return Err(InvoiceError::NumberFromOtherMarket {
            number: credit_number,
            market: document.market.clone(),
        });
    }
    if credit_number == document.number {
        return Err(InvoiceError::CreditNumberIsInvoiceNumber {
            number: credit_number,
        });
    }
    let reason = checked_reason(&reason).map_err(|problem| match problem {
        ReasonProblem::Missing => InvoiceError::ReasonMissing,
        ReasonProblem::TooLong => InvoiceError::ReasonTooLong {
            max: MAX_REASON_CHARS,
        },
    })?;
    Ok(vec![InvoiceEvent::CreditNoteIssued {
        number: document.number.clone(),
        order: document.order,
        credit_number,
        price: document.price,
        refund: issued.paid_total,
        deposit_forfeited: if deposit_refunded {
            Money::zero(document.deposit_paid.currency)
        } else {
            document.deposit_paid
        },
        reason,
        credited_on: ctx.today(),
    }])
}
