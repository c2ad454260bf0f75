//! Finance: the OEM's invoices (open, paid, credited) and the dealers' commission lines,
//! from which the monthly statements are summed.

use chrono::NaiveDate;
use domain::catalog::QuoteLine;
use domain::commission::CommissionEvent;
use domain::invoice::{InvoiceEvent, InvoiceStatus};
use domain::streams::Aggregate;
use domain::streams::AnyEvent;
use domain::values::{
    CustomerId, DealerId, InvoiceNumber, MarketCode, Money, Month, OrderId, Rate,
};
use serde::{Deserialize, Serialize};

use crate::docs::Docs;
use crate::document::{Document, Tags};
use crate::error::ProjectionError;
use crate::models::fields;
use crate::projection::{Envelope, Projection};

/// One invoice.
///
/// Collection `invoices`, key: the invoice number; tags: order, customer, status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDoc {
    pub number: InvoiceNumber,
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub dealer_id: DealerId,
    pub market: MarketCode,
    pub lines: Vec<QuoteLine>,
    pub net: Money,
    pub vat: Money,
    pub gross: Money,
    pub deposit_paid: Money,
    /// The delay compensation credited on the invoice (its own line, reducing the amount
    /// due); absent when none was due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<Money>,
    pub amount_due: Money,
    /// The payments received so far.
    pub paid: Money,
    pub status: InvoiceStatus,
    #[serde(serialize_with = "fields::date")]
    pub issued_on: NaiveDate,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_date"
    )]
    pub paid_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_note: Option<CreditNoteDoc>,
    /// The buyer's billing identity, sealed under the invoice year's billing key (opened by
    /// the API; unreadable once its retention ended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<domain::values::Sealed>,
}

impl Document for InvoiceDoc {
    const COLLECTION: &'static str = "invoices";

    fn tags(&self) -> Tags {
        let status = match self.status {
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Credited => "credited",
        };
        Tags::new(
            Some(self.order_id.to_string()),
            Some(self.customer_id.to_string()),
            Some(status.to_owned()),
        )
    }
}

/// The credit note that cancelled an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteDoc {
    pub number: InvoiceNumber,
    pub refund: Money,
    pub deposit_forfeited: Money,
    pub reason: String,
    #[serde(serialize_with = "fields::date")]
    pub credited_on: NaiveDate,
}

/// One order's commission on a dealer's monthly statement.
///
/// Collection `commission_lines`, key: `DEALER/YYYY-MM/ORDER`; tag 1: `DEALER/YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionLineDoc {
    pub dealer_id: DealerId,
    pub month: Month,
    pub order_id: OrderId,
    pub market: MarketCode,
    pub net_price: Money,
    pub rate: Rate,
    pub fee: Money,
    pub commission: Money,
    #[serde(serialize_with = "fields::date")]
    pub delivered_on: NaiveDate,
    pub settled: bool,
}

impl CommissionLineDoc {
    /// The statement a line belongs to: `DEALER/YYYY-MM`.
    pub fn statement(dealer: &DealerId, month: Month) -> String {
        format!("{dealer}/{month}")
    }
}

impl Document for CommissionLineDoc {
    const COLLECTION: &'static str = "commission_lines";

    fn tags(&self) -> Tags {
        Tags::new(
            Some(CommissionLineDoc::statement(&self.dealer_id, self.month)),
            None,
            None,
        )
    }
}

/// The `finance` projection.
#[derive(Debug, Clone, Copy, Default)]
pub struct FinanceProjection;

impl Projection for FinanceProjection {
    fn name(&self) -> &'static str {
        "finance"
    }

    fn version(&self) -> u32 {
        // 2: invoices keep their sealed billing identity.
        // 3: invoices show the delay compensation line.
        3
    }

    fn collections(&self) -> &'static [&'static str] {
        &["invoices", "commission_lines"]
    }

    fn categories(&self) -> &'static [&'static str] {
        &[
            <domain::invoice::Invoice as Aggregate>::CATEGORY,
            <domain::commission::CommissionStatement as Aggregate>::CATEGORY,
        ]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        match envelope.event {
            AnyEvent::Invoice(event) => invoice_event(event, docs),
            AnyEvent::Commission(event) => commission_event(event, docs),
            _ => Ok(()),
        }
    }
}

fn invoice_event(event: &InvoiceEvent, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
    match event {
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
        } => {
            let key = number.to_string();
            if docs.get::<InvoiceDoc>(&key)?.is_none() {
                let doc = InvoiceDoc {
                    number: number.clone(),
                    order_id: *order,
                    customer_id: customer.clone(),
                    dealer_id: dealer.clone(),
                    market: market.clone(),
                    lines: lines.clone(),
                    net: price.net,
                    vat: price.vat,
                    gross: price.gross,
                    deposit_paid: *deposit_paid,
                    compensation: *compensation,
                    amount_due: *amount_due,
                    paid: Money::zero(amount_due.currency),
                    status: InvoiceStatus::Open,
                    issued_on: *issued_on,
                    paid_on: None,
                    credit_note: None,
                    billing: billing.clone(),
                };
                docs.insert(&key, doc)?;
            }
        }
        InvoiceEvent::PaymentRecorded {
            number, paid_total, ..
        } => {
            if let Some(doc) = docs.get_mut::<InvoiceDoc>(&number.to_string())? {
                doc.paid = *paid_total;
            }
        }
        InvoiceEvent::Paid {
            number,
            paid_total,
            paid_on,
            ..
        } => {
            if let Some(doc) = docs.get_mut::<InvoiceDoc>(&number.to_string())? {
                doc.paid = *paid_total;
                doc.paid_on = Some(*paid_on);
                if doc.status == InvoiceStatus::Open {
                    doc.status = InvoiceStatus::Paid;
                }
            }
        }
        InvoiceEvent::CreditNoteIssued {
            number,
            credit_number,
            refund,
            deposit_forfeited,
            reason,
            credited_on,
            ..
        } => {
            if let Some(doc) = docs.get_mut::<InvoiceDoc>(&number.to_string())? {
                doc.status = InvoiceStatus::Credited;
                doc.credit_note = Some(CreditNoteDoc {
                    number: credit_number.clone(),
                    refund: *refund,
                    deposit_forfeited: *deposit_forfeited,
                    reason: reason.clone(),
                    credited_on: *credited_on,
                });
            }
        }
    }
    Ok(())
}

fn commission_event(event: &CommissionEvent, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
    match event {
        CommissionEvent::Accrued {
            dealer,
            month,
            order,
            market,
            net_price,
            rate,
            fee,
            commission,
            delivered_on,
        } => {
            let key = format!("{}/{order}", CommissionLineDoc::statement(dealer, *month));
            if docs.get::<CommissionLineDoc>(&key)?.is_none() {
                let line = CommissionLineDoc {
                    dealer_id: dealer.clone(),
                    month: *month,
                    order_id: *order,
                    market: market.clone(),
                    net_price: *net_price,
                    rate: *rate,
                    fee: *fee,
                    commission: *commission,
                    delivered_on: *delivered_on,
                    settled: false,
                };
                docs.insert(&key, line)?;
            }
        }
        CommissionEvent::Settled {
            dealer,
            month,
            orders,
            ..
        } => {
            let statement = CommissionLineDoc::statement(dealer, *month);
            for order in orders {
                let key = format!("{statement}/{order}");
                if let Some(line) = docs.get_mut::<CommissionLineDoc>(&key)? {
                    line.settled = true;
                }
            }
        }
    }
    Ok(())
}
