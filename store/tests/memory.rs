//! The contract suite against the in-memory backend.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod contract;

use std::sync::Arc;

use contract::{Capabilities, TestStore};
use store::MemoryStore;

async fn open() -> Option<TestStore> {
    Some(TestStore {
        store: Arc::new(MemoryStore::new()),
        guard: Box::new(()),
        capabilities: Capabilities::ALL,
    })
}

contract_tests!(open);
