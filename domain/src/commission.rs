//! The dealer's commission statement for one month: one stream per dealer
//! and month (`commission-{dealer}-{YYYY-MM}`, e.g.
//! `commission-D-BER-01-2026-11`).
//!
//! The dealer (agent) earns on handover: the market's commission rate on the
//! order's net price (vehicle with options, before VAT), rounded half up,
//! plus the market's flat handover fee.
//!
//! It protects:
//! - **Invariant 6:** a commission accrues exactly once per delivered order,
//!   in the month of its handover (an order accrued again adds nothing).
//!   None accrues for a cancelled order because only a handover accrues one.
//! - A statement holds one currency: the dealer's market's.
//! - Finance settles a month only after it is over, and only the lines not
//!   yet settled: a line accrued late (late processing of a handover) stays
//!   open for a later settlement.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::decider::{Context, Decider};
use crate::values::{Currency, DealerId, MarketCode, Money, Month, OrderId, Rate};

/// One order's commission on the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionLine {
    pub order: OrderId,
    pub market: MarketCode,
    pub net_price: Money,
    pub rate: Rate,
    pub fee: Money,
    /// Rate × net price, rounded half up, plus the fee.
    pub commission: Money,
    pub delivered_on: NaiveDate,
    /// Whether a settlement paid it out.
    pub settled: bool,
}

/// The monthly statement of one dealer. `Default` is a statement with no
/// line yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommissionStatement {
    key: Option<(DealerId, Month)>,
    lines: Vec<CommissionLine>,
}

impl CommissionStatement {
    /// The dealer, once a line was accrued.
    pub fn dealer(&self) -> Option<&DealerId> {
        self.key.as_ref().map(|(dealer, _)| dealer)
    }

    /// The month, once a line was accrued.
    pub fn month(&self) -> Option<Month> {
        self.key.as_ref().map(|(_, month)| *month)
    }

    /// The currency of the statement (its first line's).
    pub fn currency(&self) -> Option<Currency> {
        self.lines.first().map(|l| l.commission.currency)
    }

    /// The lines, in the order they were accrued.
    pub fn lines(&self) -> &[CommissionLine] {
        &self.lines
    }

    /// The line of `order`, if it accrued here.
    pub fn line(&self, order: &OrderId) -> Option<&CommissionLine> {
        self.lines.iter().find(|l| &l.order == order)
    }

    /// The sum of all lines (`None` while there is none).
    pub fn total(&self) -> Option<Money> {
        self.sum(|_| true)
    }

    /// The sum of the lines already settled.
    pub fn settled_total(&self) -> Option<Money> {
        self.sum(|l| l.settled)
    }

    /// The sum of the lines still to settle.
    pub fn open_total(&self) -> Option<Money> {
        self.sum(|l| !l.settled)
    }

    fn sum(&self, which: impl Fn(&CommissionLine) -> bool) -> Option<Money> {
        let currency = self.currency()?;
        let lines = self.lines.iter().filter(|l| which(l));
        Money::sum(currency, lines.map(|l| &l.commission)).ok()
    }
}

/// What the handover process and finance ask of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommissionCommand {
    /// Accrue the commission of an order handed over by `dealer`.
    Accrue {
        dealer: DealerId,
        month: Month,
        order: OrderId,
        market: MarketCode,
        net_price: Money,
        delivered_on: NaiveDate,
    },
    /// Settle the lines still open (finance, after the month is over; the
    /// settlement date is today).
    Settle,
}

crate::event_enum! {
    /// What happened on a statement.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum CommissionEvent {
        /// An order's commission accrued.
        Accrued as "CommissionAccrued" {
            dealer: DealerId,
            month: Month,
            order: OrderId,
            market: MarketCode,
            net_price: Money,
            rate: Rate,
            fee: Money,
            commission: Money,
            delivered_on: NaiveDate,
        },
        /// Finance settled the open lines: `orders` with `total` commission.
        Settled as "StatementSettled" {
            dealer: DealerId,
            month: Month,
            orders: Vec<OrderId>,
            total: Money,
            settled_on: NaiveDate,
        },
    }
}

/// The rule of a statement a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommissionError {
    #[error("this stream holds the statement of {dealer} for {month}, not {requested_dealer} for {requested_month}")]
    WrongStatement {
        dealer: DealerId,
        month: Month,
        requested_dealer: DealerId,
        requested_month: Month,
    },
    #[error("market {market} is not in the catalog")]
    UnknownMarket { market: MarketCode },
    #[error("dealer {dealer} is not in the catalog")]
    UnknownDealer { dealer: DealerId },
    #[error("dealer {dealer} is not an agent in market {market}")]
    DealerNotInMarket {
        dealer: DealerId,
        market: MarketCode,
    },
    #[error("a handover on {delivered_on} does not belong to {month}")]
    WrongMonth {
        month: Month,
        delivered_on: NaiveDate,
    },
    #[error("a handover on {delivered_on} has not happened yet")]
    DeliveredInFuture { delivered_on: NaiveDate },
    #[error("amount in {found}, the market's currency is {expected}")]
    WrongCurrency { expected: Currency, found: Currency },
    #[error("the statement is in {statement}, not {found}")]
    MixedCurrency {
        statement: Currency,
        found: Currency,
    },
    #[error("the net price must be positive, not {net_price}")]
    NonPositiveNetPrice { net_price: Money },
    #[error("order {order} already accrued {commission} with other figures")]
    AlreadyAccrued { order: OrderId, commission: Money },
    #[error("amount out of range")]
    AmountOutOfRange,
    #[error("{month} can be settled from {settles_from}")]
    MonthNotOver {
        month: Month,
        settles_from: NaiveDate,
    },
    #[error("no open line to settle")]
    NothingToSettle,
}

/// Decides what a command does to a statement.
pub fn decide(
    state: &CommissionStatement,
    command: CommissionCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CommissionEvent>, CommissionError> {
    match command {
        CommissionCommand::Accrue {
            dealer,
            month,
            order,
            market,
            net_price,
            delivered_on,
        } => accrue(
            state,
            Handover {
                dealer,
                month,
                order,
                market,
                net_price,
                delivered_on,
            },
            ctx,
        ),
        CommissionCommand::Settle => settle(state, ctx),
    }
}

/// The figures of an [`CommissionCommand::Accrue`].
struct Handover {
    dealer: DealerId,
    month: Month,
    order: OrderId,
    market: MarketCode,
    net_price: Money,
    delivered_on: NaiveDate,
}

fn accrue(
    state: &CommissionStatement,
    h: Handover,
    ctx: &Context<'_>,
) -> Result<Vec<CommissionEvent>, CommissionError> {
    if let Some((dealer, month)) = &state.key {
        if *dealer != h.dealer || *month != h.month {
            return Err(CommissionError::WrongStatement {
                dealer: dealer.clone(),
                month: *month,
                requested_dealer: h.dealer,
                requested_month: h.month,
            });
        }
    }
    if let Some(line) = state.line(&h.order) {
        let same = line.market == h.market
            && line.net_price == h.net_price
            && line.delivered_on == h.delivered_on;
        return if same {
            Ok(vec![])
        } else {
            Err(CommissionError::AlreadyAccrued {
                order: h.order,
                commission: line.commission,
            })
        };
    }
    let Some(terms) = ctx.catalog.market(&h.market) else {
        return Err(CommissionError::UnknownMarket { market: h.market });
    };
    let Some(agent) = ctx.catalog.dealer(&h.dealer) else {
        return Err(CommissionError::UnknownDealer { dealer: h.dealer });
    };
    if agent.market != h.market {
        return Err(CommissionError::DealerNotInMarket {
            dealer: h.dealer,
            market: h.market,
        });
    }
    if Month::containing(h.delivered_on) != h.month {
        return Err(CommissionError::WrongMonth {
            month: h.month,
            delivered_on: h.delivered_on,
        });
    }
    if h.delivered_on > ctx.today() {
        return Err(CommissionError::DeliveredInFuture {
            delivered_on: h.delivered_on,
        });
    }
    if h.net_price.currency != terms.currency {
        return Err(CommissionError::WrongCurrency {
            expected: terms.currency,
            found: h.net_price.currency,
        });
    }
    if let Some(statement) = state.currency().filter(|c| *c != terms.currency) {
        return Err(CommissionError::MixedCurrency {
            statement,
            found: terms.currency,
        });
    }
    if !h.net_price.is_positive() {
        return Err(CommissionError::NonPositiveNetPrice {
            net_price: h.net_price,
        });
    }
    let out_of_range = |_| CommissionError::AmountOutOfRange;
    let commission = h
        .net_price
        .apply_rate(terms.commission_rate)
        .and_then(|earned| earned.checked_add(terms.handover_fee))
        .map_err(out_of_range)?;
    // Keep the statement's total representable.
    if let Some(total) = state.total() {
        total.checked_add(commission).map_err(out_of_range)?;
    }
    Ok(vec![CommissionEvent::Accrued {
        dealer: h.dealer,
        month: h.month,
        order: h.order,
        market: h.market,
        net_price: h.net_price,
        rate: terms.commission_rate,
        fee: terms.handover_fee,
        commission,
        delivered_on: h.delivered_on,
    }])
}

fn settle(
    state: &CommissionStatement,
    ctx: &Context<'_>,
) -> Result<Vec<CommissionEvent>, CommissionError> {
    let Some((dealer, month)) = state.key.clone() else {
        return Err(CommissionError::NothingToSettle);
    };
    if ctx.today() <= month.last_day() {
        return Err(CommissionError::MonthNotOver {
            month,
            settles_from: month.last_day() + chrono::Days::new(1),
        });
    }
    let open: Vec<&CommissionLine> = state.lines.iter().filter(|l| !l.settled).collect();
    let Some(currency) = state.currency().filter(|_| !open.is_empty()) else {
        return Err(CommissionError::NothingToSettle);
    };
    let total = Money::sum(currency, open.iter().map(|l| &l.commission))
        .map_err(|_| CommissionError::AmountOutOfRange)?;
    Ok(vec![CommissionEvent::Settled {
        dealer,
        month,
        orders: open.iter().map(|l| l.order).collect(),
        total,
        settled_on: ctx.today(),
    }])
}

/// Folds one event into the statement.
pub fn evolve(mut state: CommissionStatement, event: &CommissionEvent) -> CommissionStatement {
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
            state.key.get_or_insert_with(|| (dealer.clone(), *month));
            if state.line(order).is_none() {
                state.lines.push(CommissionLine {
                    order: *order,
                    market: market.clone(),
                    net_price: *net_price,
                    rate: *rate,
                    fee: *fee,
                    commission: *commission,
                    delivered_on: *delivered_on,
                    settled: false,
                });
            }
        }
        CommissionEvent::Settled { orders, .. } => {
            for line in state.lines.iter_mut().filter(|l| orders.contains(&l.order)) {
                line.settled = true;
            }
        }
    }
    state
}

impl Decider for CommissionStatement {
    type State = CommissionStatement;
    type Command = CommissionCommand;
    type Event = CommissionEvent;
    type Error = CommissionError;

    fn decide(
        state: &CommissionStatement,
        command: CommissionCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<CommissionEvent>, CommissionError> {
        decide(state, command, ctx)
    }

    fn evolve(state: CommissionStatement, event: &CommissionEvent) -> CommissionStatement {
        evolve(state, event)
    }
}
