//! Customer: one record per person who buys, one stream per customer
//! (`customer-C-…`). See docs/decisions/0007-crypto-shredding.md.
//!
//! The profile (name, e-mail, phone, billing address) is one [`Sealed`]
//! value the domain never opens; uniqueness of e-mail and phone is held by
//! claim streams ([`crate::claim`]) named by [`ClaimKey`]s, which the customer
//! lists so a process can claim and release them. The customer protects:
//!
//! - it is registered once; every command but registration needs it;
//! - its contacts are at most one e-mail and one phone claim, its login a
//!   login claim;
//! - marketing consents are recorded per channel with time and source, and
//!   only the channels that change;
//! - an account is opened once; e-mail verification and password changes
//!   need one;
//! - a merge is decided on both streams: the duplicate is `MergedInto` the
//!   survivor, which `Absorbed` it; a merged-away customer refuses every
//!   command but erasure with [`CustomerError::MergedInto`] (its id keeps
//!   answering, pointing at the survivor);
//! - erasure is final: it lists the claims to release, and an erased
//!   customer refuses everything with [`CustomerError::Erased`] (erasing it
//!   again is a no-op).

mod consent;
mod decide;
mod evolve;
mod state;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decider::{Context, Decider};
use crate::values::{ClaimKey, CustomerId, DealerId, Language, MarketCode, Sealed};

pub use consent::{
    ConsentChange, ConsentChoice, ConsentSource, Consents, MessageChannel, MessagePurpose,
};
pub use decide::decide;
pub use evolve::evolve;
pub use state::Customer;
use state::{Account, Record};

/// How a customer came to us.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Channel {
    /// Signed up online.
    Online,
    /// Registered by a dealer in its showroom.
    Showroom { dealer: DealerId },
    /// Created from a lead of a dealer.
    Lead { dealer: DealerId },
}

impl Channel {
    /// The dealer of origin (none for an online sign-up).
    pub fn dealer(&self) -> Option<&DealerId> {
        match self {
            Channel::Online => None,
            Channel::Showroom { dealer } | Channel::Lead { dealer } => Some(dealer),
        }
    }

    /// Where consents given with the registration come from.
    pub fn consent_source(&self) -> ConsentSource {
        match self {
            Channel::Online => ConsentSource::Online,
            Channel::Showroom { .. } => ConsentSource::Showroom,
            Channel::Lead { .. } => ConsentSource::Lead,
        }
    }
}

/// What may be asked of a customer. Time comes in as `at` (the business
/// clock), personal values sealed by the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerCommand {
    /// Register the customer `customer` (the stream's id).
    Register {
        customer: CustomerId,
        profile: Sealed,
        language: Language,
        market: MarketCode,
        channel: Channel,
        consents: ConsentChoice,
        /// The e-mail and phone claims the profile holds.
        contacts: Vec<ClaimKey>,
        at: DateTime<Utc>,
    },
    /// Replace the profile; `contacts` is the new full set of claims.
    ChangeProfile {
        profile: Sealed,
        language: Option<Language>,
        contacts: Vec<ClaimKey>,
        at: DateTime<Utc>,
    },
    /// Opt in or out of marketing per channel (`None`: unchanged).
    SetConsents {
        email: Option<bool>,
        sms: Option<bool>,
        phone: Option<bool>,
        source: ConsentSource,
        at: DateTime<Utc>,
    },
    /// Open the customer's sign-in with a login claim and a sealed hash.
    OpenAccount {
        login: ClaimKey,
        password: Sealed,
        at: DateTime<Utc>,
    },
    VerifyEmail {
        at: DateTime<Utc>,
    },
    ChangePassword {
        password: Sealed,
        at: DateTime<Utc>,
    },
    /// Ask for the e-mail verification link again (a no-op once verified).
    RequestVerification {
        at: DateTime<Utc>,
    },
    /// Ask for a password-reset link (the account must exist).
    RequestPasswordReset {
        at: DateTime<Utc>,
    },
    /// On the duplicate: it is merged into `survivor`.
    MergeInto {
        survivor: CustomerId,
        at: DateTime<Utc>,
    },
    /// On the survivor: it takes over `duplicate`.
    Absorb {
        duplicate: CustomerId,
        at: DateTime<Utc>,
    },
    /// Erase the customer's personal data (the vault destroys the key).
    Erase {
        at: DateTime<Utc>,
    },
}

crate::event_enum! {
    /// What happened to a customer.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum CustomerEvent {
        /// The customer was registered; `consents` records every channel's
        /// choice with the registration's time and source.
        Registered as "CustomerRegistered" {
            customer: CustomerId,
            profile: Sealed,
            language: Language,
            market: MarketCode,
            channel: Channel,
            consents: Vec<ConsentChange>,
            contacts: Vec<ClaimKey>,
            at: DateTime<Utc>,
        },
        /// The profile was replaced; `acquired` and `released` are the claims
        /// gained and given up against the previous contacts.
        ProfileChanged as "CustomerProfileChanged" {
            profile: Sealed,
            language: Language,
            acquired: Vec<ClaimKey>,
            released: Vec<ClaimKey>,
            at: DateTime<Utc>,
        },
        /// Marketing consents changed on the channels listed (only those).
        ConsentsChanged as "CustomerConsentsChanged" { changes: Vec<ConsentChange> },
        AccountOpened as "CustomerAccountOpened" {
            login: ClaimKey,
            password: Sealed,
            at: DateTime<Utc>,
        },
        EmailVerified as "CustomerEmailVerified" { at: DateTime<Utc> },
        PasswordChanged as "CustomerPasswordChanged" { password: Sealed, at: DateTime<Utc> },
        /// The verification link was asked for again: a mail carrying it is due. The link
        /// itself is made when the mail is sent, never written here.
        VerificationRequested as "CustomerVerificationRequested" { at: DateTime<Utc> },
        /// A password reset was asked for: a mail with a reset link is due (the link is
        /// made when the mail is sent, never written here).
        PasswordResetRequested as "CustomerPasswordResetRequested" { at: DateTime<Utc> },
        /// This customer was a duplicate of `survivor`, which now answers for it.
        MergedInto as "CustomerMergedInto" { survivor: CustomerId, at: DateTime<Utc> },
        /// The duplicate `duplicate` was merged into this customer.
        Absorbed as "CustomerAbsorbed" { duplicate: CustomerId, at: DateTime<Utc> },
        /// The personal data was erased; `claims` are those to release.
        Erased as "CustomerErased" { claims: Vec<ClaimKey>, at: DateTime<Utc> },
    }
}

/// The rule a customer command breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    #[error("the customer is not registered")]
    NotRegistered,
    #[error("customer {customer} is already registered")]
    AlreadyRegistered { customer: CustomerId },
    #[error("the customer was erased")]
    Erased,
    #[error("the customer was merged into {0}")]
    MergedInto(CustomerId),
    #[error("customer {customer} cannot be merged with itself")]
    MergeWithItself { customer: CustomerId },
    #[error("claim {claim} is of a kind not allowed here, or repeats a kind")]
    InvalidClaim { claim: ClaimKey },
    #[error("the customer already has an account")]
    AccountExists,
    #[error("the customer has no account")]
    NoAccount,
}

impl Decider for Customer {
    type State = Customer;
    type Command = CustomerCommand;
    type Event = CustomerEvent;
    type Error = CustomerError;

    fn decide(
        state: &Customer,
        command: CustomerCommand,
        _ctx: &Context<'_>,
    ) -> Result<Vec<CustomerEvent>, CustomerError> {
        decide(state, command)
    }

    fn evolve(state: Customer, event: &CustomerEvent) -> Customer {
        evolve(state, event)
    }
}
