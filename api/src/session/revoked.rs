//! Sessions ended by signing out: their ids (`jti`) until their tokens
//! expire, after which the tokens are refused anyway.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::Utc;

/// The revoked sessions of this process, each kept until its token expires.
#[derive(Debug, Clone, Default)]
pub struct RevokedSessions {
    /// Session id → its token's expiry (Unix seconds).
    ended: Arc<Mutex<HashMap<String, i64>>>,
}

impl RevokedSessions {
    pub fn new() -> RevokedSessions {
        RevokedSessions::default()
    }

    /// Ends session `jti`, whose token expires at `expires_at` (Unix
    /// seconds); forgets sessions whose tokens have expired.
    pub fn revoke(&self, jti: &str, expires_at: i64) {
        let now = Utc::now().timestamp();
        let mut ended = self.ended.lock().unwrap_or_else(PoisonError::into_inner);
        ended.retain(|_, expiry| *expiry > now);
        if expires_at > now {
            ended.insert(jti.to_owned(), expires_at);
        }
    }

    /// Whether session `jti` was ended.
    pub fn contains(&self, jti: &str) -> bool {
        let ended = self.ended.lock().unwrap_or_else(PoisonError::into_inner);
        ended.contains_key(jti)
    }

    /// How many ended sessions are remembered.
    pub fn len(&self) -> usize {
        self.ended
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_session_is_remembered_until_it_expires() {
        let revoked = RevokedSessions::new();
        let now = Utc::now().timestamp();
        revoked.revoke("old", now - 1);
        revoked.revoke("live", now + 600);
        assert!(revoked.contains("live"));
        assert!(!revoked.contains("old"));
        assert_eq!(revoked.len(), 1);
    }
}
