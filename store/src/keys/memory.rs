//! The key table in memory, for unit tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{kept, KeyStore, NewKey, Shred, StoredKey};
use crate::error::StoreError;

/// Keys in a map behind a lock; nothing survives the process.
#[derive(Default)]
pub struct MemoryKeys {
    keys: Mutex<BTreeMap<String, StoredKey>>,
}

impl MemoryKeys {
    /// An empty table.
    pub fn new() -> MemoryKeys {
        MemoryKeys::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<String, StoredKey>) -> T) -> T {
        // A panic elsewhere cannot leave the map half-changed: every change is one call.
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut keys)
    }
}

#[async_trait]
impl KeyStore for MemoryKeys {
    async fn get(&self, key_id: &str) -> Result<Option<StoredKey>, StoreError> {
        Ok(self.with(|keys| keys.get(key_id).cloned()))
    }

    async fn get_many(&self, key_ids: &[String]) -> Result<Vec<StoredKey>, StoreError> {
        Ok(self.with(|keys| {
            key_ids
                .iter()
                .filter_map(|id| keys.get(id).cloned())
                .collect()
        }))
    }

    async fn insert_if_absent(&self, key: NewKey) -> Result<StoredKey, StoreError> {
        Ok(self.with(|keys| keys.entry(key.key_id.clone()).or_insert(key).clone()))
    }

    async fn destroy_subject(
        &self,
        subject: &str,
        shred: Shred,
    ) -> Result<Vec<String>, StoreError> {
        Ok(self.with(|keys| {
            let doomed: Vec<String> = keys
                .values()
                .filter(|key| key.subject == subject && !kept(&key.purpose, shred))
                .map(|key| key.key_id.clone())
                .collect();
            for id in &doomed {
                keys.remove(id);
            }
            doomed
        }))
    }

    async fn destroy_expired(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        Ok(self.with(|keys| {
            let doomed: Vec<String> = keys
                .values()
                .filter(|key| key.destroy_after.is_some_and(|at| at <= now))
                .map(|key| key.key_id.clone())
                .collect();
            for id in &doomed {
                keys.remove(id);
            }
            doomed
        }))
    }

    async fn all(&self) -> Result<Vec<StoredKey>, StoreError> {
        Ok(self.with(|keys| keys.values().cloned().collect()))
    }

    async fn rewrap(&self, rewrapped: Vec<(String, Vec<u8>)>) -> Result<usize, StoreError> {
        Ok(self.with(|keys| {
            let mut replaced = 0;
            for (id, wrapped) in rewrapped {
                if let Some(key) = keys.get_mut(&id) {
                    key.wrapped_key = wrapped;
                    replaced += 1;
                }
            }
            replaced
        }))
    }
}
