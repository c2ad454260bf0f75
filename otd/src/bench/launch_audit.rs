//! How `otd bench launch` checks its own run, twice: from the read models over HTTP (what
//! customers and planners see) and from the event store's log (what happened). Every
//! acknowledged order must hold exactly one vehicle or production week, with an ETA; no
//! plant-week may hold more bookings than its capacity; no vehicle may be held for two orders.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use domain::order::OrderEvent;
use domain::slot::SlotEvent;
use domain::streams::{AnyEvent, AnyId};
use domain::vehicle::VehicleEvent;
use hyper::Method;
use serde::Deserialize;
use store::{EventStore, Position};

use super::callers::WEEKS;
use super::open_loop::{Call, Http};

/// Events read from the log at a time.
const PAGE: usize = 10_000;

/// What one check found.
#[derive(Debug, Default)]
pub struct Audit {
    /// Plant-weeks holding more bookings than their capacity.
    pub overbooked: u64,
    /// Vehicles reserved for two orders at once, and orders holding two units.
    pub double_held: u64,
    /// Everything else that is wrong, described (empty when the check passed).
    pub problems: Vec<String>,
}

impl Audit {
    fn problem(&mut self, problem: String) {
        // A broken run can break thousands of orders the same way: a few examples say it.
        if self.problems.len() < 10 {
            self.problems.push(problem);
        }
    }

    /// Whether nothing was found.
    pub fn passed(&self) -> bool {
        self.overbooked == 0 && self.double_held == 0 && self.problems.is_empty()
    }
}

/// An order as the orders list shows it (the fields checked).
#[derive(Deserialize)]
struct Row {
    order_id: String,
    eta: Option<String>,
    fulfilment: Option<Fulfilment>,
}

#[derive(Deserialize)]
struct Fulfilment {
    vehicle_id: Option<String>,
    week: Option<String>,
}

/// A plant-week as the capacity view shows it.
#[derive(Deserialize)]
struct Week {
    week: String,
    capacity: u64,
    booked: u64,
}

/// Checks the read models (once they reached `position`): each of `acked` listed once as
/// allocated or scheduled, with its ETA and its vehicle or week; the capacity view within
/// capacity and agreeing with the scheduled orders; no vehicle on two orders.
pub async fn views(
    http: &Http,
    planner: &Arc<str>,
    plant: &str,
    acked: &[String],
    position: u64,
) -> Result<Audit, String> {
    let mut audit = Audit::default();
    let mut seen: HashMap<String, Row> = HashMap::new();
    for status in ["allocated", "scheduled"] {
        let rows: Vec<Row> = get(
            http,
            planner,
            format!("/api/v1/orders?status={status}&min_position={position}"),
        )
        .await?;
        for row in rows {
            if let Some(twice) = seen.insert(row.order_id.clone(), row) {
                audit.problem(format!("order {} is listed twice", twice.order_id));
            }
        }
    }
    let mut holders: HashMap<&str, u64> = HashMap::new();
    let mut per_week: HashMap<&str, u64> = HashMap::new();
    for id in acked {
        let Some(row) = seen.get(id) else {
            audit.problem(format!("order {id} was acknowledged but is not fulfilled"));
            continue;
        };
        let fulfilment = row.fulfilment.as_ref();
        let vehicle = fulfilment.and_then(|f| f.vehicle_id.as_deref());
        let week = fulfilment.and_then(|f| f.week.as_deref());
        if row.eta.is_none() || (vehicle.is_none() && week.is_none()) {
            audit.problem(format!(
                "order {id}'s tracker shows no ETA, vehicle or week"
            ));
        }
        match (vehicle, week) {
            (Some(vehicle), _) => *holders.entry(vehicle).or_default() += 1,
            (None, Some(week)) => *per_week.entry(week).or_default() += 1,
            (None, None) => {}
        }
    }
    audit.double_held = holders.values().filter(|&&n| n > 1).count() as u64;
    let weeks: Vec<Week> = get(
        http,
        planner,
        format!(
            "/api/v1/plants/{plant}/capacity?from=2027-W01&to=2027-W{WEEKS:02}&min_position={position}"
        ),
    )
    .await?;
    for week in &weeks {
        if week.booked > week.capacity {
            audit.overbooked += 1;
        }
        let scheduled = per_week.get(week.week.as_str()).copied().unwrap_or(0);
        if scheduled > week.booked {
            audit.problem(format!(
                "{plant} {}: {scheduled} orders scheduled but {} booked",
                week.week, week.booked
            ));
        }
    }
    Ok(audit)
}

async fn get<T: serde::de::DeserializeOwned>(
    http: &Http,
    token: &Arc<str>,
    path: String,
) -> Result<T, String> {
    let reply = http
        .send(Call {
            method: Method::GET,
            path: path.clone(),
            token: Arc::clone(token),
            body: None,
        })
        .await?;
    if !reply.status.is_success() {
        return Err(format!(
            "GET {path}: {} {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        ));
    }
    serde_json::from_slice(&reply.body).map_err(|e| format!("GET {path}: {e}"))
}

/// What the log says about fulfilment, folded event by event.
#[derive(Default)]
struct Folded {
    /// Per order: the vehicles or plant-weeks it was given (by allocation or scheduling).
    given: HashMap<String, Vec<String>>,
    /// Per order: whether it was cancelled.
    cancelled: HashSet<String>,
    /// Per plant-week: its capacity and the orders holding a unit.
    slots: BTreeMap<String, (u64, HashSet<String>)>,
    /// Per vehicle: the order holding it.
    holder: HashMap<String, String>,
    /// Vehicles reserved while another order held them.
    reserved_twice: u64,
}

impl Folded {
    fn apply(&mut self, event: AnyEvent, order_stream: Option<String>) {
        match event {
            AnyEvent::Order(event) => {
                let Some(order) = order_stream else { return };
                match event {
                    OrderEvent::Allocated { vehicle, .. } => {
                        self.given
                            .entry(order)
                            .or_default()
                            .push(vehicle.to_string());
                    }
                    OrderEvent::Scheduled { plant, week, .. } => {
                        self.given
                            .entry(order)
                            .or_default()
                            .push(format!("{plant} {week}"));
                    }
                    OrderEvent::Cancelled { .. } => {
                        self.cancelled.insert(order);
                    }
                    _ => {}
                }
            }
            AnyEvent::Slot(event) => match event {
                SlotEvent::CapacitySet { plant, week, units } => {
                    self.slots.entry(format!("{plant} {week}")).or_default().0 = u64::from(units);
                }
                SlotEvent::Booked { plant, week, order } => {
                    let slot = self.slots.entry(format!("{plant} {week}")).or_default();
                    slot.1.insert(order.to_string());
                }
                SlotEvent::Released { plant, week, order } => {
                    let slot = self.slots.entry(format!("{plant} {week}")).or_default();
                    slot.1.remove(&order.to_string());
                }
                _ => {}
            },
            AnyEvent::Vehicle(event) => match event {
                VehicleEvent::Reserved { vehicle, order, .. } => {
                    let order = order.to_string();
                    let previous = self.holder.insert(vehicle.to_string(), order.clone());
                    if previous.is_some_and(|p| p != order) {
                        self.reserved_twice += 1;
                    }
                }
                VehicleEvent::Released { vehicle, order, .. } => {
                    let vehicle = vehicle.to_string();
                    if self.holder.get(&vehicle) == Some(&order.to_string()) {
                        self.holder.remove(&vehicle);
                    }
                }
                VehicleEvent::Reassigned { vehicle, to, .. } => {
                    self.holder.insert(vehicle.to_string(), to.to_string());
                }
                _ => {}
            },
            _ => {}
        }
    }
}

/// Reads the whole log of `events` and checks it: each of `acked` allocated or scheduled
/// exactly once and not cancelled, holding the vehicle or the unit of the week it was given;
/// no plant-week booked beyond its capacity; no vehicle reserved for an order while another
/// held it, no order holding units in two weeks.
pub async fn log(events: &dyn EventStore, acked: &[String]) -> Result<Audit, String> {
    let mut folded = Folded::default();
    let mut after = Position::START;
    loop {
        let page = events
            .read_all(after, PAGE)
            .await
            .map_err(|e| format!("reading the log: {e}"))?;
        let Some(last) = page.last() else { break };
        after = last.position;
        for record in &page {
            let stream = record.stream_id.as_str();
            let order = match AnyId::of_stream(stream) {
                Ok(AnyId::Order(order)) => Some(order.to_string()),
                Ok(AnyId::Slot(_) | AnyId::Vehicle(_)) => None,
                _ => continue,
            };
            let decoded = AnyEvent::decode(stream, record.payload.as_str())
                .map_err(|e| format!("event at position {}: {e}", record.position.0))?;
            folded.apply(decoded.event, order);
        }
    }
    let mut audit = Audit {
        double_held: folded.reserved_twice,
        ..Audit::default()
    };
    let mut booked_in: HashMap<&str, Vec<&str>> = HashMap::new();
    for (slot, (capacity, orders)) in &folded.slots {
        if orders.len() as u64 > *capacity {
            audit.overbooked += 1;
            audit.problem(format!(
                "{slot}: {} bookings for a capacity of {capacity}",
                orders.len()
            ));
        }
        for order in orders {
            booked_in.entry(order).or_default().push(slot);
        }
    }
    audit.double_held += booked_in.values().filter(|slots| slots.len() > 1).count() as u64;
    for id in acked {
        let given = folded.given.get(id).map_or(&[][..], Vec::as_slice);
        if given.len() != 1 || folded.cancelled.contains(id) {
            audit.problem(format!(
                "order {id} was allocated or scheduled {} times in the log",
                given.len()
            ));
            continue;
        }
        let unit = &given[0];
        let holds = folded.holder.get(unit) == Some(id)
            || booked_in
                .get(id.as_str())
                .is_some_and(|s| s == &[unit.as_str()]);
        if !holds {
            audit.problem(format!("order {id} was given {unit} but does not hold it"));
        }
    }
    Ok(audit)
}

#[cfg(test)]
#[path = "launch_audit_tests.rs"]
mod tests;
