//! The outbox as the sender and the routes read it: one document per message (its status,
//! attempts and next try), the webhook endpoints and what they want, the staff of each dealer
//! (who dealer messages go to), and the reminders the business clock will make due.
//!
//! - `messages` (message; tag 0 the customer it goes to, tag 1 the webhook endpoint it goes
//!   to, tag 2 `queued`/`sent`/`dead_lettered`): the sender reads the queued ones, the customer
//!   360 a customer's, a webhook's delivery log an endpoint's.
//! - `messages_due` (`{next attempt}/{message}`, no tags): one per queued message, in the
//!   order the sender takes them (its next attempt, then its id), so the sender reads the
//!   first few due instead of every queued message.
//! - `webhooks` (webhook; tag 0 `active`/`disabled`).
//! - `dealer_staff` (user; tag 0 the dealer, tag 1 `manager`/`staff`/`inactive`).
//! - `reminders` (`{kind}/{fact}`; tag 0 `pending`): a handover reminder one day before the
//!   appointment, a lead's answer due 30 minutes before `respond_by`; gone once the message is
//!   queued, the lead answered or closed, the order delivered or cancelled.

use chrono::{DateTime, Duration, Utc};
use domain::lead::LeadEvent;
use domain::message::{
    AttemptRecord, Channel, Message, MessageEvent, MessageKind, MessageStatus, Recipient,
};
use domain::order::{Order, OrderEvent};
use domain::streams::{Aggregate, AnyEvent, AnyId};
use domain::user::{StaffRole, User, UserEvent};
use domain::values::{CustomerId, DealerId, Language, MessageId, UserId, WebhookId};
use domain::webhook::{WebhookEndpoint, WebhookEvent};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::docs::Docs;
use crate::document::{Document, Tags};
use crate::error::ProjectionError;
use crate::projection::{Envelope, Projection};

/// How long before a booked handover its reminder is due.
pub const HANDOVER_REMINDER_BEFORE: Duration = Duration::days(1);
/// How long before a lead's `respond_by` the "answer due" message is due.
pub const RESPONSE_DUE_BEFORE: Duration = Duration::minutes(30);

/// One message of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDoc {
    pub message_id: MessageId,
    pub kind: MessageKind,
    pub fact: String,
    pub recipient: Recipient,
    pub channel: Channel,
    pub language: Language,
    pub data: Map<String, Value>,
    pub occurred_at: DateTime<Utc>,
    pub queued_at: DateTime<Utc>,
    pub status: MessageStatus,
    /// When it is tried next (queued messages only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
    /// Every attempt, across replays, oldest first.
    pub attempts: Vec<AttemptRecord>,
}

impl MessageDoc {
    /// The status as tag 2 spells it.
    pub fn status_tag(status: MessageStatus) -> &'static str {
        match status {
            MessageStatus::Queued => "queued",
            MessageStatus::Sent => "sent",
            MessageStatus::DeadLettered => "dead_lettered",
        }
    }
}

impl Document for MessageDoc {
    const COLLECTION: &'static str = "messages";

    fn tags(&self) -> Tags {
        let (customer, webhook) = match &self.recipient {
            Recipient::Customer { customer } => (Some(customer.to_string()), None),
            Recipient::Webhook { webhook } => (None, Some(webhook.to_string())),
            Recipient::Staff { .. } | Recipient::User { .. } => (None, None),
        };
        Tags::new(
            customer,
            webhook,
            Some(Self::status_tag(self.status).to_owned()),
        )
    }
}

/// A queued message's place in the sender's queue (`messages_due`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueMessageDoc {
    pub message_id: MessageId,
}

impl DueMessageDoc {
    /// The key of a message tried next at `at`: keys sort by time, then by message.
    pub fn key(at: DateTime<Utc>, message: &MessageId) -> String {
        format!("{}/{message}", Self::time(at))
    }

    /// The largest key of a message due at or before `now`.
    pub fn last_key_due(now: DateTime<Utc>) -> String {
        // `~` sorts after every character of a message id.
        format!("{}/~", Self::time(now))
    }

    /// A time in a fixed width, so text order is time order.
    fn time(at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

impl Document for DueMessageDoc {
    const COLLECTION: &'static str = "messages_due";

    fn tags(&self) -> Tags {
        Tags::new(None, None, None)
    }
}

/// A webhook endpoint (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDoc {
    pub webhook_id: WebhookId,
    pub url: String,
    /// `["*"]` or the kinds' names.
    pub events: Vec<String>,
    pub active: bool,
    pub registered_at: DateTime<Utc>,
    pub disabled_reason: Option<String>,
}

impl WebhookDoc {
    /// Whether a message of `kind` goes to this endpoint.
    pub fn wants(&self, kind: MessageKind) -> bool {
        self.active && self.events.iter().any(|e| e == "*" || e == kind.name())
    }
}

impl Document for WebhookDoc {
    const COLLECTION: &'static str = "webhooks";

    fn tags(&self) -> Tags {
        let state = if self.active { "active" } else { "disabled" };
        Tags::new(Some(state.to_owned()), None, None)
    }
}

/// A staff member of a dealer (dealer messages go to them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerStaffDoc {
    pub user_id: UserId,
    pub dealer_id: DealerId,
    pub manager: bool,
    pub active: bool,
}

impl Document for DealerStaffDoc {
    const COLLECTION: &'static str = "dealer_staff";

    fn tags(&self) -> Tags {
        let kind = match (self.active, self.manager) {
            (false, _) => "inactive",
            (true, true) => "manager",
            (true, false) => "staff",
        };
        Tags::new(
            Some(self.dealer_id.to_string()),
            Some(kind.to_owned()),
            None,
        )
    }
}

/// A message the business clock makes due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderDoc {
    pub kind: MessageKind,
    /// The fact the message tells of: the order or the lead.
    pub fact: String,
    pub due_at: DateTime<Utc>,
    /// The customer the fact is about.
    pub customer_id: Option<CustomerId>,
}

impl ReminderDoc {
    pub fn key(kind: MessageKind, fact: &str) -> String {
        format!("{}/{fact}", kind.name())
    }
}

impl Document for ReminderDoc {
    const COLLECTION: &'static str = "reminders";

    fn tags(&self) -> Tags {
        Tags::new(Some("pending".to_owned()), None, None)
    }
}

/// The `messages` projection.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessagesProjection;

impl Projection for MessagesProjection {
    fn name(&self) -> &'static str {
        "messages"
    }

    fn version(&self) -> u32 {
        2
    }

    fn collections(&self) -> &'static [&'static str] {
        &[
            "messages",
            "messages_due",
            "webhooks",
            "dealer_staff",
            "reminders",
        ]
    }

    fn categories(&self) -> &'static [&'static str] {
        &[
            <Message as Aggregate>::CATEGORY,
            <WebhookEndpoint as Aggregate>::CATEGORY,
            <User as Aggregate>::CATEGORY,
            <Order as Aggregate>::CATEGORY,
            <domain::lead::Lead as Aggregate>::CATEGORY,
        ]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        match (envelope.id, envelope.event) {
            (AnyId::Message(id), AnyEvent::Message(event)) => message(envelope, *id, event, docs),
            (AnyId::Webhook(id), AnyEvent::Webhook(event)) => webhook(*id, event, docs),
            (AnyId::User(id), AnyEvent::User(event)) => staff(id, event, docs),
            (AnyId::Order(order), AnyEvent::Order(event)) => {
                let fact = order.to_string();
                match event {
                    OrderEvent::HandoverBooked { at, .. } => docs.insert(
                        &ReminderDoc::key(MessageKind::HandoverReminder, &fact),
                        ReminderDoc {
                            kind: MessageKind::HandoverReminder,
                            fact,
                            due_at: *at - HANDOVER_REMINDER_BEFORE,
                            customer_id: None,
                        },
                    ),
                    OrderEvent::Delivered { .. } | OrderEvent::Cancelled { .. } => docs
                        .remove::<ReminderDoc>(&ReminderDoc::key(
                            MessageKind::HandoverReminder,
                            &fact,
                        )),
                    _ => Ok(()),
                }
            }
            (AnyId::Lead(lead), AnyEvent::Lead(event)) => {
                let fact = lead.to_string();
                let key = ReminderDoc::key(MessageKind::LeadResponseDue, &fact);
                match event {
                    LeadEvent::Created {
                        respond_by,
                        customer,
                        ..
                    } => docs.insert(
                        &key,
                        ReminderDoc {
                            kind: MessageKind::LeadResponseDue,
                            fact,
                            due_at: *respond_by - RESPONSE_DUE_BEFORE,
                            customer_id: Some(customer.clone()),
                        },
                    ),
                    LeadEvent::ContactRecorded { .. }
                    | LeadEvent::Lost { .. }
                    | LeadEvent::Sold { .. }
                    | LeadEvent::SlaBreached { .. } => docs.remove::<ReminderDoc>(&key),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

fn message(
    envelope: &Envelope<'_>,
    id: MessageId,
    event: &MessageEvent,
    docs: &mut Docs<'_>,
) -> Result<(), ProjectionError> {
    let key = id.to_string();
    if let MessageEvent::Queued {
        kind,
        fact,
        recipient,
        channel,
        language,
        data,
        occurred_at,
        at,
        ..
    } = event
    {
        if docs.get::<MessageDoc>(&key)?.is_none() {
            docs.insert(
                &key,
                MessageDoc {
                    message_id: id,
                    kind: *kind,
                    fact: fact.clone(),
                    recipient: recipient.clone(),
                    channel: *channel,
                    language: *language,
                    data: data.clone(),
                    occurred_at: *occurred_at,
                    queued_at: *at,
                    status: MessageStatus::Queued,
                    next_attempt_at: Some(*at),
                    sent_at: None,
                    attempts: Vec::new(),
                },
            )?;
            docs.insert(
                &DueMessageDoc::key(*at, &id),
                DueMessageDoc { message_id: id },
            )?;
        }
        // A clock-driven message queued: its reminder is done.
        return docs.remove::<ReminderDoc>(&ReminderDoc::key(*kind, fact));
    }
    let Some(doc) = docs.get_mut::<MessageDoc>(&key)? else {
        return Err(envelope.inconsistent("a message event before the message was queued"));
    };
    let due_before = doc.next_attempt_at;
    match event {
        MessageEvent::Queued { .. } => {}
        MessageEvent::AttemptRecorded { attempt } => {
            doc.next_attempt_at = attempt.next_retry;
            doc.attempts.push(attempt.clone());
        }
        MessageEvent::Sent { at, .. } => {
            doc.status = MessageStatus::Sent;
            doc.sent_at = Some(*at);
            doc.next_attempt_at = None;
        }
        MessageEvent::DeadLettered { .. } => {
            doc.status = MessageStatus::DeadLettered;
            doc.next_attempt_at = None;
        }
        MessageEvent::Replayed { at } => {
            doc.status = MessageStatus::Queued;
            doc.next_attempt_at = Some(*at);
        }
    }
    let due_after = doc.next_attempt_at;
    if due_before == due_after {
        return Ok(());
    }
    if let Some(before) = due_before {
        docs.remove::<DueMessageDoc>(&DueMessageDoc::key(before, &id))?;
    }
    match due_after {
        Some(after) => docs.insert(
            &DueMessageDoc::key(after, &id),
            DueMessageDoc { message_id: id },
        ),
        None => Ok(()),
    }
}

fn webhook(
    id: WebhookId,
    event: &WebhookEvent,
    docs: &mut Docs<'_>,
) -> Result<(), ProjectionError> {
    let key = id.to_string();
    match event {
        WebhookEvent::Registered {
            url, events, at, ..
        } => docs.insert(
            &key,
            WebhookDoc {
                webhook_id: id,
                url: url.clone(),
                events: events.names().into_iter().map(str::to_owned).collect(),
                active: true,
                registered_at: *at,
                disabled_reason: None,
            },
        ),
        WebhookEvent::Disabled { reason, .. } => {
            if let Some(doc) = docs.get_mut::<WebhookDoc>(&key)? {
                doc.active = false;
                doc.disabled_reason = Some(reason.clone());
            }
            Ok(())
        }
    }
}

fn staff(id: &UserId, event: &UserEvent, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
    let key = id.to_string();
    match event {
        UserEvent::Created {
            role: StaffRole::Dealer { dealer, manager },
            ..
        } => docs.insert(
            &key,
            DealerStaffDoc {
                user_id: id.clone(),
                dealer_id: dealer.clone(),
                manager: *manager,
                active: true,
            },
        ),
        UserEvent::Deactivated { .. } => {
            if let Some(doc) = docs.get_mut::<DealerStaffDoc>(&key)? {
                doc.active = false;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
