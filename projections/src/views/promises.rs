//! What an order promised as of a date, and the promise KPIs by plant, dealer or market.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::Catalog;
use domain::compensation::days_late;
use domain::order::PromiseReason;
use domain::values::{Money, OrderId};
use serde::Serialize;

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::promises::{PromiseDoc, PromiseKpiDoc};

/// One promise as the customer was shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PromiseEntry {
    /// The ETA at the dealer promised (null: none at that moment, e.g. placed, or an
    /// amendment that released the vehicle).
    pub eta: Option<NaiveDate>,
    /// The gross price promised.
    pub price: Money,
    pub promised_at: DateTime<Utc>,
    pub reason: PromiseReason,
}

/// What was promised for an order by the end of `as_of` (UTC), and how it turned out as
/// far as it was known then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrderPromises {
    pub order_id: OrderId,
    pub as_of: NaiveDate,
    /// The promise in force on `as_of`: its ETA, price, time and reason.
    pub eta: Option<NaiveDate>,
    pub price: Money,
    pub promised_at: DateTime<Utc>,
    pub reason: PromiseReason,
    /// Every promise made up to `as_of`, oldest first.
    pub history: Vec<PromiseEntry>,
    /// The first ETA ever promised (null before one was).
    pub first_eta: Option<NaiveDate>,
    /// The ETA the compensation is measured against: the first promised, or the one
    /// promised after the customer's last amendment.
    pub anchor_eta: Option<NaiveDate>,
    /// The day the car reached the dealer, when it had by `as_of`.
    pub actual_arrival: Option<NaiveDate>,
    /// Arrival minus the first promised ETA in days (zero when on time or early); null
    /// before the arrival.
    pub days_late: Option<u32>,
    /// The delay compensation credited, when it was decided by `as_of`.
    pub compensation: Option<Money>,
}

impl OrderPromises {
    /// The answer for `as_of`; `None` when the order did not exist yet at its end.
    pub fn of(doc: &PromiseDoc, as_of: NaiveDate) -> Option<OrderPromises> {
        let by = |at: &DateTime<Utc>| at.date_naive() <= as_of;
        let history: Vec<PromiseEntry> = doc
            .track
            .history
            .iter()
            .zip(&doc.promised_at)
            .filter(|(_, at)| by(at))
            .map(|(p, at)| PromiseEntry {
                eta: p.eta,
                price: p.price,
                promised_at: *at,
                reason: p.reason,
            })
            .collect();
        let current = history.last()?.clone();
        let first_eta = history.iter().find_map(|p| p.eta);
        let actual_arrival = doc.first_arrival.filter(|on| *on <= as_of);
        let compensation = doc
            .track
            .compensation
            .filter(|_| doc.compensated_at.as_ref().is_some_and(by));
        let anchor_eta = match compensation {
            Some(c) => Some(c.anchor_eta),
            None if doc.track.history.len() == history.len() => doc.track.anchor,
            None => None,
        };
        Some(OrderPromises {
            order_id: doc.order_id,
            as_of,
            eta: current.eta,
            price: current.price,
            promised_at: current.promised_at,
            reason: current.reason,
            days_late: actual_arrival
                .zip(first_eta)
                .map(|(arrived, eta)| days_late(eta, arrived)),
            history,
            first_eta,
            anchor_eta,
            actual_arrival,
            compensation: compensation.map(|c| c.amount),
        })
    }
}

/// How the promise KPIs are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PromiseKpiBy {
    /// The plant that builds the order's model.
    Plant,
    Dealer,
    Market,
}

/// The promise KPIs of one plant, dealer or market.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PromiseKpiRow {
    /// The plant, dealer or market.
    pub key: String,
    /// Orders that reached the dealer and had been promised an ETA.
    pub orders_arrived: u64,
    /// Of those, the ones at the dealer on or before the first promised ETA.
    pub on_time: u64,
    /// `on_time` in percent of `orders_arrived` (one decimal); null before any arrival.
    pub on_time_share_pct: Option<f64>,
    /// The mean of the days late against the first promise (on time counts zero), one
    /// decimal; null before any arrival.
    pub mean_days_late: Option<f64>,
    /// Orders credited a delay compensation.
    pub compensated_orders: u64,
    /// The delay compensation credited, one amount per currency.
    pub compensation_paid: Vec<Money>,
}

/// The promise KPIs, grouped.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PromiseKpis {
    pub by: PromiseKpiBy,
    pub rows: Vec<PromiseKpiRow>,
}

fn one_decimal(part: u64, whole: u64, scale: f64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * scale * 10.0 / whole as f64).round() / 10.0)
}

impl ReadModels {
    /// The promise document of `order`, if it was placed.
    pub async fn promises_of(&self, order: &OrderId) -> Result<Option<PromiseDoc>, ReadModelError> {
        self.get::<PromiseDoc>(order.to_string()).await
    }

    /// The promise KPIs by plant (the model's plant in `catalog`), dealer or market, by key.
    pub async fn promise_kpis(
        &self,
        by: PromiseKpiBy,
        catalog: &Catalog,
    ) -> Result<PromiseKpis, ReadModelError> {
        let kind = match by {
            PromiseKpiBy::Plant => "model",
            PromiseKpiBy::Dealer => "dealer",
            PromiseKpiBy::Market => "market",
        };
        let docs = self
            .find::<PromiseKpiDoc>(DocQuery::all().tag(0, kind))
            .await?;
        let mut groups: BTreeMap<String, PromiseKpiDoc> = BTreeMap::new();
        for doc in docs {
            let key = match by {
                PromiseKpiBy::Plant => domain::values::ModelCode::parse(&doc.key)
                    .ok()
                    .and_then(|m| catalog.model(&m))
                    .map(|m| m.plant.to_string())
                    .unwrap_or_else(|| doc.key.clone()),
                _ => doc.key.clone(),
            };
            let group = groups.entry(key.clone()).or_insert_with(|| PromiseKpiDoc {
                kind: kind.to_owned(),
                key,
                arrived: 0,
                on_time: 0,
                days_late_total: 0,
                compensated: 0,
                compensation_minor: BTreeMap::new(),
            });
            group.arrived += doc.arrived;
            group.on_time += doc.on_time;
            group.days_late_total += doc.days_late_total;
            group.compensated += doc.compensated;
            for (currency, minor) in doc.compensation_minor {
                *group.compensation_minor.entry(currency).or_default() += minor;
            }
        }
        let rows = groups
            .into_values()
            .map(|g| PromiseKpiRow {
                on_time_share_pct: one_decimal(g.on_time, g.arrived, 100.0),
                mean_days_late: one_decimal(g.days_late_total, g.arrived, 1.0),
                orders_arrived: g.arrived,
                on_time: g.on_time,
                compensated_orders: g.compensated,
                compensation_paid: g
                    .compensation_minor
                    .into_iter()
                    .map(|(currency, minor)| Money::new(minor, currency))
                    .collect(),
                key: g.key,
            })
            .collect();
        Ok(PromiseKpis { by, rows })
    }
}
