//! The checkpoint discipline on its own: a projection that is *not* idempotent (it counts
//! the events it sees) still counts every event exactly once under redelivery, crashes
//! before a commit, refused commits and two engines racing on one database.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use projections::{
    Docs, Document, Engine, Envelope, LogEvent, MemoryReadModels, Projection, ProjectionError,
    ReadModelError, ReadModelStore, SqliteReadModels,
};
use serde::{Deserialize, Serialize};
use store::{Position, RecordedEvent};
use support::world::World;

/// How many events the counting projection has applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Count {
    events: u64,
    last: u64,
}

impl Document for Count {
    const COLLECTION: &'static str = "test_count";
}

struct Counting;

impl Projection for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    fn version(&self) -> u32 {
        1
    }
    fn collections(&self) -> &'static [&'static str] {
        &["test_count"]
    }
    fn categories(&self) -> &'static [&'static str] {
        &[
            "order",
            "vehicle",
            "slot",
            "shipment",
            "invoices",
            "invoice",
            "commission",
        ]
    }
    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        let count = docs.get_or_insert_with("all", Count::default)?;
        assert!(
            envelope.position.0 > count.last,
            "an event applied twice or out of order"
        );
        count.events += 1;
        count.last = envelope.position.0;
        Ok(())
    }
}

fn counting() -> Vec<Arc<dyn Projection>> {
    vec![Arc::new(Counting)]
}

async fn log() -> Vec<RecordedEvent> {
    let (events, _) = support::memory();
    let mut w = World::new(Arc::clone(&events));
    w.open_capacity("P-LEIPZIG", "2026-W51", 5).await.unwrap();
    for n in 0..5 {
        let order = w
            .place(&format!("C-{n}"), "D-BER-01", "DE", "AURA", &[])
            .await
            .unwrap();
        w.schedule(order, "2026-W51").await.unwrap();
    }
    events.read_all(Position::START, usize::MAX).await.unwrap()
}

fn count(store: &dyn ReadModelStore) -> Count {
    store
        .load("test_count", "all")
        .unwrap()
        .map(|d| d.parse::<Count>().unwrap())
        .unwrap_or_default()
}

fn decode(events: &[RecordedEvent]) -> Vec<LogEvent> {
    events.iter().map(LogEvent::decode).collect()
}

#[tokio::test]
async fn redelivered_and_overlapping_batches_are_applied_once() {
    let log = log().await;
    let store: Arc<dyn ReadModelStore> = Arc::new(MemoryReadModels::new());
    let mut engine = Engine::open(Arc::clone(&store), counting(), 10).unwrap();
    engine.apply(&log[..5]).unwrap();
    engine.apply(&log[..5]).unwrap();
    engine.apply(&log[2..9]).unwrap();
    engine.apply(&log[..]).unwrap();
    engine.apply(&log[..]).unwrap();
    let counted = count(&*store);
    assert_eq!(counted.events, log.len() as u64);
    assert_eq!(
        store.checkpoint("counting").unwrap().unwrap().position.0,
        log.len() as u64
    );
}

#[tokio::test]
async fn a_crash_before_the_commit_replays_from_the_stored_checkpoint() {
    let log = log().await;
    let dir = tempfile::tempdir().unwrap();
    let sqlite = store::SqliteStore::open(dir.path()).await.unwrap();
    let store: Arc<dyn ReadModelStore> = Arc::new(SqliteReadModels::open(&sqlite).await.unwrap());
    let mut engine = Engine::open(Arc::clone(&store), counting(), 100).unwrap();
    engine.apply(&log[..4]).unwrap();
    engine.stage(&decode(&log[4..10])).unwrap();
    // The process dies: what was staged is lost, the commit never happened.
    drop(engine);
    let mut engine = Engine::open(Arc::clone(&store), counting(), 100).unwrap();
    assert_eq!(engine.resume_after(), Position(4));
    engine.apply(&log[4..]).unwrap();
    assert_eq!(count(&*store).events, log.len() as u64);
}

#[tokio::test]
async fn a_batch_that_skips_events_is_refused() {
    let log = log().await;
    let store: Arc<dyn ReadModelStore> = Arc::new(MemoryReadModels::new());
    let mut engine = Engine::open(Arc::clone(&store), counting(), 100).unwrap();
    engine.apply(&log[..3]).unwrap();
    assert!(engine.apply(&log[5..]).is_err());
    assert_eq!(count(&*store).events, 3);
}

#[tokio::test]
async fn of_two_engines_on_one_database_only_one_commits_a_stretch() {
    let log = log().await;
    let dir = tempfile::tempdir().unwrap();
    let sqlite = store::SqliteStore::open(dir.path()).await.unwrap();
    let store: Arc<dyn ReadModelStore> = Arc::new(SqliteReadModels::open(&sqlite).await.unwrap());
    let mut first = Engine::open(Arc::clone(&store), counting(), 100).unwrap();
    let mut second = Engine::open(Arc::clone(&store), counting(), 100).unwrap();
    first.apply(&log[..6]).unwrap();
    let refused = second.apply(&log[..6]).unwrap_err();
    assert!(
        matches!(refused, ReadModelError::CheckpointMoved { ref projection, .. } if projection == "counting"),
        "{refused:?}"
    );
    second.resync().unwrap();
    assert_eq!(second.resume_after(), Position(6));
    second.apply(&log[..]).unwrap();
    first.resync().unwrap();
    first.apply(&log[..]).unwrap();
    assert_eq!(count(&*store).events, log.len() as u64);
}
