//! The retry policy and the attempt record: delays within their bounds,
//! ceilings that only grow, the last attempt a dead letter.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use channels::outcome::{Delivered, Failure, SendError};
use channels::retry::{Attempt, AttemptOutcome, Next, RetryPolicy};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap()
}

fn failing(failure: Failure, retry_after: Option<Duration>) -> SendError {
    SendError::new(failure, "boom")
        .with_status(500)
        .with_retry_after(retry_after)
}

fn retryable() -> impl Strategy<Value = Failure> {
    prop_oneof![Just(Failure::Transient), Just(Failure::SlowDown)]
}

fn policy() -> impl Strategy<Value = RetryPolicy> {
    (1u64..120_000, 1u64..1_000_000, 1u32..16, 0u64..100_000_000).prop_map(
        |(base, cap, max_attempts, max_retry_after)| RetryPolicy {
            base: Duration::from_millis(base),
            cap: Duration::from_millis(cap),
            max_attempts,
            max_retry_after: Duration::from_millis(max_retry_after),
        },
    )
}

#[test]
fn the_default_doubles_from_thirty_seconds_to_two_hours_over_eight_attempts() {
    let p = RetryPolicy::default();
    let ceilings: Vec<u64> = (1..=9).map(|n| p.ceiling(n).as_secs()).collect();
    assert_eq!(ceilings, [30, 60, 120, 240, 480, 960, 1920, 3840, 7200]);
    assert_eq!(p.ceiling(1000), Duration::from_secs(7200));
    assert_eq!(p.max_attempts, 8);
}

proptest! {
    #[test]
    fn a_delay_is_within_zero_and_the_ceiling_or_the_retry_after(
        p in policy(), attempt in 1u32..64, failure in retryable(), seed: u64,
        retry_after in proptest::option::of(0u64..200_000_000),
    ) {
        let retry_after = retry_after.map(Duration::from_millis);
        let mut rng = StdRng::seed_from_u64(seed);
        let next = p.after(attempt, &failing(failure, retry_after), &mut rng);
        if attempt >= p.max_attempts {
            prop_assert_eq!(next, Next::DeadLetter);
        } else {
            let Next::RetryIn(delay) = next else { panic!("{next:?}") };
            let asked = retry_after.map_or(Duration::ZERO, |d| d.min(p.max_retry_after));
            prop_assert!(delay >= asked, "{delay:?} before Retry-After {asked:?}");
            prop_assert!(delay <= p.ceiling(attempt).max(asked));
            prop_assert!(p.ceiling(attempt) <= p.cap);
        }
    }

    #[test]
    fn ceilings_never_shrink_and_never_pass_the_cap(p in policy(), attempt in 1u32..200) {
        prop_assert!(p.ceiling(attempt) <= p.ceiling(attempt + 1));
        prop_assert!(p.ceiling(attempt + 1) <= p.cap);
        prop_assert!(p.ceiling(1) == p.base.min(p.cap));
    }

    #[test]
    fn the_same_seed_gives_the_same_delays(p in policy(), seed: u64) {
        let delays = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (1..p.max_attempts)
                .map(|n| p.after(n, &failing(Failure::Transient, None), &mut rng))
                .collect::<Vec<_>>()
        };
        prop_assert_eq!(delays(seed), delays(seed));
    }

    #[test]
    fn permanent_failures_and_gone_endpoints_are_dead_letters_at_once(
        p in policy(), attempt in 1u32..64, seed: u64,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        for failure in [Failure::Permanent, Failure::Gone] {
            prop_assert_eq!(p.after(attempt, &failing(failure, None), &mut rng), Next::DeadLetter);
        }
    }

    #[test]
    fn a_message_failing_every_time_is_tried_max_attempts_times_then_dead_lettered(
        p in policy(), seed: u64,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut now = at();
        let mut log = Vec::new();
        for number in 1.. {
            let attempt = Attempt::record(number, now, &Err(failing(Failure::Transient, None)), &p, &mut rng);
            let next = attempt.next_retry;
            log.push(attempt);
            match next {
                Some(next) => { prop_assert!(next >= now); now = next; }
                None => break,
            }
        }
        prop_assert_eq!(log.len() as u32, p.max_attempts);
        prop_assert!(log[..log.len() - 1].iter().all(|a| a.outcome == AttemptOutcome::Failed));
        prop_assert_eq!(log.last().unwrap().outcome, AttemptOutcome::DeadLettered);
    }
}

#[test]
fn a_full_jitter_spreads_delays_over_the_whole_window() {
    let p = RetryPolicy::default();
    let mut rng = StdRng::seed_from_u64(17);
    let delays: Vec<Duration> = (0..400)
        .map(
            |_| match p.after(4, &failing(Failure::Transient, None), &mut rng) {
                Next::RetryIn(d) => d,
                Next::DeadLetter => panic!("attempt 4 of 8 is retried"),
            },
        )
        .collect();
    let ceiling = p.ceiling(4);
    assert!(delays.iter().any(|d| *d < ceiling / 4), "some early");
    assert!(delays.iter().any(|d| *d > ceiling * 3 / 4), "some late");
}

#[test]
fn attempts_record_the_outcome_status_error_and_next_retry() {
    let p = RetryPolicy::default();
    let mut rng = StdRng::seed_from_u64(1);
    let ok = Attempt::record(3, at(), &Ok(Delivered { status: 204 }), &p, &mut rng);
    assert_eq!(
        ok,
        Attempt {
            number: 3,
            at: at(),
            outcome: AttemptOutcome::Delivered,
            status: Some(204),
            error: None,
            next_retry: None
        }
    );

    let slow = failing(Failure::SlowDown, Some(Duration::from_secs(3600))).with_status(429);
    let later = Attempt::record(1, at(), &Err(slow), &p, &mut rng);
    assert_eq!(later.outcome, AttemptOutcome::Failed);
    assert_eq!(later.status, Some(429));
    assert_eq!(later.error.as_deref(), Some("boom"));
    assert_eq!(
        later.next_retry,
        Some(at() + chrono::Duration::hours(1)),
        "the Retry-After of an hour beats a back-off of at most 30 s"
    );

    let gone = Attempt::record(
        1,
        at(),
        &Err(failing(Failure::Gone, None).with_status(410)),
        &p,
        &mut rng,
    );
    assert_eq!(
        (gone.outcome, gone.next_retry),
        (AttemptOutcome::EndpointDisabled, None)
    );
    let refused = Attempt::record(
        2,
        at(),
        &Err(failing(Failure::Permanent, None)),
        &p,
        &mut rng,
    );
    assert_eq!(
        (refused.outcome, refused.next_retry),
        (AttemptOutcome::DeadLettered, None)
    );

    let json = serde_json::to_value(&later).unwrap();
    assert_eq!(json["outcome"], "failed");
    assert_eq!(serde_json::from_value::<Attempt>(json).unwrap(), later);
}

#[test]
fn a_retry_after_of_years_is_capped() {
    let p = RetryPolicy::default();
    let mut rng = StdRng::seed_from_u64(2);
    let years = failing(
        Failure::SlowDown,
        Some(Duration::from_secs(10 * 365 * 86_400)),
    );
    assert_eq!(
        p.after(1, &years, &mut rng),
        Next::RetryIn(p.max_retry_after)
    );
}
