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

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::orders::{FulfilmentDoc, FulfilmentKind, InvoiceSummary, OrderDoc};

/// `GET /api/v1/orders/{id}`: an order as its customer follows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub dealer_id: DealerId,
    pub market: MarketCode,
    pub model: ModelCode,
    pub options: Vec<OptionCode>,
    pub status: OrderStatus,
    /// Why the order waits ("awaiting capacity", "delayed in transit: port congestion").
    pub status_reason: Option<String>,
    /// When the car is expected at the delivering dealer.
    pub eta: Option<NaiveDate>,
    pub delayed: bool,
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
    pub dealer_id: Option<DealerId>,
    pub customer_id: Option<CustomerId>,
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
    pub model: ModelCode,
    pub status: OrderStatus,
    pub status_reason: Option<String>,
    pub eta: Option<NaiveDate>,
    pub delayed: bool,
    pub handover_at: Option<DateTime<Utc>>,
    /// `open`, `paid`, `credited`, or null before the invoice is issued.
    pub invoice_status: Option<InvoiceStatus>,
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
            market: doc.market.clone(),
            model: doc.model.clone(),
            options: doc.options.clone(),
            status: doc.status,
            status_reason: status_reason(doc),
            eta: doc.eta,
            delayed: doc.delayed,
            fulfilment: doc.fulfilment.as_ref().map(fulfilment),
            price: doc.price,
            deposit: doc.deposit,
            invoice: doc.invoice.as_ref().map(invoice),
            handover_at: doc.handover_at,
            placed_at: doc.placed_at,
            changeable_until: doc.changeable_until,
            updated_at: doc.updated_at,
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
        let mut docs = self.find::<OrderDoc>(query).await?;
        newest_first(&mut docs);
        Ok(docs.iter().map(OrderView::from).collect())
    }

    /// The orders that are `placed` and hold neither a vehicle nor a slot, oldest first.
    pub async fn awaiting_orders(&self) -> Result<Vec<OrderId>, ReadModelError> {
        let query = DocQuery::all().tag(2, OrderStatus::Placed.as_str());
        let mut docs = self.find::<OrderDoc>(query).await?;
        docs.retain(|d| d.fulfilment.is_none());
        docs.sort_by(|a, b| {
            a.placed_at
                .cmp(&b.placed_at)
                .then(a.order_id.cmp(&b.order_id))
        });
        Ok(docs.iter().map(|d| d.order_id).collect())
    }
}
