//! The contract suite against PostgreSQL, when `OTD_TEST_POSTGRES_URL` names a server; each
//! case runs in a schema of its own, dropped afterwards.

#![allow(clippy::unwrap_used)] // tests may unwrap
#![cfg(feature = "postgres")]

mod contract;
mod pg;

use std::sync::Arc;

use contract::{Capabilities, TestStore};

async fn open() -> Option<TestStore> {
    let (store, guard) = pg::fresh_store().await?;
    Some(TestStore {
        store: Arc::new(store),
        guard: Box::new(guard),
        capabilities: Capabilities::ALL,
    })
}

contract_tests!(open);
