//! Helpers for tests against a real PostgreSQL server.

#![allow(dead_code)]

use std::io::Write;
use std::sync::Once;

use store::{PostgresStore, ThrowawaySchema};

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

/// A schema of the test's own, dropped with the returned value.
pub fn unique_schema(url: &str) -> ThrowawaySchema {
    ThrowawaySchema::new(url, "otd_test")
}

/// A store in a fresh schema, and the guard that drops the schema.
pub async fn fresh_store() -> Option<(PostgresStore, ThrowawaySchema)> {
    let url = url()?;
    let schema = unique_schema(&url);
    let store = PostgresStore::connect(&url, Some(schema.name()))
        .await
        .unwrap();
    Some((store, schema))
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
