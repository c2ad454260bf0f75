//! `evolve` for the invoice.

use std::collections::BTreeMap;

use super::{CreditNote, Invoice, InvoiceDocument, InvoiceEvent, Issued};
use crate::values::Money;

/// Folds one event into the invoice.
pub fn evolve(state: Invoice, event: &InvoiceEvent) -> Invoice {
    match (state.0, event) {
        (
            None,
            InvoiceEvent::Issued {
                number,
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
            },
        ) => Invoice(Some(Issued {
            document: InvoiceDocument {
                number: number.clone(),
                order: *order,
                customer: customer.clone(),
                dealer: dealer.clone(),
                market: market.clone(),
                lines: lines.clone(),
                price: *price,
                deposit_paid: *deposit_paid,
                compensation: *compensation,
                amount_due: *amount_due,
                issued_on: *issued_on,
                billing: billing.clone(),
            },
            payments: BTreeMap::new(),
            paid_total: Money::zero(amount_due.currency),
            paid_on: None,
            credit: None,
        })),
        (
            Some(mut issued),
            InvoiceEvent::PaymentRecorded {
                payment,
                amount,
                paid_total,
                ..
            },
        ) => {
            issued.payments.insert(*payment, *amount);
            issued.paid_total = *paid_total;
            Invoice(Some(issued))
        }
        (Some(mut issued), InvoiceEvent::Paid { paid_on, .. }) => {
            issued.paid_on = Some(*paid_on);
            Invoice(Some(issued))
        }
        (
            Some(mut issued),
            InvoiceEvent::CreditNoteIssued {
                credit_number,
                refund,
                deposit_forfeited,
                reason,
                credited_on,
                ..
            },
        ) => {
            issued.credit = Some(CreditNote {
                credit_number: credit_number.clone(),
                refund: *refund,
                deposit_forfeited: *deposit_forfeited,
                reason: reason.clone(),
                credited_on: *credited_on,
            });
            Invoice(Some(issued))
        }
        // Impossible in a stream `decide` wrote: ignored.
        (state, _) => Invoice(state),
    }
}
