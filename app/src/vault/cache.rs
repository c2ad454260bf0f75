//! Unwrapped subject keys kept in memory for a short while, so a page of values costs no
//! database round trip per value. Bounded in size; an entry lives at most its TTL, so a key
//! another process destroyed stops opening here soon after, and a local shred evicts at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::cipher::SecretKey;

/// How big the cache may grow and how long an entry is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheOptions {
    /// The most keys held at once.
    pub capacity: usize,
    /// How long a key is used without asking the key table again.
    pub ttl: Duration,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            capacity: 10_000,
            ttl: Duration::from_secs(30),
        }
    }
}

pub(crate) struct KeyCache {
    options: CacheOptions,
    entries: Mutex<HashMap<String, (Arc<SecretKey>, Instant)>>,
}

impl KeyCache {
    pub(crate) fn new(options: CacheOptions) -> KeyCache {
        KeyCache {
            options,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Arc<SecretKey>, Instant)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key `key_id` if it was put here less than the TTL ago.
    pub(crate) fn get(&self, key_id: &str) -> Option<Arc<SecretKey>> {
        let mut entries = self.entries();
        match entries.get(key_id) {
            Some((key, at)) if at.elapsed() < self.options.ttl => Some(Arc::clone(key)),
            Some(_) => {
                entries.remove(key_id);
                None
            }
            None => None,
        }
    }

    /// Keeps `key` for `key_id`; when full, expired entries go first, then the oldest.
    pub(crate) fn put(&self, key_id: &str, key: Arc<SecretKey>) {
        if self.options.capacity == 0 {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= self.options.capacity && !entries.contains_key(key_id) {
            let ttl = self.options.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= self.options.capacity {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, (_, at))| *at)
                    .map(|(id, _)| id.clone());
                if let Some(oldest) = oldest {
                    entries.remove(&oldest);
                }
            }
        }
        entries.insert(key_id.to_owned(), (key, Instant::now()));
    }

    /// Forgets every key of `subject` (ids `{subject}/…`).
    pub(crate) fn evict_subject(&self, subject: &str) {
        let prefix = format!("{subject}/");
        self.entries().retain(|id, _| !id.starts_with(&prefix));
    }

    /// Forgets the keys `ids`.
    pub(crate) fn evict(&self, ids: &[String]) {
        let mut entries = self.entries();
        for id in ids {
            entries.remove(id);
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Arc<SecretKey> {
        Arc::new(SecretKey::generate())
    }

    #[test]
    fn it_never_holds_more_than_its_capacity() {
        let cache = KeyCache::new(CacheOptions {
            capacity: 3,
            ttl: Duration::from_secs(60),
        });
        for i in 0..10 {
            cache.put(&format!("C-{i}/profile"), key());
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get("C-9/profile").is_some());
    }

    #[test]
    fn an_entry_expires_after_its_ttl() {
        let cache = KeyCache::new(CacheOptions {
            capacity: 10,
            ttl: Duration::from_millis(20),
        });
        cache.put("C-1/profile", key());
        assert!(cache.get("C-1/profile").is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get("C-1/profile").is_none());
    }

    #[test]
    fn evicting_a_subject_leaves_the_others() {
        let cache = KeyCache::new(CacheOptions::default());
        cache.put("C-1/profile", key());
        cache.put("C-1/billing-2026", key());
        cache.put("C-10/profile", key());
        cache.evict_subject("C-1");
        assert!(cache.get("C-1/profile").is_none());
        assert!(cache.get("C-1/billing-2026").is_none());
        assert!(cache.get("C-10/profile").is_some());
    }
}
