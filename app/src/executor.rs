//! Running one command against one aggregate: load, decide, append, retry.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

    /// Loads `stream`, decides `command(state)` and appends the events with
    /// the version it read; on a version conflict it reads the new events
    /// and decides again, up to [`MAX_ATTEMPTS`] times.
    ///
    /// `command` is called once per attempt with the current state, so a
    /// command can depend on what it finds (e.g. the next invoice number).
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
        for _ in 0..MAX_ATTEMPTS {
            let (state, version) = self.load::<A>(&stream_id).await?;
            let now = self.clock.now();
            let ctx = Context::new(now, &self.catalog);
            let events =
                A::decide(&state, command(&state), &ctx).map_err(CommandError::Rejected)?;
            if events.is_empty() {
                self.remember::<A>(stream, version, state.clone());
                return Ok(Executed {
                    events,
                    state,
                    position: None,
                });
            }
            let new = events
                .iter()
                .map(|e| encode(e, metadata))
                .collect::<Result<Vec<_>, _>>()?;
            let expected = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
            match self.store.append(&stream_id, expected, new).await {
                Ok(result) => {
                    let state = events.iter().fold(state, A::evolve);
                    let version = Some(result.next_expected_version);
                    self.remember::<A>(stream, version, state.clone());
                    return Ok(Executed {
                        events,
                        state,
                        position: Some(result.last_position),
                    });
                }
                Err(StoreError::WrongExpectedVersion { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CommandError::Conflict {
            attempts: MAX_ATTEMPTS,
        })
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
