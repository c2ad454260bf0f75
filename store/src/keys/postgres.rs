//! The key table in PostgreSQL: `personal_keys` in the store's schema. A destroy deletes the
//! rows and then rewrites the table (`VACUUM FULL`, cheap for a table of a few keys per
//! person), so no dead tuple in the table's files keeps a destroyed key.

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::{Client, Row};

use super::{kept, KeyStore, NewKey, Shred, StoredKey, BILLING_PURPOSE_PREFIX};
use crate::error::StoreError;
use crate::postgres::connect::{Target, LOCK_CLASS};
use crate::postgres::errors::store_error;
use crate::postgres::PostgresStore;

const SCHEMA: &str = include_str!("postgres.sql");

const COLUMNS: &str = "key_id, subject, purpose, wrapped_key, created_at, destroy_after";

/// The key table in a PostgreSQL schema, on one connection of its own (reopened when lost).
pub struct PostgresKeys {
    target: Target,
    client: Mutex<Client>,
    /// A delete committed but the table was not rewritten yet: the next destroy rewrites it
    /// even if it deletes nothing.
    rewrite_due: AtomicBool,
}

impl PostgresKeys {
    /// The key table in the event store's schema (created there if missing).
    pub async fn open(store: &PostgresStore) -> Result<PostgresKeys, StoreError> {
        PostgresKeys::with_target(store.target().clone()).await
    }

    /// The key table in `schema` (default `public`) of the database at `url`, e.g. the
    /// read-model database of a KurrentDB deployment; the schema and table are created if
    /// missing.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<PostgresKeys, StoreError> {
        PostgresKeys::with_target(Target::new(url, schema)?).await
    }

    async fn with_target(target: Target) -> Result<PostgresKeys, StoreError> {
        let mut client = target.connect().await?;
        let tx = client.transaction().await.map_err(store_error)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2 || ':keys'))",
            &[&LOCK_CLASS, &target.schema],
        )
        .await
        .map_err(store_error)?;
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", target.schema))
            .await
            .map_err(store_error)?;
        tx.batch_execute(SCHEMA).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(PostgresKeys {
            target,
            client: Mutex::new(client),
            rewrite_due: AtomicBool::new(false),
        })
    }

    /// The connection, opened again if it was lost.
    async fn client(&self) -> Result<MutexGuard<'_, Client>, StoreError> {
        let mut client = self.client.lock().await;
        if client.is_closed() {
            *client = self.target.connect().await?;
        }
        Ok(client)
    }

    /// Runs a `DELETE … RETURNING key_id`, then rewrites the table.
    async fn destroy(
        &self,
        delete: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        always_rewrite: bool,
    ) -> Result<Vec<String>, StoreError> {
        let client = self.client().await?;
        let rows = client.query(delete, params).await.map_err(store_error)?;
        let ids: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
        let due = self.rewrite_due.swap(true, Ordering::SeqCst);
        if always_rewrite || due || !ids.is_empty() {
            client
                .batch_execute("VACUUM FULL personal_keys")
                .await
                .map_err(store_error)?;
        }
        self.rewrite_due.store(false, Ordering::SeqCst);
        Ok(ids)
    }
}

fn read_key(row: &Row) -> Result<StoredKey, StoreError> {
    let column = |e: tokio_postgres::Error| StoreError::Corrupt(format!("personal_keys: {e}"));
    Ok(StoredKey {
        key_id: row.try_get(0).map_err(column)?,
        subject: row.try_get(1).map_err(column)?,
        purpose: row.try_get(2).map_err(column)?,
        wrapped_key: row.try_get(3).map_err(column)?,
        created_at: row.try_get(4).map_err(column)?,
        destroy_after: row.try_get(5).map_err(column)?,
    })
}

#[async_trait]
impl KeyStore for PostgresKeys {
    async fn get(&self, key_id: &str) -> Result<Option<StoredKey>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM personal_keys WHERE key_id = $1"),
                &[&key_id],
            )
            .await
            .map_err(store_error)?;
        row.as_ref().map(read_key).transpose()
    }

    async fn get_many(&self, key_ids: &[String]) -> Result<Vec<StoredKey>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {COLUMNS} FROM personal_keys WHERE key_id = ANY($1)"),
                &[&key_ids],
            )
            .await
            .map_err(store_error)?;
        rows.iter().map(read_key).collect()
    }

    async fn insert_if_absent(&self, key: NewKey) -> Result<StoredKey, StoreError> {
        let client = self.client().await?;
        let inserted = client
            .query_opt(
                &format!(
                    "INSERT INTO personal_keys ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (key_id) DO NOTHING RETURNING {COLUMNS}"
                ),
                &[
                    &key.key_id,
                    &key.subject,
                    &key.purpose,
                    &key.wrapped_key,
                    &key.created_at,
                    &key.destroy_after,
                ],
            )
            .await
            .map_err(store_error)?;
        if let Some(row) = inserted {
            return read_key(&row);
        }
        // Another writer's key won; its commit is visible to this next statement.
        let row = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM personal_keys WHERE key_id = $1"),
                &[&key.key_id],
            )
            .await
            .map_err(store_error)?;
        match row {
            Some(row) => read_key(&row),
            None => Err(StoreError::Backend(format!(
                "key {} was destroyed while it was being created",
                key.key_id
            ))),
        }
    }

    async fn destroy_subject(
        &self,
        subject: &str,
        shred: Shred,
    ) -> Result<Vec<String>, StoreError> {
        // Which purposes survive is decided in one place ([`kept`]); the SQL mirrors it.
        let keep_prefix = if kept(BILLING_PURPOSE_PREFIX, shred) {
            format!("{BILLING_PURPOSE_PREFIX}%")
        } else {
            String::new()
        };
        self.destroy(
            "DELETE FROM personal_keys
             WHERE subject = $1 AND ($2 = '' OR purpose NOT LIKE $2)
             RETURNING key_id",
            &[&subject, &keep_prefix],
            true,
        )
        .await
    }

    async fn destroy_expired(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        self.destroy(
            "DELETE FROM personal_keys WHERE destroy_after <= $1 RETURNING key_id",
            &[&now],
            false,
        )
        .await
    }

    async fn all(&self) -> Result<Vec<StoredKey>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {COLUMNS} FROM personal_keys ORDER BY key_id"),
                &[],
            )
            .await
            .map_err(store_error)?;
        rows.iter().map(read_key).collect()
    }

    async fn rewrap(&self, rewrapped: Vec<(String, Vec<u8>)>) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(store_error)?;
        let mut replaced = 0;
        for (id, wrapped) in &rewrapped {
            replaced += tx
                .execute(
                    "UPDATE personal_keys SET wrapped_key = $2 WHERE key_id = $1",
                    &[id, wrapped],
                )
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        // The old wrapped bytes were under the old master key, which may be why it rotates.
        client
            .batch_execute("VACUUM FULL personal_keys")
            .await
            .map_err(store_error)?;
        usize::try_from(replaced).map_err(|e| StoreError::Backend(e.to_string()))
    }
}
