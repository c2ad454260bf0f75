//! The contract suite against the SQLite backend, each case in a fresh temporary folder.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod contract;

use std::sync::Arc;

use contract::{Capabilities, TestStore};
use store::SqliteStore;

async fn open() -> Option<TestStore> {
    let folder = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(folder.path()).await.unwrap();
    Some(TestStore {
        store: Arc::new(store),
        guard: Box::new(folder),
        capabilities: Capabilities::ALL,
    })
}

contract_tests!(open);
