//! The writer task: group-commits the appends of this process into one transaction, holding
//! the schema's advisory lock from the moment it reads the head until the commit.
//!
//! Holding `pg_advisory_xact_lock` across "read max(position), insert, commit" makes the
//! writers of all processes take turns, so positions are assigned max + 1 in commit order:
//! no gap, and no transaction can commit a lower position after a reader has seen a higher
//! one. The lock is held once per batch, not per append, so its cost is shared by everyone
//! in the batch. Under the lock the stored versions and ids are definitive, so each append is
//! judged in memory (one query for the streams' versions, one for the ids, one insert for all
//! accepted events), and a refused append never disturbs the others.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_postgres::{Client, Statement};
use uuid::Uuid;

use super::connect::{Target, LOCK_CLASS};
use super::errors::store_error;
use super::reader::{to_i64, to_u64};
use crate::error::StoreError;
use crate::event::{AppendResult, ExpectedVersion, NewEvent, Position, StreamId};
use crate::rules::{self, StoredIdentity};
use crate::subscription::advance_head;

/// One caller's append, waiting for the writer.
pub(crate) struct AppendRequest {
    pub stream: StreamId,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
    pub reply: oneshot::Sender<Result<AppendResult, StoreError>>,
}

/// A statement parameter.
type Param = dyn tokio_postgres::types::ToSql + Sync;

/// The most events one transaction takes.
const MAX_BATCH_EVENTS: usize = 20_000;

/// The writer task's state: its own connection, opened (again) when needed.
pub(crate) struct Writer {
    target: Target,
    connection: Option<WriteConnection>,
    head: Arc<watch::Sender<Position>>,
}

/// The writer's connection and its statements, prepared once.
struct WriteConnection {
    client: Client,
    lock: Statement,
    head: Statement,
    versions: Statement,
    known: Statement,
    insert: Statement,
    notify: Statement,
}

impl WriteConnection {
    async fn open(target: &Target) -> Result<Self, StoreError> {
        Self::prepare(target.connect().await?).await
    }

    async fn prepare(client: Client) -> Result<Self, StoreError> {
        let (lock, head, versions, known, insert, notify) = tokio::try_join!(
            client.prepare("SELECT pg_advisory_xact_lock($1, hashtext($2))"),
            client.prepare("SELECT coalesce(max(position), 0) FROM events"),
            // One index probe per stream (max() of the (stream_id, stream_version) index), not a
            // scan of every event of the stream as `GROUP BY` would do.
            client.prepare(
                "SELECT s.stream_id, (SELECT max(e.stream_version) FROM events e WHERE e.stream_id = s.stream_id) \
                 FROM unnest($1::text[]) AS s(stream_id)"
            ),
            client.prepare(
                "SELECT event_id, stream_id, stream_version, position, event_type, payload::text \
                 FROM events WHERE event_id = ANY($1)"
            ),
            client.prepare(
                "INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, \
                 payload, causation_id, correlation_id, actor, occurred_at) \
                 SELECT p, s, v, e, t, sv, pl::json, c, r, a, o \
                 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::bigint[], \
                             $7::text[], $8::uuid[], $9::uuid[], $10::text[], $11::timestamptz[]) \
                 AS u(p, s, v, e, t, sv, pl, c, r, a, o)"
            ),
            client.prepare("SELECT pg_notify($1, $2)"),
        )
        .map_err(store_error)?;
        Ok(Self {
            client,
            lock,
            head,
            versions,
            known,
            insert,
            notify,
        })
    }
}

impl Writer {
    pub(crate) async fn new(
        target: Target,
        client: Client,
        head: Arc<watch::Sender<Position>>,
    ) -> Result<Self, StoreError> {
        let connection = WriteConnection::prepare(client).await?;
        Ok(Self {
            target,
            connection: Some(connection),
            head,
        })
    }

    /// Serves appends until every sender is gone.
    pub(crate) async fn run(mut self, mut requests: mpsc::UnboundedReceiver<AppendRequest>) {
        while let Some(first) = requests.recv().await {
            let mut events = first.events.len();
            let mut batch = vec![first];
            while events < MAX_BATCH_EVENTS {
                let Ok(next) = requests.try_recv() else { break };
                events += next.events.len();
                batch.push(next);
            }
            self.commit_batch(batch).await;
        }
    }

    async fn commit_batch(&mut self, batch: Vec<AppendRequest>) {
        if self.connection.is_none() {
            match WriteConnection::open(&self.target).await {
                Ok(connection) => self.connection = Some(connection),
                Err(unavailable) => {
                    for request in batch {
                        let _ = request.reply.send(Err(unavailable.clone()));
                    }
                    return;
                }
            }
        }
        let Some(connection) = self.connection.as_ref() else {
            return;
        };
        match write_batch(connection, &self.target, &batch).await {
            Ok((results, head)) => {
                advance_head(&self.head, head);
                for (request, result) in batch.into_iter().zip(results) {
                    let _ = request.reply.send(result);
                }
            }
            Err(failure) => {
                // A broken connection is replaced on the next batch. If it broke during COMMIT
                // the outcome is unknown to the callers; retrying is safe (idempotent ids).
                if connection.client.is_closed() {
                    self.connection = None;
                } else {
                    let _ = connection.client.batch_execute("ROLLBACK").await;
                }
                for request in batch {
                    let _ = request.reply.send(Err(failure.clone()));
                }
            }
        }
    }
}

/// Stores a batch in one transaction; returns each append's result and the new head.
///
/// The statements are pipelined in two round trips: `BEGIN`, the lock and the three reads go
/// out together (PostgreSQL runs them in order, so the reads start after the lock is granted
/// and, under READ COMMITTED, see every earlier commit); then the insert, the notification
/// and `COMMIT`. If any statement fails, the transaction is aborted and the caller rolls back.
async fn write_batch(
    connection: &WriteConnection,
    target: &Target,
    batch: &[AppendRequest],
) -> Result<(Vec<Result<AppendResult, StoreError>>, Position), StoreError> {
    let client = &connection.client;
    let mut streams: Vec<String> = batch
        .iter()
        .map(|request| request.stream.as_str().to_owned())
        .collect();
    streams.sort_unstable();
    streams.dedup();
    let ids: Vec<Uuid> = batch
        .iter()
        .flat_map(|request| request.events.iter().map(|e| e.event_id))
        .collect();
    let lock_key: [&Param; 2] = [&LOCK_CLASS, &target.schema];
    let (streams, ids): ([&Param; 1], [&Param; 1]) = ([&streams], [&ids]);
    let (_, _, head, version_rows, known_rows) = tokio::try_join!(
        client.batch_execute("BEGIN"),
        client.execute(&connection.lock, &lock_key),
        client.query_one(&connection.head, &[]),
        client.query(&connection.versions, &streams),
        client.query(&connection.known, &ids),
    )
    .map_err(store_error)?;

    let versions = version_rows
        .iter()
        .filter_map(|row| {
            Some((
                row.get::<_, String>(0),
                to_u64(row.get::<_, Option<i64>>(1)?),
            ))
        })
        .collect();
    let known = known_rows
        .iter()
        .map(|row| {
            let stored = StoredIdentity {
                stream_id: row.get(1),
                stream_version: to_u64(row.get(2)),
                position: Position(to_u64(row.get(3))),
                event_type: row.get(4),
                payload: row.get(5),
            };
            (row.get::<_, Uuid>(0), stored)
        })
        .collect();
    let mut plan = Plan {
        head: Position(to_u64(head.get(0))),
        versions,
        known,
        rows: Rows::default(),
    };
    let results: Vec<_> = batch.iter().map(|request| plan.append(request)).collect();

    if plan.rows.position.is_empty() {
        client.batch_execute("COMMIT").await.map_err(store_error)?;
        return Ok((results, plan.head));
    }
    let rows = &plan.rows;
    let columns: [&Param; 11] = [
        &rows.position,
        &rows.stream,
        &rows.version,
        &rows.event_id,
        &rows.event_type,
        &rows.schema_version,
        &rows.payload,
        &rows.causation_id,
        &rows.correlation_id,
        &rows.actor,
        &rows.occurred_at,
    ];
    let (channel, head_text) = (target.channel(), plan.head.0.to_string());
    let announcement: [&Param; 2] = [&channel, &head_text];
    tokio::try_join!(
        client.execute(&connection.insert, &columns),
        client.execute(&connection.notify, &announcement),
        client.batch_execute("COMMIT"),
    )
    .map_err(store_error)?;
    Ok((results, plan.head))
}

/// The batch being judged: what is stored (under the lock) plus what the batch added so far.
struct Plan {
    head: Position,
    /// Last version of each stream touched by the batch.
    versions: HashMap<String, u64>,
    /// What is stored (or being stored by this batch) under each event id of the batch.
    known: HashMap<Uuid, StoredIdentity>,
    rows: Rows,
}

/// The accepted events, column by column, for one `INSERT … SELECT FROM unnest(…)`.
#[derive(Default)]
struct Rows {
    position: Vec<i64>,
    stream: Vec<String>,
    version: Vec<i64>,
    event_id: Vec<Uuid>,
    event_type: Vec<String>,
    schema_version: Vec<i64>,
    payload: Vec<String>,
    causation_id: Vec<Option<Uuid>>,
    correlation_id: Vec<Option<Uuid>>,
    actor: Vec<Option<String>>,
    occurred_at: Vec<Option<DateTime<Utc>>>,
}

impl Plan {
    /// Judges one append exactly as every backend does (see `rules`), and queues its rows.
    fn append(&mut self, request: &AppendRequest) -> Result<AppendResult, StoreError> {
        let AppendRequest {
            stream,
            expected,
            events,
            ..
        } = request;
        rules::validate_append(events)?;
        let found: Vec<_> = events
            .iter()
            .map(|event| self.known.get(&event.event_id).cloned())
            .collect();
        if let Some(original) = rules::judge_retry(stream, events, &found)? {
            return Ok(original);
        }
        let actual = self.versions.get(stream.as_str()).copied();
        rules::check_expected(stream, *expected, actual)?;
        let first_version = rules::first_version(actual);
        let first_position = self.head.next();
        for (offset, event) in events.iter().enumerate() {
            let position = Position(first_position.0 + offset as u64);
            let version = first_version + offset as u64;
            self.known.insert(
                event.event_id,
                StoredIdentity {
                    stream_id: stream.as_str().to_owned(),
                    stream_version: version,
                    position,
                    event_type: event.event_type.clone(),
                    payload: event.payload.as_str().to_owned(),
                },
            );
            let rows = &mut self.rows;
            rows.position.push(to_i64(position.0));
            rows.stream.push(stream.as_str().to_owned());
            rows.version.push(to_i64(version));
            rows.event_id.push(event.event_id);
            rows.event_type.push(event.event_type.clone());
            rows.schema_version.push(i64::from(event.schema_version));
            rows.payload.push(event.payload.as_str().to_owned());
            rows.causation_id.push(event.metadata.causation_id);
            rows.correlation_id.push(event.metadata.correlation_id);
            rows.actor.push(event.metadata.actor.clone());
            rows.occurred_at.push(event.metadata.occurred_at);
        }
        let count = events.len() as u64;
        self.head = Position(first_position.0 + count - 1);
        self.versions
            .insert(stream.as_str().to_owned(), first_version + count - 1);
        Ok(AppendResult {
            first_position,
            last_position: self.head,
            next_expected_version: first_version + count - 1,
        })
    }
}
