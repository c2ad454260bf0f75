//! What a customer is after its events: the state the deciders read and
//! the application asks (registered, erased, merged, claims, consents).

use chrono::{DateTime, Utc};

use super::{Channel, Consents, MessageChannel, MessagePurpose};
use crate::values::{ClaimKey, CustomerId, DealerId, Language, MarketCode, Sealed};

/// The state of one customer; the default is a customer not registered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customer {
    pub(super) record: Option<Record>,
}

/// A registered customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Record {
    pub(super) id: CustomerId,
    pub(super) profile: Sealed,
    pub(super) language: Language,
    pub(super) market: MarketCode,
    pub(super) channel: Channel,
    pub(super) consents: Consents,
    pub(super) contacts: Vec<ClaimKey>,
    pub(super) account: Option<Account>,
    pub(super) merged_into: Option<CustomerId>,
    pub(super) absorbed: Vec<CustomerId>,
    pub(super) erased: bool,
    pub(super) registered_at: DateTime<Utc>,
}

impl Record {
    /// The contacts and the login.
    pub(super) fn claims(&self) -> Vec<ClaimKey> {
        let mut claims = self.contacts.clone();
        claims.extend(self.account.as_ref().map(|a| a.login.clone()));
        claims
    }
}

/// A customer's sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Account {
    pub(super) login: ClaimKey,
    pub(super) password: Sealed,
    pub(super) verified: bool,
}

impl Customer {
    /// Whether the customer is registered (erased and merged-away ones too).
    pub fn registered(&self) -> bool {
        self.record.is_some()
    }

    pub fn id(&self) -> Option<&CustomerId> {
        self.record.as_ref().map(|r| &r.id)
    }

    /// The sealed profile (still there after erasure: its key is gone).
    pub fn profile(&self) -> Option<&Sealed> {
        self.record.as_ref().map(|r| &r.profile)
    }

    pub fn erased(&self) -> bool {
        self.record.as_ref().is_some_and(|r| r.erased)
    }

    /// The survivor this customer was merged into.
    pub fn merged_into(&self) -> Option<&CustomerId> {
        self.record.as_ref().and_then(|r| r.merged_into.as_ref())
    }

    pub fn market(&self) -> Option<&MarketCode> {
        self.record.as_ref().map(|r| &r.market)
    }

    pub fn language(&self) -> Option<Language> {
        self.record.as_ref().map(|r| r.language)
    }

    /// How the customer came to us.
    pub fn channel(&self) -> Option<&Channel> {
        self.record.as_ref().map(|r| &r.channel)
    }

    /// The dealer the customer came through (none online).
    pub fn dealer_of_origin(&self) -> Option<&DealerId> {
        self.channel().and_then(Channel::dealer)
    }

    pub fn has_account(&self) -> bool {
        self.record.as_ref().is_some_and(|r| r.account.is_some())
    }

    /// Whether the account's e-mail address is verified.
    pub fn verified(&self) -> bool {
        self.account().is_some_and(|a| a.verified)
    }

    /// The login claim of the account.
    pub fn login(&self) -> Option<&ClaimKey> {
        self.account().map(|a| &a.login)
    }

    /// The sealed password hash of the account.
    pub fn password(&self) -> Option<&Sealed> {
        self.account().map(|a| &a.password)
    }

    /// The e-mail and phone claims held (none after erasure).
    pub fn contacts(&self) -> &[ClaimKey] {
        self.record.as_ref().map_or(&[], |r| r.contacts.as_slice())
    }

    /// Every claim held: contacts and login (none after erasure).
    pub fn claims(&self) -> Vec<ClaimKey> {
        self.record.as_ref().map(Record::claims).unwrap_or_default()
    }

    /// The marketing consents (none recorded before registration).
    pub fn consents(&self) -> Consents {
        self.record
            .as_ref()
            .map(|r| r.consents.clone())
            .unwrap_or_default()
    }

    /// Whether a message of `kind` may go to the customer on `channel`:
    /// never to an erased or unregistered customer, transactional always
    /// otherwise, marketing only with an opt-in.
    pub fn may_send(&self, kind: MessagePurpose, channel: MessageChannel) -> bool {
        match &self.record {
            Some(r) if !r.erased => r.consents.allows(kind, channel),
            _ => false,
        }
    }

    /// The duplicates merged into this customer, in merge order.
    pub fn absorbed(&self) -> &[CustomerId] {
        self.record.as_ref().map_or(&[], |r| r.absorbed.as_slice())
    }

    pub fn registered_at(&self) -> Option<DateTime<Utc>> {
        self.record.as_ref().map(|r| r.registered_at)
    }

    fn account(&self) -> Option<&Account> {
        self.record.as_ref().and_then(|r| r.account.as_ref())
    }
}
