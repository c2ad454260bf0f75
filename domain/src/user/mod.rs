//! User: a staff member's account, one stream per user (`user-U-…`),
//! created by an admin.
//!
//! The profile (name, e-mail) is [`Sealed`] like a customer's; the login is
//! a claim ([`crate::claim`]) in the same namespace as customers' logins. The
//! user protects:
//!
//! - it is created once, with a login claim of kind `login`;
//! - a deactivated user refuses every command with
//!   [`UserError::Deactivated`] (deactivating it again is a no-op).

mod decide;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decider::{Context, Decider};
use crate::values::{ClaimKey, DealerId, Sealed, UserId};

pub use decide::{decide, evolve};

/// What a staff member does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum StaffRole {
    /// Works at one outlet, optionally as its manager.
    Dealer {
        dealer: DealerId,
        manager: bool,
    },
    Planner,
    Finance,
    Admin,
}

/// The state of one user; the default is a user not created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    account: Option<StaffAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct StaffAccount {
    id: UserId,
    profile: Sealed,
    role: StaffRole,
    login: ClaimKey,
    password: Sealed,
    active: bool,
    created_at: DateTime<Utc>,
}

impl User {
    /// Whether the user was created (deactivated ones too).
    pub fn exists(&self) -> bool {
        self.account.is_some()
    }

    pub fn id(&self) -> Option<&UserId> {
        self.account.as_ref().map(|a| &a.id)
    }

    /// The sealed name and e-mail.
    pub fn profile(&self) -> Option<&Sealed> {
        self.account.as_ref().map(|a| &a.profile)
    }

    pub fn role(&self) -> Option<&StaffRole> {
        self.account.as_ref().map(|a| &a.role)
    }

    pub fn login(&self) -> Option<&ClaimKey> {
        self.account.as_ref().map(|a| &a.login)
    }

    /// The sealed password hash.
    pub fn password(&self) -> Option<&Sealed> {
        self.account.as_ref().map(|a| &a.password)
    }

    /// Whether the user may sign in: created and not deactivated.
    pub fn active(&self) -> bool {
        self.account.as_ref().is_some_and(|a| a.active)
    }

    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.account.as_ref().map(|a| a.created_at)
    }
}

/// What may be asked of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    /// Create the user `user` (the stream's id).
    Create {
        user: UserId,
        profile: Sealed,
        role: StaffRole,
        login: ClaimKey,
        password: Sealed,
        at: DateTime<Utc>,
    },
    ChangePassword {
        password: Sealed,
        at: DateTime<Utc>,
    },
    /// Ask for a password-reset link.
    RequestPasswordReset {
        at: DateTime<Utc>,
    },
    /// Close the account for good.
    Deactivate {
        at: DateTime<Utc>,
    },
}

crate::event_enum! {
    /// What happened to a staff user.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum UserEvent {
        Created as "UserCreated" {
            user: UserId,
            profile: Sealed,
            role: StaffRole,
            login: ClaimKey,
            password: Sealed,
            at: DateTime<Utc>,
        },
        PasswordChanged as "UserPasswordChanged" { password: Sealed, at: DateTime<Utc> },
        /// A password reset was asked for: a mail with a reset link is due (the link is
        /// made when the mail is sent, never written here).
        PasswordResetRequested as "UserPasswordResetRequested" { at: DateTime<Utc> },
        /// The account was closed; its login is for the process to release.
        Deactivated as "UserDeactivated" { login: ClaimKey, at: DateTime<Utc> },
    }
}

/// The rule a user command breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("the user does not exist")]
    NotFound,
    #[error("user {user} already exists")]
    AlreadyCreated { user: UserId },
    #[error("the user is deactivated")]
    Deactivated,
    #[error("claim {claim} is not a login claim")]
    InvalidClaim { claim: ClaimKey },
}

impl Decider for User {
    type State = User;
    type Command = UserCommand;
    type Event = UserEvent;
    type Error = UserError;

    fn decide(
        state: &User,
        command: UserCommand,
        _ctx: &Context<'_>,
    ) -> Result<Vec<UserEvent>, UserError> {
        decide(state, command)
    }

    fn evolve(state: User, event: &UserEvent) -> User {
        evolve(state, event)
    }
}
