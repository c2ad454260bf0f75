//! A customer's consents: transactional messages are always allowed;
//! marketing goes out on a channel only with an opt-in recorded with its time
//! and source.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a consent was given or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    /// By the customer, online.
    Online,
    /// In a dealer's showroom.
    Showroom,
    /// Taken with a lead.
    Lead,
}

/// A channel a message can reach a customer on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageChannel {
    Email,
    Sms,
    Phone,
}

impl MessageChannel {
    pub const ALL: [MessageChannel; 3] = [
        MessageChannel::Email,
        MessageChannel::Sms,
        MessageChannel::Phone,
    ];
}

/// What a message is for: the customer's business with us (always
/// allowed) or marketing (only with an opt-in on the channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessagePurpose {
    Transactional,
    Marketing,
}

/// The marketing opt-ins asked for at registration, per channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChoice {
    pub email: bool,
    pub sms: bool,
    pub phone: bool,
}

impl ConsentChoice {
    /// The choice for `channel`.
    pub fn get(&self, channel: MessageChannel) -> bool {
        match channel {
            MessageChannel::Email => self.email,
            MessageChannel::Sms => self.sms,
            MessageChannel::Phone => self.phone,
        }
    }
}

/// One channel's marketing consent as recorded: given or withdrawn, when
/// and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChange {
    pub channel: MessageChannel,
    /// Opted in (`true`) or out.
    pub granted: bool,
    pub at: DateTime<Utc>,
    pub source: ConsentSource,
}

/// The last recorded marketing consent per channel (none recorded: no
/// marketing on it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consents {
    email: Option<ConsentChange>,
    sms: Option<ConsentChange>,
    phone: Option<ConsentChange>,
}

impl Consents {
    /// The last change recorded for `channel`.
    pub fn get(&self, channel: MessageChannel) -> Option<&ConsentChange> {
        match channel {
            MessageChannel::Email => self.email.as_ref(),
            MessageChannel::Sms => self.sms.as_ref(),
            MessageChannel::Phone => self.phone.as_ref(),
        }
    }

    /// Whether marketing may go out on `channel`.
    pub fn marketing(&self, channel: MessageChannel) -> bool {
        self.get(channel).is_some_and(|c| c.granted)
    }

    /// Whether a message of `kind` may be sent on `channel`: transactional
    /// always, marketing only with an opt-in.
    pub fn allows(&self, kind: MessagePurpose, channel: MessageChannel) -> bool {
        match kind {
            MessagePurpose::Transactional => true,
            MessagePurpose::Marketing => self.marketing(channel),
        }
    }

    /// Records `change` (the fold of a consent event).
    pub(super) fn record(&mut self, change: ConsentChange) {
        let slot = match change.channel {
            MessageChannel::Email => &mut self.email,
            MessageChannel::Sms => &mut self.sms,
            MessageChannel::Phone => &mut self.phone,
        };
        *slot = Some(change);
    }
}
