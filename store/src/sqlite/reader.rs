//! Reading: a small pool of read-only connections, so reads never wait for the writer (WAL
//! lets readers and the writer work at the same time). Reads of the log in pages run on
//! blocking tasks; a short read (one stream, the head) runs on the calling task when a
//! connection is idle ([`Readers::with_short`]).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::errors::store_error;
use super::open::open_reader;
use super::SqliteOptions;
use crate::error::StoreError;
use crate::event::{Metadata, Payload, Position, RecordedEvent, StreamId};

const COLUMNS: &str =
    "position, stream_id, stream_version, event_id, event_type, schema_version, payload, \
                       causation_id, correlation_id, actor, recorded_at, occurred_at";

/// Read connections to one database file: at most `read_connections` of them, opened on
/// demand and reused. A read waits for a free connection rather than opening one more: opening
/// a connection (parsing the schema, preparing the statements again) costs far more than a
/// read, and two cores gain nothing from more reads at once.
pub(crate) struct Readers {
    path: PathBuf,
    options: SqliteOptions,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    pub(crate) fn new(path: PathBuf, options: SqliteOptions) -> Self {
        let permits = Arc::new(Semaphore::new(options.read_connections.max(1)));
        Self {
            path,
            options,
            idle: Mutex::new(Vec::new()),
            permits,
        }
    }

    /// Runs `read` on a pooled connection in a blocking task.
    pub(crate) async fn with<T, F>(self: &Arc<Self>, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let permit = self.permit().await?;
        self.in_blocking_task(permit, read).await
    }

    /// Runs a short `read` (one stream, the head) on the calling task when a pooled
    /// connection is idle, else as [`with`](Self::with) does. A stream read is an index range
    /// scan in the page cache, shorter than handing it to a blocking thread and back, which
    /// at a launch's thousands of reads a second cost more than the reads (context switches
    /// in the profile, docs/benchmarks.md).
    pub(crate) async fn with_short<T, F>(self: &Arc<Self>, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let permit = self.permit().await?;
        let Some(conn) = self.take() else {
            return self.in_blocking_task(permit, read).await;
        };
        let result = read(&conn).map_err(|err| store_error(err, &self.path));
        self.give_back(conn);
        drop(permit);
        result
    }

    /// A turn at one of the connections.
    async fn permit(&self) -> Result<OwnedSemaphorePermit, StoreError> {
        Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Backend("the store's readers are closed".into()))
    }

    /// Runs `read` in a blocking task on a pooled connection (opened if none is idle).
    async fn in_blocking_task<T, F>(
        self: &Arc<Self>,
        permit: OwnedSemaphorePermit,
        read: F,
    ) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let conn = match readers.take() {
                Some(conn) => conn,
                None => open_reader(&readers.path, &readers.options)?,
            };
            let result = read(&conn).map_err(|err| store_error(err, &readers.path));
            readers.give_back(conn);
            drop(permit);
            result
        })
        .await
        .map_err(|join| StoreError::Backend(format!("a read task failed: {join}")))?
    }

    fn take(&self) -> Option<Connection> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop()
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < self.options.read_connections {
            idle.push(conn);
        }
    }
}

/// Reads at most `limit` events after `after` in position order.
pub(crate) fn read_all(
    conn: &Connection,
    after: Position,
    limit: usize,
) -> Result<Vec<RecordedEvent>, rusqlite::Error> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2"
    ))?;
    let mut rows = statement.query((after.0, limit_param(limit)))?;
    collect(&mut rows, limit)
}

/// Reads at most `limit` events of one stream from `from_version` on, in version order.
pub(crate) fn read_stream(
    conn: &Connection,
    stream: &StreamId,
    from_version: u64,
    limit: usize,
) -> Result<Vec<RecordedEvent>, rusqlite::Error> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE stream_id = ?1 AND stream_version >= ?2 ORDER BY stream_version LIMIT ?3"
    ))?;
    let mut rows = statement.query((stream.as_str(), from_version, limit_param(limit)))?;
    collect(&mut rows, limit)
}

/// The position of the last committed event.
pub(crate) fn head(conn: &Connection) -> Result<Position, rusqlite::Error> {
    conn.query_row("SELECT coalesce(max(position), 0) FROM events", [], |row| {
        row.get(0)
    })
    .map(Position)
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn collect(
    rows: &mut rusqlite::Rows<'_>,
    limit: usize,
) -> Result<Vec<RecordedEvent>, rusqlite::Error> {
    let mut events = Vec::with_capacity(limit.min(4096));
    // Consecutive events often share a stream (one append): share its id instead of copying it.
    let mut last_stream: Option<StreamId> = None;
    while let Some(row) = rows.next()? {
        events.push(recorded(row, &mut last_stream)?);
    }
    Ok(events)
}

fn recorded(
    row: &Row<'_>,
    last_stream: &mut Option<StreamId>,
) -> Result<RecordedEvent, rusqlite::Error> {
    let name = row.get_ref(1)?.as_str()?;
    let stream_id = match last_stream {
        Some(stream) if stream.as_str() == name => stream.clone(),
        _ => {
            let stream = StreamId::trusted(name);
            *last_stream = Some(stream.clone());
            stream
        }
    };
    let micros: i64 = row.get(10)?;
    let recorded_at = DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| conversion(10, format!("commit time {micros} is out of range")))?;
    Ok(RecordedEvent {
        stream_id,
        stream_version: row.get(2)?,
        position: Position(row.get(0)?),
        event_id: uuid(row, 3)?.ok_or_else(|| conversion(3, "event id is null".into()))?,
        event_type: row.get(4)?,
        schema_version: row.get(5)?,
        payload: Payload::trusted(row.get_ref(6)?.as_str()?),
        metadata: Metadata {
            causation_id: uuid(row, 7)?,
            correlation_id: uuid(row, 8)?,
            actor: row.get(9)?,
            occurred_at: occurred_at(row, 11)?,
        },
        recorded_at,
    })
}

/// A business time stored as microseconds since the Unix epoch (`NULL`: none recorded).
fn occurred_at(row: &Row<'_>, column: usize) -> Result<Option<DateTime<Utc>>, rusqlite::Error> {
    let Some(micros) = row.get::<_, Option<i64>>(column)? else {
        return Ok(None);
    };
    DateTime::from_timestamp_micros(micros)
        .map(Some)
        .ok_or_else(|| conversion(column, format!("business time {micros} is out of range")))
}

fn uuid(row: &Row<'_>, column: usize) -> Result<Option<Uuid>, rusqlite::Error> {
    match row.get_ref(column)? {
        ValueRef::Null => Ok(None),
        ValueRef::Blob(bytes) => Uuid::from_slice(bytes)
            .map(Some)
            .map_err(|err| conversion(column, err.to_string())),
        _ => Err(conversion(column, "an id is not a 16-byte blob".into())),
    }
}

fn conversion(column: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Blob, message.into())
}
