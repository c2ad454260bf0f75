//! Where each aggregate's events live, and how a stored event is read back.
//!
//! One stream per aggregate instance, named `{category}-{id}`: each
//! aggregate names its category once ([`Aggregate::CATEGORY`]) and has a
//! typed id ([`Aggregate::Id`]); [`stream_name`] is the one place a stream
//! name is built from them. The category (the text before the first `-`)
//! tells which aggregate a stored event belongs to, so [`AnyEvent::decode`]
//! needs nothing but the stream name and the payload, and it reads the
//! stream's typed id back once, there ([`Decoded::id`]): nothing above cuts
//! ids out of stream names.

use std::fmt;
use std::hash::Hash;

use serde::de::DeserializeOwned;

use crate::claim::{Claim, ClaimEvent};
use crate::commission::{CommissionEvent, CommissionStatement};
use crate::customer::{Customer, CustomerEvent};
use crate::invoice::{Invoice, InvoiceEvent};
use crate::invoice_register::{InvoiceRegister, InvoiceRegisterEvent};
use crate::lead::{Lead, LeadEvent};
use crate::message::{Message, MessageEvent};
use crate::order::{Order, OrderEvent};
use crate::shipment::{Shipment, ShipmentEvent};
use crate::slot::{Slot, SlotEvent};
use crate::test_drive::{TestDriveDay, TestDriveEvent};
use crate::user::{User, UserEvent};
use crate::values::{
    CarDayKey, ClaimKey, CommissionKey, CustomerId, LeadId, MessageId, OrderId, RegisterKey,
    ShipmentId, SlotKey, UserId, VehicleId, WebhookId,
};
use crate::vehicle::{Vehicle, VehicleEvent};
use crate::webhook::{WebhookEndpoint, WebhookEvent};
use crate::{Decider, DomainEvent};

/// An aggregate's id as the part of its stream name after `{category}-`
/// (its [`Display`](fmt::Display)).
pub trait StreamKey: Clone + Eq + Hash + fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// Reads the id back from a stream name's suffix; `None` when the
    /// suffix names no such id. Only decoding a stored event does this.
    fn from_suffix(suffix: &str) -> Option<Self>;
}

impl StreamKey for OrderId {
    fn from_suffix(suffix: &str) -> Option<Self> {
        OrderId::parse(suffix).ok()
    }
}
impl StreamKey for VehicleId {
    fn from_suffix(suffix: &str) -> Option<Self> {
        VehicleId::parse(suffix).ok()
    }
}
impl StreamKey for ShipmentId {
    fn from_suffix(suffix: &str) -> Option<Self> {
        ShipmentId::parse(suffix).ok()
    }
}
impl StreamKey for SlotKey {
    fn from_suffix(suffix: &str) -> Option<Self> {
        SlotKey::parse(suffix)
    }
}
impl StreamKey for RegisterKey {
    fn from_suffix(suffix: &str) -> Option<Self> {
        RegisterKey::parse(suffix)
    }
}
impl StreamKey for CommissionKey {
    fn from_suffix(suffix: &str) -> Option<Self> {
        CommissionKey::parse(suffix)
    }
}
impl StreamKey for CustomerId {
    fn from_suffix(suffix: &str) -> Option<Self> {
        CustomerId::parse(suffix).ok()
    }
}
impl StreamKey for UserId {
    fn from_suffix(suffix: &str) -> Option<Self> {
        UserId::parse(suffix).ok()
    }
}
impl StreamKey for ClaimKey {
    fn from_suffix(suffix: &str) -> Option<Self> {
        ClaimKey::parse(suffix).ok()
    }
}
impl StreamKey for LeadId {
    fn from_suffix(suffix: &str) -> Option<Self> {
        LeadId::parse(suffix).ok()
    }
}
impl StreamKey for MessageId {
    fn from_suffix(suffix: &str) -> Option<Self> {
        MessageId::parse(suffix).ok()
    }
}
impl StreamKey for WebhookId {
    fn from_suffix(suffix: &str) -> Option<Self> {
        WebhookId::parse(suffix).ok()
    }
}
impl StreamKey for CarDayKey {
    fn from_suffix(suffix: &str) -> Option<Self> {
        CarDayKey::parse(suffix)
    }
}

/// An aggregate with a stream category and a typed id: one stream per id.
pub trait Aggregate: Decider {
    /// The first part of every stream name of this aggregate.
    const CATEGORY: &'static str;
    /// What tells one instance from another (the rest of the stream name).
    type Id: StreamKey;
}

impl Aggregate for Order {
    const CATEGORY: &'static str = "order";
    type Id = OrderId;
}
impl Aggregate for Vehicle {
    const CATEGORY: &'static str = "vehicle";
    type Id = VehicleId;
}
impl Aggregate for Slot {
    const CATEGORY: &'static str = "slot";
    type Id = SlotKey;
}
impl Aggregate for Shipment {
    const CATEGORY: &'static str = "shipment";
    type Id = ShipmentId;
}
/// The gapless number register: `invoices-{market}-{year}`.
impl Aggregate for InvoiceRegister {
    const CATEGORY: &'static str = "invoices";
    type Id = RegisterKey;
}
/// The order's invoice: `invoice-{order}`.
impl Aggregate for Invoice {
    const CATEGORY: &'static str = "invoice";
    type Id = OrderId;
}
impl Aggregate for CommissionStatement {
    const CATEGORY: &'static str = "commission";
    type Id = CommissionKey;
}
/// A customer: `customer-C-…`.
impl Aggregate for Customer {
    const CATEGORY: &'static str = "customer";
    type Id = CustomerId;
}
/// Who holds a contact: `claim-{kind}-{keyed hash}`.
impl Aggregate for Claim {
    const CATEGORY: &'static str = "claim";
    type Id = ClaimKey;
}
/// A staff account: `user-U-…`.
impl Aggregate for User {
    const CATEGORY: &'static str = "user";
    type Id = UserId;
}
/// A lead: `lead-{uuid}`.
impl Aggregate for Lead {
    const CATEGORY: &'static str = "lead";
    type Id = LeadId;
}
/// The test drives of one demo car on one local date:
/// `testdrives-DC-BER-01-1@2026-11-23`.
impl Aggregate for TestDriveDay {
    const CATEGORY: &'static str = "testdrives";
    type Id = CarDayKey;
}

/// A message of the outbox: `message-{uuid}` (derived from its kind, fact and recipient).
impl Aggregate for Message {
    const CATEGORY: &'static str = "message";
    type Id = MessageId;
}
/// A webhook endpoint: `webhook-{uuid}`.
impl Aggregate for WebhookEndpoint {
    const CATEGORY: &'static str = "webhook";
    type Id = WebhookId;
}

/// The name of the stream of `A`'s instance `id`: `{category}-{id}`, e.g.
/// `order-7f3c…` or `slot-P-LEIPZIG-2026-W50`. The one place a stream name
/// is built (the format is stored data: it never changes).
pub fn stream_name<A: Aggregate>(id: &A::Id) -> String {
    format!("{}-{id}", A::CATEGORY)
}

/// The typed id of the stream a stored event was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AnyId {
    Order(OrderId),
    Vehicle(VehicleId),
    Slot(SlotKey),
    Shipment(ShipmentId),
    Register(RegisterKey),
    /// The invoice of this order.
    Invoice(OrderId),
    Commission(CommissionKey),
    Customer(CustomerId),
    Claim(ClaimKey),
    User(UserId),
    Lead(LeadId),
    /// The test drives of this car-day.
    TestDrives(CarDayKey),
    Message(MessageId),
    Webhook(WebhookId),
}

impl AnyId {
    /// The order of an `order-{id}` stream (order events do not repeat
    /// their order's id).
    pub fn order(&self) -> Option<OrderId> {
        match self {
            AnyId::Order(order) => Some(*order),
            _ => None,
        }
    }
}

/// A stored event read back: the typed id of its stream and the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Whose stream the event is in.
    pub id: AnyId,
    /// The domain event.
    pub event: AnyEvent,
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
    Customer(CustomerEvent),
    Claim(ClaimEvent),
    User(UserEvent),
    Lead(LeadEvent),
    TestDrive(TestDriveEvent),
    Message(MessageEvent),
    Webhook(WebhookEvent),
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

/// The category of a stream name (the text before the first `-`): which
/// aggregate's stream it is, read before anything is decoded (a consumer
/// skips the categories it does not read).
pub fn category_of(stream: &str) -> &str {
    stream
        .split_once('-')
        .map_or(stream, |(category, _)| category)
}

/// The typed id of `A` in a stream name's `suffix`.
fn id<A: Aggregate>(stream: &str, suffix: &str) -> Result<A::Id, DecodeError> {
    A::Id::from_suffix(suffix).ok_or_else(|| DecodeError::Malformed {
        stream: stream.to_owned(),
        reason: format!("the stream does not name a {} id", A::CATEGORY),
    })
}

impl AnyId {
    /// Reads the typed id out of a stream name: the category says whose,
    /// the rest which one. This is where stream names are read back, once
    /// per stored event.
    pub fn of_stream(stream: &str) -> Result<AnyId, DecodeError> {
        let category = category_of(stream);
        let suffix = stream.get(category.len() + 1..).unwrap_or_default();
        Ok(match category {
            c if c == Order::CATEGORY => AnyId::Order(id::<Order>(stream, suffix)?),
            c if c == Vehicle::CATEGORY => AnyId::Vehicle(id::<Vehicle>(stream, suffix)?),
            c if c == Slot::CATEGORY => AnyId::Slot(id::<Slot>(stream, suffix)?),
            c if c == Shipment::CATEGORY => AnyId::Shipment(id::<Shipment>(stream, suffix)?),
            c if c == InvoiceRegister::CATEGORY => {
                AnyId::Register(id::<InvoiceRegister>(stream, suffix)?)
            }
            c if c == Invoice::CATEGORY => AnyId::Invoice(id::<Invoice>(stream, suffix)?),
            c if c == CommissionStatement::CATEGORY => {
                AnyId::Commission(id::<CommissionStatement>(stream, suffix)?)
            }
            c if c == Customer::CATEGORY => AnyId::Customer(id::<Customer>(stream, suffix)?),
            c if c == Claim::CATEGORY => AnyId::Claim(id::<Claim>(stream, suffix)?),
            c if c == User::CATEGORY => AnyId::User(id::<User>(stream, suffix)?),
            c if c == Lead::CATEGORY => AnyId::Lead(id::<Lead>(stream, suffix)?),
            c if c == TestDriveDay::CATEGORY => {
                AnyId::TestDrives(id::<TestDriveDay>(stream, suffix)?)
            }
            c if c == Message::CATEGORY => AnyId::Message(id::<Message>(stream, suffix)?),
            c if c == WebhookEndpoint::CATEGORY => {
                AnyId::Webhook(id::<WebhookEndpoint>(stream, suffix)?)
            }
            _ => return Err(DecodeError::UnknownCategory(stream.to_owned())),
        })
    }
}

impl AnyEvent {
    /// Reads the JSON `payload` of an event stored in `stream`, and the
    /// stream's typed id ([`AnyId::of_stream`]).
    pub fn decode(stream: &str, payload: &str) -> Result<Decoded, DecodeError> {
        let id = AnyId::of_stream(stream)?;
        let event = match id {
            AnyId::Order(_) => AnyEvent::Order(parse(stream, payload)?),
            AnyId::Vehicle(_) => AnyEvent::Vehicle(parse(stream, payload)?),
            AnyId::Slot(_) => AnyEvent::Slot(parse(stream, payload)?),
            AnyId::Shipment(_) => AnyEvent::Shipment(parse(stream, payload)?),
            AnyId::Register(_) => AnyEvent::Register(parse(stream, payload)?),
            AnyId::Invoice(_) => AnyEvent::Invoice(parse(stream, payload)?),
            AnyId::Commission(_) => AnyEvent::Commission(parse(stream, payload)?),
            AnyId::Customer(_) => AnyEvent::Customer(parse(stream, payload)?),
            AnyId::Claim(_) => AnyEvent::Claim(parse(stream, payload)?),
            AnyId::User(_) => AnyEvent::User(parse(stream, payload)?),
            AnyId::Lead(_) => AnyEvent::Lead(parse(stream, payload)?),
            AnyId::TestDrives(_) => AnyEvent::TestDrive(parse(stream, payload)?),
            AnyId::Message(_) => AnyEvent::Message(parse(stream, payload)?),
            AnyId::Webhook(_) => AnyEvent::Webhook(parse(stream, payload)?),
        };
        Ok(Decoded { id, event })
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
            AnyEvent::Customer(e) => e.event_type(),
            AnyEvent::Claim(e) => e.event_type(),
            AnyEvent::User(e) => e.event_type(),
            AnyEvent::Lead(e) => e.event_type(),
            AnyEvent::TestDrive(e) => e.event_type(),
            AnyEvent::Message(e) => e.event_type(),
            AnyEvent::Webhook(e) => e.event_type(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{DealerId, IsoWeek, MarketCode, Month, PlantId};

    #[test]
    fn a_stored_event_is_decoded_by_its_streams_category() {
        let event = VehicleEvent::Released {
            vehicle: VehicleId::derived("v"),
            order: OrderId::derived("o"),
            dealer: DealerId::parse("D-BER-01").unwrap(),
        };
        let json = serde_json::to_string(&event).unwrap();
        let stream = stream_name::<Vehicle>(&VehicleId::derived("v"));
        assert_eq!(
            AnyEvent::decode(&stream, &json),
            Ok(Decoded {
                id: AnyId::Vehicle(VehicleId::derived("v")),
                event: AnyEvent::Vehicle(event)
            })
        );
        assert!(matches!(
            AnyEvent::decode("order-x", &json),
            Err(DecodeError::Malformed { .. })
        ));
        let order = stream_name::<Order>(&OrderId::derived("o"));
        assert!(matches!(
            AnyEvent::decode(&order, &json),
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
        assert_eq!(
            stream_name::<Slot>(&SlotKey::new(plant, week)),
            "slot-P-LEIPZIG-2026-W50"
        );
        let market = MarketCode::parse("DE").unwrap();
        assert_eq!(
            stream_name::<InvoiceRegister>(&RegisterKey::new(market, 2026)),
            "invoices-DE-2026"
        );
        let dealer = DealerId::parse("D-BER-01").unwrap();
        let month = Month::parse("2026-11").unwrap();
        assert_eq!(
            stream_name::<CommissionStatement>(&CommissionKey::new(dealer, month)),
            "commission-D-BER-01-2026-11"
        );
    }

    #[test]
    fn a_decoded_event_carries_its_streams_typed_id() {
        let order = OrderId::derived("o");
        let event = OrderEvent::Delivered {
            delivered_at: chrono::DateTime::UNIX_EPOCH,
            net_price: crate::values::Money::zero(crate::values::Currency::EUR),
            vehicle: None,
        };
        let json = serde_json::to_string(&event).unwrap();
        let decoded = AnyEvent::decode(&stream_name::<Order>(&order), &json).unwrap();
        assert_eq!(decoded.id.order(), Some(order));
        let invoice = AnyEvent::decode(&stream_name::<Invoice>(&order), "{}");
        assert!(matches!(invoice, Err(DecodeError::Malformed { .. })));
    }
}
