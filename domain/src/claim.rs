//! Claim: who holds one contact (an e-mail address, a phone number, a
//! login), one stream per [`ClaimKey`] (`claim-email-3f2a…`). The key is a
//! keyed hash of the normalised value, so the log never names the contact
//! (docs/decisions/0007-crypto-shredding.md).
//!
//! The claim protects **one person per contact**: it is held by at most one
//! owner at a time; another owner's claim is refused with
//! [`ClaimError::Taken`] naming the holder (so a second sign-up answers with
//! the existing customer). Claiming again for the holder and releasing a
//! claim one does not hold are no-ops; a released claim can be claimed again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decider::{Context, Decider};
use crate::values::{CustomerId, UserId};

/// Who may hold a claim: a customer or a staff user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimOwner {
    Customer(CustomerId),
    User(UserId),
}

impl std::fmt::Display for ClaimOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClaimOwner::Customer(customer) => write!(f, "customer {customer}"),
            ClaimOwner::User(user) => write!(f, "user {user}"),
        }
    }
}

/// The state of one claim; the default is a contact nobody holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    holder: Option<ClaimOwner>,
}

impl Claim {
    /// Who holds the contact now.
    pub fn holder(&self) -> Option<&ClaimOwner> {
        self.holder.as_ref()
    }
}

/// What may be asked of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimCommand {
    /// Take the contact for `owner`.
    Claim {
        owner: ClaimOwner,
        at: DateTime<Utc>,
    },
    /// Give the contact up, if `owner` holds it.
    Release {
        owner: ClaimOwner,
        at: DateTime<Utc>,
    },
}

crate::event_enum! {
    /// What happened to a claim.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum ClaimEvent {
        /// `owner` holds the contact from now on.
        Claimed as "ContactClaimed" { owner: ClaimOwner, at: DateTime<Utc> },
        /// `owner` gave the contact up; anyone may claim it again.
        Released as "ContactReleased" { owner: ClaimOwner, at: DateTime<Utc> },
    }
}

/// The rule a claim command breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("the contact is already held by {owner}")]
    Taken { owner: ClaimOwner },
}

/// Decides what a command does to a claim.
pub fn decide(state: &Claim, command: ClaimCommand) -> Result<Vec<ClaimEvent>, ClaimError> {
    match command {
        ClaimCommand::Claim { owner, at } => match &state.holder {
            None => Ok(vec![ClaimEvent::Claimed { owner, at }]),
            Some(holder) if *holder == owner => Ok(vec![]),
            Some(holder) => Err(ClaimError::Taken {
                owner: holder.clone(),
            }),
        },
        ClaimCommand::Release { owner, at } => match &state.holder {
            Some(holder) if *holder == owner => Ok(vec![ClaimEvent::Released { owner, at }]),
            _ => Ok(vec![]),
        },
    }
}

/// Folds one event into the state.
pub fn evolve(mut state: Claim, event: &ClaimEvent) -> Claim {
    match event {
        ClaimEvent::Claimed { owner, .. } if state.holder.is_none() => {
            state.holder = Some(owner.clone());
        }
        ClaimEvent::Released { owner, .. } if state.holder.as_ref() == Some(owner) => {
            state.holder = None;
        }
        _ => {}
    }
    state
}

impl Decider for Claim {
    type State = Claim;
    type Command = ClaimCommand;
    type Event = ClaimEvent;
    type Error = ClaimError;

    fn decide(
        state: &Claim,
        command: ClaimCommand,
        _ctx: &Context<'_>,
    ) -> Result<Vec<ClaimEvent>, ClaimError> {
        decide(state, command)
    }

    fn evolve(state: Claim, event: &ClaimEvent) -> Claim {
        evolve(state, event)
    }
}
