//! The vault over the in-memory key table: sealing, binding, tampering, shredding, races.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use store::{KeyStore, MemoryKeys};

use super::*;

fn vault() -> (Vault, Arc<MemoryKeys>) {
    let keys = Arc::new(MemoryKeys::new());
    (Vault::new(keys.clone(), &MasterKey::generate()), keys)
}

#[tokio::test]
async fn a_sealed_value_opens_for_its_subject_and_field() {
    let (vault, keys) = vault();
    let sealed = vault
        .seal("C-1", Purpose::Profile, "email", b"ada@example.com")
        .await
        .unwrap();
    assert_eq!(sealed.key, "C-1/profile");
    assert_eq!(sealed.nonce.len(), 24);
    assert!(!sealed.ciphertext.windows(3).any(|w| w == b"ada"));
    assert_eq!(
        vault.open("C-1", "email", &sealed).await.unwrap(),
        Opened::Clear(b"ada@example.com".to_vec())
    );
    // One key per subject and purpose, however many values.
    vault
        .seal("C-1", Purpose::Profile, "phone", b"+49")
        .await
        .unwrap();
    assert_eq!(keys.all().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_value_moved_to_another_subject_or_field_does_not_open() {
    let (vault, _) = vault();
    let sealed = vault
        .seal("C-1", Purpose::Profile, "email", b"ada@example.com")
        .await
        .unwrap();
    vault
        .seal("C-2", Purpose::Profile, "email", b"x")
        .await
        .unwrap();
    let tampered = |key: &str| VaultError::Tampered { key: key.into() };
    assert_eq!(
        vault.open("C-1", "phone", &sealed).await.unwrap_err(),
        tampered("C-1/profile")
    );
    assert_eq!(
        vault.open("C-2", "email", &sealed).await.unwrap_err(),
        tampered("C-1/profile")
    );
    let relabelled = Sealed {
        key: "C-2/profile".into(),
        ..sealed
    };
    assert_eq!(
        vault.open("C-2", "email", &relabelled).await.unwrap_err(),
        tampered("C-2/profile")
    );
}

#[tokio::test]
async fn an_altered_value_is_an_error_not_a_shredded_one() {
    let (vault, _) = vault();
    let mut sealed = vault
        .seal("C-1", Purpose::Profile, "name", b"Ada")
        .await
        .unwrap();
    sealed.ciphertext[0] ^= 1;
    assert!(matches!(
        vault.open("C-1", "name", &sealed).await,
        Err(VaultError::Tampered { .. })
    ));
    sealed.nonce.pop();
    assert!(matches!(
        vault.open("C-1", "name", &sealed).await,
        Err(VaultError::Malformed { .. })
    ));
}

#[tokio::test]
async fn after_a_shred_the_values_open_as_shredded_and_the_keys_are_gone() {
    let (vault, keys) = vault();
    let name = vault
        .seal("C-1", Purpose::Profile, "name", b"Ada")
        .await
        .unwrap();
    let other = vault
        .seal("C-2", Purpose::Profile, "name", b"Bob")
        .await
        .unwrap();
    assert_eq!(
        vault.shred("C-1", false).await.unwrap(),
        vec!["C-1/profile"]
    );
    assert_eq!(
        vault.open("C-1", "name", &name).await.unwrap(),
        Opened::Shredded
    );
    assert_eq!(
        vault.open("C-2", "name", &other).await.unwrap(),
        Opened::Clear(b"Bob".to_vec())
    );
    assert!(keys.get("C-1/profile").await.unwrap().is_none());
    assert_eq!(
        vault.shred("C-1", false).await.unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_billing_key_survives_an_erasure_that_keeps_billing_and_dies_after_its_date() {
    let (vault, _) = vault();
    let name = vault
        .seal("C-1", Purpose::Profile, "name", b"Ada")
        .await
        .unwrap();
    let billing = vault
        .seal(
            "C-1",
            Purpose::Billing(2026),
            "billing_name",
            b"Ada Lovelace",
        )
        .await
        .unwrap();
    assert_eq!(vault.shred("C-1", true).await.unwrap(), vec!["C-1/profile"]);
    assert_eq!(
        vault.open("C-1", "name", &name).await.unwrap(),
        Opened::Shredded
    );
    assert_eq!(
        vault.open("C-1", "billing_name", &billing).await.unwrap(),
        Opened::Clear(b"Ada Lovelace".to_vec())
    );
    let last_day = Utc.with_ymd_and_hms(2036, 12, 31, 23, 59, 59).unwrap();
    assert!(vault.shred_expired(last_day).await.unwrap().is_empty());
    let next_year = Utc.with_ymd_and_hms(2037, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        vault.shred_expired(next_year).await.unwrap(),
        vec!["C-1/billing-2026"]
    );
    assert_eq!(
        vault.open("C-1", "billing_name", &billing).await.unwrap(),
        Opened::Shredded
    );
}

#[tokio::test]
async fn a_full_erasure_takes_the_billing_keys_too() {
    let (vault, _) = vault();
    vault
        .seal("C-1", Purpose::Profile, "name", b"Ada")
        .await
        .unwrap();
    vault
        .seal("C-1", Purpose::Billing(2026), "n", b"Ada")
        .await
        .unwrap();
    let mut destroyed = vault.shred("C-1", false).await.unwrap();
    destroyed.sort();
    assert_eq!(destroyed, vec!["C-1/billing-2026", "C-1/profile"]);
}

#[tokio::test]
async fn another_process_shredding_is_honoured_after_the_cache_ttl() {
    let keys = Arc::new(MemoryKeys::new());
    let master = MasterKey::generate();
    let options = CacheOptions {
        capacity: 10,
        ttl: std::time::Duration::from_millis(30),
    };
    let here = Vault::with_cache(keys.clone(), &master, options);
    let there = Vault::with_cache(keys.clone(), &master, options);
    let name = here
        .seal("C-1", Purpose::Profile, "name", b"Ada")
        .await
        .unwrap();
    assert!(matches!(
        here.open("C-1", "name", &name).await.unwrap(),
        Opened::Clear(_)
    ));
    there.shred("C-1", false).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    assert_eq!(
        here.open("C-1", "name", &name).await.unwrap(),
        Opened::Shredded
    );
}

#[tokio::test]
async fn racing_first_seals_share_one_key() {
    let keys = Arc::new(MemoryKeys::new());
    let master = MasterKey::generate();
    let a = Vault::new(keys.clone(), &master);
    let b = Vault::new(keys.clone(), &master);
    let (x, y) = tokio::join!(
        a.seal("C-1", Purpose::Profile, "name", b"Ada"),
        b.seal("C-1", Purpose::Profile, "email", b"ada@example.com"),
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(keys.all().await.unwrap().len(), 1);
    let fresh = Vault::new(keys.clone(), &master);
    assert!(matches!(
        fresh.open("C-1", "name", &x).await.unwrap(),
        Opened::Clear(_)
    ));
    assert!(matches!(
        fresh.open("C-1", "email", &y).await.unwrap(),
        Opened::Clear(_)
    ));
}

#[tokio::test]
async fn a_page_opens_in_order_with_shredded_values_among_them() {
    let (vault, _) = vault();
    let a = vault
        .seal("C-1", Purpose::Profile, "name", b"Ada")
        .await
        .unwrap();
    let b = vault
        .seal("C-2", Purpose::Profile, "name", b"Bob")
        .await
        .unwrap();
    vault.shred("C-1", false).await.unwrap();
    let cold = Vault::new(vault.inner.keys.clone(), &MasterKey::generate());
    // Another master key: the stored key does not unwrap, which is an error, not a shred.
    assert!(matches!(
        cold.open_many(&[("C-2", "name", &b)]).await,
        Err(VaultError::WrongMasterKey { .. })
    ));
    let opened = vault
        .open_many(&[
            ("C-1", "name", &a),
            ("C-2", "name", &b),
            ("C-2", "name", &b),
        ])
        .await
        .unwrap();
    assert_eq!(
        opened,
        vec![
            Opened::Shredded,
            Opened::Clear(b"Bob".to_vec()),
            Opened::Clear(b"Bob".to_vec())
        ]
    );
}

#[tokio::test]
async fn json_values_round_trip() {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Address {
        street: String,
        city: String,
    }
    let (vault, _) = vault();
    let address = Address {
        street: "Unter den Linden 1".into(),
        city: "Berlin".into(),
    };
    let sealed = vault
        .seal_json("C-1", Purpose::Billing(2026), "billing_address", &address)
        .await
        .unwrap();
    let opened: Opened<Address> = vault
        .open_json("C-1", "billing_address", &sealed)
        .await
        .unwrap();
    assert_eq!(opened, Opened::Clear(address));
    assert!(matches!(
        vault
            .open_json::<u32>("C-1", "billing_address", &sealed)
            .await,
        Err(VaultError::Json(_))
    ));
}

#[tokio::test]
async fn rotating_the_master_key_rewraps_every_key_and_keeps_values_readable() {
    let keys = Arc::new(MemoryKeys::new());
    let (old, new) = (MasterKey::generate(), MasterKey::generate());
    let vault = Vault::new(keys.clone(), &old);
    let name = vault
        .seal("C-1", Purpose::Profile, "name", b"Ada")
        .await
        .unwrap();
    vault
        .seal("C-2", Purpose::Billing(2025), "n", b"Bob")
        .await
        .unwrap();
    assert_eq!(
        Vault::rotate_master(keys.as_ref(), &old, &new)
            .await
            .unwrap(),
        2
    );
    let rotated = Vault::new(keys.clone(), &new);
    assert_eq!(
        rotated.open("C-1", "name", &name).await.unwrap(),
        Opened::Clear(b"Ada".to_vec())
    );
    assert!(matches!(
        Vault::new(keys.clone(), &old)
            .open("C-1", "name", &name)
            .await,
        Err(VaultError::WrongMasterKey { .. })
    ));
    // Rotating with the wrong old key changes nothing.
    assert!(Vault::rotate_master(keys.as_ref(), &old, &new)
        .await
        .is_err());
}

#[tokio::test]
async fn claim_keys_hide_the_value_and_depend_on_the_master_key() {
    let (a, _) = vault();
    let (b, _) = vault();
    // (An address of letters hex has not: a random key's hex could contain "ada".)
    let claim = a.claim_key(ClaimKind::Email, "zoe@example.com");
    assert_eq!(claim, a.claim_key(ClaimKind::Email, "zoe@example.com"));
    assert_ne!(claim, b.claim_key(ClaimKind::Email, "zoe@example.com"));
    assert!(!claim.to_string().contains("zoe"));
    assert!(!claim.to_string().contains("example"));
}

#[tokio::test]
async fn bad_names_are_refused_not_panicked_on() {
    let (vault, _) = vault();
    assert!(matches!(
        vault.seal("", Purpose::Profile, "name", b"x").await,
        Err(VaultError::InvalidName { .. })
    ));
    assert!(matches!(
        vault.seal("C-1", Purpose::Billing(-5), "name", b"x").await,
        Err(VaultError::InvalidName { .. })
    ));
    assert!(matches!(
        vault.shred("a/b", false).await,
        Err(VaultError::InvalidName { .. })
    ));
}
