//! The OEM's final invoice to the customer for one order, its payments and
//! its credit note: one stream per order (`invoice-{order}`).
//!
//! It protects:
//! - **Invariant 4:** the invoice's net is the order's locked price (the sum
//!   of its quote lines), VAT is the market's rate on the net rounded half up,
//!   gross = net + VAT, everything in the market's currency, and
//!   amount due = gross − deposit paid − delay compensation (the credit the
//!   order decided when its car arrived late, as its own line, capped so the
//!   amount due never goes below zero).
//! - Payments never exceed the amount due (overpayment is refused); the
//!   invoice is paid exactly when the payments reach the amount due.
//! - A cancellation after invoicing yields a credit note, never a silent
//!   change: it refunds the payments received on the invoice and records the
//!   deposit as forfeited, unless the order's cancellation refunded it (the
//!   online withdrawal period).
//!
//! The numbers come from the [`invoice_register`](crate::invoice_register)
//! of the market-year, which keeps them gapless and unique.

mod decide;
mod evolve;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::{Price, QuoteLine};
use crate::decider::{Context, Decider};
use crate::values::{
    Currency, CustomerId, DealerId, InvoiceNumber, MarketCode, Money, OrderId, PaymentId, Sealed,
};

pub use decide::decide;
pub use evolve::evolve;

/// The invoice document as issued: it never changes afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDocument {
    pub number: InvoiceNumber,
    pub order: OrderId,
    pub customer: CustomerId,
    pub dealer: DealerId,
    pub market: MarketCode,
    pub lines: Vec<QuoteLine>,
    pub price: Price,
    pub deposit_paid: Money,
    /// The delay compensation credited on this invoice (its own line, gross,
    /// never more than gross − deposit); absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<Money>,
    pub amount_due: Money,
    pub issued_on: NaiveDate,
    /// The buyer's sealed billing identity, kept for the legal retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Sealed>,
}

/// The credit note that cancelled an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNote {
    pub credit_number: InvoiceNumber,
    pub refund: Money,
    pub deposit_forfeited: Money,
    pub reason: String,
    pub credited_on: NaiveDate,
}

/// Where an issued invoice stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Something is still outstanding.
    Open,
    /// The payments reached the amount due.
    Paid,
    /// A credit note cancelled it.
    Credited,
}

impl InvoiceStatus {
    /// Every status.
    pub const ALL: [InvoiceStatus; 3] = [
        InvoiceStatus::Open,
        InvoiceStatus::Paid,
        InvoiceStatus::Credited,
    ];

    /// The status's name as the API and the stored documents write it (its
    /// serde name; a test holds the two together).
    pub fn as_str(&self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Credited => "credited",
        }
    }
}

/// The state of an order's invoice. `Default` is "not issued yet".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invoice(Option<Issued>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Issued {
    document: InvoiceDocument,
    payments: BTreeMap<PaymentId, Money>,
    paid_total: Money,
    paid_on: Option<NaiveDate>,
    credit: Option<CreditNote>,
}

impl Issued {
    fn outstanding(&self) -> Money {
        Money::new(
            self.document
                .amount_due
                .amount_minor
                .saturating_sub(self.paid_total.amount_minor),
            self.document.amount_due.currency,
        )
    }
}

impl Invoice {
    /// The document, once issued.
    pub fn document(&self) -> Option<&InvoiceDocument> {
        self.0.as_ref().map(|i| &i.document)
    }

    /// The invoice number, once issued.
    pub fn number(&self) -> Option<&InvoiceNumber> {
        self.document().map(|d| &d.number)
    }

    /// Open, paid or credited; `None` before it is issued.
    pub fn status(&self) -> Option<InvoiceStatus> {
        self.0.as_ref().map(|i| {
            if i.credit.is_some() {
                InvoiceStatus::Credited
            } else if i.paid_on.is_some() {
                InvoiceStatus::Paid
            } else {
                InvoiceStatus::Open
            }
        })
    }

    /// Gross minus the deposit paid.
    pub fn amount_due(&self) -> Option<Money> {
        self.document().map(|d| d.amount_due)
    }

    /// The sum of the payments recorded.
    pub fn paid_total(&self) -> Option<Money> {
        self.0.as_ref().map(|i| i.paid_total)
    }

    /// Amount due minus paid total (zero once paid).
    pub fn outstanding(&self) -> Option<Money> {
        self.0.as_ref().map(Issued::outstanding)
    }

    /// The payments recorded, by payment id.
    pub fn payments(&self) -> Option<&BTreeMap<PaymentId, Money>> {
        self.0.as_ref().map(|i| &i.payments)
    }

    /// The day the payments reached the amount due.
    pub fn paid_on(&self) -> Option<NaiveDate> {
        self.0.as_ref().and_then(|i| i.paid_on)
    }

    /// The credit note, if the invoice was credited.
    pub fn credit_note(&self) -> Option<&CreditNote> {
        self.0.as_ref().and_then(|i| i.credit.as_ref())
    }
}

/// What finance and the invoicing process ask of an invoice.
///
/// `Issue` carries the whole document and is much larger than the other
/// variants; a command is built once and consumed, so boxing would only
/// clutter every caller.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum InvoiceCommand {
    /// Issue the final invoice with a number from the register.
    Issue {
        number: InvoiceNumber,
        order: OrderId,
        customer: CustomerId,
        dealer: DealerId,
        market: MarketCode,
        lines: Vec<QuoteLine>,
        price: Price,
        deposit_paid: Money,
        /// The delay compensation the order decided (`OrderDelayCompensated`).
        compensation: Option<Money>,
        issued_on: NaiveDate,
        /// The buyer's billing identity, sealed under the invoice year's
        /// billing key (`None`: not given).
        billing: Option<Sealed>,
    },
    /// Record a payment received (on today's date).
    RecordPayment { payment: PaymentId, amount: Money },
    /// Cancel the invoice with a credit note numbered from the register.
    Credit {
        credit_number: InvoiceNumber,
        reason: String,
        /// The order's cancellation refunded the deposit (within the online
        /// withdrawal period, or for a car at the dealer before any payment
        /// or handover booking); otherwise the credit note records it as
        /// forfeited.
        deposit_refunded: bool,
    },
}

crate::event_enum! {
    /// What happened to an invoice.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum InvoiceEvent {
        /// The invoice was issued.
        Issued as "InvoiceIssued" {
            number: InvoiceNumber,
            order: OrderId,
            customer: CustomerId,
            dealer: DealerId,
            market: MarketCode,
            lines: Vec<QuoteLine>,
            price: Price,
            deposit_paid: Money,
            /// The delay compensation credited, a line that reduces the
            /// amount due; absent in events recorded before issue 17 and when
            /// none is due.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            compensation: Option<Money>,
            amount_due: Money,
            issued_on: NaiveDate,
            /// The buyer's billing identity (name and address), sealed under a
            /// billing key of its own; absent in events recorded before issue 15.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            billing: Option<Sealed>,
        },
        /// A payment was received; `paid_total` and `outstanding` are after it.
        PaymentRecorded as "PaymentRecorded" {
            number: InvoiceNumber,
            order: OrderId,
            payment: PaymentId,
            amount: Money,
            paid_total: Money,
            outstanding: Money,
            recorded_on: NaiveDate,
        },
        /// The payments reached the amount due (or nothing was due).
        Paid as "InvoicePaid" {
            number: InvoiceNumber,
            order: OrderId,
            paid_total: Money,
            paid_on: NaiveDate,
        },
        /// A credit note cancelled the invoice: `price` is what it reverses,
        /// `refund` goes back to the customer, the deposit is forfeited.
        CreditNoteIssued as "CreditNoteIssued" {
            number: InvoiceNumber,
            order: OrderId,
            credit_number: InvoiceNumber,
            price: Price,
            refund: Money,
            deposit_forfeited: Money,
            reason: String,
            credited_on: NaiveDate,
        },
    }
}

/// The rule of an invoice a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("the order is already invoiced with number {number}")]
    AlreadyIssued { number: InvoiceNumber },
    #[error("market {market} is not in the catalog")]
    UnknownMarket { market: MarketCode },
    #[error("dealer {dealer} is not an agent in market {market}")]
    DealerNotInMarket {
        dealer: DealerId,
        market: MarketCode,
    },
    #[error("number {number} is not from the series of market {market}")]
    NumberFromOtherMarket {
        number: InvoiceNumber,
        market: MarketCode,
    },
    #[error("number {number} is not from the series of the year of {issued_on}")]
    NumberFromOtherYear {
        number: InvoiceNumber,
        issued_on: NaiveDate,
    },
    #[error("an invoice cannot be dated {issued_on}, after today")]
    IssuedInFuture { issued_on: NaiveDate },
    #[error("amount in {found}, the market's currency is {expected}")]
    WrongCurrency { expected: Currency, found: Currency },
    #[error("the net price must be positive, not {net}")]
    NetNotPositive { net: Money },
    #[error("the lines add up to {lines}, not the net price {net}")]
    LinesDoNotAddUp { lines: Money, net: Money },
    #[error("gross {gross} is not net {net} plus VAT {vat}")]
    InconsistentAmounts {
        net: Money,
        vat: Money,
        gross: Money,
    },
    #[error("VAT at the market's rate is {expected}, not {found}")]
    WrongVat { expected: Money, found: Money },
    #[error("deposit paid {deposit_paid} must be between zero and gross {gross}")]
    InvalidDeposit { deposit_paid: Money, gross: Money },
    #[error("the invoice has not been issued")]
    NotIssued,
    #[error("a payment must be positive, not {amount}")]
    NonPositivePayment { amount: Money },
    #[error("payment {payment} was recorded as {recorded}, not {attempted}")]
    PaymentConflict {
        payment: PaymentId,
        recorded: Money,
        attempted: Money,
    },
    #[error("paying {attempted} exceeds the outstanding {outstanding}")]
    Overpayment {
        outstanding: Money,
        attempted: Money,
    },
    #[error("the invoice was credited by {credit_number}")]
    InvoiceCredited { credit_number: InvoiceNumber },
    #[error("the invoice was already credited by {credit_number}")]
    AlreadyCredited { credit_number: InvoiceNumber },
    #[error("a credit note needs its own number, not the invoice's {number}")]
    CreditNumberIsInvoiceNumber { number: InvoiceNumber },
    #[error("a credit note needs a reason")]
    ReasonMissing,
    #[error("a reason has at most {max} characters")]
    ReasonTooLong { max: usize },
    #[error("amount out of range")]
    AmountOutOfRange,
}

impl Decider for Invoice {
    type State = Invoice;
    type Command = InvoiceCommand;
    type Event = InvoiceEvent;
    type Error = InvoiceError;

    fn decide(
        state: &Invoice,
        command: InvoiceCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        decide(state, command, ctx)
    }

    fn evolve(state: Invoice, event: &InvoiceEvent) -> Invoice {
        evolve(state, event)
    }
}
