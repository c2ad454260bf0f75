//! Running one command against one aggregate: load, decide, append, retry.

mod cache;

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::SubsecRound;
use domain::catalog::Catalog;
use domain::streams::{stream_name, Aggregate};
use domain::{Context, Decider};
use store::{EventStore, ExpectedVersion, Metadata, Position, StoreError, StreamId};

use crate::codec::{decode, encode};
use crate::{Clock, CommandError};
use cache::Caches;

/// How often a command is decided again after a version conflict before
/// giving up with [`CommandError::Conflict`].
pub const MAX_ATTEMPTS: u32 = 8;

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

/// What an attempt decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis {
    /// The state this executor last saw, which may be stale: an attempt on
    /// it gives up (and is decided again on [`Basis::Stored`]) instead of
    /// refusing or doing nothing.
    Cached,
    /// The state read from the store: its outcome is the answer.
    Stored,
}

/// What one attempt at a command came to.
enum Attempt<A: Decider> {
    Done(Executed<A>),
    /// Decide again on the state read from the store.
    Again,
}

/// Runs commands against the event store. Cheap to clone; share one per
/// process so its cache of aggregate states is shared too.
#[derive(Clone)]
pub struct Executor {
    store: Arc<dyn EventStore>,
    catalog: Arc<Catalog>,
    clock: Clock,
    cache: Arc<Mutex<Caches>>,
    /// Seals the billing identity of invoices (none: invoices carry none).
    vault: Option<crate::vault::Vault>,
}

impl Executor {
    pub fn new(store: Arc<dyn EventStore>, catalog: Arc<Catalog>, clock: Clock) -> Self {
        Executor {
            store,
            catalog,
            clock,
            cache: Arc::new(Mutex::new(Caches::default())),
            vault: None,
        }
    }

    /// This executor, sealing personal data of the documents it writes (an invoice's
    /// billing identity) with `vault`.
    pub fn with_vault(mut self, vault: crate::vault::Vault) -> Self {
        self.vault = Some(vault);
        self
    }

    /// The vault documents are sealed with, if any.
    pub fn vault(&self) -> Option<&crate::vault::Vault> {
        self.vault.as_ref()
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

    /// Decides `command(state)` on the current state of `A`'s instance `id` and appends
    /// the events with the version it was decided on; on a version conflict it reads the
    /// new events and decides again, up to [`MAX_ATTEMPTS`] times.
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
        id: &A::Id,
        metadata: &Metadata,
        command: impl Fn(&A::State) -> A::Command,
    ) -> Result<Executed<A>, CommandError<A::Error>>
    where
        A: Aggregate + 'static,
        A::State: Send + 'static,
    {
        let command = |state: &A::State| Ok(command(state));
        self.execute_guarded::<A, A::Error>(id, metadata, command, |_, _| Ok(()))
            .await
    }

    /// [`execute`](Self::execute), with the use case's own say on the same state: `command`
    /// may refuse before the aggregate decides (e.g. the caller may not act on what it
    /// finds, or it does not exist), and `approve` may hold back events the aggregate
    /// accepted (e.g. a step that must follow would refuse). Both are called on every
    /// attempt with the state that attempt decides on, so a use case loads once and
    /// authorizes on the very state its command is decided on. Their refusals are
    /// final only on the state read from the store, like the aggregate's.
    pub async fn execute_guarded<A, E>(
        &self,
        id: &A::Id,
        metadata: &Metadata,
        command: impl Fn(&A::State) -> Result<A::Command, CommandError<E>>,
        approve: impl Fn(&A::State, &[A::Event]) -> Result<(), CommandError<E>>,
    ) -> Result<Executed<A>, CommandError<E>>
    where
        A: Aggregate + 'static,
        A::State: Send + 'static,
        A::Error: Into<E>,
    {
        let stream = StreamId::parse(stream_name::<A>(id))?;
        let guards = (&command, &approve);
        let (state, version) = self.lock().get::<A>(id);
        let first = (state, version, Basis::Cached);
        if let Attempt::Done(done) = self
            .attempt::<A, E, _, _>(id, &stream, metadata, guards, first)
            .await?
        {
            return Ok(done);
        }
        for _ in 0..MAX_ATTEMPTS {
            let (state, version) = self
                .read::<A>(id, &stream)
                .await
                .map_err(|e| e.map_rejection(Into::into))?;
            let basis = (state, version, Basis::Stored);
            if let Attempt::Done(done) = self
                .attempt::<A, E, _, _>(id, &stream, metadata, guards, basis)
                .await?
            {
                return Ok(done);
            }
        }
        Err(CommandError::Conflict {
            attempts: MAX_ATTEMPTS,
        })
    }

    /// Decides on `state` (folded to `version`) and appends. An attempt on the
    /// [`Basis::Cached`] state gives up instead of refusing or doing nothing.
    async fn attempt<A, E, C, G>(
        &self,
        id: &A::Id,
        stream: &StreamId,
        metadata: &Metadata,
        (command, approve): (&C, &G),
        (state, version, basis): (A::State, Option<u64>, Basis),
    ) -> Result<Attempt<A>, CommandError<E>>
    where
        A: Aggregate + 'static,
        A::State: Send + 'static,
        A::Error: Into<E>,
        C: Fn(&A::State) -> Result<A::Command, CommandError<E>>,
        G: Fn(&A::State, &[A::Event]) -> Result<(), CommandError<E>>,
    {
        let speculative = basis == Basis::Cached;
        let now = self.clock.now();
        let ctx = Context::new(now, &self.catalog);
        let decided = command(&state).and_then(|command| {
            let events = A::decide(&state, command, &ctx)
                .map_err(|rejection| CommandError::Rejected(rejection.into()))?;
            approve(&state, &events).map(|()| events)
        });
        let events = match decided {
            Ok(events) if events.is_empty() && speculative => return Ok(Attempt::Again),
            Err(_) if speculative => return Ok(Attempt::Again),
            Ok(events) => events,
            Err(refusal) => return Err(refusal),
        };
        if events.is_empty() {
            self.lock().remember::<A>(id, version, state.clone());
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
                self.lock().remember::<A>(id, version, state.clone());
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

    /// The current state of `A`'s instance `id` and the stream version it is folded to
    /// (read from the store after the state last seen, which it then replaces: a command
    /// that follows decides first on this very state without reading it again).
    pub async fn load<A>(
        &self,
        id: &A::Id,
    ) -> Result<(A::State, Option<u64>), CommandError<A::Error>>
    where
        A: Aggregate + 'static,
        A::State: Send + 'static,
    {
        let stream = StreamId::parse(stream_name::<A>(id))?;
        let (state, version) = self.read::<A>(id, &stream).await?;
        self.lock().remember::<A>(id, version, state.clone());
        Ok((state, version))
    }

    /// The state last seen plus the events stored after it.
    async fn read<A>(
        &self,
        id: &A::Id,
        stream: &StreamId,
    ) -> Result<(A::State, Option<u64>), CommandError<A::Error>>
    where
        A: Aggregate + 'static,
        A::State: Send + 'static,
    {
        let (mut state, mut version) = self.lock().get::<A>(id);
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

    fn lock(&self) -> MutexGuard<'_, Caches> {
        match self.cache.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}
