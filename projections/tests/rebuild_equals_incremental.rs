//! Invariant 7: a projection rebuilt from the whole log equals the same projection fed
//! incrementally, whatever the batching, and also when batches are delivered twice: again
//! after a crash before their commit (the process restarts from the stored checkpoints), or
//! overlapping events already applied, or after a commit the database refused.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use projections::{
    all_projections, Checkpoint, DocQuery, Engine, MemoryReadModels, ProjectionCommit,
    ReadModelError, ReadModelStore, StoredDoc,
};
use proptest::prelude::*;
use store::{Position, RecordedEvent};
use support::actions::{action, play, Action};

/// Read models whose next commit can be made to fail (the database refusing it).
#[derive(Default)]
struct Flaky {
    inner: MemoryReadModels,
    fail_next: AtomicBool,
}

impl ReadModelStore for Flaky {
    fn checkpoints(
        &self,
    ) -> Result<std::collections::BTreeMap<String, Checkpoint>, ReadModelError> {
        self.inner.checkpoints()
    }
    fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, ReadModelError> {
        self.inner.checkpoint(name)
    }
    fn save_checkpoint(&self, name: &str, position: Position) -> Result<(), ReadModelError> {
        self.inner.save_checkpoint(name, position)
    }
    fn load(&self, collection: &str, key: &str) -> Result<Option<StoredDoc>, ReadModelError> {
        self.inner.load(collection, key)
    }
    fn find(&self, collection: &str, query: &DocQuery) -> Result<Vec<StoredDoc>, ReadModelError> {
        self.inner.find(collection, query)
    }
    fn commit(&self, projections: &[ProjectionCommit]) -> Result<(), ReadModelError> {
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(ReadModelError::Unavailable("simulated failure".into()));
        }
        self.inner.commit(projections)
    }
    fn reset(
        &self,
        projection: &str,
        version: u32,
        collections: &[&str],
    ) -> Result<(), ReadModelError> {
        self.inner.reset(projection, version, collections)
    }
    fn dump(&self) -> Result<Vec<StoredDoc>, ReadModelError> {
        self.inner.dump()
    }
}

/// How one delivery goes wrong (or not).
#[derive(Debug, Clone, Copy)]
enum Delivery {
    /// Applied and committed.
    Normal,
    /// Applied, then the process dies before the commit: a new engine starts from the
    /// stored checkpoints and the batch is delivered again.
    CrashBeforeCommit,
    /// Delivered together with events already applied before it.
    Overlapping { back: u8 },
    /// Applied but the commit fails; the engine resyncs and the batch comes again.
    CommitFails,
    /// Applied without a commit; the next delivery commits both.
    Staged,
}

fn delivery() -> impl Strategy<Value = Delivery> {
    prop_oneof![
        4 => Just(Delivery::Normal),
        1 => Just(Delivery::CrashBeforeCommit),
        2 => (1u8..30).prop_map(|back| Delivery::Overlapping { back }),
        1 => Just(Delivery::CommitFails),
        2 => Just(Delivery::Staged),
    ]
}

fn rebuilt(log: &[RecordedEvent]) -> Vec<StoredDoc> {
    let store: Arc<dyn ReadModelStore> = Arc::new(MemoryReadModels::new());
    let mut engine = Engine::open(Arc::clone(&store), all_projections(), usize::MAX).unwrap();
    engine.apply(log).unwrap();
    store.dump().unwrap()
}

/// The log fed in batches of the given sizes, with the given mishaps.
fn incremental(
    log: &[RecordedEvent],
    batches: &[(u8, Delivery)],
    cache_limit: usize,
) -> Vec<StoredDoc> {
    let flaky = Arc::new(Flaky::default());
    let store: Arc<dyn ReadModelStore> = flaky.clone();
    let open = || Engine::open(Arc::clone(&store), all_projections(), cache_limit).unwrap();
    let mut engine = open();
    let mut plan = batches
        .iter()
        .copied()
        .chain(std::iter::repeat((20, Delivery::Normal)));
    loop {
        let done = engine.resume_after().0 as usize;
        if done >= log.len() {
            break;
        }
        let (size, delivery) = plan.next().unwrap_or((20, Delivery::Normal));
        let end = (done + usize::from(size.max(1))).min(log.len());
        let batch = &log[done..end];
        match delivery {
            Delivery::Normal => engine.apply(batch).unwrap(),
            Delivery::Staged => {
                let decoded: Vec<_> = batch.iter().map(projections::LogEvent::decode).collect();
                engine.stage(&decoded).unwrap();
            }
            Delivery::CrashBeforeCommit => {
                let decoded: Vec<_> = batch.iter().map(projections::LogEvent::decode).collect();
                engine.stage(&decoded).unwrap();
                engine = open();
            }
            Delivery::Overlapping { back } => {
                let start = done.saturating_sub(usize::from(back));
                engine.apply(&log[start..end]).unwrap();
            }
            Delivery::CommitFails => {
                flaky.fail_next.store(true, Ordering::SeqCst);
                assert!(engine.apply(batch).is_err());
                engine.resync().unwrap();
            }
        }
    }
    engine.commit().unwrap();
    store.dump().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_projection_rebuilt_from_the_log_equals_the_one_fed_incrementally(
        actions in prop::collection::vec(action(), 10..80),
        batches in prop::collection::vec((1u8..40, delivery()), 1..20),
        small_cache in any::<bool>(),
    ) {
        let log = runtime().block_on(play(&actions));
        prop_assume!(!log.is_empty());
        let whole = rebuilt(&log);
        let cache_limit = if small_cache { 3 } else { usize::MAX };
        let fed = incremental(&log, &batches, cache_limit);
        support::assert_same_documents(&whole, &fed);
    }
}

#[test]
fn the_story_touches_every_read_model() {
    // The generator must reach deep into the life of an order for the property to mean
    // anything: a fixed story through every kind of action shows the documents it makes.
    let actions = vec![
        Action::Open { week: 0, units: 3 },
        Action::Register { config: 0, at: 1 },
        Action::Place {
            config: 0,
            dealer: 0,
        },
        Action::Place {
            config: 2,
            dealer: 1,
        },
        Action::Allocate {
            order: 0,
            vehicle: 0,
        },
        Action::Schedule { order: 1, week: 0 },
        Action::Dispatch(0),
        Action::Delay { pair: 0, days: 3 },
        Action::Arrive(0),
        Action::Invoice(0),
        Action::Pay {
            pair: 0,
            half: false,
        },
        Action::Handover(0),
        Action::Advance(7),
        Action::Advance(7),
        Action::Produce(0),
        Action::Build(1),
        Action::Cancel(1),
        Action::Lead {
            customer: 0,
            dealer: 0,
            source: 0,
            grade: 2,
            staff: 3,
        },
        Action::Contact {
            lead: 0,
            staff: 0,
            grade: 1,
        },
        Action::Book {
            car: 0,
            days: 1,
            slot: 2,
            customer: 0,
            lead: 0,
        },
        Action::Sell { lead: 0, order: 0 },
    ];
    let log = runtime().block_on(play(&actions));
    let docs = rebuilt(&log);
    for collection in [
        "orders",
        "kpi_markets",
        "vehicles",
        "location_stock",
        "slots",
        "invoices",
        "commission_lines",
        "order_vehicles",
        "leads",
        "test_drives",
        "promises",
        "promise_kpis",
    ] {
        assert!(
            docs.iter().any(|d| d.collection == collection),
            "no {collection} document"
        );
    }
}
