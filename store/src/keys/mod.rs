//! The key table: the subject keys that seal personal data, kept beside the log but never in
//! it (see `docs/decisions/0007-crypto-shredding.md`).
//!
//! The store keeps keys *wrapped* (encrypted by the application's master key) and knows nothing
//! of cryptography: a row is `(key_id, subject, purpose, wrapped_key, created_at,
//! destroy_after)`. Destroying a row is the erasure of everything sealed under it, so every
//! backend makes sure the deleted bytes do not survive in the database's files: SQLite deletes
//! with `secure_delete` and truncates its WAL, PostgreSQL rewrites the table so no dead tuple
//! keeps the row.
//!
//! Backends: [`MemoryKeys`] (tests), [`SqliteKeys`] (the table `personal_keys` in the store's
//! file), `PostgresKeys` (the table `personal_keys` in the store's schema; feature `postgres`).

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;

pub use memory::MemoryKeys;
#[cfg(feature = "postgres")]
pub use postgres::PostgresKeys;
pub use sqlite::SqliteKeys;

/// The purposes whose keys outlive an erasure that keeps billing data start with this prefix
/// (`billing-2026`): they seal the billing identity of issued invoices until their retention
/// ends.
pub const BILLING_PURPOSE_PREFIX: &str = "billing-";

/// A key to store: its id (`{subject}/{purpose}`), whose it is, what for, the key wrapped by
/// the master key, and when it must be destroyed at the latest (`None`: when its subject is
/// erased).
#[derive(Clone, PartialEq, Eq)]
pub struct NewKey {
    /// The key's id, unique in the table.
    pub key_id: String,
    /// The person (or other subject) the key belongs to, e.g. `C-7K3M9QX2PA`.
    pub subject: String,
    /// What the key seals: `profile`, `billing-{year}`.
    pub purpose: String,
    /// The key, encrypted by the master key (opaque to the store).
    pub wrapped_key: Vec<u8>,
    /// When the key was made.
    pub created_at: DateTime<Utc>,
    /// The moment from which [`KeyStore::destroy_expired`] destroys it.
    pub destroy_after: Option<DateTime<Utc>>,
}

/// A stored key: the row as the table holds it (the fields of [`NewKey`]).
pub type StoredKey = NewKey;

impl std::fmt::Debug for NewKey {
    /// The wrapped key is left out: it is not secret without the master key, but it is the one
    /// thing an erasure destroys, so it has no business in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("key_id", &self.key_id)
            .field("subject", &self.subject)
            .field("purpose", &self.purpose)
            .field("created_at", &self.created_at)
            .field("destroy_after", &self.destroy_after)
            .finish_non_exhaustive()
    }
}

/// Which of a subject's keys an erasure destroys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shred {
    /// Every key but the billing keys (purpose `billing-…`), which stay until their
    /// `destroy_after`.
    KeepBilling,
    /// Every key of the subject.
    All,
}

/// The key table port, used as `Arc<dyn KeyStore>`. Ids are compared exactly (case matters).
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// The key `key_id`, if it exists (a destroyed key does not).
    async fn get(&self, key_id: &str) -> Result<Option<StoredKey>, StoreError>;

    /// The keys among `key_ids` that exist, in no particular order (one round trip for a page
    /// of values).
    async fn get_many(&self, key_ids: &[String]) -> Result<Vec<StoredKey>, StoreError>;

    /// Stores `key` unless a key with its id exists; returns the stored key, which is the
    /// other one when two callers race (exactly one of them wins, both get the winner).
    async fn insert_if_absent(&self, key: NewKey) -> Result<StoredKey, StoreError>;

    /// Destroys the keys of `subject` that `shred` names, so that no copy of them stays in
    /// the database's files; returns the ids destroyed (none when there were none: an erasure
    /// may be repeated).
    async fn destroy_subject(&self, subject: &str, shred: Shred)
        -> Result<Vec<String>, StoreError>;

    /// Destroys every key whose `destroy_after` is at or before `now`; returns their ids.
    async fn destroy_expired(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError>;

    /// Every key, for re-wrapping them under a new master key.
    async fn all(&self) -> Result<Vec<StoredKey>, StoreError>;

    /// Replaces the wrapped bytes of the given keys (`(key_id, wrapped_key)`), all or none; a
    /// key destroyed meanwhile stays destroyed. Returns how many were replaced.
    async fn rewrap(&self, rewrapped: Vec<(String, Vec<u8>)>) -> Result<usize, StoreError>;
}

/// Whether `purpose` survives a [`Shred::KeepBilling`] erasure.
pub(crate) fn kept(purpose: &str, shred: Shred) -> bool {
    shred == Shred::KeepBilling && purpose.starts_with(BILLING_PURPOSE_PREFIX)
}
