//! Helpers for tests against a real PostgreSQL server.

#![allow(dead_code)]

use std::io::Write;
use std::sync::Once;

use store::PostgresStore;
use uuid::Uuid;

/// The server to test against, or `None` (after saying so once) when none is configured.
pub fn url() -> Option<String> {
    static SAID: Once = Once::new();
    let url = std::env::var("OTD_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty());
    if url.is_none() {
        // Written to the real stderr, past the test harness's capture, so it is always seen.
        SAID.call_once(|| {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: PostgreSQL tests did not run because OTD_TEST_POSTGRES_URL is not set \
                 (e.g. OTD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)"
            );
        });
    }
    url
}

/// A schema name no other test run uses.
pub fn unique_schema() -> String {
    format!("otd_test_{}", Uuid::new_v4().simple())
}

/// Drops its schema when dropped, even when the test failed.
pub struct SchemaGuard {
    pub url: String,
    pub schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        // Drop may run inside the test's runtime, which must not be blocked on: use a thread
        // with a runtime of its own.
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

/// A store in a fresh schema, and the guard that drops the schema.
pub async fn fresh_store() -> Option<(PostgresStore, SchemaGuard)> {
    let url = url()?;
    let schema = unique_schema();
    let guard = SchemaGuard {
        url: url.clone(),
        schema: schema.clone(),
    };
    let store = PostgresStore::connect(&url, Some(&schema)).await.unwrap();
    Some((store, guard))
}

/// A plain client for the test's own SQL, with `search_path` set to `schema`.
pub async fn raw_client(url: &str, schema: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("SET search_path = {schema}"))
        .await
        .unwrap();
    client
}
