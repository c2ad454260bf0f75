//! Failed sign-ins per e-mail address: after [`SignInThrottle::MAX_FAILURES`]
//! failures within [`SignInThrottle::WINDOW`], further attempts are refused
//! (429 with `Retry-After`) until the window has passed; a success starts
//! over. Counted in memory, per process, in a bounded map.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use domain::values::Email;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// The failed sign-ins of each (normalised) e-mail address.
#[derive(Debug, Clone)]
pub struct SignInThrottle {
    windows: Arc<Mutex<HashMap<Email, Window>>>,
    max_failures: u32,
    window: Duration,
    capacity: usize,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        SignInThrottle::new(
            SignInThrottle::MAX_FAILURES,
            SignInThrottle::WINDOW,
            SignInThrottle::CAPACITY,
        )
    }
}

impl SignInThrottle {
    /// Failures allowed within a window.
    pub const MAX_FAILURES: u32 = 5;
    /// The window failures are counted in, from the first.
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Addresses remembered at most; when full, expired windows go first,
    /// then the oldest.
    pub const CAPACITY: usize = 100_000;

    /// A throttle allowing `max_failures` per `window`, remembering at most
    /// `capacity` addresses (at least 1).
    pub fn new(max_failures: u32, window: Duration, capacity: usize) -> SignInThrottle {
        SignInThrottle {
            windows: Arc::default(),
            max_failures,
            window,
            capacity: capacity.max(1),
        }
    }

    /// `Err(wait)` while `email` has used up its failures.
    pub fn check(&self, email: &Email) -> Result<(), Duration> {
        self.check_at(email, Instant::now())
    }

    /// [`SignInThrottle::check`] at `now`.
    pub fn check_at(&self, email: &Email, now: Instant) -> Result<(), Duration> {
        let mut windows = self.lock();
        let Some(window) = windows.get(email).copied() else {
            return Ok(());
        };
        let ends = window.started + self.window;
        if now >= ends {
            windows.remove(email);
            Ok(())
        } else if window.failures >= self.max_failures {
            Err(ends - now)
        } else {
            Ok(())
        }
    }

    /// Counts a failed sign-in of `email`.
    pub fn failed(&self, email: &Email) {
        self.failed_at(email, Instant::now());
    }

    /// [`SignInThrottle::failed`] at `now`.
    pub fn failed_at(&self, email: &Email, now: Instant) {
        let mut windows = self.lock();
        if let Some(window) = windows.get_mut(email) {
            if now < window.started + self.window {
                window.failures = window.failures.saturating_add(1);
                return;
            }
        } else if windows.len() >= self.capacity {
            let span = self.window;
            windows.retain(|_, w| now < w.started + span);
            if windows.len() >= self.capacity {
                let oldest = windows
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(email, _)| email.clone());
                if let Some(oldest) = oldest {
                    windows.remove(&oldest);
                }
            }
        }
        windows.insert(
            email.clone(),
            Window {
                started: now,
                failures: 1,
            },
        );
    }

    /// Forgets the failures of `email` (it signed in).
    pub fn succeeded(&self, email: &Email) {
        self.lock().remove(email);
    }

    /// How many addresses are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Email, Window>> {
        self.windows.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    fn email(text: &str) -> Email {
        Email::parse(text).unwrap()
    }

    #[test]
    fn five_failures_close_the_window_until_it_passes() {
        let throttle = SignInThrottle::default();
        let anna = email("anna@example.de");
        let start = Instant::now();
        for n in 0..5 {
            assert!(throttle.check_at(&anna, start).is_ok(), "attempt {n}");
            throttle.failed_at(&anna, start + Duration::from_secs(n));
        }
        let wait = throttle
            .check_at(&anna, start + Duration::from_secs(60))
            .unwrap_err();
        assert_eq!(wait, SignInThrottle::WINDOW - Duration::from_secs(60));
        // Another address is not affected; the same one in other case is.
        assert!(throttle.check_at(&email("ben@example.de"), start).is_ok());
        assert!(throttle.check_at(&email("ANNA@example.de"), start).is_err());
        assert!(throttle
            .check_at(&anna, start + SignInThrottle::WINDOW)
            .is_ok());
    }

    #[test]
    fn a_success_starts_over() {
        let throttle = SignInThrottle::default();
        let anna = email("anna@example.de");
        let now = Instant::now();
        for _ in 0..4 {
            throttle.failed_at(&anna, now);
        }
        throttle.succeeded(&anna);
        for _ in 0..4 {
            throttle.failed_at(&anna, now);
        }
        assert!(throttle.check_at(&anna, now).is_ok());
    }

    proptest! {
        #[test]
        fn the_map_never_outgrows_its_capacity(names in proptest::collection::vec("[a-z]{1,8}", 1..60)) {
            let throttle = SignInThrottle::new(5, SignInThrottle::WINDOW, 16);
            let now = Instant::now();
            for name in names {
                throttle.failed_at(&email(&format!("{name}@example.de")), now);
                prop_assert!(throttle.len() <= 16);
            }
        }
    }
}
