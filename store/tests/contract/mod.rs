//! The contract every backend keeps, written once and run against each backend by
//! [`contract_tests!`]. Each case takes a fresh, empty store.

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
/// returning `Option<TestStore>` (`None`: the backend is not configured, the test is skipped).
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
                contract::$case(Arc::clone(&test_store.store)).await;
            }
        )*
    };
}

/// A store under test and whatever must live as long as it (a temporary folder, a schema that
/// is dropped afterwards). The store is dropped first.
pub struct TestStore {
    pub store: Arc<dyn EventStore>,
    pub guard: Box<dyn std::any::Any + Send>,
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

fn conflict(stream: &StreamId, expected: ExpectedVersion, actual: Option<u64>) -> StoreError {
    StoreError::WrongExpectedVersion {
        stream: stream.clone(),
        expected,
        actual,
    }
}

pub async fn expected_versions_are_enforced(store: Arc<dyn EventStore>) {
    let order = stream("order-1");
    let missing = stream("order-missing");

    let first = store
        .append(&order, ExpectedVersion::NoStream, events(1, "a"))
        .await
        .unwrap();
    assert_eq!(
        first,
        AppendResult {
            first_position: Position(1),
            last_position: Position(1),
            next_expected_version: 0
        }
    );

    let again = store
        .append(&order, ExpectedVersion::NoStream, events(1, "b"))
        .await;
    assert_eq!(
        again,
        Err(conflict(&order, ExpectedVersion::NoStream, Some(0)))
    );

    let second = store
        .append(&order, ExpectedVersion::Exact(0), events(2, "c"))
        .await
        .unwrap();
    assert_eq!(second.next_expected_version, 2);
    assert_eq!(
        (second.first_position, second.last_position),
        (Position(2), Position(3))
    );

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

    let any = store
        .append(&order, ExpectedVersion::Any, events(1, "f"))
        .await
        .unwrap();
    assert_eq!(any.next_expected_version, 3);
    let any_new = store
        .append(&missing, ExpectedVersion::Any, events(1, "g"))
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
    assert_eq!(store.head().await.unwrap(), Position(5));
}

pub async fn a_multi_event_append_is_all_or_nothing(store: Arc<dyn EventStore>) {
    let order = stream("order-atomic");
    let taken = event("Taken", serde_json::json!({ "n": 1 }));
    store
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
    assert_eq!(
        (
            batch.first_position,
            batch.last_position,
            batch.next_expected_version
        ),
        (Position(2), Position(4), 2)
    );

    // The third event reuses a stored id with other content: nothing of the batch may land.
    let mut clashing = events(3, "clash");
    clashing[2].event_id = taken.event_id;
    let refused = store
        .append(&order, ExpectedVersion::Exact(2), clashing)
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
    assert_eq!(store.head().await.unwrap(), Position(4));
    let after = store
        .append(&order, ExpectedVersion::Exact(2), events(2, "after"))
        .await
        .unwrap();
    assert_eq!(
        after.first_position,
        Position(5),
        "a refused batch leaves no gap"
    );
}

pub async fn retrying_an_append_is_idempotent(store: Arc<dyn EventStore>) {
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

    let elsewhere = store
        .append(
            &stream("order-elsewhere"),
            ExpectedVersion::Any,
            batch.clone(),
        )
        .await;
    assert_eq!(
        elsewhere,
        Err(StoreError::DuplicateEventId {
            event_id: batch[0].event_id
        })
    );

    let mut partial = events(2, "partial");
    partial[0] = batch[2].clone();
    let partial_result = store
        .append(&order, ExpectedVersion::Any, partial.clone())
        .await;
    assert_eq!(
        partial_result,
        Err(StoreError::DuplicateEventId {
            event_id: partial[0].event_id
        })
    );
    assert_eq!(read_everything(&*store).await.len(), 4);
}

pub async fn events_read_back_exactly_as_written(store: Arc<dyn EventStore>) {
    let order = stream("order-ü-42");
    let metadata = Metadata {
        causation_id: Some(Uuid::new_v4()),
        correlation_id: Some(Uuid::new_v4()),
        actor: Some("dealer:ana".into()),
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
    store
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
    assert_eq!((first.stream_version, first.position), (0, Position(1)));
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

pub async fn read_all_returns_the_log_in_global_order_after_a_position(store: Arc<dyn EventStore>) {
    assert!(store
        .read_all(Position::START, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.head().await.unwrap(), Position::START);
    let mut written = Vec::new();
    for round in 0..10 {
        for name in ["a", "b", "c"] {
            let batch = events(round % 3 + 1, name);
            written.extend(batch.iter().map(|e| e.event_id));
            store
                .append(&stream(name), ExpectedVersion::Any, batch)
                .await
                .unwrap();
        }
    }
    let log = read_everything(&*store).await;
    assert_contiguous(&log);
    assert_eq!(
        log.iter().map(|e| e.event_id).collect::<Vec<_>>(),
        written,
        "global order is append order"
    );
    let total = log.len() as u64;
    assert_eq!(store.head().await.unwrap(), Position(total));

    let page = store.read_all(Position(7), 5).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.position.0).collect::<Vec<_>>(),
        vec![8, 9, 10, 11, 12]
    );
    assert_eq!(
        store
            .read_all(Position(total - 2), 100)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(store
        .read_all(Position(total), 100)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .read_all(Position(total + 100), 100)
        .await
        .unwrap()
        .is_empty());
}

pub async fn a_subscription_catches_up_then_follows_live_appends(store: Arc<dyn EventStore>) {
    store
        .append(&stream("s"), ExpectedVersion::NoStream, events(3, "old"))
        .await
        .unwrap();
    let mut from_start = store.subscribe_all(Position::START);
    let mut from_middle = store.subscribe_all(Position(2));
    for expected in 1..=3 {
        let event = timeout(DEADLINE, from_start.next()).await.unwrap().unwrap();
        assert_eq!(event.position, Position(expected));
    }
    assert_eq!(
        timeout(DEADLINE, from_middle.next())
            .await
            .unwrap()
            .unwrap()
            .position,
        Position(3)
    );

    // Appended after the subscription started and caught up: delivered live.
    let writer = Arc::clone(&store);
    let appended = tokio::spawn(async move {
        for index in 0..5 {
            writer
                .append(
                    &stream("s"),
                    ExpectedVersion::Exact(2 + index),
                    events(1, "new"),
                )
                .await
                .unwrap();
        }
    });
    for expected in 4..=8 {
        let event = timeout(DEADLINE, from_start.next())
            .await
            .expect("a live event arrives")
            .unwrap();
        assert_eq!(event.position, Position(expected));
        let event = timeout(DEADLINE, from_middle.next())
            .await
            .expect("a live event arrives")
            .unwrap();
        assert_eq!(event.position, Position(expected));
    }
    appended.await.unwrap();
    assert_eq!(from_start.position(), Position(8));
}

pub async fn a_slow_subscriber_loses_nothing(store: Arc<dyn EventStore>) {
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
    assert_contiguous(&seen);
    assert_eq!(seen.iter().map(|e| e.event_id).collect::<Vec<_>>(), written);
}

pub async fn concurrent_appenders_to_one_stream_have_one_winner_per_version(
    store: Arc<dyn EventStore>,
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
    assert_contiguous(&log);
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
            let stored: Vec<Uuid> = log
                [result.first_position.0 as usize - 1..result.last_position.0 as usize]
                .iter()
                .map(|e| e.event_id)
                .collect();
            assert_eq!(
                &stored, ids,
                "an append's events sit together at the positions it reported"
            );
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
