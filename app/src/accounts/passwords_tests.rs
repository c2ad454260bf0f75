#![allow(clippy::unwrap_used)]

use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;

use super::*;

const CHEAP: PasswordCost = PasswordCost {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn password(text: &str) -> Password {
    Password::parse(text).unwrap()
}

#[test]
fn a_password_has_10_to_128_characters_counted_as_characters() {
    assert_eq!(
        Password::parse("123456789"),
        Err(PasswordRuleError::TooShort { min: 10 })
    );
    assert!(Password::parse("1234567890").is_ok());
    // Ten characters of two bytes each: long enough.
    assert!(Password::parse("éééééééééé").is_ok());
    assert!(Password::parse("x".repeat(128)).is_ok());
    assert_eq!(
        Password::parse("x".repeat(129)),
        Err(PasswordRuleError::TooLong { max: 128 })
    );
    assert_eq!(
        PasswordRuleError::TooShort { min: 10 }.rule(),
        "password_too_short"
    );
    assert_eq!(
        PasswordRuleError::TooLong { max: 128 }.rule(),
        "password_too_long"
    );
}

proptest! {
    #[test]
    fn parse_accepts_exactly_the_lengths_in_range(text in "\\PC{0,140}") {
        let length = text.chars().count();
        prop_assert_eq!(Password::parse(text).is_ok(), (10..=128).contains(&length));
    }
}

#[test]
fn debug_shows_neither_password_nor_hash() {
    let secret = "correct horse battery staple";
    assert!(!format!("{:?}", password(secret)).contains("horse"));
    let hash = PasswordHash(format!("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ${secret}"));
    assert!(!format!("{hash:?}").contains("argon2"));
}

#[tokio::test]
async fn a_hash_verifies_its_password_and_no_other() {
    let pool = PasswordPool::with_cost(1, 4, CHEAP);
    let hash = pool.hash(password("correct horse battery")).await.unwrap();
    assert!(hash.as_phc().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    assert_eq!(PasswordHash::from_phc(hash.as_phc()).unwrap(), hash);
    assert!(pool
        .verify(password("correct horse battery"), Some(&hash))
        .await
        .unwrap());
    assert!(!pool
        .verify(password("wrong horse battery"), Some(&hash))
        .await
        .unwrap());
    assert!(!pool
        .verify(password("correct horse battery"), None)
        .await
        .unwrap());
}

#[tokio::test]
async fn the_owasp_cost_is_written_into_the_hash() {
    let pool = PasswordPool::new(1, 1);
    let hash = pool.hash(password("correct horse battery")).await.unwrap();
    assert!(hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}

#[test]
fn a_stored_hash_that_is_not_argon2_is_refused() {
    assert!(matches!(
        PasswordHash::from_phc("plain"),
        Err(PasswordError::Malformed(_))
    ));
    assert!(matches!(
        PasswordHash::from_phc("$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA"),
        Err(PasswordError::Malformed(_))
    ));
}

#[tokio::test]
async fn a_full_queue_answers_busy_at_once() {
    // Given a pool of one thread and room for one waiting job, the thread
    // held by a slow job and the queue holding another,
    let pool = PasswordPool::with_cost(1, 1, CHEAP);
    let (started, has_started) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let slow: Job = Box::new(move |_| {
        started.send(()).unwrap();
        released.recv().unwrap();
    });
    assert!(pool.jobs.try_send(slow).is_ok());
    has_started.recv_timeout(Duration::from_secs(10)).unwrap();
    let (served, was_served) = mpsc::channel();
    let waiting: Job = Box::new(move |_| served.send(()).unwrap());
    assert!(pool.jobs.try_send(waiting).is_ok(), "one job may wait");
    // when a third comes, it is refused without waiting;
    let third = tokio::time::timeout(
        Duration::from_secs(1),
        pool.verify(password("one too many"), None),
    )
    .await
    .expect("answers at once");
    assert_eq!(third, Err(PasswordError::Busy));
    // then, once the slow job ends, the waiting one is served.
    release.send(()).unwrap();
    was_served.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(pool.hash(password("after the rush")).await.is_ok());
}
