//! Shared test helpers: the business world, backends, the runner.
#![allow(clippy::unwrap_used, dead_code)]

pub mod actions;
pub mod crm;
pub mod pg;
pub mod world;

use std::sync::Arc;
use std::time::Duration;

use projections::{
    all_projections, MemoryReadModels, ReadModelStore, ReadModels, Runner, RunnerOptions,
    SqliteReadModels, StoredDoc,
};
use store::{EventStore, MemoryStore, SqliteStore};

/// Fresh in-memory log and read models.
pub fn memory() -> (Arc<dyn EventStore>, Arc<dyn ReadModelStore>) {
    (
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryReadModels::new()),
    )
}

/// A fresh SQLite log and its read models in a temporary folder (kept alive by the guard).
pub async fn sqlite() -> (
    Arc<dyn EventStore>,
    Arc<dyn ReadModelStore>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let read_models = SqliteReadModels::open(&store).await.unwrap();
    (Arc::new(store), Arc::new(read_models), dir)
}

/// Starts the runner with every projection, small batches to exercise batching.
pub async fn runner(
    events: &Arc<dyn EventStore>,
    read_models: &Arc<dyn ReadModelStore>,
    max_batch: usize,
) -> Runner {
    let options = RunnerOptions {
        max_batch,
        retry_delay: Duration::from_millis(50),
        ..RunnerOptions::default()
    };
    Runner::start(
        Arc::clone(events),
        Arc::clone(read_models),
        all_projections(),
        options,
    )
    .await
    .unwrap()
}

/// The views over a runner's read models.
pub fn views(
    runner: &Runner,
    events: &Arc<dyn EventStore>,
    read_models: &Arc<dyn ReadModelStore>,
) -> ReadModels {
    ReadModels::new(
        Arc::clone(events),
        Arc::clone(read_models),
        runner.progress(),
    )
}

/// Every document, without the store-specific parts, for comparing two read models.
pub fn dump(read_models: &Arc<dyn ReadModelStore>) -> Vec<StoredDoc> {
    read_models.dump().unwrap()
}

/// Compares two dumps and names the first difference.
pub fn assert_same_documents(left: &[StoredDoc], right: &[StoredDoc]) {
    for (l, r) in left.iter().zip(right.iter()) {
        assert_eq!(l, r, "first differing document");
    }
    assert_eq!(left.len(), right.len(), "number of documents");
}
