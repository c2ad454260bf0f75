//! A PostgreSQL server to test against, when `OTD_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, dead_code)]

use std::io::Write;
use std::sync::Once;

/// The server to test against, or `None` (after saying so once) when none is configured.
pub fn url() -> Option<String> {
    static SAID: Once = Once::new();
    let url = std::env::var("OTD_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty());
    if url.is_none() {
        SAID.call_once(|| {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: PostgreSQL read model tests did not run because OTD_TEST_POSTGRES_URL \
                 is not set (e.g. OTD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)"
            );
        });
    }
    url
}

/// A fresh log and read models in a schema of their own, and the guard that drops it; `None`
/// when no server is configured.
pub async fn fresh() -> Option<(
    std::sync::Arc<dyn store::EventStore>,
    std::sync::Arc<dyn projections::ReadModelStore>,
    store::ThrowawaySchema,
)> {
    let url = url()?;
    let guard = store::ThrowawaySchema::new(&url, "otd_proj_test");
    let store = store::PostgresStore::connect(&url, Some(guard.name()))
        .await
        .unwrap();
    let read_models = projections::PostgresReadModels::connect(&url, guard.name())
        .await
        .unwrap();
    Some((
        std::sync::Arc::new(store),
        std::sync::Arc::new(read_models),
        guard,
    ))
}
