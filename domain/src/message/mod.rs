//! Messages to people: their kinds ([`kind`]) and the outbox's aggregate, one
//! stream per message (`message-{id}`), which is the outbox itself
//! (docs/decisions/0008-outbox.md).
//!
//! A message's id is derived from its kind, the fact it tells of and its
//! recipient ([`message_id`]), so deciding the same message twice names the
//! same stream, and queueing it again is a no-op: one message per fact and
//! recipient, however often the log is read. The message protects:
//!
//! - it is queued once, and only as the recipient's consents allow
//!   (transactional always, marketing only with an opt-in on its channel);
//! - every attempt is recorded, numbered from 1 without gaps; a delivered
//!   attempt sends it, a last or hopeless one dead-letters it; an attempt
//!   reported for a message already sent or dead-lettered changes nothing
//!   (a redelivery after a crash);
//! - only a dead letter is replayed, which queues it again for a new round of
//!   attempts (the same id: the receiver sees the same message).
//!
//! A recipient is named by id, never by address: the e-mail address is
//! opened from the person's sealed profile when the message is sent, so no
//! personal value is written in clear into the log (ADR 0007).

mod kind;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::decider::{Context, Decider};
use crate::values::{CustomerId, DealerId, Language, MessageId, UserId, WebhookId};

pub use kind::{
    Audience, MessageKind, MessagePurpose, Subscription, SubscriptionError, UnknownMessageKind,
};

/// The namespace of message ids (UUID v5).
const MESSAGE_NAMESPACE: Uuid = Uuid::from_u128(0x6f74_6400_6d65_7373_6167_6573_0000_0001);

/// The id of the message of `kind` telling of `fact` to `recipient`: the
/// same three always give the same id (UUID v5 of `kind|fact|recipient`).
pub fn message_id(kind: MessageKind, fact: &str, recipient: &Recipient) -> MessageId {
    let name = format!("{}|{fact}|{recipient}", kind.name());
    MessageId::from_uuid(Uuid::new_v5(&MESSAGE_NAMESPACE, name.as_bytes()))
}

/// Who a message goes to, by id (the address is resolved when it is sent).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Recipient {
    /// A customer, by e-mail.
    Customer { customer: CustomerId },
    /// A staff member of a dealer, by e-mail.
    Staff { user: UserId, dealer: DealerId },
    /// A webhook endpoint.
    Webhook { webhook: WebhookId },
    /// A staff account's holder, by e-mail, about the account itself (a password reset of
    /// a planner or an admin, who work at no dealer).
    User { user: UserId },
}

impl Recipient {
    /// The channel the message goes out on.
    pub fn channel(&self) -> Channel {
        match self {
            Recipient::Customer { .. } | Recipient::Staff { .. } | Recipient::User { .. } => {
                Channel::Email
            }
            Recipient::Webhook { .. } => Channel::Webhook,
        }
    }
}

impl fmt::Display for Recipient {
    /// Stable: part of a message's id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::Customer { customer } => write!(f, "customer:{customer}"),
            Recipient::Staff { user, .. } | Recipient::User { user } => write!(f, "user:{user}"),
            Recipient::Webhook { webhook } => write!(f, "webhook:{webhook}"),
        }
    }
}

/// The channels a message goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Webhook,
}

/// How an attempt at sending ended (as the channel and the retry policy
/// classified it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Delivered,
    /// Failed; tried again at `next_retry`.
    Failed,
    /// Failed for the last time, or hopelessly: a dead letter.
    DeadLettered,
    /// The webhook endpoint answered 410: it is disabled, the message a dead letter.
    EndpointDisabled,
}

/// One attempt at delivering a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// 1 for the first try of a round (a replay starts a new round).
    pub number: u32,
    pub at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    /// The HTTP status or SMTP reply code, when the receiver answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub next_retry: Option<DateTime<Utc>>,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting for its next attempt.
    Queued,
    Sent,
    DeadLettered,
}

/// A message as queued: what it says and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub kind: MessageKind,
    pub fact: String,
    pub recipient: Recipient,
    pub language: Language,
    pub data: Map<String, Value>,
    /// When the fact happened (business time): the webhook body's timestamp.
    pub occurred_at: DateTime<Utc>,
    pub queued_at: DateTime<Utc>,
}

/// The state of one message; the default is a message not queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    queued: Option<Queued>,
    status: Option<MessageStatus>,
    /// Attempts recorded in this round.
    attempts: u32,
    next_attempt_at: Option<DateTime<Utc>>,
}

impl Message {
    pub fn queued(&self) -> Option<&Queued> {
        self.queued.as_ref()
    }

    pub fn status(&self) -> Option<MessageStatus> {
        self.status
    }

    /// Attempts recorded in the current round.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// When it is due next (queued messages only).
    pub fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.next_attempt_at
    }
}

/// What may be asked of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageCommand {
    /// Queue the message `message` (its id is [`message_id`] of the rest).
    /// `purpose` is the kind's ([`MessageKind::purpose`]: every kind is
    /// transactional today); `marketing_opt_in` is the recipient's consent on
    /// the message's channel, which only a marketing message needs.
    Queue {
        message: MessageId,
        kind: MessageKind,
        fact: String,
        recipient: Recipient,
        language: Language,
        data: Map<String, Value>,
        occurred_at: DateTime<Utc>,
        purpose: MessagePurpose,
        marketing_opt_in: bool,
    },
    /// Record an attempt at sending it.
    RecordAttempt { attempt: AttemptRecord },
    /// Queue a dead letter again.
    Replay,
}

crate::event_enum! {
    /// What happened to a message.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum MessageEvent {
        /// The message was decided and waits to be sent.
        Queued as "MessageQueued" {
            message: MessageId,
            kind: MessageKind,
            fact: String,
            recipient: Recipient,
            channel: Channel,
            language: Language,
            data: Map<String, Value>,
            occurred_at: DateTime<Utc>,
            at: DateTime<Utc>,
        },
        /// One attempt at sending it.
        AttemptRecorded as "MessageAttemptRecorded" { attempt: AttemptRecord },
        /// The receiver took it.
        Sent as "MessageSent" { attempts: u32, at: DateTime<Utc> },
        /// It was given up on (replayable).
        DeadLettered as "MessageDeadLettered" { attempts: u32, reason: String, at: DateTime<Utc> },
        /// A dead letter was queued again for a new round of attempts.
        Replayed as "MessageReplayed" { at: DateTime<Utc> },
    }
}

/// The rule of a message a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("the message does not exist")]
    NotQueued,
    #[error("the message id {given} is not the id of its kind, fact and recipient ({expected})")]
    WrongId {
        given: MessageId,
        expected: MessageId,
    },
    #[error("{kind} is marketing and the recipient has not opted in on {channel:?}")]
    NoConsent { kind: MessageKind, channel: Channel },
    #[error("attempt {given} does not follow attempt {recorded}")]
    AttemptOutOfOrder { given: u32, recorded: u32 },
    #[error("only a dead letter can be replayed")]
    NotDeadLettered,
}

impl Decider for Message {
    type State = Message;
    type Command = MessageCommand;
    type Event = MessageEvent;
    type Error = MessageError;

    fn decide(
        state: &Message,
        command: MessageCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<MessageEvent>, MessageError> {
        match command {
            MessageCommand::Queue {
                message,
                kind,
                fact,
                recipient,
                language,
                data,
                occurred_at,
                purpose,
                marketing_opt_in,
            } => {
                if state.queued.is_some() {
                    return Ok(vec![]);
                }
                let expected = message_id(kind, &fact, &recipient);
                if expected != message {
                    return Err(MessageError::WrongId {
                        given: message,
                        expected,
                    });
                }
                let channel = recipient.channel();
                if purpose == MessagePurpose::Marketing && !marketing_opt_in {
                    return Err(MessageError::NoConsent { kind, channel });
                }
                Ok(vec![MessageEvent::Queued {
                    message,
                    kind,
                    fact,
                    recipient,
                    channel,
                    language,
                    data,
                    occurred_at,
                    at: ctx.now,
                }])
            }
            MessageCommand::RecordAttempt { attempt } => {
                let Some(status) = state.status else {
                    return Err(MessageError::NotQueued);
                };
                if status != MessageStatus::Queued {
                    // Sent or given up on already: a late report changes nothing.
                    return Ok(vec![]);
                }
                if attempt.number != state.attempts + 1 {
                    return Err(MessageError::AttemptOutOfOrder {
                        given: attempt.number,
                        recorded: state.attempts,
                    });
                }
                let at = attempt.at;
                let number = attempt.number;
                let outcome = attempt.outcome;
                let reason = attempt.error.clone().unwrap_or_default();
                let mut events = vec![MessageEvent::AttemptRecorded { attempt }];
                match outcome {
                    AttemptOutcome::Delivered => events.push(MessageEvent::Sent {
                        attempts: number,
                        at,
                    }),
                    AttemptOutcome::DeadLettered | AttemptOutcome::EndpointDisabled => {
                        events.push(MessageEvent::DeadLettered {
                            attempts: number,
                            reason,
                            at,
                        });
                    }
                    AttemptOutcome::Failed => {}
                }
                Ok(events)
            }
            MessageCommand::Replay => match state.status {
                None => Err(MessageError::NotQueued),
                Some(MessageStatus::DeadLettered) => {
                    Ok(vec![MessageEvent::Replayed { at: ctx.now }])
                }
                Some(_) => Err(MessageError::NotDeadLettered),
            },
        }
    }

    fn evolve(mut state: Message, event: &MessageEvent) -> Message {
        match event {
            MessageEvent::Queued {
                kind,
                fact,
                recipient,
                language,
                data,
                occurred_at,
                at,
                ..
            } => {
                state.queued = Some(Queued {
                    kind: *kind,
                    fact: fact.clone(),
                    recipient: recipient.clone(),
                    language: *language,
                    data: data.clone(),
                    occurred_at: *occurred_at,
                    queued_at: *at,
                });
                state.status = Some(MessageStatus::Queued);
                state.attempts = 0;
                state.next_attempt_at = Some(*at);
            }
            MessageEvent::AttemptRecorded { attempt } => {
                state.attempts = attempt.number;
                state.next_attempt_at = attempt.next_retry;
            }
            MessageEvent::Sent { .. } => {
                state.status = Some(MessageStatus::Sent);
                state.next_attempt_at = None;
            }
            MessageEvent::DeadLettered { .. } => {
                state.status = Some(MessageStatus::DeadLettered);
                state.next_attempt_at = None;
            }
            MessageEvent::Replayed { at } => {
                state.status = Some(MessageStatus::Queued);
                state.attempts = 0;
                state.next_attempt_at = Some(*at);
            }
        }
        state
    }
}
