//! The invoice register of one market and year: one stream per market-year
//! (`invoices-{market}-{year}`, e.g. `invoices-DE-2026`). It is the
//! consistency boundary of invoice numbers.
//!
//! It protects **invariant 5:** invoice numbers per market-year are gapless
//! and unique, under concurrency too. The register holds nothing but
//! [`InvoiceRegisterEvent::NumberAssigned`] events; each takes the next
//! sequence number (last + 1), so the numbers are gapless by construction.
//! The application appends with the register stream's expected version, so
//! two concurrent assigners cannot both take the same number: one gets a
//! version conflict, reloads and takes the next one.
//!
//! Assigning is idempotent per order and document kind: asking again for the
//! number of an order's invoice (or credit note) assigns nothing and the
//! caller reads the number already assigned with
//! [`InvoiceRegister::number_for`]. The invoicing process manager relies on
//! that to put every assigned number on exactly one document, even when it
//! crashes between assigning the number and issuing the document. Invoices
//! and credit notes share one series (a credit note is an invoice document).
//! See `docs/decisions/0003-gapless-invoice-numbers.md`.

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::decider::{Context, Decider};
use crate::values::{InvoiceNumber, MarketCode, OrderId};

/// The kind of document a number is assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The final invoice of an order.
    Invoice,
    /// The credit note that cancels an order's invoice.
    CreditNote,
}

/// The state of a register: the last sequence number and which order's
/// document holds which number. `Default` is a register with no number
/// assigned yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceRegister {
    series: Option<(MarketCode, i32)>,
    last: u32,
    numbers: BTreeMap<(OrderId, DocumentKind), InvoiceNumber>,
}

impl InvoiceRegister {
    /// The market of the series, once a number was assigned.
    pub fn market(&self) -> Option<&MarketCode> {
        self.series.as_ref().map(|(market, _)| market)
    }

    /// The year of the series, once a number was assigned.
    pub fn year(&self) -> Option<i32> {
        self.series.as_ref().map(|(_, year)| *year)
    }

    /// The last sequence number assigned (0 when none was).
    pub fn last_sequence(&self) -> u32 {
        self.last
    }

    /// The number assigned to `order`'s document of `kind`, if any.
    pub fn number_for(&self, order: &OrderId, kind: DocumentKind) -> Option<&InvoiceNumber> {
        self.numbers.get(&(*order, kind))
    }

    /// Every assigned number with its order and document kind.
    pub fn assigned(&self) -> impl Iterator<Item = (&OrderId, DocumentKind, &InvoiceNumber)> {
        self.numbers
            .iter()
            .map(|((order, kind), number)| (order, *kind, number))
    }
}

/// What the invoicing process asks of a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceRegisterCommand {
    /// Assign the next number of the series to `order`'s document of `kind`
    /// (or nothing, when it already has one).
    Assign {
        market: MarketCode,
        year: i32,
        order: OrderId,
        kind: DocumentKind,
    },
}

crate::event_enum! {
    /// What happened in a register.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum InvoiceRegisterEvent {
        /// `number` belongs to `order`'s document of `kind`.
        NumberAssigned as "NumberAssigned" {
            number: InvoiceNumber,
            order: OrderId,
            kind: DocumentKind,
        },
    }
}

/// The rule of a register a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceRegisterError {
    #[error("market {market} is not in the catalog")]
    UnknownMarket { market: MarketCode },
    #[error(
        "this stream holds the series {market}-{year}, not {requested_market}-{requested_year}"
    )]
    WrongRegister {
        market: MarketCode,
        year: i32,
        requested_market: MarketCode,
        requested_year: i32,
    },
    #[error("{year} is not a four-digit year")]
    InvalidYear { year: i32 },
    #[error("the year {year} has not begun")]
    YearNotStarted { year: i32 },
    #[error("the series {market}-{year} has no numbers left")]
    SeriesExhausted { market: MarketCode, year: i32 },
}

/// Decides what a command does to a register.
pub fn decide(
    state: &InvoiceRegister,
    command: InvoiceRegisterCommand,
    ctx: &Context<'_>,
) -> Result<Vec<InvoiceRegisterEvent>, InvoiceRegisterError> {
    let InvoiceRegisterCommand::Assign {
        market,
        year,
        order,
        kind,
    } = command;
    if ctx.catalog.market(&market).is_none() {
        return Err(InvoiceRegisterError::UnknownMarket { market });
    }
    if let Some((m, y)) = &state.series {
        if *m != market || *y != year {
            return Err(InvoiceRegisterError::WrongRegister {
                market: m.clone(),
                year: *y,
                requested_market: market,
                requested_year: year,
            });
        }
    }
    if state.number_for(&order, kind).is_some() {
        return Ok(vec![]);
    }
    if !(1000..=9999).contains(&year) {
        return Err(InvoiceRegisterError::InvalidYear { year });
    }
    if year > ctx.today().year() {
        return Err(InvoiceRegisterError::YearNotStarted { year });
    }
    let Some(sequence) = state.last.checked_add(1) else {
        return Err(InvoiceRegisterError::SeriesExhausted { market, year });
    };
    Ok(vec![InvoiceRegisterEvent::NumberAssigned {
        number: InvoiceNumber {
            market,
            year,
            sequence,
        },
        order,
        kind,
    }])
}

/// Folds one event into the register. The first number names the series.
pub fn evolve(mut state: InvoiceRegister, event: &InvoiceRegisterEvent) -> InvoiceRegister {
    let InvoiceRegisterEvent::NumberAssigned {
        number,
        order,
        kind,
    } = event;
    if state.series.is_none() {
        state.series = Some((number.market.clone(), number.year));
    }
    state.last = state.last.max(number.sequence);
    state.numbers.insert((*order, *kind), number.clone());
    state
}

impl Decider for InvoiceRegister {
    type State = InvoiceRegister;
    type Command = InvoiceRegisterCommand;
    type Event = InvoiceRegisterEvent;
    type Error = InvoiceRegisterError;

    fn decide(
        state: &InvoiceRegister,
        command: InvoiceRegisterCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<InvoiceRegisterEvent>, InvoiceRegisterError> {
        decide(state, command, ctx)
    }

    fn evolve(state: InvoiceRegister, event: &InvoiceRegisterEvent) -> InvoiceRegister {
        evolve(state, event)
    }
}
