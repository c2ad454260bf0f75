//! The kinds of message otd sends, who each is for,
//! what it is for (consents) and the facts each carries.
//!
//! A message kind's name (`order.confirmed` …) is part of the contract: it
//! is the webhook body's `type`, what a webhook subscription lists in
//! `events[]`, and what the customer 360 shows; each is written out here,
//! never derived from a Rust name.
//!
//! Fifteen kinds tell of business facts ([`MessageKind::FACTS`]: webhooks may
//! subscribe to them); two serve a person's own account (`account.verify_email`,
//! `account.password_reset`): they go by e-mail only, to the account holder,
//! and carry a link made when they are sent, never written into the log.
//!
//! **Every kind is transactional** (service messages about an order,
//! an invoice or a lead the recipient is part of): they go out whatever the
//! marketing consents say, as [`MessagePurpose::Transactional`]. Marketing
//! would need an opt-in per channel (`customer::Consents`); no kind here is
//! marketing today, and a new one says so in [`MessageKind::purpose`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::customer::MessagePurpose;

/// Who a message is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The customer of the order (in the customer's language).
    Customer,
    /// The dealer's staff: the lead's owner, or the dealer's team.
    DealerStaff,
    /// The dealer's manager (escalations).
    DealerManager,
    /// The holder of an account (a customer or a staff member): its own sign-in.
    AccountHolder,
}

/// The kinds of message otd sends (see "Messages and promises" in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    OrderConfirmed,
    VehicleFound,
    WeekBooked,
    VinAssigned,
    EtaChanged,
    ReadyForHandover,
    InvoiceIssued,
    PaymentReceived,
    HandoverReminder,
    Delivered,
    CompensationCredited,
    LeadCreated,
    LeadResponseDue,
    LeadSlaBreached,
    TestDriveBooked,
    /// The link that verifies an account's e-mail address.
    AccountVerifyEmail,
    /// The link that sets a new password.
    AccountPasswordReset,
}

impl MessageKind {
    /// The kinds that tell of business facts: what a webhook may subscribe to.
    pub const FACTS: [MessageKind; 15] = [
        MessageKind::OrderConfirmed,
        MessageKind::VehicleFound,
        MessageKind::WeekBooked,
        MessageKind::VinAssigned,
        MessageKind::EtaChanged,
        MessageKind::ReadyForHandover,
        MessageKind::InvoiceIssued,
        MessageKind::PaymentReceived,
        MessageKind::HandoverReminder,
        MessageKind::Delivered,
        MessageKind::CompensationCredited,
        MessageKind::LeadCreated,
        MessageKind::LeadResponseDue,
        MessageKind::LeadSlaBreached,
        MessageKind::TestDriveBooked,
    ];

    /// The account messages: links to the account's holder, by e-mail only.
    pub const ACCOUNT: [MessageKind; 2] = [
        MessageKind::AccountVerifyEmail,
        MessageKind::AccountPasswordReset,
    ];

    /// Every kind: the business facts, then the account messages.
    pub const ALL: [MessageKind; 17] = {
        let mut all = [MessageKind::OrderConfirmed; 17];
        let mut i = 0;
        while i < Self::FACTS.len() {
            all[i] = Self::FACTS[i];
            i += 1;
        }
        let mut j = 0;
        while j < Self::ACCOUNT.len() {
            all[Self::FACTS.len() + j] = Self::ACCOUNT[j];
            j += 1;
        }
        all
    };

    /// Whether the kind tells of a business fact (integrators may subscribe to it by
    /// webhook); the account messages do not: they go by e-mail to their holder only.
    pub fn is_fact(self) -> bool {
        !Self::ACCOUNT.contains(&self)
    }

    /// Whether the message carries a link made when it is sent (`link` in its data is
    /// filled then, never queued).
    pub fn carries_link(self) -> bool {
        !self.is_fact()
    }

    /// The kind's stable name (the webhook `type`).
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::OrderConfirmed => "order.confirmed",
            MessageKind::VehicleFound => "order.vehicle_found",
            MessageKind::WeekBooked => "order.week_booked",
            MessageKind::VinAssigned => "order.vin_assigned",
            MessageKind::EtaChanged => "order.eta_changed",
            MessageKind::ReadyForHandover => "order.ready_for_handover",
            MessageKind::InvoiceIssued => "invoice.issued",
            MessageKind::PaymentReceived => "payment.received",
            MessageKind::HandoverReminder => "handover.reminder",
            MessageKind::Delivered => "order.delivered",
            MessageKind::CompensationCredited => "compensation.credited",
            MessageKind::LeadCreated => "lead.created",
            MessageKind::LeadResponseDue => "lead.response_due",
            MessageKind::LeadSlaBreached => "lead.sla_breached",
            MessageKind::TestDriveBooked => "test_drive.booked",
            MessageKind::AccountVerifyEmail => "account.verify_email",
            MessageKind::AccountPasswordReset => "account.password_reset",
        }
    }

    /// Who the message is written to.
    pub fn audience(self) -> Audience {
        match self {
            MessageKind::LeadCreated
            | MessageKind::LeadResponseDue
            | MessageKind::TestDriveBooked => Audience::DealerStaff,
            MessageKind::LeadSlaBreached => Audience::DealerManager,
            MessageKind::AccountVerifyEmail | MessageKind::AccountPasswordReset => {
                Audience::AccountHolder
            }
            _ => Audience::Customer,
        }
    }

    /// What the message is for, as the consents see it: every kind is a
    /// service message about the recipient's own business with us.
    pub fn purpose(self) -> MessagePurpose {
        MessagePurpose::Transactional
    }

    /// The facts a message of this kind carries (its data contract): the
    /// keys of its `data`, which its templates may use and the webhook body
    /// carries. Values are given formatted for people (amounts with their
    /// currency, dates as ISO dates, instants in RFC 3339).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            MessageKind::OrderConfirmed => &["order_id", "model", "dealer", "price", "deposit"],
            MessageKind::VehicleFound => &["order_id", "model", "eta"],
            MessageKind::WeekBooked => &["order_id", "model", "plant", "week", "eta"],
            MessageKind::VinAssigned => &["order_id", "model", "vin"],
            MessageKind::EtaChanged => &["order_id", "previous_eta", "eta", "reason"],
            MessageKind::ReadyForHandover => &["order_id", "model", "dealer"],
            MessageKind::InvoiceIssued => &["order_id", "invoice_number", "gross", "amount_due"],
            MessageKind::PaymentReceived => &["order_id", "amount", "amount_due"],
            MessageKind::HandoverReminder => &["order_id", "model", "dealer", "handover_at"],
            MessageKind::Delivered => &["order_id", "model", "vin"],
            MessageKind::CompensationCredited => &["order_id", "days_late", "amount"],
            MessageKind::LeadCreated => &["lead_id", "dealer", "model", "source", "grade"],
            MessageKind::LeadResponseDue => &["lead_id", "dealer", "model", "respond_by"],
            MessageKind::LeadSlaBreached => &["lead_id", "dealer", "owner", "respond_by"],
            MessageKind::TestDriveBooked => &["test_drive_id", "dealer", "model", "starts_at"],
            // `link` is filled when the message is sent.
            MessageKind::AccountVerifyEmail | MessageKind::AccountPasswordReset => {
                &["account_id", "link"]
            }
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a message kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a message kind")]
pub struct UnknownMessageKind(pub String);

impl FromStr for MessageKind {
    type Err = UnknownMessageKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MessageKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownMessageKind(s.to_owned()))
    }
}

impl Serialize for MessageKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for MessageKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What a webhook endpoint subscribes to: every kind (`"*"`) or the kinds
/// listed (`events[]`). An empty list is refused at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    All,
    Kinds(Vec<MessageKind>),
}

/// A subscription that names nothing, or a name that is no kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    #[error("a subscription names at least one event")]
    Empty,
    #[error(transparent)]
    Unknown(#[from] UnknownMessageKind),
}

impl Subscription {
    /// Parses `events[]`: `"*"` alone or among others means every kind of fact
    /// ([`MessageKind::FACTS`]; an account message's name is refused as unknown);
    /// duplicates are kept once, in the order of [`MessageKind::ALL`].
    pub fn parse<S: AsRef<str>>(events: &[S]) -> Result<Subscription, SubscriptionError> {
        if events.is_empty() {
            return Err(SubscriptionError::Empty);
        }
        if events.iter().any(|e| e.as_ref() == "*") {
            return Ok(Subscription::All);
        }
        let mut kinds = events
            .iter()
            .map(|e| {
                let name = e.as_ref();
                name.parse::<MessageKind>()
                    .ok()
                    .filter(|k| k.is_fact())
                    .ok_or_else(|| UnknownMessageKind(name.to_owned()))
            })
            .collect::<Result<Vec<MessageKind>, _>>()?;
        kinds.sort();
        kinds.dedup();
        Ok(Subscription::Kinds(kinds))
    }

    /// Whether a message of `kind` goes to this subscriber (never an account message).
    pub fn wants(&self, kind: MessageKind) -> bool {
        match self {
            Subscription::All => kind.is_fact(),
            Subscription::Kinds(kinds) => kinds.contains(&kind),
        }
    }

    /// The names, as `events[]` lists them (`["*"]` for every kind).
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            Subscription::All => vec!["*"],
            Subscription::Kinds(kinds) => kinds.iter().map(|k| k.name()).collect(),
        }
    }
}

impl Serialize for Subscription {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Subscription {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        Subscription::parse(&names).map_err(serde::de::Error::custom)
    }
}
