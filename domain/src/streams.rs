//! Where each aggregate's events live, and how a stored event is read back.
//!
//! One stream per aggregate instance, named `{category}-{id}`: the category
//! (the text before the first `-`) tells which aggregate a stored event
//! belongs to, so [`AnyEvent::decode`] needs nothing but the stream name and
//! the payload.

use serde::de::DeserializeOwned;

use crate::commission::{CommissionEvent, CommissionStatement};
use crate::invoice::{Invoice, InvoiceEvent};
use crate::invoice_register::{InvoiceRegister, InvoiceRegisterEvent};
use crate::order::{Order, OrderEvent};
use crate::shipment::{Shipment, ShipmentEvent};
use crate::slot::{Slot, SlotEvent};
use crate::values::{
    DealerId, IsoWeek, MarketCode, Month, OrderId, PlantId, ShipmentId, VehicleId,
};
use crate::vehicle::{Vehicle, VehicleEvent};
use crate::{Decider, DomainEvent};

/// An aggregate with a stream category.
pub trait Aggregate: Decider {
    /// The first part of every stream name of this aggregate.
    const CATEGORY: &'static str;
}

impl Aggregate for Order {
    const CATEGORY: &'static str = "order";
}
impl Aggregate for Vehicle {
    const CATEGORY: &'static str = "vehicle";
}
impl Aggregate for Slot {
    const CATEGORY: &'static str = "slot";
}
impl Aggregate for Shipment {
    const CATEGORY: &'static str = "shipment";
}
impl Aggregate for InvoiceRegister {
    const CATEGORY: &'static str = "invoices";
}
impl Aggregate for Invoice {
    const CATEGORY: &'static str = "invoice";
}
impl Aggregate for CommissionStatement {
    const CATEGORY: &'static str = "commission";
}

/// `order-{id}`.
pub fn order_stream(order: OrderId) -> String {
    format!("{}-{order}", Order::CATEGORY)
}

/// `vehicle-{id}`.
pub fn vehicle_stream(vehicle: VehicleId) -> String {
    format!("{}-{vehicle}", Vehicle::CATEGORY)
}

/// `slot-{plant}-{week}`, e.g. `slot-P-LEIPZIG-2026-W50`.
pub fn slot_stream(plant: &PlantId, week: IsoWeek) -> String {
    format!("{}-{plant}-{week}", Slot::CATEGORY)
}

/// `shipment-{id}`.
pub fn shipment_stream(shipment: ShipmentId) -> String {
    format!("{}-{shipment}", Shipment::CATEGORY)
}

/// `invoices-{market}-{year}`: the gapless number register.
pub fn register_stream(market: &MarketCode, year: i32) -> String {
    format!("{}-{market}-{year}", InvoiceRegister::CATEGORY)
}

/// `invoice-{order}`: the order's invoice.
pub fn invoice_stream(order: OrderId) -> String {
    format!("{}-{order}", Invoice::CATEGORY)
}

/// `commission-{dealer}-{month}`.
pub fn commission_stream(dealer: &DealerId, month: Month) -> String {
    format!("{}-{dealer}-{month}", CommissionStatement::CATEGORY)
}

/// Any domain event, as read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyEvent {
    Order(OrderEvent),
    Vehicle(VehicleEvent),
    Slot(SlotEvent),
    Shipment(ShipmentEvent),
    Register(InvoiceRegisterEvent),
    Invoice(InvoiceEvent),
    Commission(CommissionEvent),
}

/// Why a stored event could not be read as a domain event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("stream {0:?} belongs to no known aggregate")]
    UnknownCategory(String),
    #[error("event in stream {stream:?} does not match its aggregate's events: {reason}")]
    Malformed { stream: String, reason: String },
}

fn parse<E: DeserializeOwned>(stream: &str, json: &str) -> Result<E, DecodeError> {
    serde_json::from_str(json).map_err(|e| DecodeError::Malformed {
        stream: stream.to_owned(),
        reason: e.to_string(),
    })
}

impl AnyEvent {
    /// Reads the JSON `payload` of an event stored in `stream`.
    pub fn decode(stream: &str, payload: &str) -> Result<AnyEvent, DecodeError> {
        let category = stream.split('-').next().unwrap_or_default();
        Ok(match category {
            c if c == Order::CATEGORY => AnyEvent::Order(parse(stream, payload)?),
            c if c == Vehicle::CATEGORY => AnyEvent::Vehicle(parse(stream, payload)?),
            c if c == Slot::CATEGORY => AnyEvent::Slot(parse(stream, payload)?),
            c if c == Shipment::CATEGORY => AnyEvent::Shipment(parse(stream, payload)?),
            c if c == InvoiceRegister::CATEGORY => AnyEvent::Register(parse(stream, payload)?),
            c if c == Invoice::CATEGORY => AnyEvent::Invoice(parse(stream, payload)?),
            c if c == CommissionStatement::CATEGORY => {
                AnyEvent::Commission(parse(stream, payload)?)
            }
            _ => return Err(DecodeError::UnknownCategory(stream.to_owned())),
        })
    }

    /// The stored name of the event.
    pub fn event_type(&self) -> &'static str {
        match self {
            AnyEvent::Order(e) => e.event_type(),
            AnyEvent::Vehicle(e) => e.event_type(),
            AnyEvent::Slot(e) => e.event_type(),
            AnyEvent::Shipment(e) => e.event_type(),
            AnyEvent::Register(e) => e.event_type(),
            AnyEvent::Invoice(e) => e.event_type(),
            AnyEvent::Commission(e) => e.event_type(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_event_is_decoded_by_its_streams_category() {
        let event = VehicleEvent::Released {
            vehicle: VehicleId::derived("v"),
            order: OrderId::derived("o"),
            dealer: DealerId::parse("D-BER-01").unwrap(),
        };
        let json = serde_json::to_string(&event).unwrap();
        let stream = vehicle_stream(VehicleId::derived("v"));
        assert_eq!(
            AnyEvent::decode(&stream, &json),
            Ok(AnyEvent::Vehicle(event))
        );
        assert!(matches!(
            AnyEvent::decode("order-x", &json),
            Err(DecodeError::Malformed { .. })
        ));
        assert!(matches!(
            AnyEvent::decode("bogus-x", &json),
            Err(DecodeError::UnknownCategory(_))
        ));
    }

    #[test]
    fn stream_names_carry_their_category() {
        let week = IsoWeek::parse("2026-W50").unwrap();
        let plant = PlantId::parse("P-LEIPZIG").unwrap();
        assert_eq!(slot_stream(&plant, week), "slot-P-LEIPZIG-2026-W50");
        let market = MarketCode::parse("DE").unwrap();
        assert_eq!(register_stream(&market, 2026), "invoices-DE-2026");
        let dealer = DealerId::parse("D-BER-01").unwrap();
        let month = Month::parse("2026-11").unwrap();
        assert_eq!(
            commission_stream(&dealer, month),
            "commission-D-BER-01-2026-11"
        );
    }
}
