//! The contract every backend keeps, written once and run against each backend by
//! [`contract_tests!`]. Each case takes a fresh, empty store and the backend's
//! [`Capabilities`]: every case asserts the strongest property the backend promises, so a
//! backend that promises less is checked for what it does promise (and for what it does
//! instead), never skipped.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use store::{
    AppendResult, EventStore, ExpectedVersion, Metadata, NewEvent, Payload, Position,
    RecordedEvent, StoreError, StreamId,
};
use tokio::sync::Barrier;
use tokio::time::timeout;
use uuid::Uuid;

/// Generates one `#[tokio::test]` per contract case for a backend. `$open` is an async fn
/// returning `Option<TestStore>` (`None`: the backend is not configured, the test is skipped
/// and must say so itself; a skip is not a pass).
#[macro_export]
macro_rules! contract_tests {
    ($open:path) => {
        $crate::contract_tests!(@cases $open;
            expected_versions_are_enforced,
            a_multi_event_append_is_all_or_nothing,
            retrying_an_append_is_idempotent,
            events_read_back_exactly_as_written,
            read_all_returns_the_log_in_global_order_after_a_position,
            a_subscription_catches_up_then_follows_live_appends,
            a_slow_subscriber_loses_nothing,
            concurrent_appenders_to_one_stream_have_one_winner_per_version,
            many_appenders_to_many_streams_lose_duplicate_or_reorder_nothing,
        );
    };
    (@cases $open:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let Some(test_store) = $open().await else { return };
                contract::$case(Arc::clone(&test_store.store), test_store.capabilities).await;
            }
        )*
    };
}

/// What a backend promises beyond the guarantees every backend keeps (atomic, checked,
/// idempotent within a stream, ordered, durable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Positions are 1, 2, 3… in commit order, without gaps (memory, SQLite, PostgreSQL).
    /// When `false` (KurrentDB: positions are log offsets) only their order is promised:
    /// strictly increasing in `read_all` order, `> Position::START`, and the same value in
    /// append results, reads, subscriptions and `head`.
    pub dense_positions: bool,
    /// An event id is known across the whole log: reusing a stored id in another stream, or
    /// in an append that is not a retry of the one that stored it, is `DuplicateEventId`
    /// (memory, SQLite, PostgreSQL). When `false` (KurrentDB) an id is known within its
    /// stream only: the same id appended to another stream is stored there as a distinct
    /// event, and an `ExpectedVersion::Any` append that repeats only part of a stored append
    /// is refused either as `DuplicateEventId` or as the server's own conflict
    /// (`WrongExpectedVersion`), storing nothing either way.
    pub global_event_ids: bool,
}

impl Capabilities {
    /// Memory, SQLite and PostgreSQL: every property, at full strength.
    pub const ALL: Self = Self {
        dense_positions: true,
        global_event_ids: true,
    };
    /// KurrentDB (`docs/decisions/0004-kurrentdb-backend.md`): sparse positions, ids known
    /// per stream.
    pub const KURRENTDB: Self = Self {
        dense_positions: false,
        global_event_ids: false,
    };
}

/// A store under test, what it promises, and whatever must live as long as it (a temporary
/// folder, a schema that is dropped afterwards). The store is dropped first.
pub struct TestStore {
    pub store: Arc<dyn EventStore>,
    pub guard: Box<dyn std::any::Any + Send>,
    pub capabilities: Capabilities,
}

/// How long a test waits for something that should happen at once.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub fn stream(name: &str) -> StreamId {
    StreamId::parse(name).unwrap()
}

pub fn event(kind: &str, body: serde_json::Value) -> NewEvent {
    NewEvent::new(kind, Payload::from_value(&body).unwrap())
}

pub fn events(count: usize, tag: &str) -> Vec<NewEvent> {
    (0..count)
        .map(|index| event("Tested", serde_json::json!({ "tag": tag, "index": index })))
        .collect()
}

pub fn ids(events: &[NewEvent]) -> Vec<Uuid> {
    events.iter().map(|e| e.event_id).collect()
}

pub async fn read_everything(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let mut all = Vec::new();
    loop {
        let page = store
            .read_all(
                all.last()
                    .map_or(Position::START, |e: &RecordedEvent| e.position),
                1000,
            )
            .await
            .unwrap();
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

fn assert_contiguous(log: &[RecordedEvent]) {
    for (index, event) in log.iter().enumerate() {
        assert_eq!(
            event.position,
            Position(index as u64 + 1),
            "positions must be 1-based and gapless"
        );
    }
}

/// What every backend promises about the positions of `log`, the whole log from its start in
/// `read_all` order: past `Position::START` and strictly increasing; on a backend with dense
/// positions, exactly 1, 2, 3….
fn assert_ordered(capabilities: Capabilities, log: &[RecordedEvent]) {
    if let Some(first) = log.first() {
        assert!(
            first.position > Position::START,
            "a position is past Position::START: {:?}",
            first.position
        );
    }
    for pair in log.windows(2) {
        assert!(
            pair[0].position < pair[1].position,
            "positions strictly increase in global order: {:?} then {:?}",
            pair[0].position,
            pair[1].position
        );
    }
    if capabilities.dense_positions {
        assert_contiguous(log);
    }
}

/// The index in `log` (ordered by position) of the event at `position`.
fn index_of(log: &[RecordedEvent], position: Position) -> usize {
    log.binary_search_by_key(&position, |e| e.position)
        .unwrap_or_else(|_| panic!("{position:?} is the position of an event in read_all"))
}

/// An append's result names exactly its events in `log`: they sit together, in order, from
/// `first_position` to `last_position`, and the last one has `next_expected_version`.
fn assert_append_in_log(log: &[RecordedEvent], result: &AppendResult, ids: &[Uuid]) {
    let start = index_of(log, result.first_position);
    let end = index_of(log, result.last_position);
    assert_eq!(
        log[start..=end]
            .iter()
            .map(|e| e.event_id)
            .collect::<Vec<_>>(),
        ids,
        "an append's events sit together at the positions it reported"
    );
    assert_eq!(
        log[end].stream_version, result.next_expected_version,
        "next_expected_version is the version of the append's last event"
    );
}

fn conflict(stream: &StreamId, expected: ExpectedVersion, actual: Option<u64>) -> StoreError {
    StoreError::WrongExpectedVersion {
        stream: stream.clone(),
        expected,
        actual,
    }
}

pub async fn expected_versions_are_enforced(
    store: Arc<dyn EventStore>,
    capabilities: Capabilities,
) {
    let order = stream("order-1");
    let missing = stream("order-missing");

    let a = events(1, "a");
    let first = store
        .append(&order, ExpectedVersion::NoStream, a.clone())
        .await
        .unwrap();
    assert_eq!(first.next_expected_version, 0);
    assert_eq!(
        first.first_position, first.last_position,
        "one event, one position"
    );
    if capabilities.dense_positions {
        assert_eq!(
            first,
            AppendResult {
                first_position: Position(1),
                last_position: Position(1),
                next_expected_version: 0
            }
        );
    }

    let again = store
        .append(&order, ExpectedVersion::NoStream, events(1, "b"))
        .await;
    assert_eq!(
        again,
        Err(conflict(&order, ExpectedVersion::NoStream, Some(0)))
    );

    let c = events(2, "c");
    let second = store
        .append(&order, ExpectedVersion::Exact(0), c.clone())
        .await
        .unwrap();
    assert_eq!(second.next_expected_version, 2);
    assert!(
        first.last_position < second.first_position && second.first_position < second.last_position,
        "a later append gets later positions, one per event: {first:?} then {second:?}"
    );
    if capabilities.dense_positions {
        assert_eq!(
            (second.first_position, second.last_position),
            (Position(2), Position(3))
        );
    }

    let stale = store
        .append(&order, ExpectedVersion::Exact(0), events(1, "d"))
        .await;
    assert_eq!(
        stale,
        Err(conflict(&order, ExpectedVersion::Exact(0), Some(2)))
    );
    let ahead = store
        .append(&missing, ExpectedVersion::Exact(0), events(1, "e"))
        .await;
    assert_eq!(
        ahead,
        Err(conflict(&missing, ExpectedVersion::Exact(0), None))
    );

    let f = events(1, "f");
    let any = store
        .append(&order, ExpectedVersion::Any, f.clone())
        .await
        .unwrap();
    assert_eq!(any.next_expected_version, 3);
    let g = events(1, "g");
    let any_new = store
        .append(&missing, ExpectedVersion::Any, g.clone())
        .await
        .unwrap();
    assert_eq!(any_new.next_expected_version, 0);

    let versions: Vec<u64> = store
        .read_stream(&order, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.stream_version)
        .collect();
    assert_eq!(versions, vec![0, 1, 2, 3], "refused appends store nothing");

    let log = read_everything(&*store).await;
    assert_eq!(log.len(), 5, "refused appends store nothing");
    assert_ordered(capabilities, &log);
    for (result, batch) in [(first, &a), (second, &c), (any, &f), (any_new, &g)] {
        assert_append_in_log(&log, &result, &ids(batch));
    }
    let head = store.head().await.unwrap();
    assert_eq!(
        head, any_new.last_position,
        "head is the last event's position"
    );
    assert_eq!(head, log[4].position);
    if capabilities.dense_positions {
        assert_eq!(head, Position(5));
    }
}

pub async fn a_multi_event_append_is_all_or_nothing(
    store: Arc<dyn EventStore>,
    capabilities: Capabilities,
) {
    let order = stream("order-atomic");
    let taken = event("Taken", serde_json::json!({ "n": 1 }));
    let taken_result = store
        .append(
            &stream("other"),
            ExpectedVersion::NoStream,
            vec![taken.clone()],
        )
        .await
        .unwrap();

    let batch = store
        .append(&order, ExpectedVersion::NoStream, events(3, "batch"))
        .await
        .unwrap();
    assert_eq!(batch.next_expected_version, 2);
    assert!(
        taken_result.last_position < batch.first_position
            && batch.first_position < batch.last_position,
        "{taken_result:?} then {batch:?}"
    );
    if capabilities.dense_positions {
        assert_eq!(
            (
                batch.first_position,
                batch.last_position,
                batch.next_expected_version
            ),
            (Position(2), Position(4), 2)
        );
    }

    // The third event reuses an id stored in another stream, with other content.
    let mut clashing = events(3, "clash");
    clashing[2].event_id = taken.event_id;
    if capabilities.global_event_ids {
        // Nothing of the batch may land.
        let refused = store
            .append(&order, ExpectedVersion::Exact(2), clashing.clone())
            .await;
        assert_eq!(
            refused,
            Err(StoreError::DuplicateEventId {
                event_id: taken.event_id
            })
        );

        // The same in a long batch, whose clash comes late (after earlier rows were written).
        let mut long_clash = events(40, "long-clash");
        long_clash[35].event_id = taken.event_id;
        let refused = store
            .append(&order, ExpectedVersion::Exact(2), long_clash)
            .await;
        assert_eq!(
            refused,
            Err(StoreError::DuplicateEventId {
                event_id: taken.event_id
            })
        );
    }
    // Without global ids that batch is not a clash at all: it is appended (and checked) below,
    // after the refusals this backend does make.

    let stale = store
        .append(&order, ExpectedVersion::Exact(0), events(5, "stale"))
        .await;
    assert!(matches!(
        stale,
        Err(StoreError::WrongExpectedVersion { .. })
    ));

    let empty = store.append(&order, ExpectedVersion::Any, Vec::new()).await;
    assert!(matches!(empty, Err(StoreError::InvalidAppend(_))));
    let twice = event("Twice", serde_json::json!({}));
    let doubled = store
        .append(&order, ExpectedVersion::Any, vec![twice.clone(), twice])
        .await;
    assert!(matches!(doubled, Err(StoreError::InvalidAppend(_))));

    let log = read_everything(&*store).await;
    assert_eq!(log.len(), 4, "refused batches store nothing");
    assert_ordered(capabilities, &log);
    let head = store.head().await.unwrap();
    assert_eq!(head, log[3].position);
    assert_eq!(head, batch.last_position);
    if capabilities.dense_positions {
        assert_eq!(head, Position(4));
    }
    let after = store
        .append(&order, ExpectedVersion::Exact(2), events(2, "after"))
        .await
        .unwrap();
    assert_eq!(after.next_expected_version, 4);
    assert!(
        after.first_position > head,
        "a later append comes after the head"
    );
    if capabilities.dense_positions {
        assert_eq!(
            after.first_position,
            Position(5),
            "a refused batch leaves no gap"
        );
    }

    if !capabilities.global_event_ids {
        // Ids are known per stream: the batch reusing `taken`'s id (stored in "other") is
        // three new events of this stream, and the id now names one event in each stream.
        let accepted = store
            .append(&order, ExpectedVersion::Exact(4), clashing.clone())
            .await
            .unwrap();
        assert_eq!(accepted.next_expected_version, 7);
        assert!(accepted.first_position > after.last_position);
        let log = read_everything(&*store).await;
        assert_eq!(log.len(), 9);
        assert_ordered(capabilities, &log);
        assert_append_in_log(&log, &accepted, &ids(&clashing));
        let copies: Vec<(StreamId, u64, &str)> = log
            .iter()
            .filter(|e| e.event_id == taken.event_id)
            .map(|e| (e.stream_id.clone(), e.stream_version, e.payload.as_str()))
            .collect();
        assert_eq!(
            copies,
            vec![
                (stream("other"), 0, taken.payload.as_str()),
                (order.clone(), 7, clashing[2].payload.as_str()),
            ],
            "one id, two distinct events, each in its own stream with its own content"
        );
        assert_eq!(store.head().await.unwrap(), accepted.last_position);
    }
}

pub async fn retrying_an_append_is_idempotent(
    store: Arc<dyn EventStore>,
    capabilities: Capabilities,
) {
    let order = stream("order-retry");
    let batch = events(3, "retry");
    let original = store
        .append(&order, ExpectedVersion::NoStream, batch.clone())
        .await
        .unwrap();

    let retried = store
        .append(&order, ExpectedVersion::NoStream, batch.clone())
        .await
        .unwrap();
    assert_eq!(retried, original);
    store
        .append(&order, ExpectedVersion::Exact(2), events(1, "later"))
        .await
        .unwrap();
    let late_retry = store
        .append(&order, ExpectedVersion::NoStream, batch.clone())
        .await
        .unwrap();
    assert_eq!(
        late_retry, original,
        "a retry after later appends still returns the original result"
    );
    let any_retry = store
        .append(&order, ExpectedVersion::Any, batch.clone())
        .await
        .unwrap();
    assert_eq!(any_retry, original);
    assert_eq!(
        read_everything(&*store).await.len(),
        4,
        "retries store nothing"
    );

    let mut changed = batch.clone();
    changed[1].payload = Payload::from_json(r#"{"tag":"changed"}"#).unwrap();
    let changed_result = store.append(&order, ExpectedVersion::Any, changed).await;
    assert_eq!(
        changed_result,
        Err(StoreError::DuplicateEventId {
            event_id: batch[1].event_id
        })
    );

    // A batch that repeats only part of a stored append (same stream).
    let mut partial = events(2, "partial");
    partial[0] = batch[2].clone();
    let partial_result = store
        .append(&order, ExpectedVersion::Any, partial.clone())
        .await;
    let duplicate = Err(StoreError::DuplicateEventId {
        event_id: partial[0].event_id,
    });
    if capabilities.global_event_ids {
        assert_eq!(partial_result, duplicate);
    } else {
        // KurrentDB's server answers a partly repeated `Any` append with its own conflict
        // ("corrupted idempotency"), which the backend passes on; either way it is refused.
        assert!(
            partial_result == duplicate
                || partial_result == Err(conflict(&order, ExpectedVersion::Any, Some(3))),
            "a partial retry is refused: {partial_result:?}"
        );
    }
    assert_eq!(
        read_everything(&*store).await.len(),
        4,
        "a refused partial retry stores nothing"
    );

    // The same ids, the same content, in another stream.
    let elsewhere = stream("order-elsewhere");
    let elsewhere_result = store
        .append(&elsewhere, ExpectedVersion::Any, batch.clone())
        .await;
    if capabilities.global_event_ids {
        assert_eq!(
            elsewhere_result,
            Err(StoreError::DuplicateEventId {
                event_id: batch[0].event_id
            })
        );
        assert_eq!(read_everything(&*store).await.len(), 4);
    } else {
        // Ids are known per stream: three new events of the other stream.
        let accepted = elsewhere_result.unwrap();
        assert_eq!(accepted.next_expected_version, 2);
        let log = read_everything(&*store).await;
        assert_eq!(log.len(), 7, "stored once more, in the other stream");
        assert_ordered(capabilities, &log);
        assert_append_in_log(&log, &original, &ids(&batch));
        assert_append_in_log(&log, &accepted, &ids(&batch));
        assert!(accepted.first_position > log[3].position);
        let copies = store.read_stream(&elsewhere, 0, 10).await.unwrap();
        assert_eq!(copies, log[4..].to_vec());
        for (copy, written) in copies.iter().zip(&batch) {
            assert_eq!(copy.stream_id, elsewhere);
            assert_eq!(copy.event_type, written.event_type);
            assert_eq!(copy.payload, written.payload);
        }
        // Each stream still judges its own retries.
        let retried_elsewhere = store
            .append(&elsewhere, ExpectedVersion::NoStream, batch.clone())
            .await
            .unwrap();
        assert_eq!(retried_elsewhere, accepted);
        let retried_here = store
            .append(&order, ExpectedVersion::NoStream, batch.clone())
            .await
            .unwrap();
        assert_eq!(retried_here, original);
        assert_eq!(
            read_everything(&*store).await.len(),
            7,
            "retries store nothing"
        );
    }
}

pub async fn events_read_back_exactly_as_written(
    store: Arc<dyn EventStore>,
    capabilities: Capabilities,
) {
    let order = stream("order-ü-42");
    let metadata = Metadata {
        causation_id: Some(Uuid::new_v4()),
        correlation_id: Some(Uuid::new_v4()),
        actor: Some("dealer:ana".into()),
        // A business time far from the commit time (a simulated clock), to the microsecond.
        occurred_at: chrono::DateTime::from_timestamp_micros(1_795_420_800_000_001),
    };
    let written = NewEvent {
        event_id: Uuid::new_v4(),
        event_type: "OrderAmended".into(),
        schema_version: 3,
        payload: Payload::from_json(r#"{ "z": 1,  "a": [1.50, "ß"], "n": null }"#).unwrap(),
        metadata: metadata.clone(),
    };
    let bare = event("OrderPlaced", serde_json::json!("just a string"));
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let appended = store
        .append(
            &order,
            ExpectedVersion::NoStream,
            vec![written.clone(), bare.clone()],
        )
        .await
        .unwrap();
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);

    let read = store.read_stream(&order, 0, 10).await.unwrap();
    assert_eq!(read.len(), 2);
    let first = &read[0];
    assert_eq!(first.stream_id, order);
    assert_eq!(first.stream_version, 0);
    assert_eq!(
        (first.position, read[1].position),
        (appended.first_position, appended.last_position),
        "read_stream gives the positions the append reported"
    );
    assert!(Position::START < first.position && first.position < read[1].position);
    if capabilities.dense_positions {
        assert_eq!((first.stream_version, first.position), (0, Position(1)));
    }
    assert_eq!(first.event_id, written.event_id);
    assert_eq!(first.event_type, "OrderAmended");
    assert_eq!(first.schema_version, 3);
    assert_eq!(
        first.payload.as_str(),
        r#"{ "z": 1,  "a": [1.50, "ß"], "n": null }"#,
        "payload text is kept byte for byte"
    );
    assert_eq!(first.metadata, metadata);
    assert!(
        first.recorded_at > before && first.recorded_at < after,
        "recorded_at is the commit time"
    );
    assert_eq!(read[1].metadata, Metadata::default());
    assert_eq!(
        (first.occurred_at(), read[1].occurred_at()),
        (metadata.occurred_at.unwrap(), read[1].recorded_at),
        "the business time is the writer's, or the commit time when it gave none"
    );
    assert_eq!(read[1].payload.parse::<String>().unwrap(), "just a string");
    assert_eq!(
        read_everything(&*store).await,
        read,
        "read_all and read_stream agree"
    );

    assert_eq!(
        store.read_stream(&order, 1, 10).await.unwrap(),
        read[1..].to_vec()
    );
    assert_eq!(
        store.read_stream(&order, 0, 1).await.unwrap(),
        read[..1].to_vec()
    );
    assert!(store.read_stream(&order, 2, 10).await.unwrap().is_empty());
    assert!(store
        .read_stream(&stream("never-written"), 0, 10)
        .await
        .unwrap()
        .is_empty());
}

pub async fn read_all_returns_the_log_in_global_order_after_a_position(
    store: Arc<dyn EventStore>,
    capabilities: Capabilities,
) {
    assert!(store
        .read_all(Position::START, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.head().await.unwrap(), Position::START);
    let mut written = Vec::new();
    let mut appends = Vec::new();
    for round in 0..10 {
        for name in ["a", "b", "c"] {
            let batch = events(round % 3 + 1, name);
            written.extend(batch.iter().map(|e| e.event_id));
            let result = store
                .append(&stream(name), ExpectedVersion::Any, batch.clone())
                .await
                .unwrap();
            appends.push((result, ids(&batch)));
        }
    }
    let log = read_everything(&*store).await;
    assert_ordered(capabilities, &log);
    assert_eq!(
        log.iter().map(|e| e.event_id).collect::<Vec<_>>(),
        written,
        "global order is append order"
    );
    for (result, ids) in &appends {
        assert_append_in_log(&log, result, ids);
    }
    let total = log.len();
    let last = log[total - 1].position;
    assert_eq!(
        store.head().await.unwrap(),
        last,
        "head is the last event's position"
    );
    if capabilities.dense_positions {
        assert_eq!(last, Position(total as u64));
    }

    // After the 7th event: the 8th to the 12th.
    let page = store.read_all(log[6].position, 5).await.unwrap();
    assert_eq!(page, log[7..12].to_vec());
    if capabilities.dense_positions {
        assert_eq!(
            page.iter().map(|e| e.position.0).collect::<Vec<_>>(),
            vec![8, 9, 10, 11, 12]
        );
    }
    // After every event: exactly the events after it, however they were batched.
    for (index, event) in log.iter().enumerate() {
        assert_eq!(
            store.read_all(event.position, 100).await.unwrap(),
            log[index + 1..].to_vec(),
            "read_all after {:?}",
            event.position
        );
    }
    assert_eq!(
        store.read_all(log[total - 3].position, 100).await.unwrap(),
        log[total - 2..].to_vec()
    );
    assert!(store.read_all(last, 100).await.unwrap().is_empty());
    if capabilities.dense_positions {
        // Any number is a position here; with sparse positions `after` is one the store
        // handed out (an event's, a checkpoint of one, or START), never a made-up offset.
        assert!(store
            .read_all(Position(last.0 + 100), 100)
            .await
            .unwrap()
            .is_empty());
    }
}

pub async fn a_subscription_catches_up_then_follows_live_appends(
    store: Arc<dyn EventStore>,
    capabilities: Capabilities,
) {
    store
        .append(&stream("s"), ExpectedVersion::NoStream, events(3, "old"))
        .await
        .unwrap();
    let old = read_everything(&*store).await;
    assert_eq!(old.len(), 3);
    let mut from_start = store.subscribe_all(Position::START);
    let mut from_middle = store.subscribe_all(old[1].position);
    if capabilities.dense_positions {
        assert_eq!(old[1].position, Position(2));
    }
    for expected in &old {
        let event = timeout(DEADLINE, from_start.next()).await.unwrap().unwrap();
        assert_eq!(&event, expected);
    }
    assert_eq!(
        timeout(DEADLINE, from_middle.next())
            .await
            .unwrap()
            .unwrap(),
        old[2]
    );

    // Appended after the subscription started and caught up: delivered live.
    let writer = Arc::clone(&store);
    let appended = tokio::spawn(async move {
        let mut results = Vec::new();
        for index in 0..5 {
            let batch = events(1, "new");
            let result = writer
                .append(
                    &stream("s"),
                    ExpectedVersion::Exact(2 + index),
                    batch.clone(),
                )
                .await
                .unwrap();
            results.push((result, ids(&batch)));
        }
        results
    });
    let mut live_from_start = Vec::new();
    let mut live_from_middle = Vec::new();
    for _ in 0..5 {
        live_from_start.push(
            timeout(DEADLINE, from_start.next())
                .await
                .expect("a live event arrives")
                .unwrap(),
        );
        live_from_middle.push(
            timeout(DEADLINE, from_middle.next())
                .await
                .expect("a live event arrives")
                .unwrap(),
        );
    }
    let results = appended.await.unwrap();
    let log = read_everything(&*store).await;
    assert_eq!(log.len(), 8);
    assert_ordered(capabilities, &log);
    assert_eq!(
        live_from_start,
        log[3..].to_vec(),
        "live events in log order"
    );
    assert_eq!(
        live_from_middle,
        log[3..].to_vec(),
        "live events in log order"
    );
    for (result, ids) in &results {
        assert_append_in_log(&log, result, ids);
    }
    assert_eq!(from_start.position(), log[7].position);
    assert_eq!(from_middle.position(), log[7].position);
    if capabilities.dense_positions {
        let positions: Vec<u64> = live_from_start.iter().map(|e| e.position.0).collect();
        assert_eq!(positions, vec![4, 5, 6, 7, 8]);
        assert_eq!(from_start.position(), Position(8));
    }
}

pub async fn a_slow_subscriber_loses_nothing(
    store: Arc<dyn EventStore>,
    capabilities: Capabilities,
) {
    let mut subscription = store.subscribe_all(Position::START);
    let mut written = Vec::new();
    for round in 0..40 {
        let batch = events(50, "bulk");
        written.extend(batch.iter().map(|e| e.event_id));
        store
            .append(
                &stream(&format!("bulk-{}", round % 7)),
                ExpectedVersion::Any,
                batch,
            )
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    while seen.len() < written.len() {
        seen.push(
            timeout(DEADLINE, subscription.next())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_ordered(capabilities, &seen);
    assert_eq!(seen.iter().map(|e| e.event_id).collect::<Vec<_>>(), written);
    assert_eq!(
        seen,
        read_everything(&*store).await,
        "the subscriber saw exactly the log"
    );
}

pub async fn concurrent_appenders_to_one_stream_have_one_winner_per_version(
    store: Arc<dyn EventStore>,
    _capabilities: Capabilities,
) {
    const CONTENDERS: usize = 16;
    const ROUNDS: u64 = 15;
    let order = stream("order-contended");
    for round in 0..ROUNDS {
        let expected = if round == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(round * 2 - 1)
        };
        let start = Arc::new(Barrier::new(CONTENDERS));
        let contenders: Vec<_> = (0..CONTENDERS)
            .map(|contender| {
                let (store, order, start) = (Arc::clone(&store), order.clone(), Arc::clone(&start));
                tokio::spawn(async move {
                    start.wait().await;
                    store
                        .append(&order, expected, events(2, &format!("c{contender}")))
                        .await
                })
            })
            .collect();
        let mut winners = 0;
        for contender in contenders {
            match contender.await.unwrap() {
                Ok(result) => {
                    winners += 1;
                    assert_eq!(result.next_expected_version, round * 2 + 1);
                }
                Err(refused) => {
                    let actual = Some(round * 2 + 1);
                    assert_eq!(refused, conflict(&order, expected, actual));
                }
            }
        }
        assert_eq!(winners, 1, "exactly one append wins version {round}");
        // Every later round expects the version the single winner reached.
        if round + 1 < ROUNDS {
            let last = store
                .read_stream(&order, 0, 1000)
                .await
                .unwrap()
                .last()
                .map(|e| e.stream_version);
            assert_eq!(last, Some(round * 2 + 1));
        }
    }
    let versions: Vec<u64> = store
        .read_stream(&order, 0, 1000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.stream_version)
        .collect();
    assert_eq!(versions, (0..ROUNDS * 2).collect::<Vec<_>>());
}

pub async fn many_appenders_to_many_streams_lose_duplicate_or_reorder_nothing(
    store: Arc<dyn EventStore>,
    capabilities: Capabilities,
) {
    const WRITERS: usize = 24;
    const APPENDS: usize = 30;
    let mut subscription = store.subscribe_all(Position::START);
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for append in 0..APPENDS {
                    let name = stream(&format!("w{writer}-s{}", append % 4));
                    let batch = events(append % 3 + 1, &format!("w{writer}-a{append}"));
                    let ids: Vec<Uuid> = batch.iter().map(|e| e.event_id).collect();
                    let result = store
                        .append(&name, ExpectedVersion::Any, batch)
                        .await
                        .unwrap();
                    acknowledged.push((result, ids));
                }
                acknowledged
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.push(writer.await.unwrap());
    }

    let log = read_everything(&*store).await;
    assert_ordered(capabilities, &log);
    let total: usize = acknowledged
        .iter()
        .flatten()
        .map(|(_, ids)| ids.len())
        .sum();
    assert_eq!(log.len(), total, "no event lost or duplicated");
    assert_eq!(
        log.iter().map(|e| e.event_id).collect::<HashSet<_>>().len(),
        total
    );
    for writer in &acknowledged {
        let mut previous = Position::START;
        for (result, ids) in writer {
            assert!(
                result.first_position > previous,
                "one writer's appends keep their order"
            );
            previous = result.last_position;
            assert_append_in_log(&log, result, ids);
        }
    }
    let mut versions: HashMap<&StreamId, u64> = HashMap::new();
    for event in &log {
        let next = versions.entry(&event.stream_id).or_insert(0);
        assert_eq!(
            event.stream_version, *next,
            "stream versions follow global order without gaps"
        );
        *next += 1;
    }
    let mut followed = Vec::new();
    while followed.len() < total {
        followed.push(
            timeout(DEADLINE, subscription.next())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(
        followed, log,
        "a subscriber running during the appends saw exactly the log"
    );
}
