//! Read models in the SQLite file of the embedded event store.
//!
//! The tables (`rm_docs`, `rm_checkpoints`, see `schema.sql`) live in the store's own file,
//! so one file is the whole state of an otd installation. This backend opens connections of
//! its own: one for the runner (loads and commits; `synchronous=NORMAL`, which in WAL mode
//! keeps every commit atomic and only lets a power loss drop the last commits, replayed from
//! the checkpoint on restart), and a few read-only ones for the views.

mod sql;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use store::{Position, SqliteStore};

use super::{check_from, Checkpoint, ProjectionCommit, ReadModelStore};
use crate::document::{DocQuery, StoredDoc};
use crate::error::ReadModelError;
use sql::{db_error, position_of, read_doc, to_i64};

const SCHEMA: &str = include_str!("schema.sql");

/// How many idle read connections are kept.
const READERS: usize = 4;

/// Read models in the event store's SQLite file.
pub struct SqliteReadModels {
    path: PathBuf,
    busy_timeout: Duration,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteReadModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReadModels")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteReadModels {
    /// Opens the read models in the file of `store`, creating their tables if needed.
    ///
    /// The store is opened first so that the file is known to be an otd event store (its
    /// identity check would refuse a file whose first tables were ours).
    pub async fn open(store: &SqliteStore) -> Result<Self, ReadModelError> {
        let path = store.path().to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path, Duration::from_secs(5)))
            .await
            .map_err(|e| ReadModelError::Backend(format!("opening the read models failed: {e}")))?
    }

    /// Opens the read models in the event store file at `path` (blocking).
    pub fn open_blocking(path: &Path, busy_timeout: Duration) -> Result<Self, ReadModelError> {
        let writer = connect(path, busy_timeout)?;
        writer
            .execute_batch(
                "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; PRAGMA threads = 2;",
            )
            .map_err(db_error)?;
        writer.execute_batch(SCHEMA).map_err(db_error)?;
        Ok(Self {
            path: path.to_path_buf(),
            busy_timeout,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `read` on an idle read-only connection.
    fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, ReadModelError> {
        let idle = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let conn = connect(&self.path, self.busy_timeout)?;
                conn.execute_batch("PRAGMA query_only = ON;")
                    .map_err(db_error)?;
                conn
            }
        };
        let result = read(&conn).map_err(db_error);
        let mut idle = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < READERS {
            idle.push(conn);
        }
        result
    }
}

/// Writes one projection's documents: new ones inserted, stored ones updated (their tag
/// indexes only when the tags changed), each guarded by its position.
fn write_docs(
    tx: &rusqlite::Transaction<'_>,
    commit: &ProjectionCommit,
) -> Result<(), ReadModelError> {
    let mut insert = tx.prepare_cached(sql::INSERT_DOC).map_err(db_error)?;
    let mut update = tx.prepare_cached(sql::UPDATE_DOC).map_err(db_error)?;
    let mut update_tags = tx.prepare_cached(sql::UPDATE_DOC_TAGS).map_err(db_error)?;
    let mut delete = tx.prepare_cached(sql::DELETE_DOC).map_err(db_error)?;
    for write in &commit.writes {
        let position = to_i64(write.position);
        let (collection, key) = (write.collection, write.key.as_str());
        let changed = match (&write.value, &write.stored_tags) {
            (Some((json, tags)), None) => insert.execute((
                collection,
                key,
                tags.get(0),
                tags.get(1),
                tags.get(2),
                position,
                json.as_str(),
            )),
            (Some((json, tags)), Some(stored)) if tags == stored => {
                update.execute((collection, key, position, json.as_str()))
            }
            (Some((json, tags)), Some(_)) => update_tags.execute((
                collection,
                key,
                position,
                json.as_str(),
                tags.get(0),
                tags.get(1),
                tags.get(2),
            )),
            (None, _) => delete.execute((collection, key, position)),
        }
        .map_err(db_error)?;
        if changed != 1 {
            return Err(ReadModelError::Backend(format!(
                "document {collection}/{key} was changed by someone else (a newer position is stored)"
            )));
        }
    }
    Ok(())
}

fn connect(path: &Path, busy_timeout: Duration) -> Result<Connection, ReadModelError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| ReadModelError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(busy_timeout).map_err(db_error)?;
    Ok(conn)
}

impl ReadModelStore for SqliteReadModels {
    fn checkpoints(&self) -> Result<BTreeMap<String, Checkpoint>, ReadModelError> {
        self.read(|conn| {
            let mut statement =
                conn.prepare_cached("SELECT name, position, version FROM rm_checkpoints")?;
            let rows = statement.query_map([], |row| {
                let checkpoint = Checkpoint {
                    position: position_of(row.get(1)?),
                    version: u32::try_from(row.get::<_, i64>(2)?).unwrap_or_default(),
                };
                Ok((row.get::<_, String>(0)?, checkpoint))
            })?;
            rows.collect()
        })
    }

    fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, ReadModelError> {
        self.read(|conn| {
            conn.prepare_cached("SELECT position, version FROM rm_checkpoints WHERE name = ?1")?
                .query_row([name], |row| {
                    Ok(Checkpoint {
                        position: position_of(row.get(0)?),
                        version: u32::try_from(row.get::<_, i64>(1)?).unwrap_or_default(),
                    })
                })
                .optional()
        })
    }

    fn save_checkpoint(&self, name: &str, position: Position) -> Result<(), ReadModelError> {
        self.writer()
            .prepare_cached(sql::SAVE_CHECKPOINT)
            .and_then(|mut s| s.execute((name, to_i64(position), 0)))
            .map(|_| ())
            .map_err(db_error)
    }

    fn load(&self, collection: &str, key: &str) -> Result<Option<StoredDoc>, ReadModelError> {
        let conn = self.writer();
        let mut statement = conn
            .prepare_cached(
                "SELECT key, tag1, tag2, tag3, position, doc FROM rm_docs WHERE collection = ?1 AND key = ?2",
            )
            .map_err(db_error)?;
        statement
            .query_row((collection, key), |row| read_doc(collection, row))
            .optional()
            .map_err(db_error)
    }

    fn find(&self, collection: &str, query: &DocQuery) -> Result<Vec<StoredDoc>, ReadModelError> {
        let (text, params) = sql::find(collection, query);
        self.read(|conn| {
            let mut statement = conn.prepare_cached(&text)?;
            let rows = statement.query_map(rusqlite::params_from_iter(params.iter()), |row| {
                read_doc(collection, row)
            })?;
            rows.collect()
        })
    }

    fn commit(&self, projections: &[ProjectionCommit]) -> Result<(), ReadModelError> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_error)?;
        for commit in projections {
            let found: Option<i64> = tx
                .prepare_cached("SELECT position FROM rm_checkpoints WHERE name = ?1")
                .and_then(|mut s| s.query_row([commit.name], |row| row.get(0)).optional())
                .map_err(db_error)?;
            check_from(commit.name, commit.from, found.map(position_of))?;
        }
        for commit in projections {
            write_docs(&tx, commit)?;
            tx.prepare_cached(sql::SAVE_CHECKPOINT)
                .and_then(|mut s| s.execute((commit.name, to_i64(commit.to), commit.version)))
                .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)
    }

    fn reset(
        &self,
        projection: &str,
        version: u32,
        collections: &[&str],
    ) -> Result<(), ReadModelError> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_error)?;
        for collection in collections {
            tx.execute("DELETE FROM rm_docs WHERE collection = ?1", [collection])
                .map_err(db_error)?;
        }
        tx.execute(sql::SAVE_CHECKPOINT, (projection, 0, i64::from(version)))
            .map_err(db_error)?;
        tx.commit().map_err(db_error)
    }

    fn set_bulk_load(&self, on: bool) -> Result<(), ReadModelError> {
        let conn = self.writer();
        if on {
            conn.execute_batch(sql::DROP_TAG_INDEXES)
        } else {
            conn.execute_batch(SCHEMA)
        }
        .map_err(db_error)
    }

    fn dump(&self) -> Result<Vec<StoredDoc>, ReadModelError> {
        self.read(|conn| {
            let mut statement = conn.prepare(
                "SELECT collection, key, tag1, tag2, tag3, position, doc FROM rm_docs ORDER BY collection, key",
            )?;
            let rows = statement.query_map([], |row| {
                let collection: String = row.get(0)?;
                sql::read_doc_at(collection, row, 1)
            })?;
            rows.collect()
        })
    }
}
