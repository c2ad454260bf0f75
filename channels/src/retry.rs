//! When to try again: exponential back-off with full jitter, a cap, a last
//! attempt after which a message is a dead letter, and the record of each
//! attempt. Pure: the time comes in as `at`, the randomness as an injected
//! [`Rng`] (a seeded one in tests).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::outcome::{Delivered, Failure, SendError};

/// Exponential back-off with full jitter: the `n`th failed attempt waits a
/// uniformly random time in `[0, min(cap, base · 2^(n-1))]`, and never less
/// than the receiver's `Retry-After` (itself capped by `max_retry_after`,
/// so a receiver cannot park a message for years). After `max_attempts`
/// failed attempts the message is a dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 30 s doubling to at most 2 h, 8 attempts (about 4 hours of tries at
    /// the ceilings), a `Retry-After` honoured up to 24 h.
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(2 * 3600),
            max_attempts: 8,
            max_retry_after: Duration::from_secs(24 * 3600),
        }
    }
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Try again after this delay.
    RetryIn(Duration),
    /// Give up: the message is a dead letter (replayable by hand).
    DeadLetter,
}

impl RetryPolicy {
    /// The longest wait after failed attempt `attempt` (1-based):
    /// `min(cap, base · 2^(attempt-1))`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// What follows failed attempt `attempt` (1-based) that failed with
    /// `error`: a permanent failure or a gone endpoint is a dead letter at
    /// once, so is the last attempt; otherwise a jittered delay, no earlier
    /// than the receiver's `Retry-After`.
    pub fn after(&self, attempt: u32, error: &SendError, rng: &mut impl Rng) -> Next {
        match error.failure {
            Failure::Permanent | Failure::Gone => return Next::DeadLetter,
            Failure::Transient | Failure::SlowDown => {}
        }
        if attempt >= self.max_attempts {
            return Next::DeadLetter;
        }
        let ceiling = self.ceiling(attempt);
        let jittered = Duration::from_millis(rng.random_range(0..=millis(ceiling)));
        let asked = error
            .retry_after
            .map_or(Duration::ZERO, |d| d.min(self.max_retry_after));
        Next::RetryIn(jittered.max(asked))
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Delivered,
    /// Failed; tried again at `next_retry`.
    Failed,
    /// Failed for the last time: the message is a dead letter.
    DeadLettered,
    /// The endpoint answered 410: it is disabled, the message a dead letter.
    EndpointDisabled,
}

/// One attempt at delivering one message, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1 for the first try.
    pub number: u32,
    pub at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    /// The HTTP status or SMTP reply code, when the receiver answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub next_retry: Option<DateTime<Utc>>,
}

impl Attempt {
    /// The record of attempt `number`, made at `at`, that ended in
    /// `result`, with the next try scheduled by `policy`.
    pub fn record(
        number: u32,
        at: DateTime<Utc>,
        result: &Result<Delivered, SendError>,
        policy: &RetryPolicy,
        rng: &mut impl Rng,
    ) -> Attempt {
        let error = match result {
            Ok(delivered) => {
                return Attempt {
                    number,
                    at,
                    outcome: AttemptOutcome::Delivered,
                    status: Some(delivered.status),
                    error: None,
                    next_retry: None,
                }
            }
            Err(error) => error,
        };
        let (outcome, next_retry) = match (error.failure, policy.after(number, error, rng)) {
            (Failure::Gone, _) => (AttemptOutcome::EndpointDisabled, None),
            (_, Next::DeadLetter) => (AttemptOutcome::DeadLettered, None),
            (_, Next::RetryIn(delay)) => (AttemptOutcome::Failed, Some(later(at, delay))),
        };
        Attempt {
            number,
            at,
            outcome,
            status: error.status,
            error: Some(error.detail.clone()),
            next_retry,
        }
    }
}

/// `at + delay`, saturating at the largest instant chrono holds.
fn later(at: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(delay)
        .ok()
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
