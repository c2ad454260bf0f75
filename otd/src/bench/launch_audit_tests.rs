//! The log audit finds what it is there to find: it passes a clean log and catches an
//! overbooked week, a vehicle held twice and an order given nothing or two units.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use domain::order::{Order, OrderEvent};
use domain::slot::{Slot, SlotEvent};
use domain::streams::stream_name;
use domain::values::{DealerId, IsoWeek, OrderId, PlantId, SlotKey, VehicleId};
use domain::vehicle::{Vehicle, VehicleEvent};
use domain::DomainEvent;
use store::{EventStore, ExpectedVersion, MemoryStore, NewEvent, Payload, StreamId};

use super::log;

fn week() -> (PlantId, IsoWeek) {
    (
        PlantId::parse("P-LEIPZIG").unwrap(),
        IsoWeek::parse("2027-W03").unwrap(),
    )
}

async fn append<E: DomainEvent>(events: &MemoryStore, stream: String, event: E) {
    let new = NewEvent::new(event.event_type(), Payload::from_value(&event).unwrap());
    events
        .append(
            &StreamId::parse(stream).unwrap(),
            ExpectedVersion::Any,
            vec![new],
        )
        .await
        .unwrap();
}

async fn capacity(events: &MemoryStore, units: u32) {
    let (plant, week) = week();
    let stream = stream_name::<Slot>(&SlotKey::new(plant.clone(), week));
    append(
        events,
        stream,
        SlotEvent::CapacitySet { plant, week, units },
    )
    .await;
}

/// `order` scheduled in the week and booked there.
async fn schedule(events: &MemoryStore, order: OrderId) {
    let (plant, week) = week();
    let day = NaiveDate::from_ymd_opt(2027, 1, 20).unwrap();
    let scheduled = OrderEvent::Scheduled {
        plant: plant.clone(),
        week,
        changeable_until: day,
        eta: day,
    };
    append(events, stream_name::<Order>(&order), scheduled).await;
    book(events, order).await;
}

async fn book(events: &MemoryStore, order: OrderId) {
    let (plant, week) = week();
    let stream = stream_name::<Slot>(&SlotKey::new(plant.clone(), week));
    append(events, stream, SlotEvent::Booked { plant, week, order }).await;
}

async fn reserve(events: &MemoryStore, vehicle: VehicleId, order: OrderId) {
    let reserved = VehicleEvent::Reserved {
        vehicle,
        order,
        dealer: DealerId::parse("D-BER-01").unwrap(),
    };
    append(events, stream_name::<Vehicle>(&vehicle), reserved).await;
}

fn order(n: u32) -> OrderId {
    OrderId::derived(&format!("launch audit {n}"))
}

#[tokio::test]
async fn a_clean_log_passes() {
    let events = MemoryStore::new();
    capacity(&events, 2).await;
    schedule(&events, order(1)).await;
    schedule(&events, order(2)).await;
    let audit = log(&events, &[order(1).to_string(), order(2).to_string()])
        .await
        .unwrap();
    assert!(audit.passed(), "{:?}", audit);
}

#[tokio::test]
async fn a_week_booked_beyond_its_capacity_is_overbooked() {
    let events = MemoryStore::new();
    capacity(&events, 1).await;
    schedule(&events, order(1)).await;
    schedule(&events, order(2)).await;
    let audit = log(&events, &[order(1).to_string(), order(2).to_string()])
        .await
        .unwrap();
    assert_eq!(audit.overbooked, 1);
    assert!(!audit.passed());
}

#[tokio::test]
async fn a_vehicle_reserved_for_a_second_order_is_double_held() {
    let events = MemoryStore::new();
    let vehicle = VehicleId::derived("launch audit vehicle");
    reserve(&events, vehicle, order(1)).await;
    reserve(&events, vehicle, order(2)).await;
    let audit = log(&events, &[]).await.unwrap();
    assert_eq!(audit.double_held, 1);
}

#[tokio::test]
async fn an_order_booked_in_a_week_it_was_not_given_or_given_nothing_is_a_problem() {
    let events = MemoryStore::new();
    capacity(&events, 5).await;
    schedule(&events, order(1)).await;
    // Booked, never scheduled: the order's tracker would show nothing.
    book(&events, order(2)).await;
    let audit = log(&events, &[order(1).to_string(), order(2).to_string()])
        .await
        .unwrap();
    assert_eq!(audit.problems.len(), 1, "{:?}", audit.problems);
    assert!(
        audit.problems[0].contains("0 times"),
        "{:?}",
        audit.problems
    );
}
