//! Running one command against one aggregate: load, decide, append, retry.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::SubsecRound;
use domain::catalog::Catalog;
use domain::streams::Aggregate;
use domain::{Context, Decider};
use store::{EventStore, ExpectedVersion, Metadata, Position, StoreError, StreamId};

use crate::codec::{decode, encode};
use crate::{Clock, CommandError};

/// How often a command is decided again after a version conflict before
/// giving up with [`CommandError::Conflict`].
pub const MAX_ATTEMPTS: u32 = 8;

/// Streams whose state is kept in memory between commands; past this the
/// cache is cleared (it is only a shortcut: the log is the truth).
const CACHE_LIMIT: usize = 200_000;

/// What a command did.
#[derive(Debug, Clone)]
pub struct Executed<A: Decider> {
    /// The events it appended (empty when the command changed nothing).
    pub events: Vec<A::Event>,
    /// The aggregate's state after them.
    pub state: A::State,
    /// The log position of the last appended event; `None` when nothing was
    /// appended.
    pub position: Option<Position>,
}

/// What one attempt at a command came to.
enum Attempt<A: Decider> {
    Done(Executed<A>),
    /// Decide again on the state read from the store.
    Again,
}

struct Cached {
    /// The stream version the state is folded up to (`None`: empty).
    version: Option<u64>,
    state: Box<dyn Any + Send>,
}

/// Runs commands against the event store. Cheap to clone; share one per
/// process so its cache of aggregate states is shared too.
#[derive(Clone)]
pub struct Executor {
    store: Arc<dyn EventStore>,
    catalog: Arc<Catalog>,
    clock: Clock,
    cache: Arc<Mutex<HashMap<String, Cached>>>,
}

impl Executor {
    pub fn new(store: Arc<dyn EventStore>, catalog: Arc<Catalog>, clock: Clock) -> Self {
        Executor {
            store,
            catalog,
            clock,
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Decides `command(state)` on the stream's current state and appends the events with
    /// the version it was decided on; on a version conflict it reads the new events and
    /// decides again, up to [`MAX_ATTEMPTS`] times.
    ///
    /// The first attempt is speculative: it decides on the state this executor last saw
    /// (an unknown stream as empty) without reading the store. The store's version check
    /// makes that safe: the append succeeds only if nothing was appended since, so the
    /// decision was taken on the current state. A speculative attempt that is refused,
    /// changes nothing or meets a conflict is repeated on the state read from the store, so
    /// callers only ever see a rejection decided on current state.
    ///
    /// `command` is called once per attempt with the state, so a command can depend on
    /// what it finds (e.g. the next invoice number).
    pub async fn execute<A>(
        &self,
        stream: &str,
        metadata: &Metadata,
        command: impl Fn(&A::State) -> A::Command,
    ) -> Result<Executed<A>, CommandError<A::Error>>
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let stream_id = StreamId::parse(stream)?;
        let (state, version) = self.cached::<A>(stream);
        if let Attempt::Done(done) = self
            .attempt::<A>(&stream_id, metadata, &command, state, version, true)
            .await?
        {
            return Ok(done);
        }
        for _ in 0..MAX_ATTEMPTS {
            let (state, version) = self.load::<A>(&stream_id).await?;
            if let Attempt::Done(done) = self
                .attempt::<A>(&stream_id, metadata, &command, state, version, false)
                .await?
            {
                return Ok(done);
            }
        }
        Err(CommandError::Conflict {
            attempts: MAX_ATTEMPTS,
        })
    }

    /// Decides on `state` (folded to `version`) and appends. A `speculative` attempt (on a
    /// state that may be stale) gives up instead of refusing or doing nothing.
    async fn attempt<A>(
        &self,
        stream: &StreamId,
        metadata: &Metadata,
        command: &impl Fn(&A::State) -> A::Command,
        state: A::State,
        version: Option<u64>,
        speculative: bool,
    ) -> Result<Attempt<A>, CommandError<A::Error>>
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let now = self.clock.now();
        let ctx = Context::new(now, &self.catalog);
        let events = match A::decide(&state, command(&state), &ctx) {
            Ok(events) if events.is_empty() && speculative => return Ok(Attempt::Again),
            Err(_) if speculative => return Ok(Attempt::Again),
            Ok(events) => events,
            Err(rejection) => return Err(CommandError::Rejected(rejection)),
        };
        if events.is_empty() {
            self.remember::<A>(stream.as_str(), version, state.clone());
            return Ok(Attempt::Done(Executed {
                events,
                state,
                position: None,
            }));
        }
        // The events happened at the business time they were decided at.
        let metadata = Metadata {
            occurred_at: Some(now.trunc_subsecs(6)),
            ..metadata.clone()
        };
        let new = events
            .iter()
            .map(|e| encode(e, &metadata))
            .collect::<Result<Vec<_>, _>>()?;
        let expected = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
        match self.store.append(stream, expected, new).await {
            Ok(result) => {
                let state = events.iter().fold(state, A::evolve);
                let version = Some(result.next_expected_version);
                self.remember::<A>(stream.as_str(), version, state.clone());
                Ok(Attempt::Done(Executed {
                    events,
                    state,
                    position: Some(result.last_position),
                }))
            }
            Err(StoreError::WrongExpectedVersion { .. }) => Ok(Attempt::Again),
            Err(e) => Err(e.into()),
        }
    }

    /// The current state of an aggregate and the version it is folded to.
    pub async fn load<A>(
        &self,
        stream: &StreamId,
    ) -> Result<(A::State, Option<u64>), CommandError<A::Error>>
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let (mut state, mut version) = self.cached::<A>(stream.as_str());
        loop {
            let from = version.map_or(0, |v| v + 1);
            let records = self.store.read_stream(stream, from, 1024).await?;
            let done = records.len() < 1024;
            for record in &records {
                let event: A::Event = decode(record).map_err(|e| CommandError::Corrupt {
                    stream: stream.to_string(),
                    reason: e.to_string(),
                })?;
                state = A::evolve(state, &event);
                version = Some(record.stream_version);
            }
            if done {
                return Ok((state, version));
            }
        }
    }

    fn cached<A>(&self, stream: &str) -> (A::State, Option<u64>)
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let cache = match self.cache.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        cache
            .get(stream)
            .and_then(|c| {
                c.state
                    .downcast_ref::<A::State>()
                    .map(|s| (s.clone(), c.version))
            })
            .unwrap_or_default()
    }

    fn remember<A>(&self, stream: &str, version: Option<u64>, state: A::State)
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let mut cache = match self.cache.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        let known = cache.get(stream).and_then(|c| c.version);
        if version >= known {
            cache.insert(
                stream.to_owned(),
                Cached {
                    version,
                    state: Box::new(state),
                },
            );
        }
    }
}
