//! The key table contract, run against every backend.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use store::{KeyStore, NewKey, Shred};
use uuid::Uuid;

/// 80 random bytes standing for a wrapped key (unique enough to be searched for in files).
pub fn random_bytes() -> Vec<u8> {
    (0..5).flat_map(|_| Uuid::new_v4().into_bytes()).collect()
}

pub fn at(year: i32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap()
}

pub fn key(subject: &str, purpose: &str, destroy_after: Option<DateTime<Utc>>) -> NewKey {
    NewKey {
        key_id: format!("{subject}/{purpose}"),
        subject: subject.into(),
        purpose: purpose.into(),
        wrapped_key: random_bytes(),
        created_at: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        destroy_after,
    }
}

/// Everything the port promises, on one fresh table.
pub async fn contract(keys: &dyn KeyStore) {
    // Given a profile key and a billing key for C-1, and a profile key for C-2.
    let profile = key("C-1", "profile", None);
    let billing = key("C-1", "billing-2026", Some(at(2037)));
    let other = key("C-2", "profile", None);
    for k in [&profile, &billing, &other] {
        assert_eq!(&keys.insert_if_absent(k.clone()).await.unwrap(), k);
    }
    // A second insert of an id returns the first key, unchanged.
    let loser = key("C-1", "profile", None);
    assert_eq!(keys.insert_if_absent(loser).await.unwrap(), profile);
    assert_eq!(
        keys.get("C-1/profile").await.unwrap(),
        Some(profile.clone())
    );
    assert_eq!(keys.get("C-9/profile").await.unwrap(), None);
    let mut many = keys
        .get_many(&[
            "C-2/profile".into(),
            "C-9/profile".into(),
            "C-1/profile".into(),
        ])
        .await
        .unwrap();
    many.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    assert_eq!(many, vec![profile.clone(), other.clone()]);

    // When C-1 is erased keeping billing, only the profile key goes.
    assert_eq!(
        keys.destroy_subject("C-1", Shred::KeepBilling)
            .await
            .unwrap(),
        vec!["C-1/profile".to_string()]
    );
    assert_eq!(keys.get("C-1/profile").await.unwrap(), None);
    assert_eq!(
        keys.get("C-1/billing-2026").await.unwrap(),
        Some(billing.clone())
    );
    // Repeating it destroys nothing more.
    assert!(keys
        .destroy_subject("C-1", Shred::KeepBilling)
        .await
        .unwrap()
        .is_empty());

    // The billing key lives until its date, then goes.
    assert!(keys.destroy_expired(at(2036)).await.unwrap().is_empty());
    assert_eq!(
        keys.destroy_expired(at(2037)).await.unwrap(),
        vec!["C-1/billing-2026".to_string()]
    );

    // Re-wrapping replaces the bytes of the keys that exist.
    let new_bytes = random_bytes();
    assert_eq!(
        keys.rewrap(vec![
            ("C-2/profile".into(), new_bytes.clone()),
            ("C-1/profile".into(), random_bytes())
        ])
        .await
        .unwrap(),
        1
    );
    let all = keys.all().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].wrapped_key, new_bytes);

    // A full erasure takes every key of the subject.
    keys.insert_if_absent(key("C-2", "billing-2030", Some(at(2041))))
        .await
        .unwrap();
    let mut gone = keys.destroy_subject("C-2", Shred::All).await.unwrap();
    gone.sort();
    assert_eq!(gone, vec!["C-2/billing-2030", "C-2/profile"]);
    assert!(keys.all().await.unwrap().is_empty());
}

/// Two tables on one database racing to create one key: both get the same winner.
pub async fn race(a: &dyn KeyStore, b: &dyn KeyStore) {
    for round in 0..20 {
        let subject = format!("C-{round}");
        let (x, y) = tokio::join!(
            a.insert_if_absent(key(&subject, "profile", None)),
            b.insert_if_absent(key(&subject, "profile", None)),
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x.wrapped_key, y.wrapped_key, "round {round}");
        assert_eq!(a.get(&x.key_id).await.unwrap(), Some(x));
    }
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
