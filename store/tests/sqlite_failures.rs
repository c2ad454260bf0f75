//! The SQLite backend facing files that are not its own, locks, a full disk and damage: each
//! gives a typed error, never a panic.

#![allow(clippy::unwrap_used)] // tests may unwrap

use std::time::Duration;

use store::{
    EventStore, ExpectedVersion, NewEvent, Payload, Position, SqliteOptions, SqliteStore,
    StoreError, StreamId,
};

fn one_event() -> Vec<NewEvent> {
    vec![NewEvent::new(
        "Tested",
        Payload::from_json(r#"{"n":1}"#).unwrap(),
    )]
}

fn stream() -> StreamId {
    StreamId::parse("order-1").unwrap()
}

fn quick_lock_timeout() -> SqliteOptions {
    SqliteOptions {
        busy_timeout: Duration::from_millis(200),
        ..SqliteOptions::default()
    }
}

#[tokio::test]
async fn a_text_file_is_not_an_event_store() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("notes.txt");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(200)).unwrap();

    let opened = SqliteStore::open(&path).await;
    assert!(
        matches!(opened, Err(StoreError::NotAnEventStore { .. })),
        "got {:?}",
        opened.err()
    );
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("these are my notes"),
        "the file is left alone"
    );
}

#[tokio::test]
async fn another_programs_sqlite_database_is_not_an_event_store() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("foreign.db");
    let foreign = rusqlite::Connection::open(&path).unwrap();
    foreign
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER);")
        .unwrap();
    drop(foreign);

    let opened = SqliteStore::open(&path).await;
    assert!(
        matches!(opened, Err(StoreError::NotAnEventStore { .. })),
        "got {:?}",
        opened.err()
    );
}

#[tokio::test]
async fn a_store_written_by_a_newer_schema_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(folder.path()).await.unwrap();
    let path = store.path().to_path_buf();
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch("PRAGMA user_version = 99;").unwrap();
    drop(raw);

    let opened = SqliteStore::open(&path).await;
    assert!(
        matches!(opened, Err(StoreError::NotAnEventStore { .. })),
        "got {:?}",
        opened.err()
    );
}

#[tokio::test]
async fn a_store_of_schema_version_1_gains_business_times_and_keeps_its_events() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("v1.db");
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "CREATE TABLE events (
            position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL,
            event_id BLOB NOT NULL UNIQUE, event_type TEXT NOT NULL, schema_version INTEGER NOT NULL,
            payload TEXT NOT NULL, causation_id BLOB, correlation_id BLOB, actor TEXT,
            recorded_at INTEGER NOT NULL, UNIQUE (stream_id, stream_version)) STRICT;
         INSERT INTO events VALUES
            (1, 'order-1', 0, x'0123456789abcdef0123456789abcdef', 'Tested', 1, '{\"n\":1}',
             NULL, NULL, 'dealer:ana', 1700000000000000);
         PRAGMA application_id = 1869898801; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(raw);

    let store = SqliteStore::open(&path).await.unwrap();
    let old = store.read_stream(&stream(), 0, 10).await.unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].metadata.occurred_at, None);
    assert_eq!(
        old[0].occurred_at(),
        old[0].recorded_at,
        "an old event's business time is its commit time"
    );

    let at = chrono::DateTime::from_timestamp_micros(1_795_420_800_000_000);
    let dated = one_event()
        .into_iter()
        .map(|e| {
            e.with_metadata(store::Metadata {
                occurred_at: at,
                ..store::Metadata::default()
            })
        })
        .collect();
    store
        .append(&stream(), ExpectedVersion::Exact(0), dated)
        .await
        .unwrap();
    let read = store.read_stream(&stream(), 0, 10).await.unwrap();
    assert_eq!(read[1].metadata.occurred_at, at);
    assert_eq!(read[0], old[0], "the old event reads back unchanged");
}

#[tokio::test]
async fn a_damaged_file_is_reported_as_corrupt_or_foreign() {
    let folder = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(folder.path()).await.unwrap();
    for _ in 0..200 {
        store
            .append(&stream(), ExpectedVersion::Any, one_event())
            .await
            .unwrap();
    }
    let path = store.path().to_path_buf();
    drop(store);
    // Make sure the WAL is folded into the file, then overwrite everything after the header.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .unwrap();
    drop(raw);
    let mut bytes = std::fs::read(&path).unwrap();
    for (index, byte) in bytes.iter_mut().enumerate().skip(100) {
        *byte = (index * 7 % 251) as u8;
    }
    std::fs::write(&path, bytes).unwrap();

    let opened = match SqliteStore::open(&path).await {
        Ok(store) => store.read_all(Position::START, 1000).await.map(|_| ()),
        Err(failure) => Err(failure),
    };
    assert!(
        matches!(
            opened,
            Err(StoreError::Corrupt(_) | StoreError::NotAnEventStore { .. })
        ),
        "got {opened:?}"
    );
}

#[tokio::test]
async fn a_fresh_file_locked_by_another_process_reports_locked() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("events.db");
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("BEGIN EXCLUSIVE; CREATE TABLE t (x INTEGER);")
        .unwrap();

    let opened = SqliteStore::open_with(&path, quick_lock_timeout()).await;
    assert!(
        matches!(opened, Err(StoreError::Locked(_))),
        "got {:?}",
        opened.err()
    );
    other.execute_batch("ROLLBACK").unwrap();
}

#[tokio::test]
async fn an_append_while_another_process_holds_the_write_lock_reports_locked() {
    let folder = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_with(folder.path(), quick_lock_timeout())
        .await
        .unwrap();
    store
        .append(&stream(), ExpectedVersion::NoStream, one_event())
        .await
        .unwrap();

    let other = rusqlite::Connection::open(store.path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let appended = store
        .append(&stream(), ExpectedVersion::Exact(0), one_event())
        .await;
    assert!(
        matches!(appended, Err(StoreError::Locked(_))),
        "got {appended:?}"
    );
    assert_eq!(
        store.read_all(Position::START, 10).await.unwrap().len(),
        1,
        "reads go on under the lock"
    );

    other.execute_batch("ROLLBACK").unwrap();
    store
        .append(&stream(), ExpectedVersion::Exact(0), one_event())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_full_disk_fails_the_append_whole_and_the_store_recovers() {
    let folder = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(folder.path()).await.unwrap();
    store
        .append(&stream(), ExpectedVersion::NoStream, one_event())
        .await
        .unwrap();
    let pages: u64 = rusqlite::Connection::open(store.path())
        .unwrap()
        .query_row("PRAGMA page_count", [], |row| row.get(0))
        .unwrap();
    drop(store);

    let capped = SqliteOptions {
        max_page_count: Some(pages + 2),
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(folder.path(), capped).await.unwrap();
    let big = Payload::from_value(&"x".repeat(3000)).unwrap();
    let mut version = 0;
    let full = loop {
        let batch = (0..5).map(|_| NewEvent::new("Big", big.clone())).collect();
        match store
            .append(&stream(), ExpectedVersion::Exact(version), batch)
            .await
        {
            Ok(result) => version = result.next_expected_version,
            Err(failure) => break failure,
        }
        assert!(version < 10_000, "the page cap never filled");
    };
    assert!(matches!(full, StoreError::DiskFull(_)), "got {full:?}");
    let log = store.read_all(Position::START, 100_000).await.unwrap();
    assert_eq!(
        log.len() as u64,
        version + 1,
        "the failed append left nothing behind"
    );
    drop(store);

    let store = SqliteStore::open(folder.path()).await.unwrap();
    let result = store
        .append(&stream(), ExpectedVersion::Exact(version), one_event())
        .await
        .unwrap();
    assert_eq!(
        result.last_position,
        Position(version + 2),
        "appends go on, gapless, once there is room"
    );
}
