//! The order tracker, the order list, the history and the dealer board.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::Price;
use domain::invoice::InvoiceStatus;
use domain::order::{OrderStatus, WaitReason};
use domain::values::{
    CustomerId, DealerId, InvoiceNumber, IsoWeek, LocationId, MarketCode, ModelCode, Money,
    OptionCode, OrderId, PlantId, VehicleId, Vin,
};
use serde::Serialize;
use store::Position;

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::orders::{FulfilmentDoc, FulfilmentKind, InvoiceSummary, OrderDoc, SoldOrder};

/// `GET /api/v1/orders/{id}`: an order as its customer follows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    /// The customer's name (filled by the API when read; "erased customer" after erasure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// The delivering dealer.
    pub dealer_id: DealerId,
    /// The dealer's name (filled by the API when read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dealer_name: Option<String>,
    /// The dealer that placed the order in its showroom (null for an order placed online).
    pub selling_dealer_id: Option<DealerId>,
    pub market: MarketCode,
    pub model: ModelCode,
    pub options: Vec<OptionCode>,
    pub status: OrderStatus,
    /// Why the order waits ("awaiting capacity", "delayed in transit: port congestion").
    pub status_reason: Option<String>,
    /// When the car is expected at the delivering dealer.
    pub eta: Option<NaiveDate>,
    pub delayed: bool,
    /// `allocated` to a stock vehicle that is already on its way to the dealer.
    pub vehicle_in_transit: bool,
    pub fulfilment: Option<FulfilmentView>,
    pub price: Price,
    pub deposit: Money,
    pub invoice: Option<InvoiceBrief>,
    pub handover_at: Option<DateTime<Utc>>,
    pub placed_at: DateTime<Utc>,
    /// For a build: the last day the configuration can be changed.
    pub changeable_until: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

/// How the order is fulfilled: `kind` is `stock` or `build`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FulfilmentView {
    pub kind: FulfilmentKind,
    pub vehicle_id: Option<VehicleId>,
    pub vin: Option<Vin>,
    pub location: Option<LocationId>,
    pub plant: Option<PlantId>,
    pub week: Option<IsoWeek>,
}

/// The order's invoice, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InvoiceBrief {
    pub number: InvoiceNumber,
    pub status: InvoiceStatus,
    pub amount_due: Money,
}

/// `GET /api/v1/orders` filters (all optional, combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// The delivering dealer.
    pub dealer_id: Option<DealerId>,
    pub customer_id: Option<CustomerId>,
    /// The dealer that placed the order in its showroom.
    pub selling_dealer_id: Option<DealerId>,
}

impl OrderFilter {
    fn admits(&self, doc: &OrderDoc) -> bool {
        self.status.is_none_or(|s| s == doc.status)
            && self.dealer_id.as_ref().is_none_or(|d| *d == doc.dealer_id)
            && self
                .customer_id
                .as_ref()
                .is_none_or(|c| *c == doc.customer_id)
            && self
                .selling_dealer_id
                .as_ref()
                .is_none_or(|s| doc.selling_dealer_id.as_ref() == Some(s))
    }
}

/// `GET /api/v1/dealers/{id}/board`: every order the dealer delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DealerBoard {
    pub dealer_id: DealerId,
    /// Orders per status (every status, zeros included).
    pub counts: BTreeMap<String, u32>,
    /// Newest order first.
    pub orders: Vec<BoardRow>,
}

/// One order on a dealer's board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BoardRow {
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    /// The customer's name (filled by the API when read; "erased customer" after erasure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    pub model: ModelCode,
    pub status: OrderStatus,
    pub status_reason: Option<String>,
    pub eta: Option<NaiveDate>,
    pub delayed: bool,
    pub handover_at: Option<DateTime<Utc>>,
    /// `open`, `paid`, `credited`, or null before the invoice is issued.
    pub invoice_status: Option<InvoiceStatus>,
    /// `allocated` to a stock vehicle that is already on its way here: the board shows the
    /// card among the cars in transit.
    pub vehicle_in_transit: bool,
}

/// The customer-facing reason an order waits.
fn status_reason(doc: &OrderDoc) -> Option<String> {
    doc.reason.as_ref().map(|reason| match reason {
        WaitReason::AwaitingCapacity => "awaiting capacity".to_owned(),
        WaitReason::Delayed { reason } if doc.status == OrderStatus::InTransit => {
            format!("delayed in transit: {reason}")
        }
        WaitReason::Delayed { reason } => format!("delayed: {reason}"),
    })
}

fn fulfilment(doc: &FulfilmentDoc) -> FulfilmentView {
    FulfilmentView {
        kind: doc.kind,
        vehicle_id: doc.vehicle_id,
        vin: doc.vin.clone(),
        location: doc.location.clone(),
        plant: doc.plant.clone(),
        week: doc.week,
    }
}

fn invoice(summary: &InvoiceSummary) -> InvoiceBrief {
    InvoiceBrief {
        number: summary.number.clone(),
        status: summary.status,
        amount_due: summary.amount_due,
    }
}

impl From<&OrderDoc> for OrderView {
    fn from(doc: &OrderDoc) -> Self {
        OrderView {
            order_id: doc.order_id,
            customer_id: doc.customer_id.clone(),
            dealer_id: doc.dealer_id.clone(),
            selling_dealer_id: doc.selling_dealer_id.clone(),
            market: doc.market.clone(),
            model: doc.model.clone(),
            options: doc.options.clone(),
            status: doc.status,
            status_reason: status_reason(doc),
            eta: doc.eta,
            delayed: doc.delayed,
            vehicle_in_transit: doc.status == OrderStatus::Allocated && doc.vehicle_in_transit,
            fulfilment: doc.fulfilment.as_ref().map(fulfilment),
            price: doc.price,
            deposit: doc.deposit,
            invoice: doc.invoice.as_ref().map(invoice),
            handover_at: doc.handover_at,
            placed_at: doc.placed_at,
            changeable_until: doc.changeable_until,
            updated_at: doc.updated_at,
            customer_name: None,
            dealer_name: None,
        }
    }
}

impl From<&OrderDoc> for BoardRow {
    fn from(doc: &OrderDoc) -> Self {
        BoardRow {
            order_id: doc.order_id,
            customer_id: doc.customer_id.clone(),
            model: doc.model.clone(),
            status: doc.status,
            status_reason: status_reason(doc),
            eta: doc.eta,
            delayed: doc.delayed,
            handover_at: doc.handover_at,
            invoice_status: doc.invoice.as_ref().map(|i| i.status),
            vehicle_in_transit: doc.status == OrderStatus::Allocated && doc.vehicle_in_transit,
            customer_name: None,
        }
    }
}

/// Newest first, ties by id, so lists are stable.
pub(super) fn newest_first(docs: &mut [OrderDoc]) {
    docs.sort_by(|a, b| {
        b.placed_at
            .cmp(&a.placed_at)
            .then(a.order_id.cmp(&b.order_id))
    });
}

impl ReadModels {
    /// One order (`None`: unknown).
    pub async fn order(&self, order: OrderId) -> Result<Option<OrderView>, ReadModelError> {
        let doc = self.get::<OrderDoc>(order.to_string()).await?;
        Ok(doc.as_ref().map(OrderView::from))
    }

    /// The orders matching `filter`, newest first.
    pub async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderView>, ReadModelError> {
        let mut docs = self.order_docs(filter).await?;
        newest_first(&mut docs);
        Ok(docs.iter().map(OrderView::from).collect())
    }

    /// The orders `dealer` delivers or sold (a dealer's own list), matching `filter`, newest
    /// first.
    pub async fn orders_of_dealer(
        &self,
        dealer: &DealerId,
        filter: &OrderFilter,
    ) -> Result<Vec<OrderView>, ReadModelError> {
        let delivered = OrderFilter {
            dealer_id: Some(dealer.clone()),
            ..filter.clone()
        };
        let sold = OrderFilter {
            selling_dealer_id: Some(dealer.clone()),
            ..filter.clone()
        };
        let mut docs = self.order_docs(&delivered).await?;
        let delivered_ids: std::collections::BTreeSet<OrderId> =
            docs.iter().map(|d| d.order_id).collect();
        let sold_elsewhere = self.order_docs(&sold).await?;
        docs.extend(
            sold_elsewhere
                .into_iter()
                .filter(|d| !delivered_ids.contains(&d.order_id)),
        );
        newest_first(&mut docs);
        Ok(docs.iter().map(OrderView::from).collect())
    }

    /// The order documents matching `filter`: through the index of the orders a dealer sold
    /// when the filter names a selling dealer, through the order tags otherwise.
    async fn order_docs(&self, filter: &OrderFilter) -> Result<Vec<OrderDoc>, ReadModelError> {
        let mut docs = match &filter.selling_dealer_id {
            Some(seller) => {
                let query = DocQuery::all().tag(0, seller.as_str());
                let sold = self.find::<SoldOrder>(query).await?;
                let keys = sold.iter().map(|s| s.order_id.to_string()).collect();
                self.get_all::<OrderDoc>(keys).await?
            }
            None => {
                let mut query = DocQuery::all();
                if let Some(dealer) = &filter.dealer_id {
                    query = query.tag(0, dealer.as_str());
                }
                if let Some(customer) = &filter.customer_id {
                    query = query.tag(1, customer.as_str());
                }
                if let Some(status) = filter.status {
                    query = query.tag(2, status.as_str());
                }
                self.find::<OrderDoc>(query).await?
            }
        };
        docs.retain(|d| filter.admits(d));
        Ok(docs)
    }

    /// The orders that wait for supply as of `at`, oldest first: `placed`, holding neither a
    /// vehicle nor a slot, and either found waiting for capacity, or last changed at or
    /// before `at` (their own event was handled, yet they hold nothing: e.g. a refused
    /// reaction). An order placed after `at` is not one of them: its own `OrderPlaced`, which
    /// comes later in the log, fulfils it (during a launch the view holds thousands of those).
    pub async fn awaiting_orders(&self, at: Position) -> Result<Vec<OrderId>, ReadModelError> {
        let query = DocQuery::all().tag(2, OrderStatus::Placed.as_str());
        let mut docs = self.find_with_positions::<OrderDoc>(query).await?;
        docs.retain(|(changed, d)| {
            d.fulfilment.is_none()
                && (d.reason == Some(WaitReason::AwaitingCapacity) || *changed <= at)
        });
        docs.sort_by(|(_, a), (_, b)| {
            a.placed_at
                .cmp(&b.placed_at)
                .then(a.order_id.cmp(&b.order_id))
        });
        Ok(docs.iter().map(|(_, d)| d.order_id).collect())
    }
}
