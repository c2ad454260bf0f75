//! Opening connections to the store's schema and bringing the schema up to date.

use std::time::Duration;

use tokio_postgres::{Client, Config, NoTls};

use super::errors::store_error;
use crate::error::StoreError;

/// The migrations, in order; each runs once per schema, recorded in `otd_schema_migrations`.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_occurred_at.sql")),
];

/// The first key of every advisory lock the store takes ("otd" in ASCII); the second key is
/// the hash of the schema name, so stores in different schemas do not contend.
pub(crate) const LOCK_CLASS: i32 = 0x006F_7464;

/// The longest schema name accepted (the notification channel name must stay under 63 bytes).
const MAX_SCHEMA_CHARS: usize = 48;

/// Where the store lives: the server settings and the schema holding its tables.
#[derive(Clone)]
pub(crate) struct Target {
    pub config: Config,
    pub schema: String,
}

impl Target {
    /// Parses the URL and checks the schema name; every connection gets `search_path=schema`.
    pub(crate) fn new(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut config: Config = url
            .parse()
            .map_err(|err| StoreError::Unavailable(format!("invalid PostgreSQL URL: {err}")))?;
        let schema = schema.unwrap_or("public").to_owned();
        let valid = !schema.is_empty()
            && schema.len() <= MAX_SCHEMA_CHARS
            && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(StoreError::Backend(format!(
                "invalid schema name {schema:?}: use at most {MAX_SCHEMA_CHARS} lowercase letters, digits and underscores"
            )));
        }
        // Custom plans: a generic plan cached while the table was small (a sequential scan) would
        // otherwise stick after it has grown.
        config.options(format!(
            "-c search_path={schema} -c plan_cache_mode=force_custom_plan"
        ));
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("otd-store");
        Ok(Self { config, schema })
    }

    /// The channel on which commits in this schema are announced.
    pub(crate) fn channel(&self) -> String {
        format!("otd_events_{}", self.schema)
    }

    /// Opens a connection; its driver runs on a task of its own until the client is dropped.
    pub(crate) async fn connect(&self) -> Result<Client, StoreError> {
        let (client, connection) = self.config.connect(NoTls).await.map_err(store_error)?;
        tokio::spawn(async move {
            // The client sees the failure on its next request; nothing to do here.
            let _ = connection.await;
        });
        Ok(client)
    }

    /// Creates the schema if needed and applies the migrations it lacks, under a lock so that
    /// processes starting together do not race.
    pub(crate) async fn migrate(&self, client: &mut Client) -> Result<(), StoreError> {
        let not_ours = |reason: String| StoreError::NotAnEventStore {
            location: format!("schema {}", self.schema),
            reason,
        };
        let transaction = client.transaction().await.map_err(store_error)?;
        transaction
            .execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2 || ':migrate'))",
                &[&LOCK_CLASS, &self.schema],
            )
            .await
            .map_err(store_error)?;
        transaction
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", self.schema))
            .await
            .map_err(store_error)?;
        transaction
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS otd_schema_migrations (
                     version    integer     PRIMARY KEY,
                     applied_at timestamptz NOT NULL DEFAULT now()
                 )",
            )
            .await
            .map_err(store_error)?;
        let applied: i32 = transaction
            .query_one(
                "SELECT coalesce(max(version), 0) FROM otd_schema_migrations",
                &[],
            )
            .await
            .map_err(store_error)?
            .get(0);
        let known = MIGRATIONS.last().map_or(0, |(version, _)| *version);
        if applied > known {
            return Err(not_ours(format!(
                "its schema version {applied} is newer than this build knows ({known})"
            )));
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > applied) {
            if let Err(err) = transaction.batch_execute(sql).await {
                let exists = err.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_TABLE);
                return Err(if exists {
                    not_ours("it already holds tables of another program (e.g. `events`)".into())
                } else {
                    store_error(err)
                });
            }
            transaction
                .execute(
                    "INSERT INTO otd_schema_migrations (version) VALUES ($1)",
                    &[version],
                )
                .await
                .map_err(store_error)?;
        }
        transaction.commit().await.map_err(store_error)
    }
}
