//! Reading: one shared connection (tokio-postgres pipelines concurrent queries on it) with
//! its statements prepared once, reopened when it breaks.

use tokio::sync::Mutex;
use tokio_postgres::{Client, Row, Statement};

use super::connect::Target;
use super::errors::store_error;
use crate::error::StoreError;
use crate::event::{Metadata, Payload, Position, RecordedEvent, StreamId};

const COLUMNS: &str =
    "position, stream_id, stream_version, event_id, event_type, schema_version, payload::text, \
                       causation_id, correlation_id, actor, recorded_at, occurred_at";

/// A read connection and its prepared statements.
pub(crate) struct ReadConnection {
    client: Client,
    read_all: Statement,
    read_stream: Statement,
    head: Statement,
}

impl ReadConnection {
    async fn open(target: &Target) -> Result<Self, StoreError> {
        let client = target.connect().await?;
        let prepare = |sql: String| {
            let client = &client;
            async move { client.prepare(&sql).await.map_err(store_error) }
        };
        let read_all = prepare(format!(
            "SELECT {COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2"
        ))
        .await?;
        let read_stream = prepare(format!(
            "SELECT {COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3"
        ))
        .await?;
        let head = prepare("SELECT coalesce(max(position), 0) FROM events".into()).await?;
        Ok(Self {
            client,
            read_all,
            read_stream,
            head,
        })
    }

    pub(crate) async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = self
            .client
            .query(&self.read_all, &[&to_i64(after.0), &to_i64(limit as u64)])
            .await
            .map_err(store_error)?;
        rows.iter().map(recorded).collect()
    }

    pub(crate) async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [
            &stream.as_str(),
            &to_i64(from_version),
            &to_i64(limit as u64),
        ];
        let rows = self
            .client
            .query(&self.read_stream, &params)
            .await
            .map_err(store_error)?;
        rows.iter().map(recorded).collect()
    }

    pub(crate) async fn head(&self) -> Result<Position, StoreError> {
        let row = self
            .client
            .query_one(&self.head, &[])
            .await
            .map_err(store_error)?;
        Ok(Position(to_u64(row.try_get(0).map_err(store_error)?)))
    }
}

/// The shared read connection, opened on first use and reopened after a failure.
pub(crate) struct Readers {
    target: Target,
    current: Mutex<Option<std::sync::Arc<ReadConnection>>>,
}

impl Readers {
    pub(crate) fn new(target: Target) -> Self {
        Self {
            target,
            current: Mutex::new(None),
        }
    }

    /// A live read connection.
    pub(crate) async fn get(&self) -> Result<std::sync::Arc<ReadConnection>, StoreError> {
        let mut current = self.current.lock().await;
        if let Some(connection) = current
            .as_ref()
            .filter(|connection| !connection.client.is_closed())
        {
            return Ok(std::sync::Arc::clone(connection));
        }
        let connection = std::sync::Arc::new(ReadConnection::open(&self.target).await?);
        *current = Some(std::sync::Arc::clone(&connection));
        Ok(connection)
    }
}

/// A stored row as an event.
fn recorded(row: &Row) -> Result<RecordedEvent, StoreError> {
    let corrupt =
        |err: tokio_postgres::Error| StoreError::Corrupt(format!("unreadable event row: {err}"));
    Ok(RecordedEvent {
        position: Position(to_u64(row.try_get(0).map_err(corrupt)?)),
        stream_id: StreamId::trusted(row.try_get(1).map_err(corrupt)?),
        stream_version: to_u64(row.try_get(2).map_err(corrupt)?),
        event_id: row.try_get(3).map_err(corrupt)?,
        event_type: row.try_get(4).map_err(corrupt)?,
        schema_version: u32::try_from(row.try_get::<_, i64>(5).map_err(corrupt)?)
            .map_err(|_| StoreError::Corrupt("a schema version is out of range".into()))?,
        payload: Payload::trusted(row.try_get(6).map_err(corrupt)?),
        metadata: Metadata {
            causation_id: row.try_get(7).map_err(corrupt)?,
            correlation_id: row.try_get(8).map_err(corrupt)?,
            actor: row.try_get(9).map_err(corrupt)?,
            occurred_at: row.try_get(11).map_err(corrupt)?,
        },
        recorded_at: row.try_get(10).map_err(corrupt)?,
    })
}

/// Positions, versions and limits as PostgreSQL `bigint` (saturating; none comes near 2^63).
pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A stored `bigint` that the schema's checks keep non-negative.
pub(crate) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
