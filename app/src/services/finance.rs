//! Finance: payments against the invoices the engine issued.

use domain::invoice::{Invoice, InvoiceCommand, InvoiceStatus};
use domain::invoice_register::{DocumentKind, InvoiceRegister};
use domain::values::{InvoiceNumber, Money, OrderId, PaymentId, RegisterKey};
use store::{Metadata, Position};

use super::Services;
use crate::rejection::ServiceError;
use crate::steps::{load, run, Reached};
use crate::CommandError;

/// A payment recorded against an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecorded {
    pub number: InvoiceNumber,
    pub order: OrderId,
    pub paid_total: Money,
    pub outstanding: Money,
    pub status: InvoiceStatus,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

impl Services {
    /// Records a payment on the invoice `number`. The order is found through
    /// the number's register (`invoices-{market}-{year}` knows which order
    /// holds which number); an unknown number, or a credit note's, is
    /// `NotFound`. Overpayment is refused
    /// ([`InvoiceError::Overpayment`](domain::invoice::InvoiceError::Overpayment));
    /// the same payment id with the same amount again changes nothing.
    pub async fn record_payment(
        &self,
        number: &InvoiceNumber,
        amount: Money,
        payment: PaymentId,
        metadata: &Metadata,
    ) -> Result<PaymentRecorded, ServiceError> {
        let exec = &self.exec;
        let not_found = || CommandError::NotFound(format!("invoice {number}"));
        let register = RegisterKey::new(number.market.clone(), number.year);
        let order = load::<InvoiceRegister>(exec, &register)
            .await?
            .assigned()
            .find(|(_, kind, n)| *kind == DocumentKind::Invoice && *n == number)
            .map(|(order, _, _)| *order)
            .ok_or_else(not_found)?;
        if load::<Invoice>(exec, &order).await?.number() != Some(number) {
            return Err(not_found());
        }
        let done = run::<Invoice>(exec, &order, metadata, |_| InvoiceCommand::RecordPayment {
            payment,
            amount,
        })
        .await?;
        let reached = Reached::of(&done);
        let invoice = done.state;
        let zero = Money::zero(amount.currency);
        Ok(PaymentRecorded {
            number: number.clone(),
            order,
            paid_total: invoice.paid_total().unwrap_or(zero),
            outstanding: invoice.outstanding().unwrap_or(zero),
            status: invoice.status().unwrap_or(InvoiceStatus::Open),
            position: reached.position(exec).await?,
        })
    }
}
