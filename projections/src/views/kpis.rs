//! KPIs per market or overall.

use std::collections::BTreeMap;

use domain::values::MarketCode;
use serde::Serialize;

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::kpis::KpiMarketDoc;

/// The order-to-delivery KPIs of one market (or of all, `market: null`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Kpis {
    pub market: Option<MarketCode>,
    pub orders_placed: u64,
    pub orders_cancelled: u64,
    pub orders_delivered: u64,
    /// Orders first fulfilled from stock (locate-to-order).
    pub lto_orders: u64,
    /// Orders first fulfilled by a build (build-to-order).
    pub bto_orders: u64,
    /// LTO share of the fulfilled orders, in percent (one decimal); null before any.
    pub lto_share_pct: Option<f64>,
    /// BTO share of the fulfilled orders, in percent (one decimal); null before any.
    pub bto_share_pct: Option<f64>,
    /// Orders waiting for capacity now.
    pub awaiting_capacity: u64,
    /// Days from placement to handover.
    pub order_to_delivery_days: Option<DaysSummary>,
    /// The first ETA promised against the actual arrival at the dealer.
    pub eta_accuracy: Option<EtaAccuracy>,
}

/// Median and 90th percentile of a number of days (nearest rank).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DaysSummary {
    pub orders: u64,
    pub median: i64,
    pub p90: i64,
}

/// How arrivals compare with the first ETA promised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EtaAccuracy {
    /// Orders that arrived and had been promised an ETA.
    pub orders: u64,
    /// Arrived on or before the promised day.
    pub on_time: u64,
    /// Arrived after it.
    pub late: u64,
    /// Arrival minus promise, in days (negative: early).
    pub median_deviation_days: i64,
    pub p90_deviation_days: i64,
}

/// The value at `quantile` (0..=1) of a histogram, by nearest rank.
fn percentile(histogram: &BTreeMap<i64, u64>, quantile: f64) -> Option<i64> {
    let total: u64 = histogram.values().sum();
    if total == 0 {
        return None;
    }
    let rank = ((quantile * total as f64).ceil() as u64).clamp(1, total);
    let mut seen = 0;
    for (value, count) in histogram {
        seen += count;
        if seen >= rank {
            return Some(*value);
        }
    }
    histogram.keys().next_back().copied()
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

fn merge(into: &mut BTreeMap<i64, u64>, from: &BTreeMap<i64, u64>) {
    for (days, count) in from {
        *into.entry(*days).or_default() += count;
    }
}

fn summarize(market: Option<MarketCode>, docs: &[KpiMarketDoc]) -> Kpis {
    let sum = |f: fn(&KpiMarketDoc) -> u64| docs.iter().map(f).sum::<u64>();
    let (mut delivery, mut deviation) = (BTreeMap::new(), BTreeMap::new());
    for doc in docs {
        merge(&mut delivery, &doc.delivery_days);
        merge(&mut deviation, &doc.eta_deviation_days);
    }
    let (lto, bto) = (sum(|d| d.lto), sum(|d| d.bto));
    let order_to_delivery_days = match (percentile(&delivery, 0.5), percentile(&delivery, 0.9)) {
        (Some(median), Some(p90)) => Some(DaysSummary {
            orders: delivery.values().sum(),
            median,
            p90,
        }),
        _ => None,
    };
    let eta_accuracy = match (percentile(&deviation, 0.5), percentile(&deviation, 0.9)) {
        (Some(median), Some(p90)) => Some(EtaAccuracy {
            orders: deviation.values().sum(),
            on_time: deviation.range(..=0).map(|(_, n)| n).sum(),
            late: deviation.range(1..).map(|(_, n)| n).sum(),
            median_deviation_days: median,
            p90_deviation_days: p90,
        }),
        _ => None,
    };
    Kpis {
        market,
        orders_placed: sum(|d| d.placed),
        orders_cancelled: sum(|d| d.cancelled),
        orders_delivered: sum(|d| d.delivered),
        lto_orders: lto,
        bto_orders: bto,
        lto_share_pct: share(lto, lto + bto),
        bto_share_pct: share(bto, lto + bto),
        awaiting_capacity: sum(|d| d.awaiting_capacity),
        order_to_delivery_days,
        eta_accuracy,
    }
}

impl ReadModels {
    /// The KPIs of `market`, or of every market together for `None`.
    pub async fn kpis(&self, market: Option<&MarketCode>) -> Result<Kpis, ReadModelError> {
        let docs = match market {
            Some(market) => self
                .get::<KpiMarketDoc>(market.to_string())
                .await?
                .into_iter()
                .collect(),
            None => self.find::<KpiMarketDoc>(DocQuery::all()).await?,
        };
        Ok(summarize(market.cloned(), &docs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_taken_by_nearest_rank() {
        let histogram: BTreeMap<i64, u64> = [(10, 5), (20, 4), (40, 1)].into_iter().collect();
        assert_eq!(percentile(&histogram, 0.5), Some(10));
        assert_eq!(percentile(&histogram, 0.9), Some(20));
        assert_eq!(percentile(&histogram, 1.0), Some(40));
        assert_eq!(percentile(&BTreeMap::new(), 0.5), None);
    }

    #[test]
    fn shares_are_percent_with_one_decimal() {
        assert_eq!(share(1, 3), Some(33.3));
        assert_eq!(share(2, 3), Some(66.7));
        assert_eq!(share(0, 0), None);
    }
}
