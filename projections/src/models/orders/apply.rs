//! How events change the order documents. The order's course (status, wait reason, ETA,
//! delay) and what it holds move by the domain's own [`Course::advance`], the
//! rules the order aggregate's `evolve` applies too, so the tracker shows exactly what the
//! order decides on; this module only records what the tracker keeps besides.

use chrono::{DateTime, Utc};
use domain::invoice::{InvoiceEvent, InvoiceStatus};
use domain::order::{Course, Holding, Moved, OrderEvent, OrderStatus, VehicleSource};
use domain::streams::Aggregate;
use domain::streams::AnyEvent;
use domain::values::{LocationId, OrderId, VehicleId};
use domain::vehicle::VehicleEvent;

use super::{
    Cancellation, FulfilmentDoc, FulfilmentKind, InvoiceSummary, OrderDoc, SoldOrder, VehicleFacts,
};
use crate::docs::Docs;
use crate::error::ProjectionError;
use crate::models::kpis::{self, KpiFacts};
use crate::models::order_of;
use crate::projection::{Envelope, Projection};

/// The `orders` projection: tracker, order list, dealer board and KPIs.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrdersProjection;

impl Projection for OrdersProjection {
    fn name(&self) -> &'static str {
        "orders"
    }

    fn version(&self) -> u32 {
        // 2: the selling dealer and the `orders_sold` index.
        2
    }

    fn collections(&self) -> &'static [&'static str] {
        &["orders", "orders_sold", "order_vehicles", "kpi_markets"]
    }

    fn categories(&self) -> &'static [&'static str] {
        &[
            <domain::order::Order as Aggregate>::CATEGORY,
            <domain::vehicle::Vehicle as Aggregate>::CATEGORY,
            <domain::invoice::Invoice as Aggregate>::CATEGORY,
        ]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        match envelope.event {
            AnyEvent::Order(event) => order_event(envelope, event, docs),
            AnyEvent::Vehicle(event) => vehicle_event(event, docs),
            AnyEvent::Invoice(event) => invoice_event(envelope, event, docs),
            _ => Ok(()),
        }
    }
}

fn order_event(
    envelope: &Envelope<'_>,
    event: &OrderEvent,
    docs: &mut Docs<'_>,
) -> Result<(), ProjectionError> {
    let order = order_of(envelope)?;
    let key = order.to_string();
    let before = docs.get::<OrderDoc>(&key)?.map(KpiFacts::of);
    if let OrderEvent::Placed { .. } = event {
        if before.is_some() {
            return Ok(());
        }
        if let Some(doc) = placed(order, event, envelope.occurred_at) {
            if let Some(seller) = &doc.selling_dealer_id {
                let sold = SoldOrder {
                    order_id: order,
                    selling_dealer_id: seller.clone(),
                };
                docs.insert(&key, sold)?;
            }
            docs.insert(&key, doc)?;
        }
    } else {
        let facts = match event {
            OrderEvent::Allocated { vehicle, .. } => facts_of(docs, *vehicle, None)?,
            OrderEvent::Reallocated {
                vehicle,
                from_order,
                ..
            } => facts_of(docs, *vehicle, *from_order)?,
            _ => None,
        };
        remember_released(docs, &key, event)?;
        let Some(doc) = docs.get_mut::<OrderDoc>(&key)? else {
            return Ok(());
        };
        change(doc, event, facts, envelope.occurred_at);
    }
    if let Some(after) = docs.get::<OrderDoc>(&key)?.map(KpiFacts::of) {
        kpis::count(docs, before.as_ref(), &after)?;
    }
    Ok(())
}

/// What is known of a vehicle an order takes: kept for vehicles that became free with a
/// VIN, or read from the order it comes from (a reallocation).
fn facts_of(
    docs: &mut Docs<'_>,
    vehicle: VehicleId,
    from_order: Option<OrderId>,
) -> Result<Option<VehicleFacts>, ProjectionError> {
    if let Some(facts) = docs.get::<VehicleFacts>(&vehicle.to_string())? {
        return Ok(Some(facts.clone()));
    }
    let Some(from) = from_order else {
        return Ok(None);
    };
    let giver = docs.get::<OrderDoc>(&from.to_string())?;
    Ok(giver
        .and_then(|o| o.fulfilment.as_ref())
        .filter(|f| f.vehicle_id == Some(vehicle))
        .and_then(facts_in))
}

fn facts_in(fulfilment: &FulfilmentDoc) -> Option<VehicleFacts> {
    Some(VehicleFacts {
        vin: fulfilment.vin.clone()?,
        plant: fulfilment.plant.clone()?,
        week: fulfilment.week?,
    })
}

/// When an order lets go of a vehicle that has a VIN, what the order knew of it is kept for
/// the next order that takes the vehicle.
fn remember_released(
    docs: &mut Docs<'_>,
    key: &str,
    event: &OrderEvent,
) -> Result<(), ProjectionError> {
    let releases = matches!(
        event,
        OrderEvent::Cancelled { .. }
            | OrderEvent::Amended {
                released_vehicle: Some(_),
                ..
            }
            | OrderEvent::VehicleWithdrawn { .. }
            | OrderEvent::Reallocated {
                released: Some(_),
                ..
            }
    );
    if !releases {
        return Ok(());
    }
    let held = docs
        .get::<OrderDoc>(key)?
        .and_then(|o| o.fulfilment.as_ref())
        .and_then(|f| Some((f.vehicle_id?, facts_in(f)?)));
    if let Some((vehicle, facts)) = held {
        docs.insert(&vehicle.to_string(), facts)?;
    }
    Ok(())
}

fn placed(order: OrderId, event: &OrderEvent, at: DateTime<Utc>) -> Option<OrderDoc> {
    let OrderEvent::Placed {
        customer,
        dealer,
        selling_dealer,
        market,
        channel,
        configuration,
        price,
        deposit,
        placed_at,
        ..
    } = event
    else {
        return None;
    };
    Some(OrderDoc {
        order_id: order,
        customer_id: customer.clone(),
        dealer_id: dealer.clone(),
        selling_dealer_id: selling_dealer.clone(),
        market: market.clone(),
        channel: *channel,
        model: configuration.model.clone(),
        options: configuration.options.iter().cloned().collect(),
        status: OrderStatus::Placed,
        reason: None,
        eta: None,
        delayed: false,
        vehicle_in_transit: false,
        handover_at: None,
        fulfilment: None,
        price: *price,
        deposit: *deposit,
        invoice: None,
        placed_at: *placed_at,
        changeable_until: None,
        first_fulfilment: None,
        first_eta: None,
        arrived_on: None,
        delivered_at: None,
        cancellation: None,
        updated_at: at,
    })
}

fn change(doc: &mut OrderDoc, event: &OrderEvent, facts: Option<VehicleFacts>, at: DateTime<Utc>) {
    doc.updated_at = at;
    let Moved { holding, .. } = course(doc).advance(event);
    match holding {
        Holding::Kept => {}
        Holding::Released => {
            doc.fulfilment = None;
            doc.vehicle_in_transit = false;
        }
        Holding::Stock {
            vehicle,
            location,
            source,
        } => {
            doc.vehicle_in_transit = source == VehicleSource::InTransitToDealer;
            doc.fulfilment = Some(FulfilmentDoc {
                kind: FulfilmentKind::Stock,
                vehicle_id: Some(vehicle),
                vin: facts.as_ref().map(|f| f.vin.clone()),
                location: Some(location.clone()),
                plant: facts.as_ref().map(|f| f.plant.clone()),
                week: facts.as_ref().map(|f| f.week),
            });
            first_fulfilment(doc, FulfilmentKind::Stock);
        }
        Holding::Build { plant, week } => {
            doc.vehicle_in_transit = false;
            doc.fulfilment = Some(FulfilmentDoc {
                kind: FulfilmentKind::Build,
                vehicle_id: None,
                vin: None,
                location: Some(LocationId::Plant(plant.clone())),
                plant: Some(plant.clone()),
                week: Some(week),
            });
            first_fulfilment(doc, FulfilmentKind::Build);
        }
        Holding::BuildStarted { vehicle, vin } => {
            if let Some(f) = doc
                .fulfilment
                .as_mut()
                .filter(|f| f.kind == FulfilmentKind::Build)
            {
                f.vehicle_id = Some(vehicle);
                f.vin = Some(vin.clone());
            }
        }
    }
    match event {
        OrderEvent::Scheduled {
            changeable_until, ..
        } => doc.changeable_until = Some(*changeable_until),
        OrderEvent::ArrivedAtDealer { arrived_on } => {
            doc.arrived_on.get_or_insert(*arrived_on);
            if let Some(f) = doc.fulfilment.as_mut() {
                f.location = Some(LocationId::Dealer(doc.dealer_id.clone()));
            }
        }
        OrderEvent::HandoverBooked { at, .. } => doc.handover_at = Some(*at),
        OrderEvent::Delivered { delivered_at, .. } => doc.delivered_at = Some(*delivered_at),
        OrderEvent::Amended {
            configuration,
            price,
            ..
        } => {
            doc.model = configuration.model.clone();
            doc.options = configuration.options.iter().cloned().collect();
            doc.price = *price;
        }
        OrderEvent::Cancelled {
            reason,
            refund,
            forfeited,
            cancelled_at,
            ..
        } => {
            doc.cancellation = Some(Cancellation {
                reason: reason.clone(),
                refund: *refund,
                forfeited: *forfeited,
                cancelled_at: *cancelled_at,
            });
        }
        _ => {}
    }
}

/// The document's share of the order's course, advanced by the domain's own rules.
fn course(doc: &mut OrderDoc) -> Course<'_> {
    Course {
        status: &mut doc.status,
        reason: &mut doc.reason,
        eta: &mut doc.eta,
        delayed: &mut doc.delayed,
    }
}

/// The order was fulfilled (a vehicle or a slot secured, with a new ETA): the first kind and
/// the first ETA ever given are kept as the promise, for the KPIs.
fn first_fulfilment(doc: &mut OrderDoc, kind: FulfilmentKind) {
    doc.first_fulfilment.get_or_insert(kind);
    if let Some(eta) = doc.eta {
        doc.first_eta.get_or_insert(eta);
    }
}

fn vehicle_event(event: &VehicleEvent, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
    let (order, location) = match event {
        VehicleEvent::BuildStarted {
            vehicle,
            plant,
            week,
            vin,
            order: None,
            ..
        } => {
            // A build for stock: the order that takes it later learns its VIN here. (A build
            // for an order is known through the order's own events.)
            let facts = VehicleFacts {
                vin: vin.clone(),
                plant: plant.clone(),
                week: *week,
            };
            return docs.insert(&vehicle.to_string(), facts);
        }
        VehicleEvent::Dispatched { order, to, .. } => (order, to),
        VehicleEvent::Arrived { order, at, .. } => (order, at),
        _ => return Ok(()),
    };
    let Some(order) = order else {
        return Ok(());
    };
    if let Some(doc) = docs.get_mut::<OrderDoc>(&order.to_string())? {
        if let Some(f) = doc.fulfilment.as_mut() {
            f.location = Some(location.clone());
        }
    }
    Ok(())
}

fn invoice_event(
    envelope: &Envelope<'_>,
    event: &InvoiceEvent,
    docs: &mut Docs<'_>,
) -> Result<(), ProjectionError> {
    let order = match event {
        InvoiceEvent::Issued { order, .. }
        | InvoiceEvent::PaymentRecorded { order, .. }
        | InvoiceEvent::Paid { order, .. }
        | InvoiceEvent::CreditNoteIssued { order, .. } => order,
    };
    let key = order.to_string();
    let invoice = match event {
        InvoiceEvent::Issued {
            number, amount_due, ..
        } => Some(InvoiceSummary {
            number: number.clone(),
            status: InvoiceStatus::Open,
            amount_due: *amount_due,
        }),
        InvoiceEvent::PaymentRecorded { .. } => None,
        InvoiceEvent::Paid { .. } | InvoiceEvent::CreditNoteIssued { .. } => {
            let status = match event {
                InvoiceEvent::Paid { .. } => InvoiceStatus::Paid,
                _ => InvoiceStatus::Credited,
            };
            let current = docs.get::<OrderDoc>(&key)?.and_then(|d| d.invoice.clone());
            current.map(|summary| InvoiceSummary { status, ..summary })
        }
    };
    if let Some(invoice) = invoice {
        if let Some(doc) = docs.get_mut::<OrderDoc>(&key)? {
            doc.invoice = Some(invoice);
            doc.updated_at = envelope.occurred_at;
        }
    }
    Ok(())
}
