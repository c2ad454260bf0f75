//! The vault: seals personal data under a key per person and opens it again, until the key is
//! destroyed (crypto-shredding; see `docs/decisions/0007-crypto-shredding.md`).
//!
//! - Subject keys are random 32-byte XChaCha20-Poly1305 keys, created on first use, kept in
//!   the key table ([`store::KeyStore`]) wrapped by a key derived from the [`MasterKey`]
//!   (associated data: the key id).
//! - A value is sealed with a random 24-byte nonce and the associated data
//!   `{subject}/{field}`, so a sealed value moved to another person or field does not open.
//! - A value whose key is gone opens as [`Opened::Shredded`]; one that was altered is an
//!   error ([`VaultError::Tampered`]).
//! - Contact claims are named by a keyed hash ([`Vault::claim_key`]).

mod cache;
mod cipher;
mod index;
mod master;
mod names;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::values::{ClaimKey, ClaimKind, Sealed};
use serde::de::DeserializeOwned;
use serde::Serialize;
use store::{KeyStore, NewKey, Shred, StoreError, StoredKey};

pub use cache::CacheOptions;
use cache::KeyCache;
use cipher::{CipherError, SecretKey};
pub use master::{MasterKey, MasterKeyError, FILE_NAME as MASTER_KEY_FILE};
pub use names::Purpose;
use names::{associated_data, check_name};

/// A sealed value opened: its plaintext, or the news that its key was destroyed. `Debug`
/// never shows the plaintext.
#[derive(Clone, PartialEq, Eq)]
pub enum Opened<T = Vec<u8>> {
    /// The value in clear.
    Clear(T),
    /// Its key is destroyed (the person was erased, or the retention ended).
    Shredded,
}

impl<T> std::fmt::Debug for Opened<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Opened::Clear(_) => f.write_str("Clear(<personal data>)"),
            Opened::Shredded => f.write_str("Shredded"),
        }
    }
}

impl<T> Opened<T> {
    /// The value, `None` when shredded.
    pub fn clear(self) -> Option<T> {
        match self {
            Opened::Clear(value) => Some(value),
            Opened::Shredded => None,
        }
    }
}

/// Why the vault could not seal or open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The key table failed.
    #[error("key table: {0}")]
    Keys(#[from] StoreError),
    /// The sealed value does not authenticate under its key for this subject and field: it
    /// was altered, or moved from another person or field.
    #[error(
        "the value sealed under {key} was altered or does not belong to this subject and field"
    )]
    Tampered {
        /// The key id the value names.
        key: String,
    },
    /// A stored key does not unwrap: the master key is not the one it was wrapped with, or
    /// the key table row was altered.
    #[error("key {key} does not unwrap: wrong master key, or an altered key table")]
    WrongMasterKey {
        /// The key id.
        key: String,
    },
    /// The sealed value is malformed (its nonce is not 24 bytes, or it is too long to seal).
    #[error("malformed sealed value under {key}: {reason}")]
    Malformed {
        /// The key id.
        key: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A subject, field or year the vault cannot name a key or value with.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidName {
        /// `subject`, `field` or `billing year`.
        what: &'static str,
        /// The refused value (cut to 80 characters).
        value: String,
        /// Why.
        reason: &'static str,
    },
    /// A value did not serialise to JSON, or an opened value is not the JSON expected.
    #[error("JSON: {0}")]
    Json(String),
}

/// The vault. Cloning gives another handle to the same keys and cache.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    keys: Arc<dyn KeyStore>,
    wrapping: SecretKey,
    pepper: SecretKey,
    cache: KeyCache,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(<keys redacted>)")
    }
}

impl Vault {
    /// The vault over the key table `keys`, its keys wrapped by `master` (and the claim
    /// pepper derived from it), with the default cache (10,000 keys, 30 s).
    pub fn new(keys: Arc<dyn KeyStore>, master: &MasterKey) -> Vault {
        Vault::with_cache(keys, master, CacheOptions::default())
    }

    /// [`Vault::new`] with another cache.
    pub fn with_cache(keys: Arc<dyn KeyStore>, master: &MasterKey, cache: CacheOptions) -> Vault {
        Vault {
            inner: Arc::new(Inner {
                keys,
                wrapping: master.wrapping_key(),
                pepper: master.pepper(),
                cache: KeyCache::new(cache),
            }),
        }
    }

    /// Seals `plaintext` as `field` of `subject` under the subject's key for `purpose`,
    /// creating that key on first use (of two racing creators, both use the winner's).
    pub async fn seal(
        &self,
        subject: &str,
        purpose: Purpose,
        field: &str,
        plaintext: &[u8],
    ) -> Result<Sealed, VaultError> {
        let ad = associated_data(subject, field)?;
        let key_id = purpose.key_id(subject)?;
        let key = match self.cached_or_stored(&key_id).await? {
            Some(key) => key,
            None => self.create_key(subject, purpose, &key_id).await?,
        };
        let (nonce, ciphertext) = key
            .seal(ad.as_bytes(), plaintext)
            .map_err(|e| cipher_error(&key_id, e))?;
        Ok(Sealed {
            key: key_id,
            nonce,
            ciphertext,
        })
    }

    /// Opens `sealed` as `field` of `subject`: [`Opened::Shredded`] when its key is gone,
    /// [`VaultError::Tampered`] when it does not authenticate for this subject and field.
    pub async fn open(
        &self,
        subject: &str,
        field: &str,
        sealed: &Sealed,
    ) -> Result<Opened, VaultError> {
        let ad = associated_data(subject, field)?;
        let key = self.cached_or_stored(&sealed.key).await?;
        open_with(key.as_deref(), &ad, sealed)
    }

    /// Opens a page of values (`(subject, field, sealed)`), with one key table round trip
    /// for all the keys not in the cache; the answers are in the order of `values`.
    pub async fn open_many(
        &self,
        values: &[(&str, &str, &Sealed)],
    ) -> Result<Vec<Opened>, VaultError> {
        let mut missing = BTreeSet::new();
        for (_, _, sealed) in values {
            if self.inner.cache.get(&sealed.key).is_none() {
                missing.insert(sealed.key.clone());
            }
        }
        let missing: Vec<String> = missing.into_iter().collect();
        let stored = if missing.is_empty() {
            Vec::new()
        } else {
            self.inner.keys.get_many(&missing).await?
        };
        for key in &stored {
            self.unwrap_and_cache(key)?;
        }
        values
            .iter()
            .map(|(subject, field, sealed)| {
                let ad = associated_data(subject, field)?;
                let key = self.inner.cache.get(&sealed.key).or_else(|| {
                    // Not cached (a cache of capacity 0, or evicted meanwhile): the fetched row.
                    stored
                        .iter()
                        .find(|k| k.key_id == sealed.key)
                        .and_then(|k| self.unwrap_and_cache(k).ok())
                });
                open_with(key.as_deref(), &ad, sealed)
            })
            .collect()
    }

    /// [`Vault::seal`] of `value` written as JSON.
    pub async fn seal_json<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        purpose: Purpose,
        field: &str,
        value: &T,
    ) -> Result<Sealed, VaultError> {
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(value).map_err(|e| VaultError::Json(e.to_string()))?,
        );
        self.seal(subject, purpose, field, &json).await
    }

    /// [`Vault::open`] of a value sealed by [`Vault::seal_json`].
    pub async fn open_json<T: DeserializeOwned>(
        &self,
        subject: &str,
        field: &str,
        sealed: &Sealed,
    ) -> Result<Opened<T>, VaultError> {
        match self.open(subject, field, sealed).await? {
            Opened::Clear(bytes) => {
                let bytes = zeroize::Zeroizing::new(bytes);
                serde_json::from_slice(&bytes)
                    .map(Opened::Clear)
                    .map_err(|e| VaultError::Json(format!("{field} of {subject}: {e}")))
            }
            Opened::Shredded => Ok(Opened::Shredded),
        }
    }

    /// Destroys the keys of `subject` (all, or all but its billing keys when `keep_billing`),
    /// so everything sealed under them opens as [`Opened::Shredded`] from now on, here at
    /// once and in other processes within their cache's TTL. Returns the ids destroyed;
    /// repeating it is harmless.
    pub async fn shred(
        &self,
        subject: &str,
        keep_billing: bool,
    ) -> Result<Vec<String>, VaultError> {
        check_name("subject", subject)?;
        self.inner.cache.evict_subject(subject);
        let shred = if keep_billing {
            Shred::KeepBilling
        } else {
            Shred::All
        };
        let destroyed = self.inner.keys.destroy_subject(subject, shred).await;
        // A value opened while the rows were being deleted may have cached a key again.
        self.inner.cache.evict_subject(subject);
        Ok(destroyed?)
    }

    /// Destroys every key whose retention ended at `now` (the business clock): billing keys
    /// from 1 January of the invoice year + 11. Returns the ids destroyed.
    pub async fn shred_expired(&self, now: DateTime<Utc>) -> Result<Vec<String>, VaultError> {
        let destroyed = self.inner.keys.destroy_expired(now).await?;
        self.inner.cache.evict(&destroyed);
        Ok(destroyed)
    }

    /// The claim of `kind` on `normalised` (a normalised e-mail address or phone number):
    /// HMAC-SHA256 with the pepper derived from the master key, `{kind}-{hex}`.
    pub fn claim_key(&self, kind: ClaimKind, normalised: &str) -> ClaimKey {
        index::claim_key(&self.inner.pepper, kind, normalised)
    }

    /// Re-wraps every key of `keys` from the `old` master key to the `new` one (master key
    /// rotation; no log is rewritten). Returns how many keys were re-wrapped. Stops at the
    /// first key `old` does not unwrap, before changing anything.
    ///
    /// The claim pepper is derived from the master key too: a rotation changes the names of
    /// new claims, so it is not to be done before claims are re-keyed (see ADR 0007).
    pub async fn rotate_master(
        keys: &dyn KeyStore,
        old: &MasterKey,
        new: &MasterKey,
    ) -> Result<usize, VaultError> {
        let (old, new) = (old.wrapping_key(), new.wrapping_key());
        let mut rewrapped = Vec::new();
        for stored in keys.all().await? {
            let key = old
                .unwrap_key(&stored.key_id, &stored.wrapped_key)
                .map_err(|_| VaultError::WrongMasterKey {
                    key: stored.key_id.clone(),
                })?;
            let wrapped = new
                .wrap(&stored.key_id, &key)
                .map_err(|e| cipher_error(&stored.key_id, e))?;
            rewrapped.push((stored.key_id, wrapped));
        }
        Ok(keys.rewrap(rewrapped).await?)
    }

    async fn cached_or_stored(&self, key_id: &str) -> Result<Option<Arc<SecretKey>>, VaultError> {
        if let Some(key) = self.inner.cache.get(key_id) {
            return Ok(Some(key));
        }
        match self.inner.keys.get(key_id).await? {
            Some(stored) => self.unwrap_and_cache(&stored).map(Some),
            None => Ok(None),
        }
    }

    async fn create_key(
        &self,
        subject: &str,
        purpose: Purpose,
        key_id: &str,
    ) -> Result<Arc<SecretKey>, VaultError> {
        let key = SecretKey::generate();
        let wrapped = self
            .inner
            .wrapping
            .wrap(key_id, &key)
            .map_err(|e| cipher_error(key_id, e))?;
        let winner = self
            .inner
            .keys
            .insert_if_absent(NewKey {
                key_id: key_id.to_owned(),
                subject: subject.to_owned(),
                purpose: purpose.name(),
                wrapped_key: wrapped,
                created_at: Utc::now(),
                destroy_after: purpose.destroy_after(),
            })
            .await?;
        self.unwrap_and_cache(&winner)
    }

    fn unwrap_and_cache(&self, stored: &StoredKey) -> Result<Arc<SecretKey>, VaultError> {
        let key = self
            .inner
            .wrapping
            .unwrap_key(&stored.key_id, &stored.wrapped_key)
            .map_err(|_| VaultError::WrongMasterKey {
                key: stored.key_id.clone(),
            })?;
        let key = Arc::new(key);
        self.inner.cache.put(&stored.key_id, Arc::clone(&key));
        Ok(key)
    }
}

/// Opens `sealed` with `key` (none: destroyed) for the associated data `ad`.
fn open_with(key: Option<&SecretKey>, ad: &str, sealed: &Sealed) -> Result<Opened, VaultError> {
    let Some(key) = key else {
        return Ok(Opened::Shredded);
    };
    key.open(ad.as_bytes(), &sealed.nonce, &sealed.ciphertext)
        .map(|clear| Opened::Clear(clear.to_vec()))
        .map_err(|e| cipher_error(&sealed.key, e))
}

fn cipher_error(key: &str, err: CipherError) -> VaultError {
    match err {
        CipherError::Unauthentic => VaultError::Tampered {
            key: key.to_owned(),
        },
        CipherError::Malformed(reason) => VaultError::Malformed {
            key: key.to_owned(),
            reason,
        },
    }
}

#[cfg(test)]
mod tests;
