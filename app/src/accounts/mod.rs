//! Signing in: who a person is ([`Identity`]), the record their sign-in is
//! checked against ([`SignInRecord`]), the port that finds it by e-mail
//! ([`Accounts`]) and the passwords ([`passwords`]).
//!
//! The API asks [`Accounts::sign_in_record`] and verifies the password on the
//! [`PasswordPool`]; how accounts are kept (the log, a read model) is the
//! implementer's business. [`MemoryAccounts`] serves tests and an engine with
//! no accounts yet.

mod identity;
pub mod passwords;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use domain::values::Email;

pub use identity::{Identity, IdentityError, Role, MAX_STAFF_SUBJECT};
pub use passwords::{
    Password, PasswordCost, PasswordError, PasswordHash, PasswordPool, PasswordRuleError,
};

/// What a sign-in is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRecord {
    /// Who the person signs in as.
    pub identity: Identity,
    pub password_hash: PasswordHash,
    /// The e-mail address was verified (a customer needs it before ordering
    /// online; signing in does not).
    pub verified: bool,
    /// The account may sign in at all (an inactive one cannot).
    pub active: bool,
}

/// Why the accounts could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountsError {
    #[error("accounts unavailable: {0}")]
    Unavailable(String),
}

/// Finds the sign-in record of an e-mail address.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// The record of the account with this (normalised) e-mail, if any.
    async fn sign_in_record(&self, email: &Email) -> Result<Option<SignInRecord>, AccountsError>;
}

/// Accounts in memory: empty by default (an engine nobody can sign in to
/// yet), filled by tests.
#[derive(Debug, Clone, Default)]
pub struct MemoryAccounts {
    records: Arc<RwLock<HashMap<Email, SignInRecord>>>,
}

impl MemoryAccounts {
    pub fn new() -> MemoryAccounts {
        MemoryAccounts::default()
    }

    /// Adds or replaces the account of `email`.
    pub fn insert(&self, email: Email, record: SignInRecord) {
        let mut records = self
            .records
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        records.insert(email, record);
    }
}

#[async_trait]
impl Accounts for MemoryAccounts {
    async fn sign_in_record(&self, email: &Email) -> Result<Option<SignInRecord>, AccountsError> {
        let records = self
            .records
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(records.get(email).cloned())
    }
}
