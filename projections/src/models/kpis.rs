//! KPIs per market: LTO vs BTO share, order-to-delivery days, orders awaiting capacity, and
//! the ETA first promised against the actual arrival.
//!
//! They are kept by the `orders` projection: every KPI is a change of an order's own state
//! (placed, first fulfilled, arrived, delivered, cancelled), which the order document holds,
//! so a projection of its own would only duplicate that state per order. Each order event
//! compares the order's [`KpiFacts`] before and after and counts the difference.
//!
//! Distributions are kept as histograms (days → orders), so the median and the 90th
//! percentile are exact and the document stays small however many orders there are.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::order::{OrderStatus, WaitReason};
use domain::values::MarketCode;
use serde::{Deserialize, Serialize};

use crate::docs::Docs;
use crate::document::Document;
use crate::error::ProjectionError;
use crate::models::orders::{FulfilmentKind, OrderDoc};

/// The KPIs of one market.
///
/// Collection `kpi_markets` (written by the `orders` projection), key: the market code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiMarketDoc {
    pub market: MarketCode,
    pub placed: u64,
    pub cancelled: u64,
    pub delivered: u64,
    /// Orders first fulfilled from stock (locate-to-order).
    pub lto: u64,
    /// Orders first fulfilled by a build (build-to-order).
    pub bto: u64,
    /// Orders waiting for capacity now.
    pub awaiting_capacity: u64,
    /// Days from placement to handover → orders.
    pub delivery_days: BTreeMap<i64, u64>,
    /// Arrival minus first promised ETA, in days (negative: early) → orders.
    pub eta_deviation_days: BTreeMap<i64, u64>,
}

impl KpiMarketDoc {
    /// A market with nothing counted yet.
    pub fn empty(market: MarketCode) -> Self {
        KpiMarketDoc {
            market,
            placed: 0,
            cancelled: 0,
            delivered: 0,
            lto: 0,
            bto: 0,
            awaiting_capacity: 0,
            delivery_days: BTreeMap::new(),
            eta_deviation_days: BTreeMap::new(),
        }
    }
}

impl Document for KpiMarketDoc {
    const COLLECTION: &'static str = "kpi_markets";
}

/// The facts of one order the KPIs count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KpiFacts {
    pub market: MarketCode,
    pub placed_on: NaiveDate,
    pub awaiting_capacity: bool,
    pub first_fulfilment: Option<FulfilmentKind>,
    /// The first ETA the order was given: the promise.
    pub promised: Option<NaiveDate>,
    pub arrived_on: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    pub cancelled: bool,
}

impl KpiFacts {
    pub(crate) fn of(order: &OrderDoc) -> Self {
        KpiFacts {
            market: order.market.clone(),
            placed_on: order.placed_at.date_naive(),
            awaiting_capacity: order.reason == Some(WaitReason::AwaitingCapacity),
            first_fulfilment: order.first_fulfilment,
            promised: order.first_eta,
            arrived_on: order.arrived_on,
            delivered_on: order.delivered_at.map(|at| at.date_naive()),
            cancelled: order.status == OrderStatus::Cancelled,
        }
    }
}

/// Counts what one event changed about an order (`before`: `None` when it was just placed)
/// in its market's KPIs.
pub(crate) fn count(
    docs: &mut Docs<'_>,
    before: Option<&KpiFacts>,
    after: &KpiFacts,
) -> Result<(), ProjectionError> {
    let placed = before.is_none();
    let was = |f: fn(&KpiFacts) -> bool| before.is_some_and(f);
    let awaiting = i8::from(after.awaiting_capacity) - i8::from(was(|b| b.awaiting_capacity));
    let first = match (
        before.and_then(|b| b.first_fulfilment),
        after.first_fulfilment,
    ) {
        (None, Some(kind)) => Some(kind),
        _ => None,
    };
    let arrived = match (before.and_then(|b| b.arrived_on), after.arrived_on) {
        (None, Some(on)) => after.promised.map(|promised| (on - promised).num_days()),
        _ => None,
    };
    let delivered = match (before.and_then(|b| b.delivered_on), after.delivered_on) {
        (None, Some(on)) => Some((on - after.placed_on).num_days()),
        _ => None,
    };
    let cancelled = after.cancelled && !was(|b| b.cancelled);
    if !placed
        && awaiting == 0
        && first.is_none()
        && arrived.is_none()
        && delivered.is_none()
        && !cancelled
    {
        return Ok(());
    }
    let market = &after.market;
    let kpis = docs.get_or_insert_with(market.as_str(), || KpiMarketDoc::empty(market.clone()))?;
    kpis.placed += u64::from(placed);
    kpis.cancelled += u64::from(cancelled);
    match awaiting {
        1 => kpis.awaiting_capacity += 1,
        -1 => kpis.awaiting_capacity = kpis.awaiting_capacity.saturating_sub(1),
        _ => {}
    }
    match first {
        Some(FulfilmentKind::Stock) => kpis.lto += 1,
        Some(FulfilmentKind::Build) => kpis.bto += 1,
        None => {}
    }
    if let Some(days) = arrived {
        *kpis.eta_deviation_days.entry(days).or_default() += 1;
    }
    if let Some(days) = delivered {
        kpis.delivered += 1;
        *kpis.delivery_days.entry(days).or_default() += 1;
    }
    Ok(())
}
