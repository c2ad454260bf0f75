//! How events change the stock documents. Each vehicle event takes the domain's own
//! [`step`] (the rules the vehicle aggregate's `evolve` applies too); this module only says
//! where the document keeps each fact. The per-location counters move with each vehicle's
//! (location, status).

use chrono::{DateTime, Utc};
use domain::streams::Aggregate;
use domain::streams::AnyEvent;
use domain::values::LocationId;
use domain::vehicle::{step, Change, Created, Standing, Step, VehicleEvent, VehicleStatus};

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
        &[<domain::vehicle::Vehicle as Aggregate>::CATEGORY]
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
    let current = docs.get::<VehicleDoc>(&key)?;
    let before = current.and_then(bucket);
    let standing = current.map(|doc| Standing {
        status: doc.status,
        order: doc.order_id,
    });
    let Some(Step { status, change }) = step(standing, event) else {
        return Ok(());
    };
    if let Change::Created(new) = change {
        docs.insert(&key, created(status, new, at))?;
    } else if let Some(doc) = docs.get_mut::<VehicleDoc>(&key)? {
        doc.status = status;
        doc.updated_at = at;
        apply(doc, change);
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

/// The document of a vehicle that came into being; in production, its ETA is the end of
/// its production week.
fn created(status: VehicleStatus, new: Created<'_>, at: DateTime<Utc>) -> VehicleDoc {
    let (reservation, build) = (new.reservation, new.build);
    VehicleDoc {
        vehicle_id: new.vehicle,
        market: new.market.clone(),
        model: new.configuration.model.clone(),
        options: new.configuration.options.iter().cloned().collect(),
        status,
        location: new.location,
        origin: None,
        eta: build.map(|b| b.week.sunday()),
        order_id: reservation.map(|(order, _)| order),
        dealer_id: reservation.map(|(_, dealer)| dealer.clone()),
        vin: build.map(|b| b.vin.clone()),
        plant: build.map(|b| b.plant.clone()),
        week: build.map(|b| b.week),
        built_on: None,
        shipment_id: None,
        delay_reason: None,
        updated_at: at,
    }
}

/// Where the document keeps what changed.
fn apply(doc: &mut VehicleDoc, change: Change<'_>) {
    match change {
        Change::Created(_) => {}
        Change::Built { on } => {
            doc.built_on = Some(on);
            doc.eta = None;
        }
        Change::Reserved { order, dealer } => {
            doc.order_id = Some(order);
            doc.dealer_id = Some(dealer.clone());
        }
        Change::Released => {
            doc.order_id = None;
            doc.dealer_id = None;
        }
        Change::Departed {
            shipment,
            from,
            to,
            eta,
        } => {
            doc.origin = Some(from.clone());
            doc.location = to.clone();
            doc.eta = Some(eta);
            doc.shipment_id = Some(shipment);
            doc.delay_reason = None;
        }
        Change::Delayed { reason, eta } => {
            doc.eta = Some(eta);
            doc.delay_reason = Some(reason.to_owned());
        }
        Change::Arrived { at } => {
            doc.location = at.clone();
            doc.origin = None;
            doc.eta = None;
            doc.shipment_id = None;
            doc.delay_reason = None;
        }
        Change::Delivered => doc.eta = None,
    }
}
