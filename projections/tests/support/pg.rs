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

/// Drops its schema when dropped, even when the test failed.
pub struct SchemaGuard {
    pub url: String,
    pub schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        // Drop may run inside the test's runtime: use a thread with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .await
                    .unwrap();
            });
        });
        let _ = dropped.join();
    }
}

/// A fresh log and read models in a schema of their own, and the guard that drops it; `None`
/// when no server is configured.
pub async fn fresh() -> Option<(
    std::sync::Arc<dyn store::EventStore>,
    std::sync::Arc<dyn projections::ReadModelStore>,
    SchemaGuard,
)> {
    let url = url()?;
    let schema = format!("otd_proj_test_{}", uuid::Uuid::new_v4().simple());
    let guard = SchemaGuard {
        url: url.clone(),
        schema: schema.clone(),
    };
    let store = store::PostgresStore::connect(&url, Some(&schema))
        .await
        .unwrap();
    let read_models = projections::PostgresReadModels::connect(&url, &schema)
        .await
        .unwrap();
    Some((
        std::sync::Arc::new(store),
        std::sync::Arc::new(read_models),
        guard,
    ))
}
