//! KPIs per market: LTO vs BTO share, order-to-delivery days, orders awaiting capacity, and
//! the ETA first promised against the actual arrival.
//!
//! Distributions are kept as histograms (days → orders), so the median and the 90th
//! percentile are exact and the document stays small however many orders there are.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::order::OrderEvent;
use domain::streams::AnyEvent;
use domain::values::MarketCode;
use serde::{Deserialize, Serialize};

use crate::docs::Docs;
use crate::document::Document;
use crate::error::ProjectionError;
use crate::models::order_of;
use crate::projection::{Envelope, Projection};

/// How an order was first fulfilled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstFulfilment {
    /// Locate-to-order (a stock vehicle).
    Lto,
    /// Build-to-order (a production slot).
    Bto,
}

/// What the KPIs remember of one order.
///
/// Collection `kpi_orders`, key: the order id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiOrderDoc {
    pub market: MarketCode,
    pub placed_on: NaiveDate,
    pub first_fulfilment: Option<FirstFulfilment>,
    /// The first ETA the order was given: the promise.
    pub promised: Option<NaiveDate>,
    pub arrived_on: Option<NaiveDate>,
    pub awaiting_capacity: bool,
}

impl Document for KpiOrderDoc {
    const COLLECTION: &'static str = "kpi_orders";
}

/// The KPIs of one market.
///
/// Collection `kpi_markets`, key: the market code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiMarketDoc {
    pub market: MarketCode,
    pub placed: u64,
    pub cancelled: u64,
    pub delivered: u64,
    /// Orders first fulfilled from stock.
    pub lto: u64,
    /// Orders first fulfilled by a build.
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

/// The `kpis` projection.
#[derive(Debug, Clone, Copy, Default)]
pub struct KpiProjection;

impl Projection for KpiProjection {
    fn name(&self) -> &'static str {
        "kpis"
    }

    fn version(&self) -> u32 {
        1
    }

    fn collections(&self) -> &'static [&'static str] {
        &["kpi_orders", "kpi_markets"]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        let AnyEvent::Order(event) = envelope.event else {
            return Ok(());
        };
        let key = order_of(envelope)?.to_string();
        if let OrderEvent::Placed {
            market, placed_at, ..
        } = event
        {
            if docs.get::<KpiOrderDoc>(&key)?.is_none() {
                let order = KpiOrderDoc {
                    market: market.clone(),
                    placed_on: placed_at.date_naive(),
                    first_fulfilment: None,
                    promised: None,
                    arrived_on: None,
                    awaiting_capacity: false,
                };
                docs.insert(&key, order)?;
                market_doc(docs, market)?.placed += 1;
            }
            return Ok(());
        }
        let Some(order) = docs.get_mut::<KpiOrderDoc>(&key)? else {
            return Ok(());
        };
        let mut delta = Delta::default();
        match event {
            OrderEvent::AwaitingCapacity { .. } if !order.awaiting_capacity => {
                order.awaiting_capacity = true;
                delta.awaiting = 1;
            }
            OrderEvent::Allocated { eta, .. } | OrderEvent::Reallocated { eta, .. } => {
                delta.fulfilled(order, FirstFulfilment::Lto, *eta);
            }
            OrderEvent::Scheduled { eta, .. } => delta.fulfilled(order, FirstFulfilment::Bto, *eta),
            OrderEvent::ArrivedAtDealer { arrived_on } if order.arrived_on.is_none() => {
                order.arrived_on = Some(*arrived_on);
                delta.eta_deviation = order
                    .promised
                    .map(|promised| (*arrived_on - promised).num_days());
            }
            OrderEvent::Delivered { delivered_at, .. } => {
                delta.delivery_days =
                    Some((delivered_at.date_naive() - order.placed_on).num_days());
            }
            OrderEvent::Cancelled { .. } => {
                delta.cancelled = true;
                if order.awaiting_capacity {
                    order.awaiting_capacity = false;
                    delta.awaiting = -1;
                }
            }
            _ => {}
        }
        let market = order.market.clone();
        if delta != Delta::default() {
            delta.apply(market_doc(docs, &market)?);
        }
        Ok(())
    }
}

/// What one event changes in its market's KPIs.
#[derive(Debug, Default, PartialEq, Eq)]
struct Delta {
    awaiting: i8,
    first: Option<FirstFulfilment>,
    eta_deviation: Option<i64>,
    delivery_days: Option<i64>,
    cancelled: bool,
}

impl Delta {
    fn fulfilled(&mut self, order: &mut KpiOrderDoc, kind: FirstFulfilment, eta: NaiveDate) {
        if order.first_fulfilment.is_none() {
            order.first_fulfilment = Some(kind);
            self.first = Some(kind);
        }
        order.promised.get_or_insert(eta);
        if order.awaiting_capacity {
            order.awaiting_capacity = false;
            self.awaiting = -1;
        }
    }

    fn apply(self, kpis: &mut KpiMarketDoc) {
        match self.awaiting {
            1 => kpis.awaiting_capacity += 1,
            -1 => kpis.awaiting_capacity = kpis.awaiting_capacity.saturating_sub(1),
            _ => {}
        }
        match self.first {
            Some(FirstFulfilment::Lto) => kpis.lto += 1,
            Some(FirstFulfilment::Bto) => kpis.bto += 1,
            None => {}
        }
        if let Some(days) = self.eta_deviation {
            *kpis.eta_deviation_days.entry(days).or_default() += 1;
        }
        if let Some(days) = self.delivery_days {
            kpis.delivered += 1;
            *kpis.delivery_days.entry(days).or_default() += 1;
        }
        if self.cancelled {
            kpis.cancelled += 1;
        }
    }
}

fn market_doc<'d>(
    docs: &'d mut Docs<'_>,
    market: &MarketCode,
) -> Result<&'d mut KpiMarketDoc, ProjectionError> {
    docs.get_or_insert_with(market.as_str(), || KpiMarketDoc::empty(market.clone()))
}
