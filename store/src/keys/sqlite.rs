//! The key table in a SQLite file: `personal_keys` beside the log, on a connection of its own
//! with `PRAGMA secure_delete = ON` (a deleted row's bytes are overwritten with zeros), and a
//! `wal_checkpoint(TRUNCATE)` after every destroy, so no WAL frame keeps a destroyed key.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row};

use super::{kept, KeyStore, NewKey, Shred, StoredKey};
use crate::error::StoreError;
use crate::sqlite::errors::store_error;
use crate::sqlite::{SqliteOptions, SqliteStore};

const SCHEMA: &str = include_str!("sqlite.sql");

/// How often a checkpoint blocked by readers is tried again, and how long apart (on top of the
/// connection's busy timeout, which the checkpoint waits for first).
const CHECKPOINT_TRIES: u32 = 5;
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(50);

const COLUMNS: &str = "key_id, subject, purpose, wrapped_key, created_at, destroy_after";

/// The key table in a SQLite file. Cloning gives another handle to the same connection.
#[derive(Clone)]
pub struct SqliteKeys {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// A destroy committed but its checkpoint did not complete: the next destroy checkpoints
    /// even if it deletes nothing.
    checkpoint_due: AtomicBool,
}

impl SqliteKeys {
    /// The key table in the event store's file (created there if missing).
    pub async fn open(store: &SqliteStore) -> Result<SqliteKeys, StoreError> {
        SqliteKeys::open_path(store.path(), SqliteOptions::default().busy_timeout).await
    }

    /// The key table in the SQLite file at `path` (created with the table if missing), e.g.
    /// the read-model file of a KurrentDB deployment.
    pub async fn open_path(
        path: impl AsRef<Path>,
        busy_timeout: Duration,
    ) -> Result<SqliteKeys, StoreError> {
        let path = path.as_ref().to_path_buf();
        let opened = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || open_connection(&path, busy_timeout))
                .await
                .map_err(|join| StoreError::Backend(format!("opening the key table: {join}")))?
        };
        Ok(SqliteKeys {
            inner: Arc::new(Inner {
                path,
                conn: Mutex::new(opened?),
                checkpoint_due: AtomicBool::new(false),
            }),
        })
    }

    /// Runs `f` on the connection, off the async threads.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner, &mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner
                .conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&inner, &mut conn)
        })
        .await
        .map_err(|join| StoreError::Backend(format!("the key table task failed: {join}")))?
    }

    /// Deletes the keys `doomed` picks (in one transaction), then truncates the WAL.
    async fn destroy(
        &self,
        doomed: impl FnOnce(&Connection) -> rusqlite::Result<Vec<String>> + Send + 'static,
        always_checkpoint: bool,
    ) -> Result<Vec<String>, StoreError> {
        self.run(move |inner, conn| {
            let err = |e| store_error(e, &inner.path);
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(err)?;
            let ids = doomed(&tx).map_err(err)?;
            {
                let mut delete = tx
                    .prepare_cached("DELETE FROM personal_keys WHERE key_id = ?1")
                    .map_err(err)?;
                for id in &ids {
                    delete.execute([id]).map_err(err)?;
                }
            }
            tx.commit().map_err(err)?;
            let due = inner.checkpoint_due.swap(true, Ordering::SeqCst);
            if always_checkpoint || due || !ids.is_empty() {
                checkpoint(conn, &inner.path)?;
            }
            inner.checkpoint_due.store(false, Ordering::SeqCst);
            Ok(ids)
        })
        .await
    }
}

fn open_connection(path: &Path, busy_timeout: Duration) -> Result<Connection, StoreError> {
    let err = |e| store_error(e, path);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(err)?;
    conn.busy_timeout(busy_timeout).map_err(err)?;
    let secure: i64 = conn
        .query_row("PRAGMA secure_delete = ON", [], |row| row.get(0))
        .map_err(err)?;
    if secure != 1 {
        return Err(StoreError::Backend(format!(
            "{}: SQLite refused secure_delete",
            path.display()
        )));
    }
    conn.execute_batch(SCHEMA).map_err(err)?;
    Ok(conn)
}

/// Copies the WAL into the database and truncates it to nothing, waiting (briefly) for
/// readers that still use older frames.
fn checkpoint(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    for attempt in 1..=CHECKPOINT_TRIES {
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .map_err(|e| store_error(e, path))?;
        if busy == 0 {
            return Ok(());
        }
        if attempt < CHECKPOINT_TRIES {
            std::thread::sleep(CHECKPOINT_PAUSE);
        }
    }
    Err(StoreError::Locked(format!(
        "{}: the keys are destroyed but readers kept the WAL from being truncated; \
         destroy again to retry",
        path.display()
    )))
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(ms: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or(rusqlite::Error::IntegralValueOutOfRange(0, ms))
}

fn read_key(row: &Row<'_>) -> rusqlite::Result<StoredKey> {
    Ok(StoredKey {
        key_id: row.get(0)?,
        subject: row.get(1)?,
        purpose: row.get(2)?,
        wrapped_key: row.get(3)?,
        created_at: from_millis(row.get(4)?)?,
        destroy_after: row.get::<_, Option<i64>>(5)?.map(from_millis).transpose()?,
    })
}

fn select_one(conn: &Connection, key_id: &str) -> rusqlite::Result<Option<StoredKey>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM personal_keys WHERE key_id = ?1"
    ))?
    .query_row([key_id], read_key)
    .optional()
}

#[async_trait]
impl KeyStore for SqliteKeys {
    async fn get(&self, key_id: &str) -> Result<Option<StoredKey>, StoreError> {
        let key_id = key_id.to_owned();
        self.run(move |inner, conn| {
            select_one(conn, &key_id).map_err(|e| store_error(e, &inner.path))
        })
        .await
    }

    async fn get_many(&self, key_ids: &[String]) -> Result<Vec<StoredKey>, StoreError> {
        let key_ids = key_ids.to_vec();
        self.run(move |inner, conn| {
            let mut found = Vec::with_capacity(key_ids.len());
            for id in &key_ids {
                if let Some(key) = select_one(conn, id).map_err(|e| store_error(e, &inner.path))? {
                    found.push(key);
                }
            }
            Ok(found)
        })
        .await
    }

    async fn insert_if_absent(&self, key: NewKey) -> Result<StoredKey, StoreError> {
        self.run(move |inner, conn| {
            let err = |e| store_error(e, &inner.path);
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(err)?;
            tx.prepare_cached(&format!(
                "INSERT INTO personal_keys ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (key_id) DO NOTHING"
            ))
            .and_then(|mut insert| {
                insert.execute(params![
                    key.key_id,
                    key.subject,
                    key.purpose,
                    key.wrapped_key,
                    millis(key.created_at),
                    key.destroy_after.map(millis),
                ])
            })
            .map_err(err)?;
            let stored = select_one(&tx, &key.key_id).map_err(err)?;
            tx.commit().map_err(err)?;
            stored.ok_or_else(|| StoreError::Backend(format!("key {} vanished", key.key_id)))
        })
        .await
    }

    async fn destroy_subject(
        &self,
        subject: &str,
        shred: Shred,
    ) -> Result<Vec<String>, StoreError> {
        let subject = subject.to_owned();
        self.destroy(
            move |conn| {
                let mut select = conn.prepare_cached(
                    "SELECT key_id, purpose FROM personal_keys WHERE subject = ?1",
                )?;
                let rows = select.query_map([&subject], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })?;
                let mut doomed = Vec::new();
                for row in rows {
                    let (id, purpose) = row?;
                    if !kept(&purpose, shred) {
                        doomed.push(id);
                    }
                }
                Ok(doomed)
            },
            true,
        )
        .await
    }

    async fn destroy_expired(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        self.destroy(
            move |conn| {
                let mut select = conn.prepare_cached(
                    "SELECT key_id FROM personal_keys
                     WHERE destroy_after IS NOT NULL AND destroy_after <= ?1",
                )?;
                let ids = select.query_map([millis(now)], |row| row.get(0))?;
                ids.collect()
            },
            false,
        )
        .await
    }

    async fn all(&self) -> Result<Vec<StoredKey>, StoreError> {
        self.run(|inner, conn| {
            let err = |e| store_error(e, &inner.path);
            let mut select = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM personal_keys ORDER BY key_id"
                ))
                .map_err(err)?;
            let keys = select.query_map([], read_key).map_err(err)?;
            keys.collect::<rusqlite::Result<Vec<_>>>().map_err(err)
        })
        .await
    }

    async fn rewrap(&self, rewrapped: Vec<(String, Vec<u8>)>) -> Result<usize, StoreError> {
        self.run(move |inner, conn| {
            let err = |e| store_error(e, &inner.path);
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(err)?;
            let mut replaced = 0;
            {
                let mut update = tx
                    .prepare_cached("UPDATE personal_keys SET wrapped_key = ?2 WHERE key_id = ?1")
                    .map_err(err)?;
                for (id, wrapped) in &rewrapped {
                    replaced += update.execute(params![id, wrapped]).map_err(err)?;
                }
            }
            tx.commit().map_err(err)?;
            // The old wrapped bytes were under the old master key, which may be why it rotates.
            checkpoint(conn, &inner.path)?;
            Ok(replaced)
        })
        .await
    }
}
