//! The in-memory backend, for unit tests: same rules, no durability.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{SubsecRound, Utc};
use tokio::sync::watch;
use uuid::Uuid;

use crate::error::StoreError;
use crate::event::{AppendResult, ExpectedVersion, NewEvent, Position, RecordedEvent, StreamId};
use crate::rules::{self, StoredIdentity};
use crate::subscription::{advance_head, Subscription};
use crate::EventStore;

/// An event log held in memory. Cloning gives another handle to the same log.
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    log: Mutex<Log>,
    head: watch::Sender<Position>,
}

#[derive(Default)]
struct Log {
    /// Event at position `p` is at index `p - 1`.
    events: Vec<RecordedEvent>,
    /// For each stream, the indexes of its events in version order.
    streams: HashMap<StreamId, Vec<usize>>,
    /// The index of each stored event id.
    ids: HashMap<Uuid, usize>,
}

impl MemoryStore {
    /// An empty log.
    pub fn new() -> Self {
        let (head, _) = watch::channel(Position::START);
        Self {
            inner: Arc::new(Inner {
                log: Mutex::new(Log::default()),
                head,
            }),
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        // A panic while holding the lock cannot leave the log half-written (appends push only
        // after every check), so a poisoned lock is still safe to use.
        self.inner
            .log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl Log {
    fn identity(&self, event_id: &Uuid) -> Option<StoredIdentity> {
        let event = &self.events[*self.ids.get(event_id)?];
        Some(StoredIdentity {
            stream_id: event.stream_id.as_str().to_owned(),
            stream_version: event.stream_version,
            position: event.position,
            event_type: event.event_type.clone(),
            payload: event.payload.as_str().to_owned(),
        })
    }

    fn append(
        &mut self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        rules::validate_append(&events)?;
        let found: Vec<_> = events
            .iter()
            .map(|event| self.identity(&event.event_id))
            .collect();
        if let Some(original) = rules::judge_retry(stream, &events, &found)? {
            return Ok(original);
        }
        let actual = self
            .streams
            .get(stream)
            .map(|indexes| indexes.len() as u64 - 1);
        rules::check_expected(stream, expected, actual)?;
        let first_version = rules::first_version(actual);
        let first_position = Position(self.events.len() as u64 + 1);
        let recorded_at = Utc::now().trunc_subsecs(6);
        let count = events.len() as u64;
        for (offset, event) in events.into_iter().enumerate() {
            let index = self.events.len();
            self.ids.insert(event.event_id, index);
            self.streams.entry(stream.clone()).or_default().push(index);
            self.events.push(RecordedEvent {
                stream_id: stream.clone(),
                stream_version: first_version + offset as u64,
                position: Position(index as u64 + 1),
                event_id: event.event_id,
                event_type: event.event_type,
                schema_version: event.schema_version,
                payload: event.payload,
                metadata: event.metadata,
                recorded_at,
            });
        }
        Ok(AppendResult {
            first_position,
            last_position: Position(first_position.0 + count - 1),
            next_expected_version: first_version + count - 1,
        })
    }
}

#[async_trait]
impl EventStore for MemoryStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        let result = self.log().append(stream, expected, events)?;
        advance_head(&self.inner.head, result.last_position);
        Ok(result)
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let log = self.log();
        let Some(indexes) = log.streams.get(stream) else {
            return Ok(Vec::new());
        };
        let from = usize::try_from(from_version).unwrap_or(usize::MAX);
        Ok(indexes
            .iter()
            .skip(from)
            .take(limit)
            .map(|&index| log.events[index].clone())
            .collect())
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let log = self.log();
        let from = usize::try_from(after.0).unwrap_or(usize::MAX);
        Ok(log.events.iter().skip(from).take(limit).cloned().collect())
    }

    fn subscribe_all(&self, after: Position) -> Subscription {
        Subscription::new(Arc::new(self.clone()), self.inner.head.subscribe(), after)
    }

    async fn head(&self) -> Result<Position, StoreError> {
        Ok(Position(self.log().events.len() as u64))
    }
}
