//! The composition root opens the key table beside the log and a vault whose development
//! master key is kept in the data folder, so sealed values open again after a restart.

#![allow(clippy::unwrap_used)]

use app::vault::{Opened, Purpose, MASTER_KEY_FILE};
use otd::settings::Settings;
use otd::stores::Parts;

#[tokio::test]
async fn a_value_sealed_before_a_restart_opens_after_it_and_not_after_a_shred() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let settings = Settings::from_flags(["--data", dir]).unwrap();

    let parts = Parts::open(&settings).await.unwrap();
    let sealed = parts
        .vault
        .seal("C-1", Purpose::Profile, "name", b"Ada")
        .await
        .unwrap();
    drop(parts);
    assert!(data.path().join(MASTER_KEY_FILE).exists());

    let parts = Parts::open(&settings).await.unwrap();
    assert_eq!(
        parts.vault.open("C-1", "name", &sealed).await.unwrap(),
        Opened::Clear(b"Ada".to_vec())
    );
    parts.vault.shred("C-1", false).await.unwrap();
    drop(parts);

    let parts = Parts::open(&settings).await.unwrap();
    assert_eq!(
        parts.vault.open("C-1", "name", &sealed).await.unwrap(),
        Opened::Shredded
    );
}

#[tokio::test]
async fn an_invalid_master_key_stops_the_start() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let settings = Settings::from_flags(["--data", dir, "--master-key", "too-short"]).unwrap();
    let refused = Parts::open(&settings).await.err().unwrap();
    assert!(refused.to_string().contains("master key"));
    assert!(!data.path().join(MASTER_KEY_FILE).exists());
}
