//! How events change the stock documents. Vehicle statuses mirror the vehicle aggregate's
//! `evolve`; the per-location counters move with each vehicle's (location, status).

use chrono::{DateTime, Utc};
use domain::streams::AnyEvent;
use domain::values::LocationId;
use domain::vehicle::{VehicleEvent, VehicleStatus};

use super::{LocationStockDoc, VehicleDoc};
use crate::docs::Docs;
use crate::error::ProjectionError;
use crate::projection::{Envelope, Projection};

/// The `stock` projection: vehicles and the stock summary per location.
#[derive(Debug, Clone, Copy, Default)]
pub struct StockProjection;

impl Projection for StockProjection {
    fn name(&self) -> &'static str {
        "stock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn collections(&self) -> &'static [&'static str] {
        &["vehicles", "location_stock"]
    }

    fn categories(&self) -> &'static [&'static str] {
        &["vehicle"]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        match envelope.event {
            AnyEvent::Vehicle(event) => vehicle_event(event, envelope.occurred_at, docs),
            _ => Ok(()),
        }
    }
}

/// The counter a vehicle adds to: its location and status (none once delivered).
fn bucket(doc: &VehicleDoc) -> Option<(LocationId, VehicleStatus)> {
    (doc.status != VehicleStatus::Delivered).then(|| (doc.location.clone(), doc.status))
}

fn count(
    docs: &mut Docs<'_>,
    bucket: Option<(LocationId, VehicleStatus)>,
    up: bool,
) -> Result<(), ProjectionError> {
    let Some((location, status)) = bucket else {
        return Ok(());
    };
    let key = location.to_string();
    let summary = docs.get_or_insert_with(&key, || LocationStockDoc::empty(location))?;
    if let Some(counter) = summary.counter(status) {
        *counter = if up {
            counter.saturating_add(1)
        } else {
            counter.saturating_sub(1)
        };
    }
    Ok(())
}

fn vehicle_event(
    event: &VehicleEvent,
    at: DateTime<Utc>,
    docs: &mut Docs<'_>,
) -> Result<(), ProjectionError> {
    let key = vehicle_of(event).to_string();
    let before = docs.get::<VehicleDoc>(&key)?.and_then(bucket);
    match event {
        VehicleEvent::Registered {
            vehicle,
            market,
            configuration,
            location,
        } => {
            if docs.get::<VehicleDoc>(&key)?.is_none() {
                docs.insert(
                    &key,
                    VehicleDoc {
                        vehicle_id: *vehicle,
                        market: market.clone(),
                        model: configuration.model.clone(),
                        options: configuration.options.iter().cloned().collect(),
                        status: VehicleStatus::Free,
                        location: location.clone(),
                        origin: None,
                        eta: None,
                        order_id: None,
                        dealer_id: None,
                        vin: None,
                        plant: None,
                        week: None,
                        built_on: None,
                        shipment_id: None,
                        delay_reason: None,
                        updated_at: at,
                    },
                )?;
            }
        }
        VehicleEvent::BuildStarted {
            vehicle,
            market,
            configuration,
            plant,
            week,
            vin,
            order,
            dealer,
        } => {
            if docs.get::<VehicleDoc>(&key)?.is_none() {
                let reserved = order.is_some() && dealer.is_some();
                docs.insert(
                    &key,
                    VehicleDoc {
                        vehicle_id: *vehicle,
                        market: market.clone(),
                        model: configuration.model.clone(),
                        options: configuration.options.iter().cloned().collect(),
                        status: VehicleStatus::InProduction,
                        location: LocationId::Plant(plant.clone()),
                        origin: None,
                        eta: Some(week.sunday()),
                        order_id: order.filter(|_| reserved),
                        dealer_id: dealer.clone().filter(|_| reserved),
                        vin: Some(vin.clone()),
                        plant: Some(plant.clone()),
                        week: Some(*week),
                        built_on: None,
                        shipment_id: None,
                        delay_reason: None,
                        updated_at: at,
                    },
                )?;
            }
        }
        _ => {
            let Some(doc) = docs.get_mut::<VehicleDoc>(&key)? else {
                return Ok(());
            };
            if doc.status == VehicleStatus::Delivered {
                return Ok(());
            }
            doc.updated_at = at;
            change(doc, event);
        }
    }
    let after = docs.get::<VehicleDoc>(&key)?.and_then(bucket);
    if before != after {
        count(docs, before, false)?;
        count(docs, after, true)?;
    }
    Ok(())
}

fn vehicle_of(event: &VehicleEvent) -> domain::values::VehicleId {
    match event {
        VehicleEvent::Registered { vehicle, .. }
        | VehicleEvent::BuildStarted { vehicle, .. }
        | VehicleEvent::Built { vehicle, .. }
        | VehicleEvent::Reserved { vehicle, .. }
        | VehicleEvent::Released { vehicle, .. }
        | VehicleEvent::Reassigned { vehicle, .. }
        | VehicleEvent::Dispatched { vehicle, .. }
        | VehicleEvent::Delayed { vehicle, .. }
        | VehicleEvent::Arrived { vehicle, .. }
        | VehicleEvent::Delivered { vehicle, .. } => *vehicle,
    }
}

fn change(doc: &mut VehicleDoc, event: &VehicleEvent) {
    match event {
        VehicleEvent::Registered { .. } | VehicleEvent::BuildStarted { .. } => {}
        VehicleEvent::Built { on, .. } => {
            if doc.status == VehicleStatus::InProduction {
                doc.built_on = Some(*on);
                doc.eta = None;
                doc.status = if doc.order_id.is_some() {
                    VehicleStatus::Built
                } else {
                    VehicleStatus::Free
                };
            }
        }
        VehicleEvent::Reserved { order, dealer, .. } => {
            if doc.order_id.is_none() {
                doc.order_id = Some(*order);
                doc.dealer_id = Some(dealer.clone());
                if doc.status == VehicleStatus::Free {
                    doc.status = VehicleStatus::Reserved;
                }
            }
        }
        VehicleEvent::Released { order, .. } => {
            if doc.order_id == Some(*order) {
                doc.order_id = None;
                doc.dealer_id = None;
                if matches!(doc.status, VehicleStatus::Reserved | VehicleStatus::Built) {
                    doc.status = VehicleStatus::Free;
                }
            }
        }
        VehicleEvent::Reassigned {
            from,
            to,
            to_dealer,
            ..
        } => {
            if doc.order_id == Some(*from) {
                doc.order_id = Some(*to);
                doc.dealer_id = Some(to_dealer.clone());
            }
        }
        VehicleEvent::Dispatched {
            shipment,
            from,
            to,
            eta,
            ..
        } => {
            if doc.status != VehicleStatus::InTransit {
                doc.origin = Some(from.clone());
                doc.location = to.clone();
                doc.eta = Some(*eta);
                doc.shipment_id = Some(*shipment);
                doc.delay_reason = None;
                doc.status = VehicleStatus::InTransit;
            }
        }
        VehicleEvent::Delayed {
            reason, new_eta, ..
        } => {
            if doc.status == VehicleStatus::InTransit {
                doc.eta = Some(*new_eta);
                doc.delay_reason = Some(reason.clone());
            }
        }
        VehicleEvent::Arrived { at, .. } => {
            if doc.status == VehicleStatus::InTransit {
                doc.location = at.clone();
                doc.origin = None;
                doc.eta = None;
                doc.shipment_id = None;
                doc.delay_reason = None;
                doc.status = if doc.order_id.is_some() {
                    VehicleStatus::Reserved
                } else {
                    VehicleStatus::Free
                };
            }
        }
        VehicleEvent::Delivered { .. } => {
            if doc.order_id.is_some() {
                doc.status = VehicleStatus::Delivered;
                doc.eta = None;
            }
        }
    }
}
