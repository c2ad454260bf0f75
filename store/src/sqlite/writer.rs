//! The single writer: one thread that owns the write connection and group-commits the appends
//! of many concurrent callers into one transaction.
//!
//! Each batch is one `BEGIN IMMEDIATE … COMMIT`, so the many callers share one fsync. Inside
//! it, every multi-event append runs in its own SAVEPOINT (a single-event append is one
//! statement, which SQLite undoes on its own): an append that is rejected (wrong expected
//! version, duplicate id) is rolled back alone and answered with its own error, while the
//! others commit. Only a failure of the database itself (disk full, lock, I/O) fails the
//! whole batch, and then nothing of it is stored. Positions are assigned here, in order, so
//! global order is commit order and has no gaps.
//!
//! All transaction logic lives in this module, so that statements which must commit together
//! with a batch (e.g. a projection and its checkpoint) can later be added in `write_batch`,
//! between the appends and the `COMMIT`.

use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::{oneshot, watch};

use super::errors::{is_unique_violation, store_error};
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

/// How much one transaction may take: enough to amortise the fsync, small enough to keep the
/// latency of the first caller in the batch low.
const MAX_BATCH_EVENTS: usize = 20_000;

/// Why one append did not go through.
enum Failure {
    /// The append itself was refused; the rest of the batch goes on.
    Rejected(StoreError),
    /// The database failed; the whole batch is rolled back.
    Fatal(StoreError),
}

/// The writer thread's state.
pub(crate) struct Writer {
    conn: Connection,
    path: PathBuf,
    head: Arc<watch::Sender<Position>>,
}

impl Writer {
    pub(crate) fn new(conn: Connection, path: PathBuf, head: Arc<watch::Sender<Position>>) -> Self {
        Self { conn, path, head }
    }

    /// Serves appends until every sender is gone.
    pub(crate) fn run(mut self, requests: mpsc::Receiver<AppendRequest>) {
        while let Ok(first) = requests.recv() {
            let mut events = first.events.len();
            let mut batch = vec![first];
            while events < MAX_BATCH_EVENTS {
                let Ok(next) = requests.try_recv() else { break };
                events += next.events.len();
                batch.push(next);
            }
            self.commit_batch(batch);
        }
    }

    fn commit_batch(&mut self, batch: Vec<AppendRequest>) {
        match self.write_batch(&batch) {
            Ok((results, head)) => {
                advance_head(&self.head, head);
                for (request, result) in batch.into_iter().zip(results) {
                    // A caller that stopped waiting has nothing to be told.
                    let _ = request.reply.send(result);
                }
            }
            Err(failure) => {
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                for request in batch {
                    let _ = request.reply.send(Err(failure.clone()));
                }
            }
        }
    }

    /// Stores a batch in one transaction; returns each append's result and the new head.
    fn write_batch(
        &mut self,
        batch: &[AppendRequest],
    ) -> Result<(Vec<Result<AppendResult, StoreError>>, Position), StoreError> {
        let path = self.path.clone();
        let err = |err| store_error(err, &path);
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
        // Read, not cached: another process may have appended to the same file.
        let mut head = Position(
            self.conn
                .query_row("SELECT coalesce(max(position), 0) FROM events", [], |row| {
                    row.get(0)
                })
                .map_err(err)?,
        );
        let recorded_at = Utc::now().timestamp_micros();
        let mut results = Vec::with_capacity(batch.len());
        for request in batch {
            results.push(self.append_one(request, &mut head, recorded_at)?);
        }
        self.conn.execute_batch("COMMIT").map_err(err)?;
        Ok((results, head))
    }

    /// Runs one append in its own savepoint. The outer error fails the whole batch.
    ///
    /// A single-event append needs no savepoint: it writes one row, and a failing INSERT is
    /// undone by SQLite on its own (statement rollback), leaving the transaction intact.
    fn append_one(
        &mut self,
        request: &AppendRequest,
        head: &mut Position,
        recorded_at: i64,
    ) -> Result<Result<AppendResult, StoreError>, StoreError> {
        if let Err(invalid) = rules::validate_append(&request.events) {
            return Ok(Err(invalid));
        }
        let guarded = request.events.len() > 1;
        if guarded {
            self.execute("SAVEPOINT append")?;
        }
        let start = *head;
        match self.try_append(request, head, recorded_at, guarded) {
            Ok(result) => {
                if guarded {
                    self.execute("RELEASE append")?;
                }
                Ok(Ok(result))
            }
            Err(Failure::Rejected(rejection)) => {
                *head = start;
                if guarded {
                    self.execute("ROLLBACK TO append")?;
                    self.execute("RELEASE append")?;
                }
                Ok(Err(rejection))
            }
            Err(Failure::Fatal(fatal)) => Err(fatal),
        }
    }

    /// Runs a statement without parameters, prepared once.
    fn execute(&self, sql: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute([]))
            .map(drop)
            .map_err(|err| store_error(err, &self.path))
    }

    fn try_append(
        &self,
        request: &AppendRequest,
        head: &mut Position,
        recorded_at: i64,
        guarded: bool,
    ) -> Result<AppendResult, Failure> {
        let fatal = |err| self.fatal(err);
        let AppendRequest {
            stream,
            expected,
            events,
            ..
        } = request;
        let actual: Option<u64> = self
            .conn
            .prepare_cached("SELECT max(stream_version) FROM events WHERE stream_id = ?1")
            .and_then(|mut statement| statement.query_row([stream.as_str()], |row| row.get(0)))
            .map_err(fatal)?;
        if let Err(conflict) = rules::check_expected(stream, *expected, actual) {
            return match self.judge_retry(stream, events)? {
                Some(original) => Ok(original),
                None => Err(Failure::Rejected(conflict)),
            };
        }
        let first_version = rules::first_version(actual);
        let first_position = head.next();
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, \
             payload, causation_id, correlation_id, actor, recorded_at, occurred_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .map_err(fatal)?;
        for (offset, event) in events.iter().enumerate() {
            let inserted = insert.execute(params![
                first_position.0 + offset as u64,
                stream.as_str(),
                first_version + offset as u64,
                event.event_id.as_bytes(),
                event.event_type,
                event.schema_version,
                event.payload.as_str(),
                event.metadata.causation_id.as_ref().map(|id| id.as_bytes()),
                event
                    .metadata
                    .correlation_id
                    .as_ref()
                    .map(|id| id.as_bytes()),
                event.metadata.actor,
                recorded_at,
                event.metadata.occurred_at.map(|at| at.timestamp_micros()),
            ]);
            match inserted {
                Ok(_) => {}
                Err(unique) if is_unique_violation(&unique) => {
                    drop(insert);
                    // Undo the events inserted so far before looking at what is stored.
                    if guarded {
                        self.conn
                            .execute_batch("ROLLBACK TO append")
                            .map_err(fatal)?;
                    }
                    return match self.judge_retry(stream, events)? {
                        Some(original) => Ok(original),
                        None => Err(Failure::Fatal(StoreError::Backend(format!(
                            "unexpected unique violation appending to {stream}: {unique}"
                        )))),
                    };
                }
                Err(other) => return Err(fatal(other)),
            }
        }
        let count = events.len() as u64;
        *head = Position(first_position.0 + count - 1);
        Ok(AppendResult {
            first_position,
            last_position: *head,
            next_expected_version: first_version + count - 1,
        })
    }

    /// Looks up the append's event ids and judges it as a possible retry.
    fn judge_retry(
        &self,
        stream: &StreamId,
        events: &[NewEvent],
    ) -> Result<Option<AppendResult>, Failure> {
        let fatal = |err| self.fatal(err);
        let mut lookup = self
            .conn
            .prepare_cached("SELECT stream_id, stream_version, position, event_type, payload FROM events WHERE event_id = ?1")
            .map_err(fatal)?;
        let mut found = Vec::with_capacity(events.len());
        for event in events {
            let stored = lookup
                .query_row([event.event_id.as_bytes()], |row| {
                    Ok(StoredIdentity {
                        stream_id: row.get(0)?,
                        stream_version: row.get(1)?,
                        position: Position(row.get(2)?),
                        event_type: row.get(3)?,
                        payload: row.get(4)?,
                    })
                })
                .optional()
                .map_err(fatal)?;
            found.push(stored);
        }
        rules::judge_retry(stream, events, &found).map_err(Failure::Rejected)
    }

    fn fatal(&self, err: rusqlite::Error) -> Failure {
        Failure::Fatal(store_error(err, &self.path))
    }
}
