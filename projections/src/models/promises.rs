//! What each order promised, and the promise KPIs.
//!
//! The `promises` projection folds each order's events with the order's own
//! [`PromiseTrack::record`] (so the read model keeps exactly the promises the order decides
//! on) and stamps every promise with the business time of its event, which answers "what did
//! we promise on that date". It also counts, in `promise_kpis`, every order's *first* arrival
//! at the dealer against its *first* promised ETA, and the delay compensation decided, per
//! market, per dealer and per model (the view sums models into the plant that builds them,
//! from the catalog).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::compensation::days_late;
use domain::order::{OrderEvent, PromiseTrack};
use domain::streams::{Aggregate, AnyEvent};
use domain::values::{Currency, CustomerId, DealerId, MarketCode, ModelCode, Money, OrderId};
use serde::{Deserialize, Serialize};

use crate::docs::Docs;
use crate::document::{Document, Tags};
use crate::error::ProjectionError;
use crate::models::order_of;
use crate::projection::{Envelope, Projection};

/// The promises of one order.
///
/// Collection `promises`, key: the order id; tag 1: the dealer, tag 2: the customer, tag 3:
/// the market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseDoc {
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub dealer_id: DealerId,
    pub market: MarketCode,
    pub model: ModelCode,
    pub placed_at: DateTime<Utc>,
    /// The order's promise track, folded by the order's own rules.
    pub track: PromiseTrack,
    /// When each promise of `track.history` was made (business time), index by index.
    pub promised_at: Vec<DateTime<Utc>>,
    /// The first arrival at the dealer (the KPIs count it once).
    pub first_arrival: Option<NaiveDate>,
    /// When the compensation was decided.
    pub compensated_at: Option<DateTime<Utc>>,
}

impl Document for PromiseDoc {
    const COLLECTION: &'static str = "promises";

    fn tags(&self) -> Tags {
        Tags::new(
            Some(self.dealer_id.to_string()),
            Some(self.customer_id.to_string()),
            Some(self.market.to_string()),
        )
    }
}

/// What a group of orders counts toward the promise KPIs.
///
/// Collection `promise_kpis`, key: `market/DE`, `dealer/D-BER-01` or `model/AURA`; tag 1:
/// the kind (`market`, `dealer`, `model`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseKpiDoc {
    pub kind: String,
    pub key: String,
    /// Orders that reached the dealer and had been promised an ETA.
    pub arrived: u64,
    /// Of those, the ones at the dealer on or before the first promised ETA.
    pub on_time: u64,
    /// The days late of all of them (an early or on-time arrival counts zero).
    pub days_late_total: u64,
    /// Orders credited a delay compensation.
    pub compensated: u64,
    /// The compensation decided, per currency (minor units).
    pub compensation_minor: BTreeMap<Currency, i64>,
}

impl PromiseKpiDoc {
    fn empty(kind: &str, key: &str) -> Self {
        PromiseKpiDoc {
            kind: kind.to_owned(),
            key: key.to_owned(),
            arrived: 0,
            on_time: 0,
            days_late_total: 0,
            compensated: 0,
            compensation_minor: BTreeMap::new(),
        }
    }

    /// The document key of group `key` of `kind`.
    pub fn key_of(kind: &str, key: &str) -> String {
        format!("{kind}/{key}")
    }
}

impl Document for PromiseKpiDoc {
    const COLLECTION: &'static str = "promise_kpis";

    fn tags(&self) -> Tags {
        Tags::new(Some(self.kind.clone()), None, None)
    }
}

/// The `promises` projection.
#[derive(Debug, Clone, Copy, Default)]
pub struct PromisesProjection;

impl Projection for PromisesProjection {
    fn name(&self) -> &'static str {
        "promises"
    }

    fn version(&self) -> u32 {
        1
    }

    fn collections(&self) -> &'static [&'static str] {
        &["promises", "promise_kpis"]
    }

    fn categories(&self) -> &'static [&'static str] {
        &[<domain::order::Order as Aggregate>::CATEGORY]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        let AnyEvent::Order(event) = envelope.event else {
            return Ok(());
        };
        let order = order_of(envelope)?;
        let key = order.to_string();
        if let OrderEvent::Placed {
            customer,
            dealer,
            market,
            configuration,
            placed_at,
            ..
        } = event
        {
            if docs.get::<PromiseDoc>(&key)?.is_none() {
                let mut doc = PromiseDoc {
                    order_id: order,
                    customer_id: customer.clone(),
                    dealer_id: dealer.clone(),
                    market: market.clone(),
                    model: configuration.model.clone(),
                    placed_at: *placed_at,
                    track: PromiseTrack::default(),
                    promised_at: Vec::new(),
                    first_arrival: None,
                    compensated_at: None,
                };
                record(&mut doc, event, envelope.occurred_at);
                docs.insert(&key, doc)?;
            }
            return Ok(());
        }
        let Some(doc) = docs.get_mut::<PromiseDoc>(&key)? else {
            return Err(envelope.inconsistent("an order event before its placement"));
        };
        let counted = record(doc, event, envelope.occurred_at);
        if let Some(counted) = counted {
            count(docs, &counted)?;
        }
        Ok(())
    }
}

/// What one event adds to the KPIs of an order's groups.
struct Counted {
    groups: [(&'static str, String); 3],
    arrival: Option<Option<u32>>,
    compensation: Option<Money>,
}

/// Folds `event` into the order's document; says what it adds to the KPIs.
fn record(doc: &mut PromiseDoc, event: &OrderEvent, at: DateTime<Utc>) -> Option<Counted> {
    if doc.track.record(event).is_some() {
        doc.promised_at.push(at);
    }
    let (arrival, compensation) = match event {
        OrderEvent::ArrivedAtDealer { arrived_on } if doc.first_arrival.is_none() => {
            doc.first_arrival = Some(*arrived_on);
            let late = doc.track.first_eta.map(|eta| days_late(eta, *arrived_on));
            (Some(late), None)
        }
        OrderEvent::DelayCompensated { amount, .. } if doc.compensated_at.is_none() => {
            doc.compensated_at = Some(at);
            (None, Some(*amount))
        }
        _ => return None,
    };
    Some(Counted {
        groups: [
            ("market", doc.market.to_string()),
            ("dealer", doc.dealer_id.to_string()),
            ("model", doc.model.to_string()),
        ],
        arrival,
        compensation,
    })
}

fn count(docs: &mut Docs<'_>, counted: &Counted) -> Result<(), ProjectionError> {
    for (kind, group) in &counted.groups {
        let key = PromiseKpiDoc::key_of(kind, group);
        let kpis = docs.get_or_insert_with(&key, || PromiseKpiDoc::empty(kind, group))?;
        // An arrival without a promised ETA (none was ever given) is not counted.
        if let Some(Some(late)) = counted.arrival {
            kpis.arrived += 1;
            kpis.on_time += u64::from(late == 0);
            kpis.days_late_total += u64::from(late);
        }
        if let Some(amount) = counted.compensation {
            kpis.compensated += 1;
            *kpis.compensation_minor.entry(amount.currency).or_default() += amount.amount_minor;
        }
    }
    Ok(())
}
