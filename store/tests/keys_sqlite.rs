//! The key table in SQLite (and in memory): the contract, races, and that a destroyed key
//! leaves no bytes in the database file or its WAL.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod keys;

use std::sync::Arc;
use std::time::Duration;

use store::{
    EventStore, ExpectedVersion, KeyStore, MemoryKeys, NewEvent, Payload, Shred, SqliteKeys,
    SqliteStore, StreamId,
};

#[tokio::test]
async fn memory_keys_keep_the_contract() {
    keys::contract(&MemoryKeys::new()).await;
}

#[tokio::test]
async fn sqlite_keys_keep_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    keys::contract(&SqliteKeys::open(&store).await.unwrap()).await;
}

#[tokio::test]
async fn two_sqlite_handles_racing_for_a_key_share_the_winner() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let a = SqliteKeys::open(&store).await.unwrap();
    let b = SqliteKeys::open_path(store.path(), Duration::from_secs(5))
        .await
        .unwrap();
    keys::race(&a, &b).await;
}

#[tokio::test]
async fn the_key_table_lives_beside_the_log_without_disturbing_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let keys = SqliteKeys::open(&store).await.unwrap();
    keys.insert_if_absent(keys::key("C-1", "profile", None))
        .await
        .unwrap();
    drop((keys, store));
    // The file is still an otd event store, and the table is found again.
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let keys = SqliteKeys::open(&store).await.unwrap();
    assert!(keys.get("C-1/profile").await.unwrap().is_some());
}

fn file_bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

#[tokio::test]
async fn a_destroyed_key_is_nowhere_in_the_database_file_nor_its_wal() {
    // Given a store with events, another subject's key, and C-1's key.
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let stream = StreamId::parse("order-1").unwrap();
    let event = NewEvent::new("OrderPlaced", Payload::from_json("{}").unwrap());
    store
        .append(&stream, ExpectedVersion::Any, vec![event])
        .await
        .unwrap();
    let keys: Arc<dyn KeyStore> = Arc::new(SqliteKeys::open(&store).await.unwrap());
    let kept = keys::key("C-2", "profile", None);
    keys.insert_if_absent(kept.clone()).await.unwrap();
    let doomed = keys::key("C-1", "profile", None);
    keys.insert_if_absent(doomed.clone()).await.unwrap();
    let db = store.path().to_path_buf();
    let wal = db.with_extension("db-wal");
    let everything = || [file_bytes(&db), file_bytes(&wal)].concat();
    // The scan can fail: before the shred it finds the key.
    assert!(keys::contains(&everything(), &doomed.wrapped_key));

    // When C-1 is erased.
    keys.destroy_subject("C-1", Shred::All).await.unwrap();

    // Then its wrapped key is in neither file, the other key is still readable, and the log
    // is intact.
    let bytes = everything();
    assert!(!keys::contains(&bytes, &doomed.wrapped_key));
    assert!(keys::contains(&bytes, &kept.wrapped_key));
    assert_eq!(file_bytes(&wal).len(), 0, "the WAL is truncated");
    assert_eq!(keys.get("C-2/profile").await.unwrap(), Some(kept));
    assert_eq!(
        store.read_stream(&stream, 0, 10).await.unwrap().len(),
        1,
        "the log is untouched"
    );
}
