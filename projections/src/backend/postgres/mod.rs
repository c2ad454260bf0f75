//! Read models in PostgreSQL, in the schema of a `store::PostgresStore`.
//!
//! Two connection threads (see [`worker`]): one for the runner (loads and commits), one for
//! the views and checkpoints, so reads do not queue behind a large commit. A batch is written
//! with one `INSERT … SELECT unnest(…)` per batch, not one statement per document.

mod leader;
mod worker;

use std::collections::BTreeMap;

use store::Position;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::{check_from, Checkpoint, ProjectionCommit, ReadModelStore};
use crate::document::{DocQuery, StoredDoc, Tags};
use crate::error::ReadModelError;
pub use leader::PostgresLeadership;
use worker::Worker;

const SCHEMA: &str = include_str!("schema.sql");

const DOC_COLUMNS: &str = "key, tag1, tag2, tag3, position, doc";

const UPSERT_DOCS: &str = "INSERT INTO rm_docs (collection, key, tag1, tag2, tag3, position, doc)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
     ON CONFLICT (collection, key) DO UPDATE SET
         tag1 = excluded.tag1, tag2 = excluded.tag2, tag3 = excluded.tag3,
         position = excluded.position, doc = excluded.doc
     WHERE excluded.position >= rm_docs.position";

const DELETE_DOCS: &str = "DELETE FROM rm_docs AS d
     USING unnest($1::text[], $2::text[], $3::bigint[]) AS x(collection, key, position)
     WHERE d.collection = x.collection AND d.key = x.key AND d.position <= x.position";

const SAVE_CHECKPOINT: &str =
    "INSERT INTO rm_checkpoints (name, position, version) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position, version = excluded.version";

/// Read models in a PostgreSQL schema (the event store's).
pub struct PostgresReadModels {
    url: String,
    schema: String,
    writer: Worker,
    reader: Worker,
}

impl std::fmt::Debug for PostgresReadModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresReadModels")
            .field("schema", &self.schema)
            .finish()
    }
}

fn db_error(err: tokio_postgres::Error) -> ReadModelError {
    if err.is_closed() || err.as_db_error().is_none() {
        ReadModelError::Unavailable(err.to_string())
    } else {
        ReadModelError::Backend(err.to_string())
    }
}

fn to_i64(position: Position) -> i64 {
    i64::try_from(position.0).unwrap_or(i64::MAX)
}

fn position_of(value: i64) -> Position {
    Position(u64::try_from(value).unwrap_or_default())
}

fn doc_row(collection: &str, row: &Row) -> Result<StoredDoc, ReadModelError> {
    let read = || -> Result<StoredDoc, tokio_postgres::Error> {
        Ok(StoredDoc {
            collection: collection.to_owned(),
            key: row.try_get(0)?,
            tags: Tags::new(row.try_get(1)?, row.try_get(2)?, row.try_get(3)?),
            position: position_of(row.try_get(4)?),
            json: row.try_get(5)?,
        })
    };
    read().map_err(db_error)
}

fn checkpoint_row(row: &Row) -> Result<(String, Checkpoint), ReadModelError> {
    let name: String = row.try_get(0).map_err(db_error)?;
    let position: i64 = row.try_get(1).map_err(db_error)?;
    let version: i32 = row.try_get(2).map_err(db_error)?;
    Ok((
        name,
        Checkpoint {
            position: position_of(position),
            version: u32::try_from(version).unwrap_or_default(),
        },
    ))
}

impl PostgresReadModels {
    /// Connects to the database at `url` and uses the tables in `schema` (the event store's,
    /// e.g. `PostgresStore::schema()`), creating them if needed.
    pub async fn connect(url: &str, schema: &str) -> Result<Self, ReadModelError> {
        let valid = !schema.is_empty()
            && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(ReadModelError::Backend(format!(
                "invalid schema name {schema:?}: use lowercase letters, digits and underscores"
            )));
        }
        let config = worker::config(url, schema)?;
        // The runner's commits need not wait for the disk: each carries its checkpoint, so a
        // crash can lose only the last commits, and the runner replays them from the log on
        // restart (as `synchronous=NORMAL` does for the SQLite read models). The event log
        // itself is committed synchronously by the store.
        let mut commits = config.clone();
        commits.options(format!("-c search_path={schema} -c synchronous_commit=off"));
        let writer = Worker::start("otd-pg-projections", commits)?;
        let reader = Worker::start("otd-pg-views", config)?;
        let models = PostgresReadModels {
            url: url.to_owned(),
            schema: schema.to_owned(),
            writer,
            reader,
        };
        let schema_name = schema.to_owned();
        let migrate = move |runtime: &tokio::runtime::Runtime, session: &mut worker::Session| {
            let client = session.client(runtime)?;
            runtime.block_on(async {
                let tx = client.transaction().await.map_err(db_error)?;
                tx.execute(
                    "SELECT pg_advisory_xact_lock(hashtext('otd-read-models:' || $1))",
                    &[&schema_name],
                )
                .await
                .map_err(db_error)?;
                tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema_name}"))
                    .await
                    .map_err(db_error)?;
                tx.batch_execute(SCHEMA).await.map_err(db_error)?;
                tx.commit().await.map_err(db_error)
            })
        };
        tokio::task::spawn_blocking(move || models.writer.run(migrate).map(|()| models))
            .await
            .map_err(|e| ReadModelError::Backend(format!("connecting failed: {e}")))?
    }

    /// The schema holding the tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    fn query(
        worker: &Worker,
        sql: String,
        params: Vec<Option<String>>,
    ) -> Result<Vec<Row>, ReadModelError> {
        worker.run(move |runtime, session| {
            let client = session.client(runtime)?;
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            runtime
                .block_on(client.query(&sql, &refs))
                .map_err(db_error)
        })
    }
}

impl ReadModelStore for PostgresReadModels {
    fn leadership(&self) -> Option<std::sync::Arc<dyn app::Leadership>> {
        Some(std::sync::Arc::new(PostgresLeadership::new(
            &self.url,
            &self.schema,
        )))
    }

    fn outbox_leadership(&self) -> Option<std::sync::Arc<dyn app::Leadership>> {
        Some(std::sync::Arc::new(PostgresLeadership::of(
            &self.url,
            &self.schema,
            "outbox sender",
        )))
    }

    fn checkpoints(&self) -> Result<BTreeMap<String, Checkpoint>, ReadModelError> {
        let rows = Self::query(
            &self.reader,
            "SELECT name, position, version FROM rm_checkpoints".into(),
            vec![],
        )?;
        rows.iter().map(checkpoint_row).collect()
    }

    fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, ReadModelError> {
        let rows = Self::query(
            &self.reader,
            "SELECT name, position, version FROM rm_checkpoints WHERE name = $1".into(),
            vec![Some(name.to_owned())],
        )?;
        rows.first()
            .map(checkpoint_row)
            .transpose()
            .map(|c| c.map(|(_, c)| c))
    }

    fn save_checkpoint(&self, name: &str, position: Position) -> Result<(), ReadModelError> {
        let name = name.to_owned();
        self.reader.run(move |runtime, session| {
            let client = session.client(runtime)?;
            runtime
                .block_on(client.execute(SAVE_CHECKPOINT, &[&name, &to_i64(position), &0i32]))
                .map(|_| ())
                .map_err(db_error)
        })
    }

    fn load(&self, collection: &str, key: &str) -> Result<Option<StoredDoc>, ReadModelError> {
        let sql = format!("SELECT {DOC_COLUMNS} FROM rm_docs WHERE collection = $1 AND key = $2");
        let params = vec![Some(collection.to_owned()), Some(key.to_owned())];
        let rows = Self::query(&self.writer, sql, params)?;
        rows.first().map(|row| doc_row(collection, row)).transpose()
    }

    fn find(&self, collection: &str, query: &DocQuery) -> Result<Vec<StoredDoc>, ReadModelError> {
        let mut sql = format!("SELECT {DOC_COLUMNS} FROM rm_docs WHERE collection = $1");
        let mut params = vec![Some(collection.to_owned())];
        for (index, tag) in query.tags.iter().enumerate() {
            if let Some(value) = tag {
                params.push(Some(value.clone()));
                sql.push_str(&format!(" AND tag{} = ${}", index + 1, params.len()));
            }
        }
        if let Some(from) = &query.key_from {
            params.push(Some(from.clone()));
            sql.push_str(&format!(" AND key COLLATE \"C\" >= ${}", params.len()));
        }
        if let Some(to) = &query.key_to {
            params.push(Some(to.clone()));
            sql.push_str(&format!(" AND key COLLATE \"C\" <= ${}", params.len()));
        }
        if let Some(after) = query.changed_after {
            params.push(Some(after.0.to_string()));
            sql.push_str(&format!(" AND position > ${}::text::bigint", params.len()));
        }
        sql.push_str(" ORDER BY key COLLATE \"C\"");
        if let Some(limit) = query.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let rows = Self::query(&self.reader, sql, params)?;
        rows.iter().map(|row| doc_row(collection, row)).collect()
    }

    fn commit(&self, projections: &[ProjectionCommit]) -> Result<(), ReadModelError> {
        let batch = CommitBatch::from(projections);
        self.writer.run(move |runtime, session| {
            let client = session.client(runtime)?;
            runtime.block_on(batch.write(client))
        })
    }

    fn reset(
        &self,
        projection: &str,
        version: u32,
        collections: &[&str],
    ) -> Result<(), ReadModelError> {
        let name = projection.to_owned();
        let collections: Vec<String> = collections.iter().map(|c| (*c).to_owned()).collect();
        let version = i32::try_from(version).unwrap_or(i32::MAX);
        self.writer.run(move |runtime, session| {
            let client = session.client(runtime)?;
            runtime.block_on(async {
                let tx = client.transaction().await.map_err(db_error)?;
                tx.execute(
                    "DELETE FROM rm_docs WHERE collection = ANY($1)",
                    &[&collections],
                )
                .await
                .map_err(db_error)?;
                tx.execute(SAVE_CHECKPOINT, &[&name, &0i64, &version])
                    .await
                    .map_err(db_error)?;
                tx.commit().await.map_err(db_error)
            })
        })
    }

    fn dump(&self) -> Result<Vec<StoredDoc>, ReadModelError> {
        let rows = Self::query(
            &self.reader,
            format!(
                "SELECT collection, {DOC_COLUMNS} FROM rm_docs ORDER BY collection COLLATE \"C\", key COLLATE \"C\""
            ),
            vec![],
        )?;
        rows.iter()
            .map(|row| {
                let collection: String = row.try_get(0).map_err(db_error)?;
                let read = || -> Result<StoredDoc, tokio_postgres::Error> {
                    Ok(StoredDoc {
                        key: row.try_get(1)?,
                        tags: Tags::new(row.try_get(2)?, row.try_get(3)?, row.try_get(4)?),
                        position: position_of(row.try_get(5)?),
                        json: row.try_get(6)?,
                        collection: collection.clone(),
                    })
                };
                read().map_err(db_error)
            })
            .collect()
    }
}

/// The documents to store, column by column (the shape `unnest` takes).
#[derive(Default)]
struct Upserts {
    collections: Vec<String>,
    keys: Vec<String>,
    tag1: Vec<Option<String>>,
    tag2: Vec<Option<String>>,
    tag3: Vec<Option<String>>,
    positions: Vec<i64>,
    docs: Vec<String>,
}

/// The documents to delete, column by column.
#[derive(Default)]
struct Deletes {
    collections: Vec<String>,
    keys: Vec<String>,
    positions: Vec<i64>,
}

/// A commit: the checkpoints to move (name, from, to, version) and the documents.
struct CommitBatch {
    checkpoints: Vec<(String, Position, Position, i32)>,
    upserts: Upserts,
    deletes: Deletes,
}

impl From<&[ProjectionCommit]> for CommitBatch {
    fn from(projections: &[ProjectionCommit]) -> Self {
        let mut batch = CommitBatch {
            checkpoints: Vec::new(),
            upserts: Upserts::default(),
            deletes: Deletes::default(),
        };
        for commit in projections {
            let version = i32::try_from(commit.version).unwrap_or(i32::MAX);
            batch
                .checkpoints
                .push((commit.name.to_owned(), commit.from, commit.to, version));
            for write in &commit.writes {
                match &write.value {
                    Some((json, tags)) => {
                        let u = &mut batch.upserts;
                        u.collections.push(write.collection.to_owned());
                        u.keys.push(write.key.clone());
                        u.tag1.push(tags.get(0).map(str::to_owned));
                        u.tag2.push(tags.get(1).map(str::to_owned));
                        u.tag3.push(tags.get(2).map(str::to_owned));
                        u.positions.push(to_i64(write.position));
                        u.docs.push(json.clone());
                    }
                    None => {
                        let d = &mut batch.deletes;
                        d.collections.push(write.collection.to_owned());
                        d.keys.push(write.key.clone());
                        d.positions.push(to_i64(write.position));
                    }
                }
            }
        }
        batch
    }
}

impl CommitBatch {
    /// Writes the batch in one transaction, after locking and checking the checkpoints.
    async fn write(self, client: &mut tokio_postgres::Client) -> Result<(), ReadModelError> {
        let tx = client.transaction().await.map_err(db_error)?;
        match self.write_in(&tx).await {
            Ok(()) => tx.commit().await.map_err(db_error),
            Err(e) => {
                // Rolled back here and now: a transaction merely dropped queues its ROLLBACK
                // on a connection nobody polls until the next batch, and meanwhile keeps the
                // checkpoint rows locked against another process's runner.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// The statements of [`CommitBatch::write`], in its transaction.
    async fn write_in(&self, tx: &tokio_postgres::Transaction<'_>) -> Result<(), ReadModelError> {
        let names: Vec<String> = self.checkpoints.iter().map(|c| c.0.clone()).collect();
        let rows = tx
            .query(
                "SELECT name, position, version FROM rm_checkpoints WHERE name = ANY($1) ORDER BY name FOR UPDATE",
                &[&names],
            )
            .await
            .map_err(db_error)?;
        let stored: BTreeMap<String, Checkpoint> =
            rows.iter().map(checkpoint_row).collect::<Result<_, _>>()?;
        for (name, from, _, _) in &self.checkpoints {
            check_from(name, *from, stored.get(name).map(|c| c.position))?;
        }
        let u = &self.upserts;
        if !u.keys.is_empty() {
            let params: [&(dyn ToSql + Sync); 7] = [
                &u.collections,
                &u.keys,
                &u.tag1,
                &u.tag2,
                &u.tag3,
                &u.positions,
                &u.docs,
            ];
            tx.execute(UPSERT_DOCS, &params).await.map_err(db_error)?;
        }
        let d = &self.deletes;
        if !d.keys.is_empty() {
            tx.execute(DELETE_DOCS, &[&d.collections, &d.keys, &d.positions])
                .await
                .map_err(db_error)?;
        }
        for (name, _, to, version) in &self.checkpoints {
            tx.execute(SAVE_CHECKPOINT, &[name, &to_i64(*to), version])
                .await
                .map_err(db_error)?;
        }
        Ok(())
    }
}
