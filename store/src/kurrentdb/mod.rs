//! The KurrentDB backend (formerly EventStoreDB), for an OEM whose volume outgrows one machine:
//! a clustered event store reached through its official gRPC client, the `kurrentdb` crate.
//!
//! - **Streams** map 1:1 to aggregate streams (optionally under a name prefix, which the
//!   contract tests use so runs against one server never meet).
//! - **Expected versions** map to the client's `StreamState` (`Any`, `NoStream`,
//!   `StreamRevision(n)`); the server's wrong-expected-version answer becomes
//!   [`StoreError::WrongExpectedVersion`] unless the batch's ids are found stored (below). An
//!   `Any` append never gets it: the server gives that answer to an `Any` batch only when part
//!   of it is stored in the stream, so the stream is searched and the batch judged instead.
//! - **Event ids** are passed through, so the server's own idempotency applies; the append then
//!   reads its events back (or, for a refused `Any` append, searches the stream's newest
//!   4,096 events for them) and judges them (`judge.rs`) to return the port's
//!   [`AppendResult`], the original one for an idempotent retry, or
//!   [`StoreError::DuplicateEventId`] naming an id that is stored in the stream (one with other
//!   content, if any).
//! - **`read_all` / `subscribe_all`** read `$all` with a server-side filter that leaves out
//!   system streams (`$`-prefixed); the port's [`Position`] is the event's **prepare** position,
//!   unique and increasing in `$all` order but **not contiguous** (byte offsets in the log).
//! - **Metadata** (causation, correlation, actor) and the schema version travel in each event's
//!   custom metadata JSON; `recorded_at` is the server's commit time.
//! - **Reconnection:** the client finds the leader again by itself (gossip discovery,
//!   `nodePreference=leader` in the URL); on top of it every request is retried with a bounded
//!   backoff on a leader change or a lost connection, and the live head follower resubscribes.
//!
//! The decisions, and what differs from SQLite and PostgreSQL, are recorded in
//! `docs/decisions/0004-kurrentdb-backend.md`. **No test in this repository has run against a
//! live KurrentDB server yet**: set `OTD_TEST_KURRENTDB_URL` to run the contract suite.

mod judge;
mod mapping;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kurrentdb::{
    AppendToStreamOptions, Client, ClientSettings, EventData, ReadAllOptions, ReadStreamOptions,
    StreamPosition, SubscribeToAllOptions, SubscriptionFilter,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::StoreError;
use crate::event::{
    AppendResult, ExpectedVersion, NewEvent, Payload, Position, RecordedEvent, StreamId,
};
use crate::subscription::{advance_head, Subscription};
use crate::EventStore;
use mapping::StoredMetadata;

/// How many times a request is sent in all when the leader changes or the connection drops.
const ATTEMPTS: u32 = 6;
/// The first pause between two attempts; it doubles each time (50 ms … 1.6 s, ~3 s in all).
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
/// How many (prepare → commit) pairs the store remembers to resume `$all` reads exactly.
const KNOWN_POSITIONS: usize = 65_536;
/// How many of a stream's newest events an `Any` append that the server refused is judged
/// against (see `KurrentDbStore::find_ids`).
const SEARCH_LIMIT: usize = 4_096;

/// The event log in a KurrentDB server or cluster. Cloning gives another handle to the same
/// store; its live head follower stops when the last handle is dropped.
#[derive(Clone)]
pub struct KurrentDbStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    prefix: String,
    head: Arc<watch::Sender<Position>>,
    commits: Arc<Mutex<BTreeMap<u64, u64>>>,
    follower: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(mut follower) = self.follower.lock() {
            if let Some(task) = follower.take() {
                task.abort();
            }
        }
    }
}

impl KurrentDbStore {
    /// Connects to the server or cluster named by `url`, a KurrentDB connection string such as
    /// `kurrentdb+discover://admin:changeit@node1:2113?nodePreference=leader` (the `esdb://`
    /// forms are accepted too). Every stream name is written under `stream_prefix` (empty for
    /// none; it may not start with `$`), and `$all` is read only for streams under it.
    ///
    /// Errors: [`StoreError::Unavailable`] when the URL is malformed or the server cannot be
    /// reached; [`StoreError::InvalidStreamId`] for a prefix starting with `$`.
    pub async fn connect(url: &str, stream_prefix: &str) -> Result<Self, StoreError> {
        if stream_prefix.starts_with('$') {
            return Err(StoreError::InvalidStreamId {
                stream: stream_prefix.chars().take(201).collect(),
                reason: "a KurrentDB stream prefix may not start with '$' (system streams)",
            });
        }
        let settings: ClientSettings = url
            .parse()
            .map_err(|err| StoreError::Unavailable(format!("bad KurrentDB URL: {err}")))?;
        let client = Client::new(settings)
            .map_err(|err| StoreError::Unavailable(format!("KurrentDB client: {err}")))?;
        let store = Self {
            inner: Arc::new(Inner {
                client,
                prefix: stream_prefix.to_owned(),
                head: Arc::new(watch::channel(Position::START).0),
                commits: Arc::new(Mutex::new(BTreeMap::new())),
                follower: Mutex::new(None),
            }),
        };
        let head = store.head().await?;
        store.inner.head.send_replace(head);
        let follower = tokio::spawn(follow_head(
            store.inner.client.clone(),
            store.filter(),
            Arc::clone(&store.inner.head),
        ));
        if let Ok(mut slot) = store.inner.follower.lock() {
            *slot = Some(follower);
        }
        Ok(store)
    }

    /// The server-side `$all` filter: the streams under the prefix, or every stream whose
    /// name does not start with `$` (system streams).
    fn filter(&self) -> SubscriptionFilter {
        if self.inner.prefix.is_empty() {
            SubscriptionFilter::on_stream_name().exclude_system_events()
        } else {
            SubscriptionFilter::on_stream_name().add_prefix(&self.inner.prefix)
        }
    }

    fn server_stream(&self, stream: &StreamId) -> String {
        format!("{}{}", self.inner.prefix, stream.as_str())
    }

    /// Remembers the commit position of an event, to resume `$all` right after it.
    fn remember(&self, server: kurrentdb::Position) {
        if let Ok(mut commits) = self.inner.commits.lock() {
            commits.insert(server.prepare, server.commit);
            while commits.len() > KNOWN_POSITIONS {
                commits.pop_first();
            }
        }
    }

    fn known_commit(&self, after: Position) -> Option<u64> {
        self.inner
            .commits
            .lock()
            .ok()
            .and_then(|commits| commits.get(&after.0).copied())
    }

    /// Turns an event read from the server into the port's, or `None` for an event otd does
    /// not own (a system event type, a stream outside the prefix).
    fn recorded(
        &self,
        resolved: kurrentdb::ResolvedEvent,
    ) -> Result<Option<RecordedEvent>, StoreError> {
        let Some(event) = resolved.event else {
            return Ok(None);
        };
        let Some(name) = event.stream_id().strip_prefix(self.inner.prefix.as_str()) else {
            return Ok(None);
        };
        if event.event_type.starts_with('$') || name.starts_with('$') || name.is_empty() {
            return Ok(None);
        }
        let stored = StoredMetadata::parse(&event.custom_metadata)?;
        let payload = std::str::from_utf8(&event.data).map_err(|err| {
            StoreError::Corrupt(format!("an event's payload is not UTF-8: {err}"))
        })?;
        self.remember(event.position);
        Ok(Some(RecordedEvent {
            stream_id: StreamId::trusted(name),
            stream_version: event.revision,
            position: mapping::position(event.position),
            event_id: event.id,
            event_type: event.event_type.clone(),
            schema_version: stored.schema_version,
            payload: Payload::trusted(payload),
            metadata: stored.metadata(),
            recorded_at: mapping::recorded_at(event.created),
        }))
    }

    /// Sends `events` once (with the transient-failure retries).
    async fn send(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<Result<kurrentdb::WriteResult, Option<u64>>, StoreError> {
        let options =
            AppendToStreamOptions::default().stream_state(mapping::stream_state(expected));
        let data = events
            .iter()
            .map(event_data)
            .collect::<Result<Vec<_>, _>>()?;
        let answer = retrying(|| {
            self.inner
                .client
                .append_to_stream(stream, &options, data.clone())
        })
        .await;
        match answer {
            Ok(written) => Ok(Ok(written)),
            Err(kurrentdb::Error::WrongExpectedVersion { current, .. }) => {
                Ok(Err(mapping::actual_version(current)))
            }
            Err(err) => Err(mapping::store_error(err)),
        }
    }

    /// The newest events of `stream` carrying the ids of `events`, found by reading the stream
    /// backwards from its end, at most [`SEARCH_LIMIT`] events (an `Any` append names no
    /// version to look at).
    async fn find_ids(
        &self,
        stream: &StreamId,
        events: &[NewEvent],
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let name = self.server_stream(stream);
        let options = ReadStreamOptions::default()
            .backwards()
            .position(StreamPosition::End)
            .max_count(SEARCH_LIMIT);
        let mut reader = retrying(|| self.inner.client.read_stream(name.as_str(), &options))
            .await
            .map_err(mapping::store_error)?;
        let mut search = judge::Search::new(events);
        loop {
            match reader.next().await {
                Ok(Some(resolved)) => {
                    if let Some(event) = self.recorded(resolved)? {
                        if search.take(event) {
                            break;
                        }
                    }
                }
                Ok(None) | Err(kurrentdb::Error::ResourceNotFound) => break,
                Err(err) => return Err(mapping::store_error(err)),
            }
        }
        Ok(search.found())
    }
}

/// The client's event for a new one: its id, type, JSON payload (as written) and otd's custom
/// metadata.
fn event_data(event: &NewEvent) -> Result<EventData, StoreError> {
    let metadata = serde_json::to_vec(&StoredMetadata::new(&event.metadata, event.schema_version))
        .map_err(|err| StoreError::InvalidPayload(err.to_string()))?;
    let data = EventData::json(event.event_type.as_str(), &event.payload)
        .map_err(|err| StoreError::InvalidPayload(err.to_string()))?;
    Ok(data.id(event.event_id).metadata(metadata.into()))
}

/// Runs `request` until it succeeds, fails for good, or [`ATTEMPTS`] transient failures (a
/// leader change, a lost connection) have passed, pausing 50 ms, 100 ms, … in between. The
/// client rediscovers the leader by itself meanwhile.
async fn retrying<T, F, Fut>(mut request: F) -> kurrentdb::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = kurrentdb::Result<T>>,
{
    let mut pause = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        match request().await {
            Err(err) if attempt < ATTEMPTS && mapping::is_transient(&err) => {
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            answer => return answer,
        }
    }
}

/// Follows `$all` live from its end and publishes the position of each new event on `head`,
/// which wakes the port's [`Subscription`]s (they then read pages with `read_all`, so a
/// reconnection never loses or repeats an event: they resume after the last one delivered).
/// On a failure it waits and subscribes again from the end, after catching the head up.
async fn follow_head(
    client: Client,
    filter: SubscriptionFilter,
    head: Arc<watch::Sender<Position>>,
) {
    let mut pause = FIRST_BACKOFF;
    loop {
        let options = SubscribeToAllOptions::default()
            .position(StreamPosition::End)
            .filter(filter.clone());
        let mut subscription = client.subscribe_to_all(&options).await;
        let options = ReadAllOptions::default()
            .backwards()
            .position(StreamPosition::End)
            .filter(filter.clone())
            .max_count(1);
        if let Ok(mut last) = client.read_all(&options).await {
            if let Ok(Some(event)) = last.next().await {
                publish(&head, event);
            }
        }
        while let Ok(event) = subscription.next().await {
            pause = FIRST_BACKOFF;
            publish(&head, event);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

fn publish(head: &watch::Sender<Position>, event: kurrentdb::ResolvedEvent) {
    if let Some(event) = event.event {
        let position = mapping::position(event.position);
        advance_head(head, position);
    }
}

#[async_trait]
impl EventStore for KurrentDbStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        crate::rules::validate_append(&events)?;
        let count = events.len() as u64;
        let name = self.server_stream(stream);
        let result = match self.send(&name, expected, &events).await? {
            Ok(written) => {
                // The server acknowledges a fresh write, or (its own idempotency) a retry; the
                // events it names are read back and judged like a retry on the other backends.
                let first = (written.next_expected_version + 1).saturating_sub(count);
                let window = self.read_stream(stream, first, events.len()).await?;
                let stored = judge::judge(&events, &window)?.ok_or_else(|| {
                    StoreError::Backend(format!(
                        "KurrentDB acknowledged an append to {stream} whose events are not \
                         where it said"
                    ))
                })?;
                mapping::with_written_position(stored, written.position)
            }
            Err(actual) => {
                // A conflict may be a retry of an append that is already stored: with
                // `NoStream`/`Exact(v)` where `expected` said (version 0 or v + 1); with `Any`
                // the server only answers so when the batch's first id is stored in this
                // stream and a later one is not ("corrupted idempotency"), so the stream is
                // searched for the ids.
                let stored = match expected {
                    ExpectedVersion::NoStream => self.read_stream(stream, 0, events.len()).await?,
                    ExpectedVersion::Exact(version) => {
                        self.read_stream(stream, version.saturating_add(1), events.len())
                            .await?
                    }
                    ExpectedVersion::Any => self.find_ids(stream, &events).await?,
                };
                judge::judge_conflict(stream, expected, actual, &events, &stored)?
            }
        };
        advance_head(&self.inner.head, result.last_position);
        Ok(result)
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let name = self.server_stream(stream);
        let options = ReadStreamOptions::default()
            .forwards()
            .position(StreamPosition::Position(from_version))
            .max_count(limit);
        let mut reader = retrying(|| self.inner.client.read_stream(name.as_str(), &options))
            .await
            .map_err(mapping::store_error)?;
        let mut events = Vec::new();
        loop {
            match reader.next().await {
                Ok(Some(resolved)) => {
                    if let Some(event) = self.recorded(resolved)? {
                        events.push(event);
                    }
                }
                Ok(None) | Err(kurrentdb::Error::ResourceNotFound) => return Ok(events),
                Err(err) => return Err(mapping::store_error(err)),
            }
        }
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events = Vec::new();
        let mut from = after;
        while events.len() < limit {
            let start = if from == Position::START {
                StreamPosition::Start
            } else {
                StreamPosition::Position(mapping::resume_from(from, self.known_commit(from)))
            };
            // One more than asked: the server may hand back the event at `from` itself.
            let wanted = (limit - events.len()).saturating_add(1);
            let options = ReadAllOptions::default()
                .forwards()
                .position(start)
                .filter(self.filter())
                .max_count(wanted);
            let mut reader = retrying(|| self.inner.client.read_all(&options))
                .await
                .map_err(mapping::store_error)?;
            let mut raw = 0;
            let mut furthest = from;
            loop {
                match reader.next().await {
                    Ok(Some(resolved)) => {
                        raw += 1;
                        let Some(server) = resolved.event.as_ref().map(|event| event.position)
                        else {
                            continue;
                        };
                        let position = mapping::position(server);
                        if position <= from {
                            continue;
                        }
                        furthest = furthest.max(position);
                        if let Some(event) = self.recorded(resolved)? {
                            if events.len() < limit {
                                events.push(event);
                            }
                        }
                    }
                    Ok(None) => break,
                    Err(err) => return Err(mapping::store_error(err)),
                }
            }
            // A short page is the end of the log; a full one that was all filtered out client
            // side (system event types) goes on from where it stopped.
            if raw < wanted || furthest == from {
                break;
            }
            from = furthest;
        }
        Ok(events)
    }

    fn subscribe_all(&self, after: Position) -> Subscription {
        Subscription::new(Arc::new(self.clone()), self.inner.head.subscribe(), after)
    }

    async fn head(&self) -> Result<Position, StoreError> {
        let options = ReadAllOptions::default()
            .backwards()
            .position(StreamPosition::End)
            .filter(self.filter())
            .max_count(1);
        let mut reader = retrying(|| self.inner.client.read_all(&options))
            .await
            .map_err(mapping::store_error)?;
        match reader.next().await {
            Ok(Some(resolved)) => Ok(resolved
                .event
                .map_or(Position::START, |event| mapping::position(event.position))),
            Ok(None) => Ok(Position::START),
            Err(err) => Err(mapping::store_error(err)),
        }
    }
}
