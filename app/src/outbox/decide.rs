//! What each fact of the log tells whom: the message kinds an event (or a reminder the
//! business clock made due) decides, with their data, and who hears of it.
//!
//! Pure apart from the states it is handed: the manager loads them.

use chrono::{DateTime, SecondsFormat, Utc};
use domain::customer::CustomerEvent;
use domain::invoice::InvoiceEvent;
use domain::lead::{Lead, LeadEvent};
use domain::message::MessageKind;
use domain::order::{Order, OrderEvent, PlacedOrder};
use domain::test_drive::TestDriveEvent;
use domain::user::UserEvent;
use domain::values::{CustomerId, DealerId, LeadId, Money, UserId};
use serde::Serialize;
use serde_json::{Map, Value};

/// Who hears of a fact (besides the webhook endpoints that want its kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The customer, by e-mail.
    Customer(CustomerId),
    /// One staff member (the lead's owner).
    Staff { user: UserId, dealer: DealerId },
    /// Every active staff member of the dealer.
    DealerTeam(DealerId),
    /// The dealer's managers.
    DealerManagers(DealerId),
    /// A staff account's holder, about the account itself (wherever they work).
    User(UserId),
}

/// A message to decide: its kind, the fact it tells of (a stable id: the event's id, or the
/// order or lead of a clock-driven message), its data and its audience.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub kind: MessageKind,
    pub fact: String,
    pub data: Map<String, Value>,
    pub audience: Audience,
}

/// Builds a kind's data from `(field, value)` pairs.
pub(crate) fn data<const N: usize>(fields: [(&str, Value); N]) -> Map<String, Value> {
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A value as its text (ids, codes, dates, amounts with their currency).
pub(crate) fn text(value: impl std::fmt::Display) -> Value {
    Value::String(value.to_string())
}

/// A value as serde writes it (enums by their stored names).
pub(crate) fn json(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

pub(crate) fn instant(at: DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn money(m: &Money) -> Value {
    text(m)
}

/// The messages an order event decides. `before` and `after` are the order's states just
/// before and just after the event; `vin` the car's VIN if known.
pub fn for_order_event(
    event: &OrderEvent,
    fact: &str,
    before: &Order,
    after: &Order,
    vin: Option<String>,
) -> Vec<Plan> {
    let Some(order) = after.placed() else {
        return vec![];
    };
    let id = text(order.id);
    let model = text(order.configuration.model.as_str());
    let customer = |kind, data| Plan {
        kind,
        fact: fact.to_owned(),
        data,
        audience: Audience::Customer(order.customer.clone()),
    };
    let plan = match event {
        OrderEvent::Placed { price, deposit, .. } => customer(
            MessageKind::OrderConfirmed,
            data([
                ("order_id", id),
                ("model", model),
                ("dealer", text(order.dealer.as_str())),
                ("price", money(&price.gross)),
                ("deposit", money(deposit)),
            ]),
        ),
        OrderEvent::Allocated { eta, .. } | OrderEvent::Reallocated { eta, .. } => customer(
            MessageKind::VehicleFound,
            data([("order_id", id), ("model", model), ("eta", text(eta))]),
        ),
        OrderEvent::Scheduled {
            plant, week, eta, ..
        } => customer(
            MessageKind::WeekBooked,
            data([
                ("order_id", id),
                ("model", model),
                ("plant", text(plant.as_str())),
                ("week", text(week)),
                ("eta", text(eta)),
            ]),
        ),
        OrderEvent::ProductionStarted { vin, .. } => customer(
            MessageKind::VinAssigned,
            data([("order_id", id), ("model", model), ("vin", text(vin))]),
        ),
        OrderEvent::Delayed { reason, new_eta } => customer(
            MessageKind::EtaChanged,
            data([
                ("order_id", id),
                (
                    "previous_eta",
                    before
                        .placed()
                        .and_then(|o| o.eta)
                        .map_or_else(|| text("-"), text),
                ),
                ("eta", text(new_eta)),
                ("reason", text(reason)),
            ]),
        ),
        OrderEvent::ArrivedAtDealer { .. } => customer(
            MessageKind::ReadyForHandover,
            data([
                ("order_id", id),
                ("model", model),
                ("dealer", text(order.dealer.as_str())),
            ]),
        ),
        OrderEvent::DelayCompensated {
            days_late, amount, ..
        } => customer(
            MessageKind::CompensationCredited,
            data([
                ("order_id", id),
                ("days_late", Value::from(*days_late)),
                ("amount", money(amount)),
            ]),
        ),
        OrderEvent::Delivered { .. } => customer(
            MessageKind::Delivered,
            data([
                ("order_id", id),
                ("model", model),
                ("vin", vin.map_or_else(|| text("-"), Value::String)),
            ]),
        ),
        _ => return vec![],
    };
    vec![plan]
}

/// The handover reminder of `order`, if its handover is still ahead.
pub fn handover_reminder(order: &PlacedOrder) -> Option<Plan> {
    let at = order.handover_at?;
    if matches!(
        order.status,
        domain::order::OrderStatus::Delivered | domain::order::OrderStatus::Cancelled
    ) {
        return None;
    }
    Some(Plan {
        kind: MessageKind::HandoverReminder,
        fact: order.id.to_string(),
        data: data([
            ("order_id", text(order.id)),
            ("model", text(order.configuration.model.as_str())),
            ("dealer", text(order.dealer.as_str())),
            ("handover_at", instant(at)),
        ]),
        audience: Audience::Customer(order.customer.clone()),
    })
}

/// The messages an invoice event decides (the customer is the invoice's).
pub fn for_invoice_event(event: &InvoiceEvent, fact: &str, customer: &CustomerId) -> Vec<Plan> {
    let plan = |kind, data| Plan {
        kind,
        fact: fact.to_owned(),
        data,
        audience: Audience::Customer(customer.clone()),
    };
    match event {
        InvoiceEvent::Issued {
            number,
            order,
            price,
            amount_due,
            ..
        } => vec![plan(
            MessageKind::InvoiceIssued,
            data([
                ("order_id", text(order)),
                ("invoice_number", text(number)),
                ("gross", money(&price.gross)),
                ("amount_due", money(amount_due)),
            ]),
        )],
        InvoiceEvent::PaymentRecorded {
            order,
            amount,
            outstanding,
            ..
        } => vec![plan(
            MessageKind::PaymentReceived,
            data([
                ("order_id", text(order)),
                ("amount", money(amount)),
                ("amount_due", money(outstanding)),
            ]),
        )],
        _ => vec![],
    }
}

/// Who works a lead: its owner, or the dealer's team while nobody owns it.
fn lead_staff(lead: &Lead, dealer: &DealerId) -> Audience {
    match lead.assigned_to() {
        Some(user) => Audience::Staff {
            user: user.clone(),
            dealer: dealer.clone(),
        },
        None => Audience::DealerTeam(dealer.clone()),
    }
}

/// The messages a lead event decides (`lead` is the lead's state after it).
pub fn for_lead_event(event: &LeadEvent, fact: &str, id: &LeadId, lead: &Lead) -> Vec<Plan> {
    match event {
        LeadEvent::Created {
            dealer,
            model,
            source,
            grade,
            assigned_to,
            ..
        } => vec![Plan {
            kind: MessageKind::LeadCreated,
            fact: fact.to_owned(),
            data: data([
                ("lead_id", text(id)),
                ("dealer", text(dealer.as_str())),
                ("model", text(model.as_str())),
                ("source", json(source)),
                ("grade", text(grade)),
            ]),
            audience: match assigned_to {
                Some(user) => Audience::Staff {
                    user: user.clone(),
                    dealer: dealer.clone(),
                },
                None => Audience::DealerTeam(dealer.clone()),
            },
        }],
        LeadEvent::SlaBreached { respond_by, .. } => {
            let Some(dealer) = lead.dealer() else {
                return vec![];
            };
            vec![Plan {
                kind: MessageKind::LeadSlaBreached,
                fact: fact.to_owned(),
                data: data([
                    ("lead_id", text(id)),
                    ("dealer", text(dealer.as_str())),
                    ("owner", lead.assigned_to().map_or_else(|| text("-"), text)),
                    ("respond_by", instant(*respond_by)),
                ]),
                audience: Audience::DealerManagers(dealer.clone()),
            }]
        }
        _ => vec![],
    }
}

/// The "answer due in 30 minutes" message of a lead nobody answered yet.
pub fn response_due(id: &LeadId, lead: &Lead) -> Option<Plan> {
    let (Some(dealer), Some(model), Some(respond_by)) =
        (lead.dealer(), lead.model(), lead.respond_by())
    else {
        return None;
    };
    if !lead.open() || lead.first_contact_at().is_some() || lead.sla_breached() {
        return None;
    }
    Some(Plan {
        kind: MessageKind::LeadResponseDue,
        fact: id.to_string(),
        data: data([
            ("lead_id", text(id)),
            ("dealer", text(dealer.as_str())),
            ("model", text(model.as_str())),
            ("respond_by", instant(respond_by)),
        ]),
        audience: lead_staff(lead, dealer),
    })
}

/// The messages a test-drive event decides; `lead` the state of the drive's lead, if any.
pub fn for_test_drive_event(event: &TestDriveEvent, fact: &str, lead: Option<&Lead>) -> Vec<Plan> {
    let TestDriveEvent::Booked { drive, .. } = event else {
        return vec![];
    };
    let audience = match lead {
        Some(lead) if lead.assigned_to().is_some() => lead_staff(lead, &drive.dealer),
        _ => Audience::DealerTeam(drive.dealer.clone()),
    };
    vec![Plan {
        kind: MessageKind::TestDriveBooked,
        fact: fact.to_owned(),
        data: data([
            ("test_drive_id", text(&drive.id)),
            ("dealer", text(drive.dealer.as_str())),
            ("model", text(drive.model.as_str())),
            ("starts_at", instant(drive.start)),
        ]),
        audience,
    }]
}

/// The account messages a customer event decides (`verified`: whether the customer's
/// e-mail address was verified once the event happened). The data names the account only:
/// the link is made when the mail is sent.
pub fn for_customer_event(
    event: &CustomerEvent,
    fact: &str,
    customer: &CustomerId,
    verified: bool,
) -> Vec<Plan> {
    let kind = match event {
        CustomerEvent::AccountOpened { .. } | CustomerEvent::VerificationRequested { .. }
            if !verified =>
        {
            MessageKind::AccountVerifyEmail
        }
        CustomerEvent::PasswordResetRequested { .. } => MessageKind::AccountPasswordReset,
        _ => return vec![],
    };
    vec![Plan {
        kind,
        fact: fact.to_owned(),
        data: data([("account_id", text(customer))]),
        audience: Audience::Customer(customer.clone()),
    }]
}

/// The account messages a staff user's event decides.
pub fn for_user_event(event: &UserEvent, fact: &str, user: &UserId) -> Vec<Plan> {
    match event {
        UserEvent::PasswordResetRequested { .. } => vec![Plan {
            kind: MessageKind::AccountPasswordReset,
            fact: fact.to_owned(),
            data: data([("account_id", text(user))]),
            audience: Audience::User(user.clone()),
        }],
        _ => vec![],
    }
}
