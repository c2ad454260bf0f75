//! Invoices and commission statements.

use chrono::NaiveDate;
use domain::catalog::QuoteLine;
use domain::invoice::InvoiceStatus;
use domain::values::{
    Currency, CustomerId, DealerId, InvoiceNumber, MarketCode, Money, Month, OrderId, Rate,
};
use serde::Serialize;

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::finance::{CommissionLineDoc, InvoiceDoc};

/// `GET /api/v1/invoices/{number}`: an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InvoiceView {
    pub number: InvoiceNumber,
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    /// The customer's name (filled by the API when read; "erased customer" after erasure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    pub dealer_id: DealerId,
    /// The dealer's name (filled by the API when read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dealer_name: Option<String>,
    /// The name and address the invoice is made out to (opened by the API; kept through
    /// the customer's erasure until the invoice's retention ends).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billed_to: Option<String>,
    /// The sealed billing identity the API opens into `billed_to`.
    #[serde(skip)]
    pub billing: Option<domain::values::Sealed>,
    pub market: MarketCode,
    pub lines: Vec<QuoteLine>,
    pub net: Money,
    pub vat: Money,
    pub gross: Money,
    pub deposit_paid: Money,
    /// The delay compensation credited, its own line (absent when none was due).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensation: Option<Money>,
    /// Gross minus the deposit paid minus the delay compensation.
    pub amount_due: Money,
    /// The payments received so far.
    pub paid: Money,
    /// What is still to pay: amount due minus paid while open, zero once paid or credited.
    pub outstanding: Money,
    /// `open`, `paid` or `credited`.
    pub status: InvoiceStatus,
    pub issued_on: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    pub credit_note: Option<CreditNoteView>,
}

/// The credit note that cancelled an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CreditNoteView {
    pub number: InvoiceNumber,
    pub refund: Money,
    pub deposit_forfeited: Money,
    pub reason: String,
    pub credited_on: NaiveDate,
}

impl From<InvoiceDoc> for InvoiceView {
    fn from(doc: InvoiceDoc) -> Self {
        let outstanding = match doc.status {
            InvoiceStatus::Open => Money::new(
                doc.amount_due
                    .amount_minor
                    .saturating_sub(doc.paid.amount_minor),
                doc.amount_due.currency,
            ),
            InvoiceStatus::Paid | InvoiceStatus::Credited => Money::zero(doc.amount_due.currency),
        };
        InvoiceView {
            number: doc.number,
            order_id: doc.order_id,
            customer_id: doc.customer_id,
            customer_name: None,
            dealer_id: doc.dealer_id,
            dealer_name: None,
            billed_to: None,
            billing: doc.billing,
            market: doc.market,
            lines: doc.lines,
            net: doc.net,
            vat: doc.vat,
            gross: doc.gross,
            deposit_paid: doc.deposit_paid,
            compensation: doc.compensation,
            amount_due: doc.amount_due,
            paid: doc.paid,
            outstanding,
            status: doc.status,
            issued_on: doc.issued_on,
            paid_on: doc.paid_on,
            credit_note: doc.credit_note.map(|c| CreditNoteView {
                number: c.number,
                refund: c.refund,
                deposit_forfeited: c.deposit_forfeited,
                reason: c.reason,
                credited_on: c.credited_on,
            }),
        }
    }
}

/// `GET /api/v1/invoices` filters (all optional, combined with AND); `customer_id` serves a
/// customer's own list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    pub order_id: Option<OrderId>,
    pub status: Option<InvoiceStatus>,
    pub customer_id: Option<CustomerId>,
}

/// `GET /api/v1/dealers/{id}/commissions?month=`: a dealer's statement for a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CommissionStatement {
    pub dealer_id: DealerId,
    /// The dealer's name (filled by the API when read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dealer_name: Option<String>,
    pub month: Month,
    /// In the order of delivery.
    pub lines: Vec<CommissionLineView>,
    /// The sum of the lines, in the market's currency: zero for a month without a line.
    pub total: Money,
}

/// One order's commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CommissionLineView {
    pub order_id: OrderId,
    pub net_price: Money,
    /// In basis points (`400` = 4%), as the domain keeps rates.
    pub rate: Rate,
    pub fee: Money,
    /// Rate × net price, rounded half up, plus the fee.
    pub commission: Money,
    pub delivered_on: NaiveDate,
    pub settled: bool,
}

impl ReadModels {
    /// One invoice by number (`None`: unknown).
    pub async fn invoice(
        &self,
        number: &InvoiceNumber,
    ) -> Result<Option<InvoiceView>, ReadModelError> {
        let doc = self.get::<InvoiceDoc>(number.to_string()).await?;
        Ok(doc.map(InvoiceView::from))
    }

    /// The invoices matching `filter`, by number.
    pub async fn invoices(
        &self,
        filter: &InvoiceFilter,
    ) -> Result<Vec<InvoiceView>, ReadModelError> {
        let mut query = DocQuery::all();
        if let Some(order) = filter.order_id {
            query = query.tag(0, order.to_string());
        }
        if let Some(customer) = &filter.customer_id {
            query = query.tag(1, customer.as_str());
        }
        if let Some(status) = filter.status {
            query = query.tag(2, status.as_str());
        }
        let docs = self.find::<InvoiceDoc>(query).await?;
        Ok(docs.into_iter().map(InvoiceView::from).collect())
    }

    /// A dealer's commission statement for `month`, totalled in `currency` (the currency of
    /// the dealer's market, which a month without a line cannot tell).
    pub async fn commission_statement(
        &self,
        dealer: &DealerId,
        month: Month,
        currency: Currency,
    ) -> Result<CommissionStatement, ReadModelError> {
        let query = DocQuery::all().tag(0, CommissionLineDoc::statement(dealer, month));
        let mut docs = self.find::<CommissionLineDoc>(query).await?;
        docs.sort_by(|a, b| {
            a.delivered_on
                .cmp(&b.delivered_on)
                .then(a.order_id.cmp(&b.order_id))
        });
        let total = Money::sum(currency, docs.iter().map(|d| &d.commission)).map_err(|e| {
            ReadModelError::Backend(format!(
                "the statement of {dealer} for {month} does not add up: {e}"
            ))
        })?;
        Ok(CommissionStatement {
            dealer_id: dealer.clone(),
            dealer_name: None,
            month,
            lines: docs
                .into_iter()
                .map(|d| CommissionLineView {
                    order_id: d.order_id,
                    net_price: d.net_price,
                    rate: d.rate,
                    fee: d.fee,
                    commission: d.commission,
                    delivered_on: d.delivered_on,
                    settled: d.settled,
                })
                .collect(),
            total,
        })
    }
}
