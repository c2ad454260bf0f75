//! The executor: load, decide, append with the expected version, retry.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use app::{Clock, CommandError, Executor};
use chrono::NaiveDate;
use domain::catalog::Catalog;
use domain::slot::{Slot, SlotCommand, SlotError};
use domain::streams::stream_name;
use domain::values::{IsoWeek, OrderId, PlantId, SlotKey};
use store::{
    AppendResult, EventStore, ExpectedVersion, MemoryStore, Metadata, NewEvent, Position,
    RecordedEvent, StoreError, StreamId, Subscription,
};

fn executor(store: Arc<dyn EventStore>) -> Executor {
    let clock = Clock::simulated(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    Executor::new(store, Arc::new(Catalog::demo()), clock)
}

fn plant() -> PlantId {
    PlantId::parse("P-LEIPZIG").unwrap()
}

fn week() -> IsoWeek {
    IsoWeek::parse("2026-W51").unwrap()
}

async fn open(exec: &Executor, units: u32) {
    let key = SlotKey::new(plant(), week());
    exec.execute::<Slot>(&key, &Metadata::default(), |_| SlotCommand::SetCapacity {
        plant: plant(),
        week: week(),
        units,
    })
    .await
    .unwrap();
}

fn book(order: u32) -> impl Fn(&Slot) -> SlotCommand {
    move |_| SlotCommand::Book {
        plant: plant(),
        week: week(),
        order: OrderId::derived(&order.to_string()),
    }
}

#[tokio::test]
async fn a_command_appends_its_events_and_reports_the_position() {
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    let exec = executor(store.clone());
    open(&exec, 2).await;
    let key = SlotKey::new(plant(), week());
    let done = exec
        .execute::<Slot>(&key, &Metadata::default(), book(1))
        .await
        .unwrap();
    assert_eq!(done.events.len(), 1);
    assert_eq!(done.state.booked(), 1);
    assert_eq!(done.position.map(|p| p.0), Some(2));
    let stored = store
        .read_stream(&StreamId::parse(stream_name::<Slot>(&key)).unwrap(), 0, 10)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].event_type, "SlotBooked");
}

#[tokio::test]
async fn a_rejected_command_appends_nothing() {
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    let exec = executor(store.clone());
    open(&exec, 1).await;
    let key = SlotKey::new(plant(), week());
    exec.execute::<Slot>(&key, &Metadata::default(), book(1))
        .await
        .unwrap();
    let err = exec
        .execute::<Slot>(&key, &Metadata::default(), book(2))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CommandError::Rejected(SlotError::SlotFull { .. })),
        "{err:?}"
    );
    assert_eq!(store.head().await.unwrap().0, 2);
}

#[tokio::test]
async fn a_retry_that_changes_nothing_appends_nothing() {
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    let exec = executor(store.clone());
    open(&exec, 2).await;
    let key = SlotKey::new(plant(), week());
    exec.execute::<Slot>(&key, &Metadata::default(), book(1))
        .await
        .unwrap();
    let again = exec
        .execute::<Slot>(&key, &Metadata::default(), book(1))
        .await
        .unwrap();
    assert!(again.events.is_empty());
    assert_eq!(again.position, None);
    assert_eq!(store.head().await.unwrap().0, 2);
}

#[tokio::test]
async fn executors_that_do_not_share_a_cache_still_see_each_others_events() {
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    let (a, b) = (executor(store.clone()), executor(store.clone()));
    open(&a, 3).await;
    let key = SlotKey::new(plant(), week());
    a.execute::<Slot>(&key, &Metadata::default(), book(1))
        .await
        .unwrap();
    // b has never seen the stream; a's cache is stale after b's write.
    b.execute::<Slot>(&key, &Metadata::default(), book(2))
        .await
        .unwrap();
    let third = a
        .execute::<Slot>(&key, &Metadata::default(), book(3))
        .await
        .unwrap();
    assert_eq!(third.state.booked(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_commands_on_one_stream_retry_and_never_overbook() {
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    open(&executor(store.clone()), 5).await;
    let key = SlotKey::new(plant(), week());
    let mut tasks = Vec::new();
    for order in 0..20 {
        // Separate executors: no shared cache, so the store's version check decides.
        let exec = executor(store.clone());
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            exec.execute::<Slot>(&key, &Metadata::default(), book(order))
                .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(CommandError::Rejected(SlotError::SlotFull { .. })) => {}
            Err(CommandError::Conflict { .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    let (slot, _) = executor(store.clone()).load::<Slot>(&key).await.unwrap();
    assert_eq!(slot.booked(), won);
    assert!(slot.booked() <= 5);
}

#[tokio::test]
async fn a_refusal_decided_on_a_stale_cache_is_decided_again_on_the_store() {
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    let (a, b) = (executor(store.clone()), executor(store.clone()));
    open(&a, 1).await;
    let key = SlotKey::new(plant(), week());
    a.execute::<Slot>(&key, &Metadata::default(), book(1))
        .await
        .unwrap();
    // a's cache says the week is full; b has opened a second unit since.
    open(&b, 2).await;
    let second = a
        .execute::<Slot>(&key, &Metadata::default(), book(2))
        .await
        .unwrap();
    assert_eq!(second.state.booked(), 2);
}

#[tokio::test]
async fn a_no_op_decided_on_a_stale_cache_is_decided_again_on_the_store() {
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    let (a, b) = (executor(store.clone()), executor(store.clone()));
    open(&a, 2).await;
    let key = SlotKey::new(plant(), week());
    a.execute::<Slot>(&key, &Metadata::default(), book(1))
        .await
        .unwrap();
    // b releases the booking a's cache still holds: booking it again must book it.
    b.execute::<Slot>(&key, &Metadata::default(), |_| SlotCommand::Release {
        order: OrderId::derived("1"),
    })
    .await
    .unwrap();
    let again = a
        .execute::<Slot>(&key, &Metadata::default(), book(1))
        .await
        .unwrap();
    assert_eq!(again.events.len(), 1, "the booking is made again");
    assert!(again.state.is_booked(&OrderId::derived("1")));
}

/// Counts the stream reads of the store it wraps.
struct CountingReads {
    inner: MemoryStore,
    reads: AtomicUsize,
}

#[async_trait::async_trait]
impl EventStore for CountingReads {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        self.inner.append(stream, expected, events).await
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read_stream(stream, from_version, limit).await
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_all(after, limit).await
    }

    fn subscribe_all(&self, after: Position) -> Subscription {
        self.inner.subscribe_all(after)
    }

    async fn head(&self) -> Result<Position, StoreError> {
        self.inner.head().await
    }
}

#[tokio::test]
async fn a_command_on_a_stream_the_executor_knows_reads_nothing() {
    let counting = Arc::new(CountingReads {
        inner: MemoryStore::new(),
        reads: AtomicUsize::new(0),
    });
    let exec = executor(counting.clone());
    // A new stream is not read either: it is tried as empty.
    open(&exec, 3).await;
    let key = SlotKey::new(plant(), week());
    exec.execute::<Slot>(&key, &Metadata::default(), book(1))
        .await
        .unwrap();
    exec.execute::<Slot>(&key, &Metadata::default(), book(2))
        .await
        .unwrap();
    assert_eq!(counting.reads.load(Ordering::SeqCst), 0);
    // A refusal (or a no-op) is confirmed on the store before it is reported.
    let _ = exec
        .execute::<Slot>(&key, &Metadata::default(), |_| SlotCommand::Release {
            order: OrderId::derived("9"),
        })
        .await;
    assert_eq!(counting.reads.load(Ordering::SeqCst), 1);
}
