//! Reading long stretches of the log fast, for catching up.
//!
//! The runner follows the log through the store's port (`subscribe_all`), which hands out
//! complete [`store::RecordedEvent`]s. A rebuild reads the whole log, and a projection needs
//! far less of each event than that (its position, stream, business time and payload): a
//! [`LogPages`] (the log consumer's port) reads only that and decodes in the same pass. It is an optional shortcut;
//! without one, or when it fails, the runner reads through the port.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use chrono::DateTime;
use rusqlite::Connection;
use store::{Position, SqliteStore, StoreError, StreamId};

use app::consume::{decode_wanted, Interest, LogEvent, LogPages};

/// [`LogPages`] over the SQLite event store: a read-only connection of its own
/// ([`SqliteStore::open_read_connection`], which the store offers for readers with their
/// own SQL), selecting four columns of the `events` table. Not memory-mapped, as the store
/// decided for its own readers: an I/O error through a mapping is a SIGBUS, not an error.
pub struct SqlitePages {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqlitePages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlitePages")
            .field("path", &self.path)
            .finish()
    }
}

const READ: &str =
    "SELECT position, stream_id, coalesce(occurred_at, recorded_at), payload FROM events
     WHERE position > ?1 ORDER BY position LIMIT ?2";

impl SqlitePages {
    /// A reader of the log in `store`.
    pub fn open(store: &SqliteStore) -> Result<Self, StoreError> {
        let conn = store.open_read_connection()?;
        conn.prepare(READ)
            .map_err(|e| StoreError::Backend(format!("the events table cannot be read: {e}")))?;
        Ok(SqlitePages {
            path: store.path().to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl LogPages for SqlitePages {
    fn read(
        &self,
        after: Position,
        limit: usize,
        interest: &Interest,
    ) -> Result<Vec<LogEvent>, StoreError> {
        let backend = |e: rusqlite::Error| StoreError::Backend(e.to_string());
        let conn = self.conn();
        let mut statement = conn.prepare_cached(READ).map_err(backend)?;
        let after = i64::try_from(after.0).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = statement.query((after, limit)).map_err(backend)?;
        let mut events = Vec::new();
        let mut last_stream: Option<StreamId> = None;
        while let Some(row) = rows.next().map_err(backend)? {
            let position: i64 = row.get(0).map_err(backend)?;
            let name = row
                .get_ref(1)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(backend)?;
            let stream = match &last_stream {
                Some(stream) if stream.as_str() == name => stream.clone(),
                _ => StreamId::parse(name)?,
            };
            let micros: i64 = row.get(2).map_err(backend)?;
            let occurred_at = DateTime::from_timestamp_micros(micros).ok_or_else(|| {
                StoreError::Corrupt(format!("business time {micros} is out of range"))
            })?;
            let payload = row
                .get_ref(3)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(backend)?;
            events.push(LogEvent {
                position: Position(u64::try_from(position).unwrap_or_default()),
                occurred_at,
                decoding: decode_wanted(stream.as_str(), payload, interest),
                stream: stream.clone(),
                record: None,
            });
            last_stream = Some(stream);
        }
        Ok(events)
    }
}
